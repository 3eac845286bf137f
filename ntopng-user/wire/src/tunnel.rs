//! UDP tunnels nDPI's reader looks through: GTP-U, TZSP and CAPWAP data.

use crate::be16;

pub const GTP_U_PORT: u16 = 2152;
pub const TZSP_PORT: u16 = 37008;
pub const CAPWAP_DATA_PORT: u16 = 5247;

/// What follows a tunnel header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inner {
    /// An IP header at this offset of the frame.
    Ip(usize),
    /// An Ethernet frame at this offset of the frame.
    Ethernet(usize),
    /// An IP packet whose EtherType (from an LLC/SNAP header) is known, at this offset.
    Typed { ethertype: u16, offset: usize },
}

/// GTPv1-U T-PDU: returns the offset of the inner IP packet. `at` is the GTP header's offset.
pub fn gtp_u(frame: &[u8], at: usize) -> Option<usize> {
    let flags = *frame.get(at)?;
    let msg_type = *frame.get(at + 1)?;
    if flags >> 5 != 1 || msg_type != 0xff {
        return None;
    }
    let mut off = at + 8;
    if flags & 0x07 != 0 {
        off += 4; // sequence number, N-PDU number and next extension type
    }
    if flags & 0x04 != 0 {
        // Extension headers: a length in 4-byte units, the next type in the last byte.
        loop {
            let len = (*frame.get(off)? as usize) * 4;
            if len == 0 {
                return None;
            }
            off += len;
            if off >= frame.len() {
                return None;
            }
            if frame[off - 1] == 0 {
                break;
            }
        }
    }
    (off < frame.len()).then_some(off)
}

/// TZSP carrying Ethernet: skips the tagged fields up to the first tag boundary.
pub fn tzsp(frame: &[u8], at: usize) -> Option<usize> {
    let hdr = frame.get(at..at + 4)?;
    if hdr[0] != 1 || hdr[1] != 0 || be16(hdr, 2) != 1 {
        return None;
    }
    let off = at + 4;
    let tag_len = match *frame.get(off)? {
        0 | 1 => 1, // padding, end
        _ => *frame.get(off + 1)? as usize,
    };
    let inner = off + tag_len;
    (inner < frame.len()).then_some(inner)
}

/// CAPWAP data channel carrying native 802.11 data frames with LLC/SNAP.
pub fn capwap(frame: &[u8], at: usize) -> Option<Inner> {
    let b1 = *frame.get(at + 1)?;
    if b1 & 0x01 == 0 {
        return None;
    }
    let wifi = at + (b1 >> 1) as usize;
    if wifi + 32 >= frame.len() || frame[wifi] != 0x08 {
        return None;
    }
    let llc = wifi + 24;
    Some(Inner::Typed { ethertype: be16(frame, llc + 6), offset: llc + 8 })
}
