//! ntopng's client/server swap heuristic (data_model.md §3.2). A TCP flow whose first packet is neither a
//! SYN nor a SYN+ACK, sent from the lower port, asks for a swap. ntopng makes it at a later packet once
//! nDPI has named the protocol, and while it waits every packet counts client-to-server. A first SYN+ACK
//! and UDP keep the first sender as client.
//! References: the breakdowns ntopng's own end-to-end tests publish for the shared captures
//! (data_model.md: ssh_notwh_rw 51/49, ssh_notwh_rw_02 72/28, tls_nosyn keeps 192.0.76.3:80 as client),
//! and captures written here.

#[path = "../../../tests/support/pcapgen.rs"]
mod pcapgen;

use ntopng_engine::flow::tcp_flags;
use ntopng_engine::sink::FlowRecord;
use ntopng_engine::{run_capture, EngineConfig, LocalNetworks};
use pcapgen::*;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

const T0: u64 = 1_700_000_000 * 1_000_000;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn run(path: &Path, ndpi: bool) -> Vec<FlowRecord> {
    let mut cfg =
        EngineConfig { local_networks: LocalNetworks::parse("192.168.0.0/16").unwrap(), ..EngineConfig::default() };
    if !ndpi {
        cfg.ndpi = None;
    }
    run_capture(path, &cfg, None).unwrap().snapshot().flows
}

fn written(p: &Pcap, name: &str) -> Vec<FlowRecord> {
    let path = std::env::temp_dir().join(format!("engine-swap-{}-{name}.pcap", std::process::id()));
    p.write(&path);
    let fl = run(&path, false);
    let _ = std::fs::remove_file(&path);
    fl
}

fn shared(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pcaps/ntopng-e2e").join(name);
    if !p.exists() {
        eprintln!("SKIP: {} not found (the shared captures live beside the checkout)", p.display());
        return None;
    }
    Some(p)
}

fn client(f: &FlowRecord) -> (IpAddr, u16) {
    (f.client.0.to_ip(), f.client.1)
}

/// Client-to-server share of the flow's bytes, in percent, rounded as ntopng's `breakdown`.
fn cli2srv_pct(f: &FlowRecord) -> u64 {
    let total = f.cli2srv.bytes + f.srv2cli.bytes;
    (f.cli2srv.bytes as f64 * 100.0 / total as f64).round() as u64
}

#[test]
fn ntopng_e2e_swap_breakdowns() {
    for (capture, cli, swapped, pct) in [
        ("ssh_notwh_rw.pcap", ("192.168.1.122", 50513), true, 51),
        ("ssh_notwh_rw_02.pcap", ("192.168.1.122", 50513), true, 72),
        ("tls_nosyn.pcap", ("192.0.76.3", 80), false, 58),
    ] {
        let Some(path) = shared(capture) else { return };
        let fl = run(&path, true);
        assert_eq!(fl.len(), 1, "{capture}");
        let f = &fl[0];
        assert_eq!(client(f), (IpAddr::V4(ip(cli.0)), cli.1), "{capture}");
        assert_eq!((f.swapped, cli2srv_pct(f)), (swapped, pct), "{capture}: {f:?}");
    }
}

#[test]
fn a_swap_waits_for_the_protocol_and_syn_ack_or_udp_never_swap() {
    let mut p = Pcap::new();
    // Mid-flow TCP from the lower port, no nDPI here (protocol never known): the swap never happens
    // and the answer counts client-to-server.
    let (web, user) = ((ip("10.0.0.2"), 443u16), (ip("10.0.0.1"), 43002u16));
    p.tcp(T0, web, user, 1000, 1, tcp_flags::ACK, &[7; 100]);
    p.tcp(T0 + 10, web, user, 1100, 1, tcp_flags::ACK, &[7; 50]);
    p.tcp(T0 + 20, user, web, 1, 1150, tcp_flags::ACK, &[]);
    // A first SYN+ACK keeps its sender as client, and its answer goes server-to-client.
    let (srv, cli) = ((ip("10.0.0.3"), 443u16), (ip("10.0.0.1"), 50001u16));
    p.tcp(T0, srv, cli, 1000, 1, tcp_flags::SYN | tcp_flags::ACK, &[]);
    p.tcp(T0 + 10, cli, srv, 1, 1001, tcp_flags::ACK, &[]);
    // UDP from the lower port, answered: never swapped.
    let (dns, asker) = ((ip("10.0.0.4"), 53u16), (ip("10.0.0.1"), 50002u16));
    p.udp(T0, dns, asker, &[1; 30]);
    p.udp(T0 + 10, asker, dns, &[1; 20]);
    let fl = written(&p, "wait");
    let find = |port: u16| fl.iter().find(|f| f.client.1 == port || f.server.1 == port).unwrap();

    let f = find(43002);
    assert_eq!((client(f), f.swapped), ((IpAddr::V4(web.0), web.1), false));
    assert_eq!((f.cli2srv.packets, f.srv2cli.packets), (3, 0));
    assert_eq!(f.cli2srv.bytes, 3 * 54 + 150);

    let f = find(50001);
    assert_eq!((client(f), f.swapped), ((IpAddr::V4(srv.0), srv.1), false));
    assert_eq!((f.cli2srv.packets, f.srv2cli.packets), (1, 1));

    let f = find(50002);
    assert_eq!((client(f), f.swapped), ((IpAddr::V4(dns.0), dns.1), false));
    assert_eq!((f.cli2srv.packets, f.srv2cli.packets), (1, 1));
}
