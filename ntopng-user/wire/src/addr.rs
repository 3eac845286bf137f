//! One address type for both IP versions, cheap to copy, hash and order.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 address as 16 bytes; IPv4 is stored IPv4-mapped (`::ffff:a.b.c.d`).
/// Fixed size with no padding so it can be part of hash keys byte for byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Addr(pub [u8; 16]);

impl Addr {
    #[inline]
    pub fn from_v4(b: [u8; 4]) -> Addr {
        let mut a = [0u8; 16];
        a[10] = 0xff;
        a[11] = 0xff;
        a[12..].copy_from_slice(&b);
        Addr(a)
    }

    #[inline]
    pub fn from_v6(b: [u8; 16]) -> Addr {
        Addr(b)
    }

    #[inline]
    pub fn is_v4(&self) -> bool {
        self.0[..10] == [0; 10] && self.0[10] == 0xff && self.0[11] == 0xff
    }

    pub fn to_ip(self) -> IpAddr {
        if self.is_v4() {
            IpAddr::V4(Ipv4Addr::new(self.0[12], self.0[13], self.0[14], self.0[15]))
        } else {
            IpAddr::V6(Ipv6Addr::from(self.0))
        }
    }

    pub fn from_ip(ip: IpAddr) -> Addr {
        match ip {
            IpAddr::V4(v4) => Addr::from_v4(v4.octets()),
            IpAddr::V6(v6) => Addr::from_v6(v6.octets()),
        }
    }

    /// Broadcast or multicast (ntopng's "not unicast" for the peer-swap heuristic).
    pub fn is_broad_multicast(&self) -> bool {
        match self.to_ip() {
            IpAddr::V4(v4) => v4.is_multicast() || v4.is_broadcast() || v4.octets()[3] == 255,
            IpAddr::V6(v6) => v6.is_multicast(),
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_ip().fmt(f)
    }
}

impl fmt::Debug for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_round_trip_and_flags() {
        let a = Addr::from_v4([198, 18, 0, 1]);
        assert!(a.is_v4());
        assert_eq!(a.to_string(), "198.18.0.1");
        assert!(!a.is_broad_multicast());
        assert!(Addr::from_v4([239, 255, 255, 250]).is_broad_multicast());
        let b = Addr::from_ip("2001:db8::1".parse().unwrap());
        assert!(!b.is_v4());
        assert_eq!(b.to_string(), "2001:db8::1");
    }
}
