//! `include/flow_hash.h` and `include/maps.h` compiled for the host (tests/shim, linked by build.rs into the
//! integration tests only) against ntopng-engine's `FlowKey`: same key bytes, same hash, same layout.

use ntopng_ebpf::{BpfFlowKey, BypassCounters, XdpConfig, XdpCounters};
use ntopng_engine::flow_key::{FlowKey, Side};
use ntopng_wire::{Addr, PacketInfo};
use std::mem::{offset_of, size_of};

extern "C" {
    fn ntop_test_flow_hash32(k: *const BpfFlowKey) -> u32;
    #[allow(clippy::too_many_arguments)]
    fn ntop_test_flow_key_fill(
        k: *mut BpfFlowKey,
        src: *const u8,
        sport: u16,
        dst: *const u8,
        dport: u16,
        vlan: u16,
        l4_proto: u8,
        ip_version: u8,
    ) -> i32;
    fn ntop_test_layout(i: usize) -> usize;
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.next() as u8)
    }
}

fn engine_bytes(k: &FlowKey) -> [u8; 40] {
    // FlowKey is repr(C), 40 bytes, no padding: its memory is the kernel key.
    assert_eq!(size_of::<FlowKey>(), 40);
    // SAFETY: plain integer fields, size checked.
    unsafe { std::mem::transmute_copy(k) }
}

fn c_hash(k: &BpfFlowKey) -> u32 {
    // SAFETY: the shim reads 40 bytes through the pointer.
    unsafe { ntop_test_flow_hash32(k) }
}

#[test]
fn c_hash_equals_engine_hash32_on_random_keys() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..100_000 {
        let raw: [u8; 40] = rng.bytes();
        let k = BpfFlowKey::from_bytes(&raw);
        // SAFETY: any 40 bytes are a valid FlowKey (integers only), same layout.
        let e: FlowKey = unsafe { std::mem::transmute_copy(&raw) };
        assert_eq!(c_hash(&k), e.hash32(), "key {raw:02x?}");
    }
}

fn addr(rng: &mut Rng, v4: bool, pool: &[[u8; 16]]) -> Addr {
    // Draw from a small pool half of the time so equal addresses (and equal ports below) are common.
    if rng.next().is_multiple_of(2) {
        return Addr(pool[(rng.next() % pool.len() as u64) as usize]);
    }
    if v4 {
        Addr::from_v4(rng.bytes())
    } else {
        Addr::from_v6(rng.bytes())
    }
}

#[test]
fn c_key_fill_equals_engine_flow_key_of() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let pool4: Vec<[u8; 16]> = (0..4).map(|i| Addr::from_v4([198, 18, 0, i]).0).collect();
    let pool6: Vec<[u8; 16]> =
        (0..4).map(|i| Addr::from_v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, i]).0).collect();
    for i in 0..100_000u32 {
        let v4 = i % 2 == 0;
        let pool = if v4 { &pool4 } else { &pool6 };
        let port = |rng: &mut Rng| if rng.next().is_multiple_of(3) { 443 } else { rng.next() as u16 };
        let l4_proto = [6u8, 17, 1, 58, 132][(rng.next() % 5) as usize];
        let tcp_udp = l4_proto == 6 || l4_proto == 17;
        let p = PacketInfo {
            vlan: (rng.next() % 4096) as u16 * (rng.next() % 2) as u16,
            src_mac: [0; 6],
            dst_mac: [0; 6],
            l3_offset: 14,
            ip_version: if v4 { 4 } else { 6 },
            src: addr(&mut rng, v4, pool),
            dst: addr(&mut rng, v4, pool),
            l4_proto,
            src_port: if tcp_udp { port(&mut rng) } else { 0 },
            dst_port: if tcp_udp { port(&mut rng) } else { 0 },
            tcp_flags: 0,
            tcp_seq: 0,
            tcp_window: 0,
            dscp: 0,
            payload_len: 0,
            first_fragment: false,
            tunneled: false,
        };
        let (ek, side) = FlowKey::of(&p);
        let mut ck =
            BpfFlowKey { lo: [0xaa; 16], hi: [0x55; 16], lo_port: 1, hi_port: 2, vlan: 3, l4_proto: 4, ip_version: 5 };
        // SAFETY: the pointers reference 16-byte addresses and a 40-byte key.
        let hi = unsafe {
            ntop_test_flow_key_fill(
                &mut ck,
                p.src.0.as_ptr(),
                p.src_port,
                p.dst.0.as_ptr(),
                p.dst_port,
                p.vlan,
                p.l4_proto,
                p.ip_version,
            )
        };
        assert_eq!(ck.to_bytes(), engine_bytes(&ek), "packet {p:?}");
        assert_eq!(hi == 1, side == Side::Hi, "packet {p:?}");
        assert_eq!(c_hash(&ck), ek.hash32());
    }
}

#[test]
fn both_directions_give_one_key() {
    let a = Addr::from_v4([198, 18, 0, 1]).0;
    let b = Addr::from_v4([198, 18, 0, 2]).0;
    let mut k1 = BpfFlowKey::default();
    let mut k2 = BpfFlowKey::default();
    // SAFETY: as above.
    let (s1, s2) = unsafe {
        (
            ntop_test_flow_key_fill(&mut k1, a.as_ptr(), 40000, b.as_ptr(), 53, 0, 17, 4),
            ntop_test_flow_key_fill(&mut k2, b.as_ptr(), 53, a.as_ptr(), 40000, 0, 17, 4),
        )
    };
    assert_eq!(k1, k2);
    assert_eq!((s1, s2), (0, 1));
    assert_eq!(k1.lo_port, 40000);
    assert_eq!(k1.hi_port, 53);
}

#[test]
fn c_layout_equals_rust_mirrors() {
    let expected = [
        size_of::<BpfFlowKey>(),
        size_of::<BypassCounters>(),
        size_of::<XdpCounters>(),
        size_of::<XdpConfig>(),
        offset_of!(BpfFlowKey, lo),
        offset_of!(BpfFlowKey, hi),
        offset_of!(BpfFlowKey, lo_port),
        offset_of!(BpfFlowKey, hi_port),
        offset_of!(BpfFlowKey, vlan),
        offset_of!(BpfFlowKey, l4_proto),
        offset_of!(BpfFlowKey, ip_version),
        offset_of!(BypassCounters, lo_packets),
        offset_of!(BypassCounters, lo_bytes),
        offset_of!(BypassCounters, hi_packets),
        offset_of!(BypassCounters, hi_bytes),
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
        offset_of!(XdpConfig, sample_rate),
        offset_of!(XdpConfig, flags),
        ntopng_ebpf::F_BYPASS as usize,
        ntopng_ebpf::F_SAMPLE_FLOWS as usize,
        ntopng_ebpf::DEFAULT_MAX_QUEUES as usize,
        ntopng_ebpf::DEFAULT_BYPASS_ENTRIES as usize,
    ];
    for (i, want) in expected.iter().enumerate() {
        // SAFETY: plain function.
        assert_eq!(unsafe { ntop_test_layout(i) }, *want, "layout entry {i}");
    }
    // SAFETY: plain function.
    assert_eq!(unsafe { ntop_test_layout(expected.len()) }, usize::MAX, "the C table has more entries");
}
