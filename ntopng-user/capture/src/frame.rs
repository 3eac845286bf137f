//! One captured frame, as lent by a source.

/// A link-layer type (pcap LINKTYPE_* numbers, already masked as libpcap does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    pub const RAW: LinkType = LinkType(101);
    pub const C_HDLC: LinkType = LinkType(104);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const PPP: LinkType = LinkType(9);
    pub const PPP_HDLC: LinkType = LinkType(50);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);
}

/// Raw bytes of one frame. `data.len()` is the captured length; `wire_len` what was on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Capture time in nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    pub wire_len: u32,
    pub linktype: LinkType,
    pub data: &'a [u8],
}

impl Frame<'_> {
    #[inline]
    pub fn caplen(&self) -> u32 {
        self.data.len() as u32
    }
}
