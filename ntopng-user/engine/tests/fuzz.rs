//! Random and mutated frames through the decoder, the flow engine and nDPI: nothing panics,
//! the state stays bounded, and every frame is accounted for exactly once (in a flow, as
//! non-IP, or as a counted decode drop).

use ntopng_capture::{Frame, LinkType};
use ntopng_engine::worker::{Shared, Worker};
use ntopng_engine::{EngineConfig, Snapshot};
use ntopng_wire::{decode, DecodeOptions};
use proptest::prelude::*;

/// Valid frames to mutate: Ethernet/IPv4/TCP SYN, Ethernet/VLAN/IPv6/UDP DNS-ish, IPv4/UDP GTP-U.
fn templates() -> Vec<Vec<u8>> {
    let eth = |t: u16| {
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
        f.extend_from_slice(&t.to_be_bytes());
        f
    };
    let mut tcp = eth(0x0800);
    tcp.extend_from_slice(&[0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2]);
    tcp.extend_from_slice(&[0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    let mut udp6 = eth(0x8100);
    udp6.extend_from_slice(&[0, 10, 0x86, 0xdd, 0x60, 0, 0, 0, 0, 20, 17, 64]);
    udp6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    udp6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    udp6.extend_from_slice(&[0xc3, 0x50, 0, 53, 0, 20, 0, 0, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    let mut gtp = eth(0x0800);
    gtp.extend_from_slice(&[0x45, 0, 0, 64, 0, 1, 0, 0, 64, 17, 0, 0, 198, 19, 0, 1, 198, 19, 0, 2]);
    gtp.extend_from_slice(&[0x08, 0x68, 0x08, 0x68, 0, 44, 0, 0, 0x30, 0xff, 0, 28, 0, 0, 0, 1]);
    gtp.extend_from_slice(&[0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 1, 1, 198, 18, 1, 2]);
    gtp.extend_from_slice(&[0x13, 0x88, 0, 53, 0, 8, 0, 0]);
    vec![tcp, udp6, gtp]
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Set(usize, u8),
}

fn frame_strategy() -> impl Strategy<Value = (u32, Vec<u8>)> {
    let linktype = prop::sample::select(vec![1u32, 1, 1, 101, 113, 0, 9, 228, 229, 12345]);
    let random = prop::collection::vec(any::<u8>(), 0..160);
    let mutated = (0..3usize, prop::collection::vec(
        prop_oneof![
            (0..120usize, any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
            (0..120usize).prop_map(Mutation::Cut),
            (0..120usize, any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        ],
        0..4,
    ))
        .prop_map(|(t, muts)| {
            let mut f = templates()[t].clone();
            for m in muts {
                match m {
                    Mutation::Flip(i, b) if i < f.len() => f[i] ^= b,
                    Mutation::Set(i, b) if i < f.len() => f[i] = b,
                    Mutation::Cut(i) => f.truncate(i),
                    _ => {}
                }
            }
            f
        });
    (linktype, prop_oneof![random, mutated])
}

fn config(workers_cap: usize) -> EngineConfig {
    EngineConfig { max_flows: workers_cap, max_hosts: workers_cap, purge_idle: true, ..EngineConfig::default() }
}

proptest! {
    // 1,500 cases of up to 140 frames (about 105k frames) through the whole engine with nDPI.
    #![proptest_config(ProptestConfig { cases: 1_500, ..ProptestConfig::default() })]
    #[test]
    fn every_frame_is_accounted_and_nothing_panics(frames in prop::collection::vec(frame_strategy(), 1..140),
                                                   gaps in prop::collection::vec(0u64..90_000_000_000, 140)) {
        let shared = Shared::new(config(16));
        let mut w = Worker::new(0, shared, None).expect("nDPI detector");
        let mut ts = 1_700_000_000_000_000_000u64;
        for (i, (lt, bytes)) in frames.iter().enumerate() {
            ts += gaps[i];
            let frame = Frame { ts_ns: ts, wire_len: bytes.len() as u32 + (i as u32 % 3), linktype: LinkType(*lt), data: bytes };
            let d = decode(*lt, bytes, DecodeOptions::default());
            w.process(&frame, &d);
        }
        w.end_of_input();
        let s = Snapshot::of(std::slice::from_ref(&w));
        let n = frames.len() as u64;
        prop_assert_eq!(s.iface.total.packets, n);
        prop_assert!(s.active_flows <= 16);
        prop_assert!(s.hosts.len() <= 16);
        let in_flows: u64 = s.l7.values().map(|t| t.packets).sum();
        prop_assert_eq!(in_flows + s.iface.non_ip.packets + s.iface.decode_drops_total() + s.iface.flow_overflow, n);
        w.shutdown();
        prop_assert_eq!(w.flows().len(), 0);
    }
}
