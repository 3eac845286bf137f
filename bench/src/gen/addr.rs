//! Address plans. Generated traffic only uses the benchmarking ranges (RFC 2544/5180:
//! 198.18.0.0/15, RFC 3849: 2001:db8::/32) and locally administered MACs (02:...), so a
//! capture can never be mistaken for, or leak, real hosts.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A MAC address.
pub type Mac = [u8; 6];

/// Number of addresses in 198.18.0.0/15.
pub const V4_POOL: u32 = 1 << 17;

/// `198.18.0.0 + (n mod 2^17)`: the n-th benchmarking IPv4 address (wraps inside the /15).
pub fn v4(n: u32) -> Ipv4Addr {
    Ipv4Addr::from(0xC612_0000u32 | (n % V4_POOL))
}

/// `2001:db8::` with `n` as the low 64 bits.
pub fn v6(n: u64) -> Ipv6Addr {
    Ipv6Addr::from((0x2001_0db8u128 << 96) | n as u128)
}

/// `2001:db8:<net>::<n>`: addresses of distinct /48-ish sub-ranges, for readable plans.
pub fn v6_in(net: u16, n: u64) -> Ipv6Addr {
    Ipv6Addr::from((0x2001_0db8u128 << 96) | ((net as u128) << 80) | n as u128)
}

/// `02:00:` + 32 bits of `n`: a locally administered unicast MAC.
pub fn mac(n: u32) -> Mac {
    let b = n.to_be_bytes();
    [0x02, 0x00, b[0], b[1], b[2], b[3]]
}

/// ff:ff:ff:ff:ff:ff.
pub const BROADCAST: Mac = [0xff; 6];

/// True when `a` is inside 198.18.0.0/15.
pub fn is_bench_v4(a: Ipv4Addr) -> bool {
    u32::from(a) & 0xFFFE_0000 == 0xC612_0000
}

/// True when `a` is inside 2001:db8::/32.
pub fn is_bench_v6(a: Ipv6Addr) -> bool {
    (u128::from(a) >> 96) == 0x2001_0db8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_stay_in_ranges() {
        assert_eq!(v4(0), Ipv4Addr::new(198, 18, 0, 0));
        assert_eq!(v4(0x1_0001), Ipv4Addr::new(198, 19, 0, 1));
        assert_eq!(v4(V4_POOL + 5), Ipv4Addr::new(198, 18, 0, 5));
        assert!(is_bench_v4(v4(u32::MAX)));
        assert!(!is_bench_v4(Ipv4Addr::new(198, 20, 0, 0)));
        assert_eq!(v6(1), "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(v6_in(2, 7), "2001:db8:2::7".parse::<Ipv6Addr>().unwrap());
        assert!(is_bench_v6(v6(u64::MAX)));
        assert_eq!(mac(0x0102_0304), [2, 0, 1, 2, 3, 4]);
    }
}
