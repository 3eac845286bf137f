//! Live tests on a veth pair inside a namespace of their own (run as root; SKIP otherwise). Frames are sent
//! from the peer end with an AF_PACKET socket and must come out of the AF_XDP socket on the other end, with
//! the kernel counters, the bypass map and sampling accounting for every one.

mod common;

use common::{can_run, skip, udp_frame, NetNs, Sender, IF_PEER, IF_XDP};
use ntopng_capture::{Poll, Source};
use ntopng_engine::flow_key::FlowKey;
use ntopng_engine::offload::FlowOffload;
use ntopng_wire::{Addr, PacketInfo};
use ntopng_xdp::*;
use std::time::{Duration, Instant};

fn init_log() {
    let _ = env_logger::builder().is_test(true).filter_level(log::LevelFilter::Info).try_init();
}

/// Namespace + attached program, or None (SKIP printed) when this machine cannot run it.
fn setup(test: &str, queues: u32, cfg: impl FnOnce(&mut CaptureConfig)) -> Option<(NetNs, XdpCapture)> {
    init_log();
    if !can_run(test) {
        return None;
    }
    let ns = match NetNs::new(test, queues) {
        Ok(ns) => ns,
        Err(e) => {
            skip(test, &format!("cannot create a network namespace with a veth pair: {e}"));
            return None;
        }
    };
    let mut c = CaptureConfig::new(IF_XDP);
    c.ring_size = 2048;
    cfg(&mut c);
    match XdpCapture::open(&c) {
        Ok(x) => Some((ns, x)),
        Err(e) if e.is_permission() => {
            skip(test, &format!("the kernel refuses BPF here: {e}"));
            None
        }
        Err(e) => panic!("{test}: {e}"),
    }
}

/// Polls until `want` frames arrived (or 5 s passed), then 150 ms more to catch any extra.
fn receive(src: &mut XdpSource, want: usize) -> Vec<Vec<u8>> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut quiet_until: Option<Instant> = None;
    loop {
        let p = src.poll_batch(64, &mut |f| {
            assert!(f.ts_ns > 1_600_000_000_000_000_000, "wall-clock ns timestamp");
            assert_eq!(f.wire_len as usize, f.data.len());
            got.push(f.data.to_vec());
        });
        assert!(!matches!(p, Ok(Poll::Done)));
        p.unwrap();
        let now = Instant::now();
        if got.len() >= want {
            let q = *quiet_until.get_or_insert(now + Duration::from_millis(150));
            if now >= q {
                break;
            }
        } else if now >= deadline {
            break;
        }
    }
    got
}

fn info(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> PacketInfo {
    PacketInfo {
        vlan: 0,
        src_mac: [0; 6],
        dst_mac: [0; 6],
        l3_offset: 14,
        ip_version: 4,
        src: Addr::from_v4(src),
        dst: Addr::from_v4(dst),
        l4_proto: 17,
        src_port: sport,
        dst_port: dport,
        tcp_flags: 0,
        tcp_seq: 0,
        tcp_window: 0,
        dscp: 0,
        payload_len: 0,
        first_fragment: false,
        tunneled: false,
    }
}

const A: [u8; 4] = [198, 18, 0, 1];
const B: [u8; 4] = [198, 19, 0, 1];

#[test]
fn frames_reach_user_space_exactly() {
    let Some((_ns, mut cap)) = setup("redirect", 1, |_| {}) else { return };
    assert_eq!(cap.mode(), AttachedMode::Driver, "veth takes XDP in driver mode");
    let mut srcs = cap.open_sources().unwrap();
    assert_eq!(srcs.len(), 1);
    let src = &mut srcs[0];
    eprintln!("queue {}: {} mode", src.queue(), if src.zero_copy() { "zero-copy" } else { "copy" });

    let n = 1000usize;
    let sent: Vec<Vec<u8>> =
        (0..n).map(|i| udp_frame(A, 1000 + (i % 4) as u16, B, 53, i as u32, 18 + (i * 37) % 1400)).collect();
    let tx = Sender::new(IF_PEER).unwrap();
    for f in &sent {
        tx.send(f).unwrap();
    }
    let got = receive(src, n);
    let bytes: u64 = sent.iter().map(|f| f.len() as u64).sum();
    assert_eq!(got.len(), n, "user space received every frame, no more");
    for (i, (g, s)) in got.iter().zip(&sent).enumerate() {
        assert_eq!(g, s, "frame {i} differs");
    }
    let st = src.stats();
    assert_eq!((st.frames, st.bytes, st.drops, st.malformed), (n as u64, bytes, 0, 0));
    let k = cap.kernel_stats().unwrap().total;
    eprintln!("kernel counters: {k:?}");
    assert_eq!((k.packets, k.bytes), (n as u64, bytes));
    assert_eq!((k.redirected, k.redirected_bytes), (n as u64, bytes));
    assert_eq!((k.passed, k.bypassed, k.sampled_out, k.parse_errors, k.non_ip), (0, 0, 0, 0, 0));
    assert_eq!(src.xsk_stats().unwrap(), XskStats::default());
    eprintln!("redirect: sent {n} frames / {bytes} bytes, received {} / {}, kernel {k:?}", st.frames, st.bytes);
}

#[test]
fn bypassed_flow_is_counted_in_the_kernel_only() {
    let Some((_ns, mut cap)) = setup("bypass", 1, |_| {}) else { return };
    let mut src = cap.open_sources().unwrap().pop().unwrap();
    let bypass = cap.bypass().expect("bypass on by default");

    // Flow 1 (bypassed): A:1000 <-> B:2000, both directions. Flow 2: A:1001 -> B:2000.
    let (key1, _) = FlowKey::of(&info(A, 1000, B, 2000));
    let (key2, _) = FlowKey::of(&info(A, 1001, B, 2000));
    let k1 = BypassMap::key_of(&key1);
    assert!(bypass.insert(&k1).unwrap());
    assert!(!bypass.insert(&k1).unwrap(), "second insert keeps the entry");
    assert_eq!(bypass.counters(&k1).unwrap(), Some((0, 0)));
    assert_eq!(bypass.counters(&BypassMap::key_of(&key2)).unwrap(), None);

    let tx = Sender::new(IF_PEER).unwrap();
    let (m_fwd, m_rev, k) = (200usize, 100usize, 200usize);
    let (mut fwd_bytes, mut rev_bytes, mut other) = (0u64, 0u64, Vec::new());
    for i in 0..(m_fwd + m_rev + k) {
        let f = match i % 5 {
            0 | 1 if i / 5 * 2 + i % 5 < m_fwd => {
                let f = udp_frame(A, 1000, B, 2000, i as u32, 30 + i % 300);
                fwd_bytes += f.len() as u64;
                f
            }
            2 if i / 5 < m_rev => {
                let f = udp_frame(B, 2000, A, 1000, i as u32, 30 + i % 200);
                rev_bytes += f.len() as u64;
                f
            }
            _ => {
                let f = udp_frame(A, 1001, B, 2000, i as u32, 30 + i % 100);
                other.push(f.clone());
                f
            }
        };
        tx.send(&f).unwrap();
    }
    let (m, k) = (m_fwd + m_rev, other.len());
    let got = receive(&mut src, k);
    assert_eq!(got, other, "user space sees exactly the other flow's frames");
    let by_side = bypass.counters_by_side(&k1).unwrap().unwrap();
    let (fwd_pkts, rev_pkts) = (by_side.lo_packets, by_side.hi_packets);
    assert_eq!(fwd_pkts + rev_pkts, m as u64);
    // A:1000 < B:2000, so A is the key's lo side.
    assert_eq!((by_side.lo_bytes, by_side.hi_bytes), (fwd_bytes, rev_bytes));
    assert_eq!(bypass.counters(&k1).unwrap(), Some((m as u64, fwd_bytes + rev_bytes)));
    let ks = cap.kernel_stats().unwrap().total;
    assert_eq!((ks.bypassed, ks.bypassed_bytes), (m as u64, fwd_bytes + rev_bytes));
    assert_eq!(ks.redirected, k as u64);
    assert_eq!(ks.packets, (m + k) as u64);
    // The engine's view through FlowOffload.
    let off = FlowOffload::read(&bypass, &key1).unwrap();
    assert_eq!((off.from_lo.packets, off.from_hi.packets), (fwd_pkts, rev_pkts));
    eprintln!(
        "bypass: sent {m} bypassed ({fwd_pkts} lo->hi, {rev_pkts} hi->lo, {} bytes) + {k} other; user space got {}; kernel {ks:?}",
        fwd_bytes + rev_bytes,
        got.len()
    );

    // Removed: the flow reaches user space again.
    assert!(bypass.remove(&k1).unwrap());
    assert!(!bypass.remove(&k1).unwrap());
    assert_eq!(bypass.counters(&k1).unwrap(), None);
    let again: Vec<_> = (0..10).map(|i| udp_frame(A, 1000, B, 2000, 9000 + i, 64)).collect();
    again.iter().for_each(|f| tx.send(f).unwrap());
    assert_eq!(receive(&mut src, 10), again);
}

#[test]
fn bypass_map_from_several_threads() {
    let Some((_ns, cap)) = setup("bypass-mt", 1, |_| {}) else { return };
    let bypass = cap.bypass().unwrap();
    let keys: Vec<[u8; 40]> = (0..4000u16).map(|i| BypassMap::key_of(&FlowKey::of(&info(A, i, B, 80)).0)).collect();
    std::thread::scope(|s| {
        for t in 0..4 {
            let (b, keys) = (bypass.clone(), &keys);
            s.spawn(move || {
                for k in keys.iter().skip(t).step_by(4) {
                    assert!(b.insert(k).unwrap());
                    assert_eq!(b.counters(k).unwrap(), Some((0, 0)));
                }
            });
        }
    });
    std::thread::scope(|s| {
        for t in 0..4 {
            let (b, keys) = (bypass.clone(), &keys);
            s.spawn(move || keys.iter().skip(t).step_by(4).for_each(|k| assert!(b.remove(k).unwrap())));
        }
    });
    assert!(keys.iter().all(|k| bypass.counters(k).unwrap().is_none()));
}

#[test]
fn packet_sampling_one_in_four() {
    let Some((_ns, mut cap)) = setup("sample-pkt", 1, |c| c.sampling = Sampling::Packets(4)) else { return };
    let mut src = cap.open_sources().unwrap().pop().unwrap();
    // veth runs the receive path on the sending CPU: one CPU, one sampling sequence.
    common::pin_to_cpu(0);
    let n = 1000usize;
    let sent: Vec<_> = (0..n).map(|i| udp_frame(A, 1000 + (i % 7) as u16, B, 53, i as u32, 100)).collect();
    let tx = Sender::new(IF_PEER).unwrap();
    sent.iter().for_each(|f| tx.send(f).unwrap());
    let got = receive(&mut src, n / 4);
    let ks = cap.kernel_stats().unwrap();
    // The rule, whatever the CPUs: on each CPU frames 1, N+1, 2N+1... are kept.
    let expected: u64 = ks.per_cpu.iter().map(|c| c.packets.div_ceil(4)).sum();
    assert_eq!(got.len() as u64, expected);
    let cpus_used = ks.per_cpu.iter().filter(|c| c.packets > 0).count();
    if cpus_used == 1 {
        assert_eq!(got.len(), n / 4, "one CPU: exactly N/4");
        let kept: Vec<_> = sent.iter().step_by(4).cloned().collect();
        assert_eq!(got, kept, "frames 0, 4, 8... kept");
    } else {
        eprintln!("note: the receive path ran on {cpus_used} CPUs despite pinning; checked the per-CPU rule only");
    }
    assert_eq!(ks.total.sampled_out, (n - n / 4) as u64);
    assert_eq!(ks.total.redirected, (n / 4) as u64);
    eprintln!("packet sampling 1/4: sent {n}, user space {}, sampled out {}", got.len(), ks.total.sampled_out);
}

#[test]
fn flow_sampling_keeps_whole_flows_by_hash() {
    let Some((_ns, mut cap)) = setup("sample-flow", 1, |c| c.sampling = Sampling::Flows(4)) else { return };
    let mut src = cap.open_sources().unwrap().pop().unwrap();
    let tx = Sender::new(IF_PEER).unwrap();
    let (flows, per_flow) = (400u16, 3usize);
    let mut kept = Vec::new();
    for round in 0..per_flow {
        for p in 0..flows {
            // Alternate directions: both map to one key and one hash.
            let f = if round == 1 {
                udp_frame(B, 53, A, 10000 + p, p as u32, 60)
            } else {
                udp_frame(A, 10000 + p, B, 53, p as u32, 60)
            };
            if FlowKey::of(&info(A, 10000 + p, B, 53)).0.hash32().is_multiple_of(4) {
                kept.push(f.clone());
            }
            tx.send(&f).unwrap();
        }
    }
    let got = receive(&mut src, kept.len());
    assert_eq!(got, kept, "the kernel's hash is FlowKey::hash32 of the same key");
    let ks = cap.kernel_stats().unwrap().total;
    let n = flows as u64 * per_flow as u64;
    assert_eq!(ks.sampled_out, n - kept.len() as u64);
    eprintln!(
        "flow sampling 1/4: {flows} flows x {per_flow}: user space {} frames, sampled out {}",
        got.len(),
        ks.sampled_out
    );
}

#[test]
fn detach_leaves_nothing_attached() {
    for mode in [AttachMode::Auto, AttachMode::Skb] {
        let Some((ns, cap)) = setup("detach", 1, |c| c.attach = mode) else { return };
        let id = cap.program_id();
        assert_ne!(id, 0);
        let a = attached_xdp(IF_XDP).unwrap().expect("attached");
        let want = if mode == AttachMode::Skb { XdpAttachment::Skb } else { XdpAttachment::Driver };
        assert_eq!(a, AttachedXdp { mode: want, prog_id: id });
        let shown = ns.ip_link_show(IF_XDP);
        assert!(shown.contains(&format!("prog/xdp id {id}")), "{shown}");
        assert!(shown.contains(if mode == AttachMode::Skb { "xdpgeneric" } else { "xdp " }), "{shown}");
        drop(cap);
        assert_eq!(attached_xdp(IF_XDP).unwrap(), None);
        let shown = ns.ip_link_show(IF_XDP);
        assert!(!shown.contains("prog/xdp") && !shown.contains("xdpgeneric"), "{shown}");
        eprintln!("detach ({mode:?}): program {id} was attached as {:?}; after drop `ip -d link` shows none", a.mode);
    }
}

#[test]
fn ring_overflow_is_counted_as_drops() {
    let Some((_ns, mut cap)) = setup("drops", 1, |c| {
        c.ring_size = 64;
        c.umem_frames = 128;
    }) else {
        return;
    };
    let mut src = cap.open_sources().unwrap().pop().unwrap();
    let tx = Sender::new(IF_PEER).unwrap();
    let n = 500usize;
    // Nobody reads while these go out: the rings fill.
    (0..n).for_each(|i| tx.send(&udp_frame(A, 1, B, 2, i as u32, 64)).unwrap());
    let got = receive(&mut src, 64);
    let st = src.stats();
    let x = src.xsk_stats().unwrap();
    let ks = cap.kernel_stats().unwrap().total;
    eprintln!("drops: sent {n}, received {}, socket {x:?}, source drops {}", got.len(), st.drops);
    assert_eq!(ks.redirected, n as u64);
    assert!(st.drops > 0);
    assert_eq!(got.len() as u64 + st.drops, n as u64, "every frame received or counted as dropped");
}

#[test]
fn one_socket_per_queue() {
    let Some((_ns, mut cap)) = setup("multiq", 2, |_| {}) else { return };
    assert_eq!(cap.queues(), &[0, 1]);
    let mut srcs = cap.open_sources().unwrap();
    let tx = Sender::new(IF_PEER).unwrap();
    let n = 1000usize;
    (0..n).for_each(|i| tx.send(&udp_frame(A, 20000 + (i % 200) as u16, B, 443, i as u32, 80)).unwrap());
    let mut per_queue = [0usize; 2];
    let deadline = Instant::now() + Duration::from_secs(5);
    while per_queue.iter().sum::<usize>() < n && Instant::now() < deadline {
        for (q, s) in srcs.iter_mut().enumerate() {
            if let Ok(Poll::Ready(k)) = s.poll_batch(64, &mut |_| {}) {
                per_queue[q] += k;
            }
        }
    }
    let ks = cap.kernel_stats().unwrap().total;
    eprintln!("multi-queue: {n} frames -> queue 0: {}, queue 1: {}; kernel {ks:?}", per_queue[0], per_queue[1]);
    assert_eq!(per_queue.iter().sum::<usize>(), n);
    assert_eq!(ks.redirected, n as u64);
    assert!(per_queue.iter().all(|&c| c > 0), "both queues used: {per_queue:?}");
}

/// The kernel's key for VLAN/QinQ, IPv6, TCP and ICMP frames equals the one user space builds from its own
/// decoder: every frame of a flow whose decoded key is in the bypass map is bypassed.
#[test]
fn kernel_keys_match_the_user_space_decoder() {
    use common::{frame, Net, L4};
    let Some((_ns, mut cap)) = setup("keys", 1, |_| {}) else { return };
    let mut src = cap.open_sources().unwrap().pop().unwrap();
    let bypass = cap.bypass().unwrap();
    let v6a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let v6b = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    let flows = [
        frame(&[], Net::V6(v6b, v6a), L4::Tcp(443, 50000), 100),
        frame(&[(0x8100, 42)], Net::V4(A, B), L4::Udp(5000, 53), 40),
        // QinQ: 802.1ad outer 100, 802.1Q inner 7 (the key takes the innermost).
        frame(&[(0x88a8, 100), (0x8100, 7)], Net::V4(B, A), L4::Tcp(80, 40000), 10),
        frame(&[], Net::V4(A, B), L4::Icmp, 56),
        frame(&[(0x8100, 5)], Net::V6(v6a, v6b), L4::Icmp, 32),
        frame(&[], Net::V6(v6a, v6b), L4::Udp(1, 2), 0),
    ];
    for f in &flows {
        let d = ntopng_wire::decode(1, f, ntopng_wire::DecodeOptions::default());
        let ntopng_wire::Decoded::Ip(p) = d else { panic!("test frame does not decode: {d:?}") };
        assert!(bypass.insert(&BypassMap::key_of(&FlowKey::of(&p).0)).unwrap());
    }
    // An ARP frame (no key) and a frame cut inside its TCP header (parse error) reach user space.
    let mut arp = vec![0xff; 6];
    arp.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x08, 0x06]);
    arp.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    arp.resize(60, 0);
    let mut cut = frame(&[], Net::V4(A, B), L4::Tcp(1, 2), 0);
    cut.truncate(14 + 20 + 10);
    let tx = Sender::new(IF_PEER).unwrap();
    for round in 0..5 {
        flows.iter().for_each(|f| tx.send(f).unwrap());
        if round == 0 {
            tx.send(&arp).unwrap();
            tx.send(&cut).unwrap();
        }
    }
    let got = receive(&mut src, 2);
    assert_eq!(got, vec![arp, cut], "only the keyless frames reach user space");
    let ks = cap.kernel_stats().unwrap().total;
    assert_eq!(ks.bypassed, 5 * flows.len() as u64);
    assert_eq!((ks.non_ip, ks.parse_errors, ks.redirected), (1, 1, 2));
    for f in &flows {
        let ntopng_wire::Decoded::Ip(p) = ntopng_wire::decode(1, f, Default::default()) else { unreachable!() };
        assert_eq!(bypass.counters(&BypassMap::key_of(&FlowKey::of(&p).0)).unwrap(), Some((5, 5 * f.len() as u64)));
    }
    eprintln!(
        "keys: {} flows (IPv6/TCP, 802.1Q, QinQ, ICMP, ICMPv6+VLAN, IPv6/UDP) x 5 all bypassed; {ks:?}",
        flows.len()
    );
}

#[test]
fn zero_copy_is_reported_or_refused() {
    let Some((_ns, mut cap)) = setup("zerocopy", 1, |c| c.bind = BindMode::ZeroCopy) else { return };
    match cap.open_socket(0) {
        Ok(s) => {
            assert!(s.zero_copy());
            eprintln!("zero-copy: granted on this driver");
        }
        Err(XdpError::Io(what, e)) => {
            eprintln!("zero-copy: refused on veth as expected: {what}: {e}");
            assert_eq!(e.raw_os_error(), Some(libc::EOPNOTSUPP), "{what}: {e}");
        }
        Err(e) => panic!("{e}"),
    }
}
