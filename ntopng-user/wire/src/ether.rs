//! Link layers and EtherTypes.

/// EtherType values the decoder understands.
pub mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const VLAN: u16 = 0x8100;
    pub const QINQ: u16 = 0x88a8;
    pub const QINQ_OLD: u16 = 0x9100;
    pub const IPV6: u16 = 0x86dd;
    pub const MPLS_UNICAST: u16 = 0x8847;
    pub const MPLS_MULTICAST: u16 = 0x8848;
    pub const PPPOE_SESSION: u16 = 0x8864;
    /// PPP protocol numbers seen after PPP/HDLC headers.
    pub const PPP_IPV4: u16 = 0x0021;
    pub const PPP_IPV6: u16 = 0x0057;

    #[inline]
    pub fn is_vlan(t: u16) -> bool {
        matches!(t, VLAN | QINQ | QINQ_OLD)
    }
}

/// pcap link types the decoder accepts (numbers from the pcap LINKTYPE registry).
pub mod linktype {
    pub const NULL: u32 = 0;
    pub const ETHERNET: u32 = 1;
    pub const PPP: u32 = 9;
    pub const RAW_OLD: u32 = 12;
    pub const RAW_OLD2: u32 = 14;
    pub const PPP_HDLC: u32 = 50;
    pub const RAW: u32 = 101;
    pub const C_HDLC: u32 = 104;
    pub const LOOP: u32 = 108;
    pub const LINUX_SLL: u32 = 113;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const LINUX_SLL2: u32 = 276;
}

/// Ethernet header fields, read in place.
pub struct EthernetFrame<'a> {
    buf: &'a [u8],
}

pub const ETHERNET_HEADER_LEN: usize = 14;

impl<'a> EthernetFrame<'a> {
    pub fn new_checked(buf: &'a [u8]) -> Option<Self> {
        (buf.len() >= ETHERNET_HEADER_LEN).then_some(Self { buf })
    }
    #[inline]
    pub fn dst(&self) -> [u8; 6] {
        self.buf[0..6].try_into().expect("checked length")
    }
    #[inline]
    pub fn src(&self) -> [u8; 6] {
        self.buf[6..12].try_into().expect("checked length")
    }
    #[inline]
    pub fn ethertype(&self) -> u16 {
        crate::be16(self.buf, 12)
    }
}
