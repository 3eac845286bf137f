//! Packet decoding for the monitor's hot path.
//!
//! The contract (as in smoltcp's `wire`): untrusted bytes enter only through checked
//! constructors, after which no accessor panics. Decoding never allocates and never fails
//! loudly: a frame that cannot be used yields a [`Drop`] reason that the caller counts.
//!
//! [`decode`] follows the decapsulation order ndpiReader 4.2 uses (link layer, VLAN/MPLS/PPPoE,
//! IPv4/IPv6, IP-in-IP, GTP-U/TZSP/CAPWAP tunnels) so that the L3 pointer handed to nDPI and
//! the flow key are the ones nDPI's own reference results were produced with.

mod addr;
mod decode;
pub mod ether;
pub mod ip;
mod tunnel;

pub use addr::Addr;
pub use decode::{decode, DecodeOptions, Decoded, Drop, PacketInfo, NonIp};

/// Reads a big-endian u16 at `at`; callers have checked the bounds.
#[inline(always)]
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Reads a big-endian u32 at `at`; callers have checked the bounds.
#[inline(always)]
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// IP protocol numbers the decoder and the flow engine act on.
pub mod ipproto {
    pub const HOPOPTS: u8 = 0;
    pub const ICMP: u8 = 1;
    pub const IPIP: u8 = 4;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const IPV6: u8 = 41;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const GRE: u8 = 47;
    pub const ESP: u8 = 50;
    pub const AH: u8 = 51;
    pub const ICMPV6: u8 = 58;
    pub const NONE: u8 = 59;
    pub const DSTOPTS: u8 = 60;
    pub const SCTP: u8 = 132;
    pub const MOBILITY: u8 = 135;

    /// Name as ntopng prints L4 protocols.
    pub fn name(p: u8) -> &'static str {
        match p {
            ICMP => "ICMP",
            2 => "IGMP",
            TCP => "TCP",
            UDP => "UDP",
            GRE => "GRE",
            ESP => "ESP",
            ICMPV6 => "IPv6-ICMP",
            89 => "OSPF",
            SCTP => "SCTP",
            103 => "PIM",
            112 => "VRRP",
            _ => "Other IP",
        }
    }
}
