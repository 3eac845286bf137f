//! Writing captures: classic pcap (libpcap format) and pcapng, to any `io::Write`.
//!
//! Generators write through the [`RecordSink`] trait so the same scenario can stream into a
//! pcap file, a pcapng file or memory. Writers do no buffering of their own: wrap files in a
//! `BufWriter` (millions of small records otherwise mean millions of syscalls).

use std::collections::HashMap;
use std::io::{self, Write};

/// LINKTYPE_ETHERNET.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// Snapshot length written in headers: libpcap's default maximum.
pub const DEFAULT_SNAPLEN: u32 = 262_144;

/// Where generated records go.
pub trait RecordSink {
    /// Whether records of `linktype` can be written (a pcap file has exactly one link type).
    fn accepts(&self, linktype: u32) -> bool;
    /// Writes one record: `data` is what was captured, `wire_len` the length on the wire
    /// (`wire_len > data.len()` means the frame was truncated by the snapshot length).
    fn write_record(&mut self, linktype: u32, ts_ns: u64, data: &[u8], wire_len: u32) -> io::Result<()>;
    /// An untruncated Ethernet frame.
    fn write_frame(&mut self, ts_ns: u64, data: &[u8]) -> io::Result<()> {
        self.write_record(LINKTYPE_ETHERNET, ts_ns, data, data.len() as u32)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Timestamp resolution of a classic pcap file (selected by the magic number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsResolution {
    Micro,
    Nano,
}

/// A record header written verbatim, for bad-input tests of capture readers: nothing is
/// checked, `caplen` need not match the bytes that follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawRecordHeader {
    pub ts_sec: u32,
    /// Microseconds or nanoseconds, per the file's resolution (may be out of range on purpose).
    pub ts_frac: u32,
    pub caplen: u32,
    pub wire_len: u32,
}

/// Classic pcap writer: little-endian, version 2.4, microsecond (or nanosecond) timestamps.
pub struct PcapWriter<W: Write> {
    out: W,
    linktype: u32,
    resolution: TsResolution,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header (microsecond resolution, snaplen [`DEFAULT_SNAPLEN`]).
    pub fn new(out: W, linktype: u32) -> io::Result<PcapWriter<W>> {
        PcapWriter::with_options(out, linktype, DEFAULT_SNAPLEN, TsResolution::Micro)
    }

    pub fn with_options(
        mut out: W,
        linktype: u32,
        snaplen: u32,
        resolution: TsResolution,
    ) -> io::Result<PcapWriter<W>> {
        let magic: u32 = match resolution {
            TsResolution::Micro => 0xa1b2_c3d4,
            TsResolution::Nano => 0xa1b2_3c4d,
        };
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&magic.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        // thiszone and sigfigs stay 0.
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&linktype.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out, linktype, resolution })
    }

    pub fn linktype(&self) -> u32 {
        self.linktype
    }

    /// Writes a record whose captured bytes are the first `caplen` bytes of `frame` while the
    /// wire length is the whole frame: what a capture with that snaplen would have stored.
    pub fn write_truncated(&mut self, ts_ns: u64, frame: &[u8], caplen: usize) -> io::Result<()> {
        let c = caplen.min(frame.len());
        self.write_at(ts_ns, &frame[..c], frame.len() as u32)
    }

    /// Writes a record header exactly as given, followed by `data`.
    pub fn write_raw(&mut self, h: RawRecordHeader, data: &[u8]) -> io::Result<()> {
        let mut r = [0u8; 16];
        r[0..4].copy_from_slice(&h.ts_sec.to_le_bytes());
        r[4..8].copy_from_slice(&h.ts_frac.to_le_bytes());
        r[8..12].copy_from_slice(&h.caplen.to_le_bytes());
        r[12..16].copy_from_slice(&h.wire_len.to_le_bytes());
        self.out.write_all(&r)?;
        self.out.write_all(data)
    }

    fn write_at(&mut self, ts_ns: u64, data: &[u8], wire_len: u32) -> io::Result<()> {
        let sec = (ts_ns / 1_000_000_000) as u32;
        let frac = match self.resolution {
            TsResolution::Micro => (ts_ns % 1_000_000_000 / 1000) as u32,
            TsResolution::Nano => (ts_ns % 1_000_000_000) as u32,
        };
        self.write_raw(RawRecordHeader { ts_sec: sec, ts_frac: frac, caplen: data.len() as u32, wire_len }, data)
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> RecordSink for PcapWriter<W> {
    fn accepts(&self, linktype: u32) -> bool {
        linktype == self.linktype
    }
    fn write_record(&mut self, linktype: u32, ts_ns: u64, data: &[u8], wire_len: u32) -> io::Result<()> {
        if linktype != self.linktype {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("pcap file has link type {}, record has {linktype}", self.linktype),
            ));
        }
        self.write_at(ts_ns, data, wire_len)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// pcapng writer: one section (little-endian), one interface per link type, added when the
/// first record of that link type arrives; enhanced packet blocks with microsecond timestamps.
pub struct PcapNgWriter<W: Write> {
    out: W,
    interfaces: HashMap<u32, u32>,
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the section header block.
    pub fn new(mut out: W) -> io::Result<PcapNgWriter<W>> {
        let mut body = Vec::new();
        body.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&(-1i64).to_le_bytes()); // section length unknown
        push_option(&mut body, 4, b"ntopng-bench pcapgen"); // shb_userappl
        body.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        write_block(&mut out, 0x0A0D_0D0A, &body)?;
        Ok(PcapNgWriter { out, interfaces: HashMap::new() })
    }

    /// Interface id for `linktype`, writing its interface description block if new.
    pub fn interface(&mut self, linktype: u32) -> io::Result<u32> {
        if let Some(&id) = self.interfaces.get(&linktype) {
            return Ok(id);
        }
        let id = self.interfaces.len() as u32;
        let mut body = Vec::new();
        body.extend_from_slice(&(linktype as u16).to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&DEFAULT_SNAPLEN.to_le_bytes());
        push_option(&mut body, 2, format!("gen{id}").as_bytes()); // if_name
        push_option(&mut body, 9, &[6]); // if_tsresol: 10^-6 (the default, stated explicitly)
        body.extend_from_slice(&[0, 0, 0, 0]);
        write_block(&mut self.out, 1, &body)?;
        self.interfaces.insert(linktype, id);
        Ok(id)
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> RecordSink for PcapNgWriter<W> {
    fn accepts(&self, _linktype: u32) -> bool {
        true
    }
    fn write_record(&mut self, linktype: u32, ts_ns: u64, data: &[u8], wire_len: u32) -> io::Result<()> {
        let id = self.interface(linktype)?;
        let ts = ts_ns / 1000;
        let mut head = [0u8; 20];
        head[0..4].copy_from_slice(&id.to_le_bytes());
        head[4..8].copy_from_slice(&((ts >> 32) as u32).to_le_bytes());
        head[8..12].copy_from_slice(&(ts as u32).to_le_bytes());
        head[12..16].copy_from_slice(&(data.len() as u32).to_le_bytes());
        head[16..20].copy_from_slice(&wire_len.to_le_bytes());
        let pad = (4 - data.len() % 4) % 4;
        let total = (12 + 20 + data.len() + pad) as u32;
        self.out.write_all(&6u32.to_le_bytes())?;
        self.out.write_all(&total.to_le_bytes())?;
        self.out.write_all(&head)?;
        self.out.write_all(data)?;
        self.out.write_all(&[0u8; 3][..pad])?;
        self.out.write_all(&total.to_le_bytes())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn push_option(body: &mut Vec<u8>, code: u16, value: &[u8]) {
    body.extend_from_slice(&code.to_le_bytes());
    body.extend_from_slice(&(value.len() as u16).to_le_bytes());
    body.extend_from_slice(value);
    body.resize(body.len() + (4 - value.len() % 4) % 4, 0);
}

fn write_block<W: Write>(out: &mut W, block_type: u32, body: &[u8]) -> io::Result<()> {
    debug_assert_eq!(body.len() % 4, 0);
    let total = (12 + body.len()) as u32;
    out.write_all(&block_type.to_le_bytes())?;
    out.write_all(&total.to_le_bytes())?;
    out.write_all(body)?;
    out.write_all(&total.to_le_bytes())
}

/// One record held in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub linktype: u32,
    pub ts_ns: u64,
    pub wire_len: u32,
    pub data: Vec<u8>,
}

/// Collects records in memory (small scenarios, tests).
#[derive(Debug, Clone, Default)]
pub struct MemorySink {
    pub records: Vec<Record>,
}

impl RecordSink for MemorySink {
    fn accepts(&self, _linktype: u32) -> bool {
        true
    }
    fn write_record(&mut self, linktype: u32, ts_ns: u64, data: &[u8], wire_len: u32) -> io::Result<()> {
        self.records.push(Record { linktype, ts_ns, wire_len, data: data.to_vec() });
        Ok(())
    }
}

/// Discards records (measuring generation speed, dry runs).
#[derive(Debug, Clone, Copy, Default)]
pub struct NullSink;

impl RecordSink for NullSink {
    fn accepts(&self, _linktype: u32) -> bool {
        true
    }
    fn write_record(&mut self, _: u32, _: u64, _: &[u8], _: u32) -> io::Result<()> {
        Ok(())
    }
}

/// Writes `records` as a classic pcap file (all must share the first record's link type;
/// Ethernet when empty).
pub fn write_pcap<W: Write>(out: W, records: &[Record]) -> io::Result<W> {
    let lt = records.first().map(|r| r.linktype).unwrap_or(LINKTYPE_ETHERNET);
    let mut w = PcapWriter::new(out, lt)?;
    for r in records {
        w.write_record(r.linktype, r.ts_ns, &r.data, r.wire_len)?;
    }
    Ok(w.into_inner())
}

/// Writes `records` as a pcapng file.
pub fn write_pcapng<W: Write>(out: W, records: &[Record]) -> io::Result<W> {
    let mut w = PcapNgWriter::new(out)?;
    for r in records {
        w.write_record(r.linktype, r.ts_ns, &r.data, r.wire_len)?;
    }
    Ok(w.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcap_header_and_records_byte_by_byte() {
        let mut w = PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET).unwrap();
        w.write_frame(1_700_000_000_123_456_789, &[0xaa, 0xbb]).unwrap();
        w.write_truncated(2_000_001_000, &[1, 2, 3, 4, 5], 3).unwrap();
        w.write_raw(RawRecordHeader { ts_sec: 1, ts_frac: 2_000_000, caplen: 0xffff_ffff, wire_len: 0 }, &[9]).unwrap();
        let b = w.into_inner();
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0,
            // 1700000000 = 0x6553f100; 123456 us = 0x0001e240
            0x00, 0xf1, 0x53, 0x65, 0x40, 0xe2, 0x01, 0x00, 2, 0, 0, 0, 2, 0, 0, 0, 0xaa, 0xbb,
            // 2 s, 1 us, caplen 3, wire 5
            2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 1, 2, 3,
            1, 0, 0, 0, 0x80, 0x84, 0x1e, 0x00, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 9,
        ];
        assert_eq!(b, want);
    }

    #[test]
    fn nanosecond_magic() {
        let mut w = PcapWriter::with_options(Vec::new(), 101, 65535, TsResolution::Nano).unwrap();
        w.write_record(101, 5_000_000_007, &[0x45], 1).unwrap();
        assert!(!w.accepts(1));
        assert!(w.write_record(1, 0, &[], 0).is_err());
        let b = w.into_inner();
        assert_eq!(&b[0..4], &[0x4d, 0x3c, 0xb2, 0xa1]);
        assert_eq!(&b[16..20], &65535u32.to_le_bytes());
        assert_eq!(&b[20..24], &101u32.to_le_bytes());
        assert_eq!(&b[28..32], &7u32.to_le_bytes());
    }

    #[test]
    fn pcapng_blocks_are_well_formed() {
        let mut w = PcapNgWriter::new(Vec::new()).unwrap();
        w.write_frame(3_000_000, &[1, 2, 3, 4, 5]).unwrap();
        w.write_record(101, 4_000_000, &[0x45; 4], 8).unwrap();
        w.write_frame(5_000_000, &[6]).unwrap();
        let b = w.into_inner();
        // Walk the blocks: every total length is repeated at the end and a multiple of 4.
        let mut off = 0;
        let mut types = Vec::new();
        while off < b.len() {
            let t = u32::from_le_bytes(b[off..off + 4].try_into().unwrap());
            let len = u32::from_le_bytes(b[off + 4..off + 8].try_into().unwrap()) as usize;
            assert_eq!(len % 4, 0);
            assert_eq!(&b[off + len - 4..off + len], &(len as u32).to_le_bytes());
            types.push(t);
            if t == 6 {
                let iface = u32::from_le_bytes(b[off + 8..off + 12].try_into().unwrap());
                let ts_lo = u32::from_le_bytes(b[off + 16..off + 20].try_into().unwrap());
                types.push(100 + iface);
                types.push(ts_lo);
            }
            off += len;
        }
        assert_eq!(types, vec![0x0A0D0D0A, 1, 6, 100, 3000, 1, 6, 101, 4000, 6, 100, 5000]);
    }
}
