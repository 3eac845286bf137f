//! The classic pcap savefile: a 24-byte file header, then records of a fixed-size header and
//! the captured bytes, back to back.
//!
//! The goal is to hand out exactly the frames libpcap 1.10 would (same caplen, wire length,
//! time stamp and bytes), because ntopng reads files through libpcap and users compare. That
//! means honouring the format's historical quirks:
//!
//! * both byte orders, micro- and nanosecond magics, and the "patched" (Kuznetzov) magic whose
//!   records carry 8 extra bytes;
//! * the link type is the low 26 bits of the header field (the high bits carry FCS details);
//! * files of version 2.0–2.2 (and DG/UX's 543.0) store caplen and len the other way round,
//!   and some 2.3 writers did too: for 2.3 the two are swapped when caplen > len;
//! * a record longer than the header's snaplen is accepted and cut to the snaplen (the rest is
//!   stepped over), as libpcap does for old Solaris files;
//! * sub-second fields at or above one second are converted as they are, not rejected.
//!
//! Where libpcap gives up, this reader does something defined instead: a record whose caplen
//! is beyond any sane limit is counted malformed and ends the walk (there is no way to find
//! the next record), and a record cut by the end of the file sets `truncated_tail`.

use super::bytes::{array_at, to_usize, Endian};
use super::{max_snaplen, FileStats};
use crate::{Frame, LinkType};

/// Magic of files with microsecond time stamps, as read in the writer's byte order.
const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
/// Magic of files with nanosecond time stamps.
const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// Magic of files from Alexey Kuznetzov's patched libpcap (microseconds, longer records).
const MAGIC_PATCHED: u32 = 0xa1b2_cd34;

/// File header layout.
pub(crate) const FILE_HEADER_LEN: usize = 24;
const OFF_VERSION_MAJOR: usize = 4;
const OFF_VERSION_MINOR: usize = 6;
const OFF_SNAPLEN: usize = 16;
const OFF_LINKTYPE: usize = 20;

/// Record header layout (the patched format appends interface index, protocol, packet type
/// and padding, which nothing here needs).
const RECORD_HEADER_LEN: usize = 16;
const PATCHED_RECORD_HEADER_LEN: usize = 24;
const OFF_TS_SEC: usize = 0;
const OFF_TS_FRACTION: usize = 4;
const OFF_CAPLEN: usize = 8;
const OFF_WIRE_LEN: usize = 12;

/// The header link-type field keeps the link type in its low 26 bits.
const LINKTYPE_MASK: u32 = 0x03FF_FFFF;
/// Ethernet headers the patched capturer added on top of the snaplen.
const PATCHED_ETHERNET_EXTRA: u32 = 14;

const NANOS_PER_SEC: u64 = 1_000_000_000;
const NANOS_PER_MICRO: u64 = 1_000;

/// How the caplen and len fields of the records are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LengthOrder {
    /// caplen, then len (version 2.4, and 2.3 when it looks right).
    Normal,
    /// len, then caplen (versions before 2.3, and 543.0).
    Swapped,
    /// Version 2.3: some writers swapped, some did not; caplen > len betrays a swap.
    MaybeSwapped,
}

/// Everything the record walker needs from the file header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PcapHeader {
    endian: Endian,
    /// Nanoseconds per unit of the record's sub-second field.
    nanos_per_fraction: u64,
    record_header_len: usize,
    lengths: LengthOrder,
    /// The snaplen field exactly as written.
    pub(crate) snaplen: u32,
    pub(crate) linktype: LinkType,
    /// Records longer than this are cut to it (libpcap's effective snapshot length).
    snapshot: u32,
    /// Records longer than this are nonsense: counted malformed, and the walk ends.
    max_caplen: u32,
}

/// True when the 4 bytes start a pcap file, in either byte order.
pub(crate) fn is_pcap_magic(magic: [u8; 4]) -> bool {
    magic_order(magic).is_some()
}

/// The magic number and the byte order it reveals.
fn magic_order(magic: [u8; 4]) -> Option<(u32, Endian)> {
    let known = |m: u32| matches!(m, MAGIC_MICROS | MAGIC_NANOS | MAGIC_PATCHED);
    let little = u32::from_le_bytes(magic);
    if known(little) {
        return Some((little, Endian::Little));
    }
    let big = u32::from_be_bytes(magic);
    known(big).then_some((big, Endian::Big))
}

/// Parses the file header. The error says why the bytes are not a readable pcap file.
pub(crate) fn parse_header(data: &[u8]) -> Result<PcapHeader, String> {
    let (magic, endian) =
        array_at::<4>(data, 0).and_then(magic_order).ok_or_else(|| "no pcap magic number".to_string())?;
    if data.len() < FILE_HEADER_LEN {
        return Err(format!("pcap file header cut short ({} of {FILE_HEADER_LEN} bytes)", data.len()));
    }
    let field32 = |offset| endian.u32_at(data, offset).unwrap_or(0);
    let field16 = |offset| endian.u16_at(data, offset).unwrap_or(0);
    let (major, minor) = (field16(OFF_VERSION_MAJOR), field16(OFF_VERSION_MINOR));
    let lengths = match (major, minor) {
        (2, 0..=2) | (543, 0) => LengthOrder::Swapped,
        (2, 3) => LengthOrder::MaybeSwapped,
        (2, 4) => LengthOrder::Normal,
        _ => return Err(format!("unsupported pcap version {major}.{minor}")),
    };
    let snaplen = field32(OFF_SNAPLEN);
    let linktype = LinkType(field32(OFF_LINKTYPE) & LINKTYPE_MASK);

    let type_max = max_snaplen(linktype);
    let mut snapshot = if snaplen == 0 { type_max } else { snaplen };
    let record_header_len = if magic == MAGIC_PATCHED {
        // Cooked captures of that patch put a fake Ethernet header on top of the snaplen.
        if linktype == LinkType::ETHERNET {
            snapshot = snapshot.saturating_add(PATCHED_ETHERNET_EXTRA);
        }
        PATCHED_RECORD_HEADER_LEN
    } else {
        RECORD_HEADER_LEN
    };
    Ok(PcapHeader {
        endian,
        nanos_per_fraction: if magic == MAGIC_NANOS { 1 } else { NANOS_PER_MICRO },
        record_header_len,
        lengths,
        snaplen,
        linktype,
        snapshot,
        max_caplen: type_max.max(snapshot),
    })
}

/// Walks the records of a pcap file in place.
pub(crate) struct PcapRecords<'a> {
    data: &'a [u8],
    /// Offset of the next record header; always `<= data.len()`.
    pos: usize,
    header: PcapHeader,
    done: bool,
}

impl<'a> PcapRecords<'a> {
    pub(crate) fn new(data: &'a [u8], header: PcapHeader) -> PcapRecords<'a> {
        PcapRecords { data, pos: FILE_HEADER_LEN.min(data.len()), header, done: false }
    }

    /// The next frame, or `None` at the end (clean or not: `stats` tells).
    #[inline]
    pub(crate) fn next(&mut self, stats: &mut FileStats) -> Option<Frame<'a>> {
        if self.done {
            return None;
        }
        let frame = self.read_record(stats);
        if frame.is_none() {
            self.done = true;
        }
        frame
    }

    #[inline]
    fn read_record(&mut self, stats: &mut FileStats) -> Option<Frame<'a>> {
        let (data, h) = (self.data, &self.header);
        let rest = data.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let Some(record) = rest.get(..h.record_header_len) else {
            stats.truncated_tail = true;
            return None;
        };
        let field = |offset| h.endian.u32_at(record, offset).unwrap_or(0);
        let (sec, fraction) = (field(OFF_TS_SEC), field(OFF_TS_FRACTION));
        let (mut caplen, mut wire_len) = (field(OFF_CAPLEN), field(OFF_WIRE_LEN));
        let swap = match h.lengths {
            LengthOrder::Normal => false,
            LengthOrder::Swapped => true,
            LengthOrder::MaybeSwapped => caplen > wire_len,
        };
        if swap {
            std::mem::swap(&mut caplen, &mut wire_len);
        }
        if caplen > h.max_caplen {
            stats.malformed = stats.malformed.saturating_add(1);
            return None;
        }
        let body = &rest[h.record_header_len..];
        let stored = to_usize(caplen);
        if stored > body.len() {
            stats.truncated_tail = true;
            return None;
        }
        let kept = stored.min(to_usize(h.snapshot));
        self.pos = self.pos.saturating_add(h.record_header_len).saturating_add(stored);
        // Records of big frames are far apart: fetch the next record's header and the frame
        // headers behind it while this frame is being processed.
        crate::file::prefetch(data, self.pos);
        Some(Frame {
            ts_ns: u64::from(sec)
                .saturating_mul(NANOS_PER_SEC)
                .saturating_add(u64::from(fraction).saturating_mul(h.nanos_per_fraction)),
            wire_len,
            linktype: h.linktype,
            data: &body[..kept],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: u32, major: u16, minor: u16, snaplen: u32, linktype: u32) -> Vec<u8> {
        let mut h = magic.to_le_bytes().to_vec();
        h.extend_from_slice(&major.to_le_bytes());
        h.extend_from_slice(&minor.to_le_bytes());
        h.extend_from_slice(&[0; 8]);
        h.extend_from_slice(&snaplen.to_le_bytes());
        h.extend_from_slice(&linktype.to_le_bytes());
        h
    }

    #[test]
    fn header_fields() {
        let h = parse_header(&header(MAGIC_NANOS, 2, 4, 0, 0x4000_0001)).unwrap();
        assert_eq!(h.linktype, LinkType::ETHERNET);
        assert_eq!(h.nanos_per_fraction, 1);
        assert_eq!(h.snaplen, 0);
        assert_eq!(h.snapshot, 262_144);
        assert_eq!(h.lengths, LengthOrder::Normal);
        let h = parse_header(&header(MAGIC_PATCHED, 2, 3, 100, 1)).unwrap();
        assert_eq!((h.record_header_len, h.snapshot, h.lengths), (24, 114, LengthOrder::MaybeSwapped));
        assert!(parse_header(&header(MAGIC_MICROS, 1, 0, 0, 1)).is_err());
        assert!(parse_header(&header(MAGIC_MICROS, 2, 5, 0, 1)).is_err());
        assert!(parse_header(&header(MAGIC_MICROS, 2, 4, 0, 1)[..20]).is_err());
        assert!(parse_header(&header(0x1234_5678, 2, 4, 0, 1)).is_err());
    }
}
