//! IPv4 and IPv6 header views and IPv6 extension-header walking.

use crate::{be16, ipproto, Addr};

pub const IPV4_MIN_HEADER_LEN: usize = 20;
pub const IPV6_HEADER_LEN: usize = 40;

/// An IPv4 header with at least 20 bytes available.
pub struct Ipv4Header<'a> {
    buf: &'a [u8],
}

impl<'a> Ipv4Header<'a> {
    pub fn new_checked(buf: &'a [u8]) -> Option<Self> {
        (buf.len() >= IPV4_MIN_HEADER_LEN).then_some(Self { buf })
    }
    #[inline]
    pub fn header_len(&self) -> usize {
        ((self.buf[0] & 0x0f) as usize) * 4
    }
    #[inline]
    pub fn total_len(&self) -> u16 {
        be16(self.buf, 2)
    }
    /// Fragment offset in 8-byte units (13 bits).
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        be16(self.buf, 6) & 0x1fff
    }
    #[inline]
    pub fn more_fragments(&self) -> bool {
        self.buf[6] & 0x20 != 0
    }
    #[inline]
    pub fn tos(&self) -> u8 {
        self.buf[1]
    }
    #[inline]
    pub fn protocol(&self) -> u8 {
        self.buf[9]
    }
    #[inline]
    pub fn src(&self) -> Addr {
        Addr::from_v4(self.buf[12..16].try_into().expect("checked length"))
    }
    #[inline]
    pub fn dst(&self) -> Addr {
        Addr::from_v4(self.buf[16..20].try_into().expect("checked length"))
    }
}

/// An IPv6 fixed header with its 40 bytes available.
pub struct Ipv6Header<'a> {
    buf: &'a [u8],
}

impl<'a> Ipv6Header<'a> {
    pub fn new_checked(buf: &'a [u8]) -> Option<Self> {
        (buf.len() >= IPV6_HEADER_LEN).then_some(Self { buf })
    }
    #[inline]
    pub fn payload_len(&self) -> u16 {
        be16(self.buf, 4)
    }
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.buf[6]
    }
    #[inline]
    pub fn traffic_class(&self) -> u8 {
        ((crate::be16(self.buf, 0) >> 4) & 0xff) as u8
    }
    #[inline]
    pub fn src(&self) -> Addr {
        Addr::from_v6(self.buf[8..24].try_into().expect("checked length"))
    }
    #[inline]
    pub fn dst(&self) -> Addr {
        Addr::from_v6(self.buf[24..40].try_into().expect("checked length"))
    }
}

/// Why an IPv6 extension-header chain was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtHeaderError {
    /// A header runs past the captured bytes or the declared payload.
    Truncated,
    /// A fragment other than the first: no L4 header here.
    NonFirstFragment,
    /// "No next header": there is no L4 payload at all.
    NoNextHeader,
}

/// Where the L4 header starts after the extension headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L4Start {
    /// Offset from the start of `after_fixed` (the bytes after the 40-byte header).
    pub offset: usize,
    /// Bytes of L4 header and payload left according to the payload length.
    pub len: u16,
    pub protocol: u8,
    /// The packet is the first fragment of a fragmented datagram.
    pub first_fragment: bool,
}

/// Walks hop-by-hop, routing, fragment, destination-options and mobility headers.
/// `after_fixed` is what follows the fixed header; `payload_len` is the header's own field.
/// Non-first fragments and chains that leave the buffer are refused, as nDPI does.
pub fn skip_ipv6_extensions(after_fixed: &[u8], payload_len: u16, next: u8) -> Result<L4Start, ExtHeaderError> {
    let mut at = 0usize;
    let mut left = payload_len;
    let mut proto = next;
    let mut first_fragment = false;
    loop {
        match proto {
            ipproto::HOPOPTS | ipproto::ROUTING | ipproto::DSTOPTS | ipproto::MOBILITY => {
                let hdr = after_fixed.get(at..at + 2).ok_or(ExtHeaderError::Truncated)?;
                let len = 8 + 8 * hdr[1] as usize;
                if (left as usize) < len || after_fixed.len() < at + len {
                    return Err(ExtHeaderError::Truncated);
                }
                proto = hdr[0];
                at += len;
                left -= len as u16;
            }
            ipproto::FRAGMENT => {
                let hdr = after_fixed.get(at..at + 8).ok_or(ExtHeaderError::Truncated)?;
                if left < 8 {
                    return Err(ExtHeaderError::Truncated);
                }
                if be16(hdr, 2) >> 3 != 0 {
                    return Err(ExtHeaderError::NonFirstFragment);
                }
                first_fragment = hdr[3] & 1 != 0;
                proto = hdr[0];
                at += 8;
                left -= 8;
            }
            ipproto::NONE => return Err(ExtHeaderError::NoNextHeader),
            _ => return Ok(L4Start { offset: at, len: left, protocol: proto, first_fragment }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_hop_by_hop_then_dstopts_to_tcp() {
        // Hop-by-hop (next = dstopts, len 0 -> 8 bytes), dstopts (next = TCP, len 1 -> 16 bytes), then 20 bytes of TCP.
        let mut b = vec![ipproto::DSTOPTS, 0, 0, 0, 0, 0, 0, 0];
        b.extend_from_slice(&[ipproto::TCP, 1]);
        b.extend_from_slice(&[0; 14]);
        b.extend_from_slice(&[0; 20]);
        let r = skip_ipv6_extensions(&b, b.len() as u16, ipproto::HOPOPTS).unwrap();
        assert_eq!(r, L4Start { offset: 24, len: 20, protocol: ipproto::TCP, first_fragment: false });
    }

    #[test]
    fn refuses_later_fragments_and_short_chains() {
        let first = [ipproto::UDP, 0, 0x00, 0x01, 0, 0, 0, 1];
        let r = skip_ipv6_extensions(&first, 8, ipproto::FRAGMENT).unwrap();
        assert!(r.first_fragment);
        let later = [ipproto::UDP, 0, 0x00, 0x08, 0, 0, 0, 1]; // offset 1 (8 bytes)
        assert_eq!(skip_ipv6_extensions(&later, 8, ipproto::FRAGMENT), Err(ExtHeaderError::NonFirstFragment));
        assert_eq!(skip_ipv6_extensions(&[ipproto::TCP], 8, ipproto::HOPOPTS), Err(ExtHeaderError::Truncated));
        // Declared length beyond the payload length.
        assert_eq!(skip_ipv6_extensions(&[ipproto::TCP, 3, 0, 0, 0, 0, 0, 0], 8, ipproto::ROUTING), Err(ExtHeaderError::Truncated));
    }
}
