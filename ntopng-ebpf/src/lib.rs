//! The in-kernel half of live capture: the XDP program `xdp_monitor` (C in `src/xdp_monitor.c`, compiled by
//! `build.rs` with clang `-target bpf -O2 -g` into OUT_DIR) and `#[repr(C)]` Rust mirrors of its map keys and
//! values, whose C definitions live once in `include/maps.h`.
//!
//! The program counts every frame in [`XdpCounters`] (per CPU), builds the frame's [`BpfFlowKey`] (the same 40
//! bytes as `ntopng_engine::flow_key::FlowKey`), passes frames of flows present in the bypass map to the kernel
//! stack (counting them in [`BypassCounters`]), samples 1 in N as [`XdpConfig`] says, and redirects the rest
//! to the AF_XDP socket of the frame's RX queue (`XDP_PASS` when the queue has none). The user half, which
//! loads and drives it, is the `ntopng-xdp` crate.

/// Name of the XDP program (the C function, section `xdp`).
pub const PROGRAM: &str = "xdp_monitor";
/// `BPF_MAP_TYPE_XSKMAP`, key = RX queue index, value = AF_XDP socket fd.
pub const MAP_XSKS: &str = "xsks";
/// `BPF_MAP_TYPE_ARRAY`, one [`XdpConfig`].
pub const MAP_CONFIG: &str = "ntop_config";
/// `BPF_MAP_TYPE_PERCPU_ARRAY`, one [`XdpCounters`] per CPU.
pub const MAP_STATS: &str = "ntop_stats";
/// `BPF_MAP_TYPE_PERCPU_HASH` (not preallocated), [`BpfFlowKey`] -> [`BypassCounters`] per CPU.
pub const MAP_BYPASS: &str = "ntop_bypass";

/// [`XdpConfig::flags`]: look flows up in the bypass map.
pub const F_BYPASS: u32 = 0x1;
/// [`XdpConfig::flags`]: sample by flow (`hash32(key) % rate == 0`) instead of by packet.
pub const F_SAMPLE_FLOWS: u32 = 0x2;
/// `max_entries` of [`MAP_XSKS`] compiled into the object (the loader may override it).
pub const DEFAULT_MAX_QUEUES: u32 = 64;
/// `max_entries` of [`MAP_BYPASS`] compiled into the object (the loader may override it).
pub const DEFAULT_BYPASS_ENTRIES: u32 = 65536;

/// Bytes aligned for parsers that read ELF headers in place (aya's object parser checks alignment).
#[repr(C, align(32))]
pub struct Aligned<B: ?Sized> {
    pub bytes: B,
}

static OBJECT: &Aligned<[u8]> = &Aligned { bytes: *include_bytes!(concat!(env!("OUT_DIR"), "/xdp_monitor.o")) };

/// The compiled BPF object (ELF, with BTF), 32-byte aligned, ready for `aya::Ebpf::load`.
pub fn object() -> &'static [u8] {
    &OBJECT.bytes
}

/// `struct ntop_flow_key`: the bypass map's key; byte for byte `ntopng_engine::flow_key::FlowKey`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BpfFlowKey {
    /// Lower endpoint address (IPv4 stored as `::ffff:a.b.c.d`).
    pub lo: [u8; 16],
    pub hi: [u8; 16],
    /// Ports as u16 values (host order), 0 unless TCP/UDP.
    pub lo_port: u16,
    pub hi_port: u16,
    /// Innermost 802.1Q/802.1ad tag id, 0 if none.
    pub vlan: u16,
    pub l4_proto: u8,
    pub ip_version: u8,
}

impl BpfFlowKey {
    pub const SIZE: usize = 40;

    /// The key's 40 bytes as the kernel sees them (host byte order for the u16 fields).
    pub fn to_bytes(&self) -> [u8; 40] {
        let mut b = [0u8; 40];
        b[..16].copy_from_slice(&self.lo);
        b[16..32].copy_from_slice(&self.hi);
        b[32..34].copy_from_slice(&self.lo_port.to_ne_bytes());
        b[34..36].copy_from_slice(&self.hi_port.to_ne_bytes());
        b[36..38].copy_from_slice(&self.vlan.to_ne_bytes());
        b[38] = self.l4_proto;
        b[39] = self.ip_version;
        b
    }

    pub fn from_bytes(b: &[u8; 40]) -> BpfFlowKey {
        let u16_at = |i: usize| u16::from_ne_bytes([b[i], b[i + 1]]);
        let mut k = BpfFlowKey { lo_port: u16_at(32), hi_port: u16_at(34), vlan: u16_at(36), ..Default::default() };
        k.lo.copy_from_slice(&b[..16]);
        k.hi.copy_from_slice(&b[16..32]);
        k.l4_proto = b[38];
        k.ip_version = b[39];
        k
    }
}

/// `struct ntop_bypass_counters`: one CPU's count of a bypassed flow, by the key side that sent the frames
/// (bytes are frame lengths).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BypassCounters {
    /// Frames sent by the key's `lo` endpoint.
    pub lo_packets: u64,
    pub lo_bytes: u64,
    /// Frames sent by the key's `hi` endpoint.
    pub hi_packets: u64,
    pub hi_bytes: u64,
}

impl BypassCounters {
    pub fn add(&mut self, o: &BypassCounters) {
        self.lo_packets += o.lo_packets;
        self.lo_bytes += o.lo_bytes;
        self.hi_packets += o.hi_packets;
        self.hi_bytes += o.hi_bytes;
    }

    /// Both directions: (packets, bytes).
    pub fn total(&self) -> (u64, u64) {
        (self.lo_packets + self.hi_packets, self.lo_bytes + self.hi_bytes)
    }
}

/// `struct ntop_xdp_counters`: one CPU's counters. Every frame takes exactly one action:
/// `packets == redirected + passed + bypassed + sampled_out`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct XdpCounters {
    /// Frames seen.
    pub packets: u64,
    /// Their lengths.
    pub bytes: u64,
    /// Handed to an AF_XDP socket (`XDP_REDIRECT`; a full socket ring still drops them, see the socket's stats).
    pub redirected: u64,
    pub redirected_bytes: u64,
    /// No AF_XDP socket on the frame's RX queue: `XDP_PASS`.
    pub passed: u64,
    /// Flow found in the bypass map: `XDP_PASS`.
    pub bypassed: u64,
    pub bypassed_bytes: u64,
    /// Skipped by 1-in-N sampling: `XDP_PASS`.
    pub sampled_out: u64,
    /// Headers cut short (the frame still takes an action, without a flow key).
    pub parse_errors: u64,
    /// Frames without a flow key: not IPv4/IPv6 (ARP, MPLS, PPPoE...), more than 4 VLAN tags, non-first IPv4
    /// fragments.
    pub non_ip: u64,
    /// Packet-mode sampling position on this CPU.
    pub sample_seq: u64,
}

impl XdpCounters {
    /// Adds `o` field by field (summing CPUs).
    pub fn add(&mut self, o: &XdpCounters) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.redirected += o.redirected;
        self.redirected_bytes += o.redirected_bytes;
        self.passed += o.passed;
        self.bypassed += o.bypassed;
        self.bypassed_bytes += o.bypassed_bytes;
        self.sampled_out += o.sampled_out;
        self.parse_errors += o.parse_errors;
        self.non_ip += o.non_ip;
        self.sample_seq += o.sample_seq;
    }
}

/// `struct ntop_xdp_config`: the config map's single value.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct XdpConfig {
    /// 0 or 1: every frame; N > 1: one in N.
    pub sample_rate: u32,
    /// [`F_BYPASS`] | [`F_SAMPLE_FLOWS`].
    pub flags: u32,
}

/// Plain-old-data map values: every bit pattern is valid and there is no padding, so they can be read from and
/// written to map value buffers as bytes.
///
/// # Safety
/// Implement only for `#[repr(C)]` types without padding whose every bit pattern is valid.
pub unsafe trait Pod: Copy + Default + 'static {
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: the trait's contract (no padding, repr(C)).
        unsafe { std::slice::from_raw_parts(self as *const Self as *const u8, std::mem::size_of::<Self>()) }
    }

    /// Reads a value from the start of `b` (which must hold at least `size_of::<Self>()` bytes).
    fn read_from(b: &[u8]) -> Self {
        assert!(b.len() >= std::mem::size_of::<Self>());
        // SAFETY: length checked; any bit pattern is valid; read_unaligned copes with any alignment.
        unsafe { std::ptr::read_unaligned(b.as_ptr() as *const Self) }
    }
}

// SAFETY: repr(C), fields laid out without padding (checked by the layout tests), integers only.
unsafe impl Pod for BpfFlowKey {}
// SAFETY: as above.
unsafe impl Pod for BypassCounters {}
// SAFETY: as above.
unsafe impl Pod for XdpCounters {}
// SAFETY: as above.
unsafe impl Pod for XdpConfig {}
// SAFETY: integers.
unsafe impl Pod for u32 {}

const _: () = assert!(std::mem::size_of::<BpfFlowKey>() == 40);
const _: () = assert!(std::mem::size_of::<BypassCounters>() == 32);
const _: () = assert!(std::mem::size_of::<XdpCounters>() == 88);
const _: () = assert!(std::mem::size_of::<XdpConfig>() == 8);

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    #[test]
    fn flow_key_layout() {
        assert_eq!(size_of::<BpfFlowKey>(), 40);
        assert_eq!(align_of::<BpfFlowKey>(), 2);
        assert_eq!(offset_of!(BpfFlowKey, lo), 0);
        assert_eq!(offset_of!(BpfFlowKey, hi), 16);
        assert_eq!(offset_of!(BpfFlowKey, lo_port), 32);
        assert_eq!(offset_of!(BpfFlowKey, hi_port), 34);
        assert_eq!(offset_of!(BpfFlowKey, vlan), 36);
        assert_eq!(offset_of!(BpfFlowKey, l4_proto), 38);
        assert_eq!(offset_of!(BpfFlowKey, ip_version), 39);
    }

    #[test]
    fn value_layouts() {
        assert_eq!(size_of::<BypassCounters>(), 32);
        assert_eq!(offset_of!(BypassCounters, lo_packets), 0);
        assert_eq!(offset_of!(BypassCounters, lo_bytes), 8);
        assert_eq!(offset_of!(BypassCounters, hi_packets), 16);
        assert_eq!(offset_of!(BypassCounters, hi_bytes), 24);

        assert_eq!(size_of::<XdpCounters>(), 11 * 8);
        let offsets = [
            offset_of!(XdpCounters, packets),
            offset_of!(XdpCounters, bytes),
            offset_of!(XdpCounters, redirected),
            offset_of!(XdpCounters, redirected_bytes),
            offset_of!(XdpCounters, passed),
            offset_of!(XdpCounters, bypassed),
            offset_of!(XdpCounters, bypassed_bytes),
            offset_of!(XdpCounters, sampled_out),
            offset_of!(XdpCounters, parse_errors),
            offset_of!(XdpCounters, non_ip),
            offset_of!(XdpCounters, sample_seq),
        ];
        assert_eq!(offsets, std::array::from_fn(|i| i * 8));

        assert_eq!(size_of::<XdpConfig>(), 8);
        assert_eq!(offset_of!(XdpConfig, sample_rate), 0);
        assert_eq!(offset_of!(XdpConfig, flags), 4);
    }

    #[test]
    fn key_bytes_round_trip() {
        let k = BpfFlowKey {
            lo: std::array::from_fn(|i| i as u8),
            hi: std::array::from_fn(|i| 100 + i as u8),
            lo_port: 0x1234,
            hi_port: 443,
            vlan: 7,
            l4_proto: 17,
            ip_version: 6,
        };
        assert_eq!(BpfFlowKey::from_bytes(&k.to_bytes()), k);
        assert_eq!(k.as_bytes(), &k.to_bytes()[..]);
    }

    #[test]
    fn object_is_an_aligned_bpf_elf() {
        let o = object();
        assert_eq!(o.as_ptr() as usize % 32, 0);
        assert_eq!(&o[..4], b"\x7fELF");
        assert_eq!(o[4], 2, "64-bit ELF");
        // e_machine at 18: EM_BPF = 247.
        assert_eq!(u16::from_ne_bytes([o[18], o[19]]), 247);
        let has = |s: &[u8]| o.windows(s.len()).any(|w| w == s);
        for name in [PROGRAM, MAP_XSKS, MAP_CONFIG, MAP_STATS, MAP_BYPASS, ".BTF"] {
            assert!(has(name.as_bytes()), "{name} missing from the object");
        }
    }
}
