//! ntopng's client/server swap heuristic (data_model.md §3.2), on captures written here: a TCP flow whose
//! first packet is neither a SYN nor a SYN+ACK, sent from the lower port, asks for a swap; the swap happens
//! at the first packet in the other direction, however many packets come first, and the counters stay
//! where they were counted. A first SYN+ACK, UDP and a capture that ends first keep the first sender.

#[path = "../../../tests/support/pcapgen.rs"]
mod pcapgen;

use ntopng_engine::flow::tcp_flags;
use ntopng_engine::sink::FlowRecord;
use ntopng_engine::{run_capture, EngineConfig};
use pcapgen::*;
use std::net::{IpAddr, Ipv4Addr};

const T0: u64 = 1_700_000_000 * 1_000_000;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn flows(p: &Pcap, name: &str) -> Vec<FlowRecord> {
    let path = std::env::temp_dir().join(format!("engine-swap-{}-{name}.pcap", std::process::id()));
    p.write(&path);
    let cfg = EngineConfig { ndpi: None, ..EngineConfig::default() };
    let r = run_capture(&path, &cfg, None).unwrap();
    let _ = std::fs::remove_file(&path);
    r.snapshot().flows
}

fn client(f: &FlowRecord) -> (IpAddr, u16) {
    (f.client.0.to_ip(), f.client.1)
}

#[test]
fn mid_flow_capture_swaps_at_the_first_reverse_packet() {
    let (web, user) = ((ip("10.0.0.2"), 443u16), (ip("10.0.0.1"), 50000u16));
    let mut p = Pcap::new();
    // The capture starts mid-flow: two segments from the server (port 443), then the user's ACK.
    p.tcp(T0, web, user, 1000, 1, tcp_flags::ACK, &[7; 100]);
    p.tcp(T0 + 10, web, user, 1100, 1, tcp_flags::ACK, &[7; 50]);
    p.tcp(T0 + 20, user, web, 1, 1150, tcp_flags::ACK, &[]);
    let fl = flows(&p, "mid");
    assert_eq!(fl.len(), 1);
    let f = &fl[0];
    assert!(f.swapped, "{f:?}");
    assert_eq!(client(f), (IpAddr::V4(user.0), user.1));
    // Counted before the swap: the server's two segments stay in cli2srv (ntopng's e2e peers_swap_heuristic).
    assert_eq!((f.cli2srv.packets, f.srv2cli.packets), (3, 0));
    assert_eq!(f.cli2srv.bytes, 3 * 54 + 150);
}

#[test]
fn no_swap_on_syn_ack_udp_or_without_a_reverse_packet() {
    let (web, user) = ((ip("10.0.0.2"), 443u16), (ip("10.0.0.1"), 50001u16));
    let mut p = Pcap::new();
    // A first SYN+ACK keeps its sender as client.
    p.tcp(T0, web, user, 1000, 1, tcp_flags::SYN | tcp_flags::ACK, &[]);
    p.tcp(T0 + 10, user, web, 1, 1001, tcp_flags::ACK, &[]);
    // UDP from the lower port, answered: never swapped.
    let (dns, asker) = ((ip("10.0.0.3"), 53u16), (ip("10.0.0.1"), 50002u16));
    p.udp(T0, dns, asker, &[1; 30]);
    p.udp(T0 + 10, asker, dns, &[1; 20]);
    // Mid-flow TCP from the lower port with no packet back before the end: no swap.
    let (srv, cli) = ((ip("10.0.0.4"), 80u16), (ip("10.0.0.1"), 50003u16));
    p.tcp(T0, srv, cli, 5, 1, tcp_flags::ACK, &[1; 10]);
    let fl = flows(&p, "none");
    for (port, first_sender) in [(50001, web), (50002, dns), (50003, srv)] {
        let f = fl.iter().find(|f| f.client.1 == port || f.server.1 == port).unwrap();
        assert!(!f.swapped, "{f:?}");
        assert_eq!(client(f), (IpAddr::V4(first_sender.0), first_sender.1));
    }
}
