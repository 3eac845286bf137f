//! The pcapng format: a chain of self-describing blocks, each framed by its total length at
//! both ends. A Section Header Block (SHB) sets the byte order for the blocks after it and
//! resets the interface table; Interface Description Blocks (IDB) define interfaces in order
//! (link type, snaplen, time stamp resolution and offset); packets come in Enhanced (EPB),
//! Simple (SPB) or obsolete Packet Blocks (PB). Everything else is skipped and counted.
//!
//! Unlike libpcap 1.10, which stops reading at a second link type, a changed byte order or a
//! packet on an unknown interface, this walker keeps going where the format still tells it
//! where the next block is: each frame carries its own interface's link type, sections may
//! switch byte order, and a bad packet block is counted malformed and skipped. A block whose
//! framing is broken (length < 12, not a multiple of 4, trailer disagreeing) ends the walk,
//! since nothing after it can be located.

use super::bytes::{array_at, to_usize, Endian};
use super::FileStats;
use crate::{Frame, LinkType};

/// Block types used here.
const BT_SHB: u32 = 0x0A0D_0D0A;
const BT_IDB: u32 = 0x0000_0001;
const BT_PB: u32 = 0x0000_0002;
const BT_SPB: u32 = 0x0000_0003;
const BT_EPB: u32 = 0x0000_0006;

/// Common block framing: type and total length up front, total length again at the end.
const OFF_BLOCK_TYPE: usize = 0;
const OFF_BLOCK_LEN: usize = 4;
const BLOCK_HEADER_LEN: usize = 8;
const BLOCK_TRAILER_LEN: usize = 4;
const MIN_BLOCK_LEN: usize = BLOCK_HEADER_LEN + BLOCK_TRAILER_LEN;
const BLOCK_ALIGN: usize = 4;

/// Section Header Block body: byte-order magic, version, section length, options.
const SHB_OFF_BYTE_ORDER: usize = 0;
const SHB_OFF_MAJOR: usize = 4;
const SHB_BODY_MIN: usize = 16;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
const SUPPORTED_MAJOR: u16 = 1;

/// Interface Description Block body: link type (16 bits), reserved, snaplen, options.
const IDB_OFF_LINKTYPE: usize = 0;
const IDB_OFF_SNAPLEN: usize = 4;
const IDB_OFF_OPTIONS: usize = 8;

/// Enhanced Packet Block body; the obsolete Packet Block has the same layout except that its
/// interface id is 16 bits (followed by a 16-bit drop count).
const PKT_OFF_INTERFACE: usize = 0;
const PKT_OFF_TS_HIGH: usize = 4;
const PKT_OFF_TS_LOW: usize = 8;
const PKT_OFF_CAPLEN: usize = 12;
const PKT_OFF_WIRE_LEN: usize = 16;
const PKT_OFF_DATA: usize = 20;

/// Simple Packet Block body: original length, then data up to the block end.
const SPB_OFF_WIRE_LEN: usize = 0;
const SPB_OFF_DATA: usize = 4;

/// Options: 16-bit code, 16-bit length, value padded to 4 bytes.
const OPTION_HEADER_LEN: usize = 4;
const OPT_END_OF_OPTIONS: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;
const TSRESOL_LEN: usize = 1;
const TSOFFSET_LEN: usize = 8;
/// if_tsresol: high bit set means a negative power of two, else of ten.
const TSRESOL_BINARY: u8 = 0x80;
const TSRESOL_EXPONENT: u8 = 0x7F;
const MAX_BINARY_EXPONENT: u8 = 63;
const MAX_DECIMAL_EXPONENT: u8 = 19;
const DEFAULT_DECIMAL_EXPONENT: u8 = 6;

const NANOS_PER_SEC: u64 = 1_000_000_000;
const NANOS_DECIMAL_EXPONENT: u8 = 9;

/// True when the 4 bytes start a pcapng file (the SHB type reads the same in both orders).
pub(crate) fn is_pcapng_magic(magic: [u8; 4]) -> bool {
    u32::from_le_bytes(magic) == BT_SHB
}

/// What [`CaptureFile`](super::CaptureFile) reports for a pcapng file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PcapNgHeader {
    /// Link type and snaplen of the first interface (Ethernet and 0 when there is none).
    pub(crate) linktype: LinkType,
    pub(crate) snaplen: u32,
}

/// Checks the first section header and finds the first interface. The error says why the
/// bytes are not a readable pcapng file.
pub(crate) fn parse_header(data: &[u8]) -> Result<PcapNgHeader, String> {
    if !array_at::<4>(data, OFF_BLOCK_TYPE).is_some_and(is_pcapng_magic) {
        return Err("no pcapng section header".into());
    }
    let body_start = BLOCK_HEADER_LEN;
    let endian = array_at::<4>(data, body_start + SHB_OFF_BYTE_ORDER)
        .and_then(section_order)
        .ok_or_else(|| "pcapng section header without a valid byte-order magic".to_string())?;
    let major =
        endian.u16_at(data, body_start + SHB_OFF_MAJOR).ok_or_else(|| "pcapng section header cut short".to_string())?;
    if major != SUPPORTED_MAJOR {
        return Err(format!("unsupported pcapng major version {major}"));
    }
    let mut header = PcapNgHeader { linktype: LinkType::ETHERNET, snaplen: 0 };
    let (mut pos, mut endian) = (0, endian);
    while let Ok(block) = read_block(data, pos, &mut endian) {
        if block.kind == BT_IDB {
            if let Some(iface) = Interface::parse(block.body, endian) {
                header = PcapNgHeader { linktype: iface.linktype, snaplen: iface.snaplen };
                break;
            }
        }
        pos = pos.saturating_add(block.len);
    }
    Ok(header)
}

/// The byte order announced by a section's byte-order magic.
fn section_order(magic: [u8; 4]) -> Option<Endian> {
    if u32::from_le_bytes(magic) == BYTE_ORDER_MAGIC {
        Some(Endian::Little)
    } else if u32::from_be_bytes(magic) == BYTE_ORDER_MAGIC {
        Some(Endian::Big)
    } else {
        None
    }
}

/// One well-framed block.
struct Block<'a> {
    kind: u32,
    /// Between the common header and the trailer.
    body: &'a [u8],
    /// Total length, to step over it.
    len: usize,
}

/// Why no further block can be read.
enum BlockEnd {
    /// Clean end of the data.
    Eof,
    /// The data ends inside a block.
    Truncated,
    /// The framing is broken; the rest cannot be located.
    Malformed,
}

/// Reads the block at `pos`. A section header first switches `endian` to its own order, since
/// its length field is written in it.
fn read_block<'a>(data: &'a [u8], pos: usize, endian: &mut Endian) -> Result<Block<'a>, BlockEnd> {
    let rest = data.get(pos..).unwrap_or_default();
    if rest.is_empty() {
        return Err(BlockEnd::Eof);
    }
    let Some(type_bytes) = array_at::<4>(rest, OFF_BLOCK_TYPE) else {
        return Err(BlockEnd::Truncated);
    };
    if is_pcapng_magic(type_bytes) {
        let order = array_at::<4>(rest, BLOCK_HEADER_LEN + SHB_OFF_BYTE_ORDER).ok_or(BlockEnd::Truncated)?;
        *endian = section_order(order).ok_or(BlockEnd::Malformed)?;
    }
    let kind = endian.u32(type_bytes);
    let len = to_usize(endian.u32_at(rest, OFF_BLOCK_LEN).ok_or(BlockEnd::Truncated)?);
    if len < MIN_BLOCK_LEN || !len.is_multiple_of(BLOCK_ALIGN) {
        return Err(BlockEnd::Malformed);
    }
    let block = rest.get(..len).ok_or(BlockEnd::Truncated)?;
    let trailer_at = len - BLOCK_TRAILER_LEN;
    if endian.u32_at(block, trailer_at).map(to_usize) != Some(len) {
        return Err(BlockEnd::Malformed);
    }
    Ok(Block { kind, body: &block[BLOCK_HEADER_LEN..trailer_at], len })
}

/// How the ticks of an interface's time stamps convert to nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TickScale {
    /// A tick is this many nanoseconds (decimal resolutions down to 10^-9 s).
    NanosPerTick(u64),
    /// This many ticks make a nanosecond (decimal resolutions finer than 10^-9 s).
    TicksPerNano(u64),
    /// A tick is 2^-n seconds.
    Binary(u32),
}

/// An interface's time base: resolution and offset in seconds (if_tsresol, if_tsoffset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Clock {
    scale: TickScale,
    offset_s: i64,
}

impl Clock {
    /// From an if_tsresol value; `None` when the resolution cannot be represented in 64 bits.
    fn new(tsresol: u8, offset_s: i64) -> Option<Clock> {
        let exponent = tsresol & TSRESOL_EXPONENT;
        let scale = if tsresol & TSRESOL_BINARY != 0 {
            if exponent > MAX_BINARY_EXPONENT {
                return None;
            }
            TickScale::Binary(u32::from(exponent))
        } else if exponent > MAX_DECIMAL_EXPONENT {
            return None;
        } else if exponent <= NANOS_DECIMAL_EXPONENT {
            TickScale::NanosPerTick(10u64.pow(u32::from(NANOS_DECIMAL_EXPONENT - exponent)))
        } else {
            TickScale::TicksPerNano(10u64.pow(u32::from(exponent - NANOS_DECIMAL_EXPONENT)))
        };
        Some(Clock { scale, offset_s })
    }

    /// Nanoseconds since the epoch for a time stamp of `ticks`, saturating at both ends.
    #[inline]
    fn to_ns(self, ticks: u64) -> u64 {
        let ns = match self.scale {
            TickScale::NanosPerTick(n) => ticks.saturating_mul(n),
            TickScale::TicksPerNano(d) => ticks / d,
            TickScale::Binary(shift) => {
                let whole = ticks >> shift;
                let fraction = ticks & ((1u64 << shift) - 1);
                let fraction_ns = (u128::from(fraction) * u128::from(NANOS_PER_SEC)) >> shift;
                whole.saturating_mul(NANOS_PER_SEC).saturating_add(u64::try_from(fraction_ns).unwrap_or(u64::MAX))
            }
        };
        if self.offset_s == 0 {
            return ns;
        }
        let shifted = i128::from(ns) + i128::from(self.offset_s) * i128::from(NANOS_PER_SEC);
        u64::try_from(shifted.max(0)).unwrap_or(u64::MAX)
    }
}

/// One interface of the current section.
#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: LinkType,
    snaplen: u32,
    /// `None` when its time stamps cannot be interpreted: its packets are malformed.
    clock: Option<Clock>,
}

impl Interface {
    /// Stands in for an IDB too short to describe anything, so later ids stay aligned.
    const UNUSABLE: Interface = Interface { linktype: LinkType::ETHERNET, snaplen: 0, clock: None };

    /// From an IDB body; `None` when the fixed part is missing.
    fn parse(body: &[u8], endian: Endian) -> Option<Interface> {
        let linktype = LinkType(u32::from(endian.u16_at(body, IDB_OFF_LINKTYPE)?));
        let snaplen = endian.u32_at(body, IDB_OFF_SNAPLEN)?;
        let options = body.get(IDB_OFF_OPTIONS..).unwrap_or_default();
        Some(Interface { linktype, snaplen, clock: clock_from_options(options, endian) })
    }
}

/// The clock described by an IDB's options. Options cut short end the list (what was read
/// stands); options of an unexpected length are ignored.
fn clock_from_options(options: &[u8], endian: Endian) -> Option<Clock> {
    let mut tsresol = DEFAULT_DECIMAL_EXPONENT;
    let mut offset_s = 0;
    let mut pos = 0usize;
    while let (Some(code), Some(len)) = (endian.u16_at(options, pos), endian.u16_at(options, pos + 2)) {
        let len = usize::from(len);
        let value_at = pos + OPTION_HEADER_LEN;
        let Some(value) = options.get(value_at..value_at + len) else { break };
        match (code, len) {
            (OPT_END_OF_OPTIONS, _) => break,
            (OPT_IF_TSRESOL, TSRESOL_LEN) => tsresol = value[0],
            (OPT_IF_TSOFFSET, TSOFFSET_LEN) => offset_s = endian.i64_at(value, 0).unwrap_or(0),
            _ => {}
        }
        pos = value_at + len.next_multiple_of(BLOCK_ALIGN);
    }
    Clock::new(tsresol, offset_s)
}

/// Walks the blocks of a pcapng file in place, yielding the packets.
pub(crate) struct PcapNgBlocks<'a> {
    data: &'a [u8],
    /// Offset of the next block.
    pos: usize,
    /// Byte order of the current section.
    endian: Endian,
    /// Interfaces of the current section, by id (grows only at IDBs, never per frame).
    interfaces: Vec<Interface>,
    done: bool,
}

impl<'a> PcapNgBlocks<'a> {
    pub(crate) fn new(data: &'a [u8]) -> PcapNgBlocks<'a> {
        PcapNgBlocks { data, pos: 0, endian: Endian::Little, interfaces: Vec::new(), done: false }
    }

    /// The next frame, or `None` at the end (clean or not: `stats` tells).
    #[inline]
    pub(crate) fn next(&mut self, stats: &mut FileStats) -> Option<Frame<'a>> {
        while !self.done {
            let block = match read_block(self.data, self.pos, &mut self.endian) {
                Ok(block) => block,
                Err(end) => {
                    match end {
                        BlockEnd::Eof => {}
                        BlockEnd::Truncated => stats.truncated_tail = true,
                        BlockEnd::Malformed => stats.malformed = stats.malformed.saturating_add(1),
                    }
                    self.done = true;
                    break;
                }
            };
            self.pos = self.pos.saturating_add(block.len);
            crate::file::prefetch(self.data, self.pos);
            match block.kind {
                BT_EPB | BT_PB | BT_SPB => match self.packet(block.kind, block.body) {
                    Some(frame) => return Some(frame),
                    None => stats.malformed = stats.malformed.saturating_add(1),
                },
                BT_IDB => {
                    let iface = Interface::parse(block.body, self.endian);
                    if !matches!(iface, Some(Interface { clock: Some(_), .. })) {
                        stats.malformed = stats.malformed.saturating_add(1);
                    }
                    self.interfaces.push(iface.unwrap_or(Interface::UNUSABLE));
                }
                BT_SHB => {
                    let major = self.endian.u16_at(block.body, SHB_OFF_MAJOR);
                    if block.body.len() < SHB_BODY_MIN || major != Some(SUPPORTED_MAJOR) {
                        // A section we cannot read: its blocks may mean anything.
                        stats.malformed = stats.malformed.saturating_add(1);
                        self.done = true;
                    }
                    self.interfaces.clear();
                }
                _ => stats.skipped_blocks = stats.skipped_blocks.saturating_add(1),
            }
        }
        None
    }

    /// The frame in a packet block, or `None` when the block is malformed (too short, unknown
    /// or unusable interface, data running past the block).
    #[inline]
    fn packet(&self, kind: u32, body: &'a [u8]) -> Option<Frame<'a>> {
        let endian = self.endian;
        if kind == BT_SPB {
            // No interface id (always the first), no time stamp, no caplen: the packet is as
            // much of the original length as the snaplen and the block allow.
            let iface = self.interfaces.first()?;
            let wire_len = endian.u32_at(body, SPB_OFF_WIRE_LEN)?;
            let room = body.get(SPB_OFF_DATA..)?;
            let snaplen = if iface.snaplen == 0 { u32::MAX } else { iface.snaplen };
            let caplen = to_usize(wire_len.min(snaplen)).min(room.len());
            return Some(Frame {
                ts_ns: iface.clock?.to_ns(0),
                wire_len,
                linktype: iface.linktype,
                data: &room[..caplen],
            });
        }
        let interface_id = if kind == BT_EPB {
            endian.u32_at(body, PKT_OFF_INTERFACE)?
        } else {
            u32::from(endian.u16_at(body, PKT_OFF_INTERFACE)?)
        };
        let iface = self.interfaces.get(to_usize(interface_id))?;
        let ticks =
            u64::from(endian.u32_at(body, PKT_OFF_TS_HIGH)?) << 32 | u64::from(endian.u32_at(body, PKT_OFF_TS_LOW)?);
        let caplen = to_usize(endian.u32_at(body, PKT_OFF_CAPLEN)?);
        let wire_len = endian.u32_at(body, PKT_OFF_WIRE_LEN)?;
        let data = body.get(PKT_OFF_DATA..)?.get(..caplen)?;
        Some(Frame { ts_ns: iface.clock?.to_ns(ticks), wire_len, linktype: iface.linktype, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_resolutions() {
        let micros = Clock::new(6, 0).unwrap();
        assert_eq!(micros.to_ns(1_500_000), 1_500_000_000);
        let nanos = Clock::new(9, 0).unwrap();
        assert_eq!(nanos.to_ns(42), 42);
        let pico = Clock::new(12, 0).unwrap();
        assert_eq!(pico.to_ns(5_000_999), 5_000);
        let seconds = Clock::new(0, 0).unwrap();
        assert_eq!(seconds.to_ns(3), 3 * NANOS_PER_SEC);
        let binary = Clock::new(TSRESOL_BINARY | 10, 0).unwrap();
        assert_eq!(binary.to_ns(1024 + 512), 1_500_000_000);
        let binary63 = Clock::new(TSRESOL_BINARY | 63, 0).unwrap();
        assert_eq!(binary63.to_ns(u64::MAX), 1_999_999_999);
        assert_eq!(Clock::new(TSRESOL_BINARY | 64, 0), None);
        assert_eq!(Clock::new(20, 0), None);
        assert_eq!(Clock::new(19, 0).unwrap().to_ns(u64::MAX), u64::MAX / 10_000_000_000);
        assert_eq!(Clock::new(6, 10).unwrap().to_ns(1), 10 * NANOS_PER_SEC + 1_000);
        assert_eq!(Clock::new(6, -10).unwrap().to_ns(1), 0);
        assert_eq!(Clock::new(0, i64::MAX).unwrap().to_ns(u64::MAX), u64::MAX);
    }

    #[test]
    fn options_are_read_leniently() {
        let e = Endian::Little;
        let opt = |code: u16, value: &[u8]| {
            let mut v = code.to_le_bytes().to_vec();
            v.extend_from_slice(&(value.len() as u16).to_le_bytes());
            v.extend_from_slice(value);
            v.resize(v.len().next_multiple_of(4), 0);
            v
        };
        let mut options = opt(2, b"eth0");
        options.extend(opt(OPT_IF_TSRESOL, &[9]));
        options.extend(opt(OPT_IF_TSOFFSET, &7i64.to_le_bytes()));
        assert_eq!(clock_from_options(&options, e), Clock::new(9, 7));
        // A wrong-length tsresol is ignored; a cut option ends the list.
        let mut options = opt(OPT_IF_TSRESOL, &[9, 9]);
        options.extend_from_slice(&[OPT_IF_TSRESOL as u8, 0, 200, 0, 1]);
        assert_eq!(clock_from_options(&options, e), Clock::new(6, 0));
        assert_eq!(clock_from_options(&[], e), Clock::new(6, 0));
        assert_eq!(clock_from_options(&opt(OPT_IF_TSRESOL, &[0xFF]), e), None);
    }
}
