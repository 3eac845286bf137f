//! Payload ("goodput") bytes and zero-window marks as the worker counts them, on a capture written
//! here: TCP payload after the TCP header, UDP's after its 8 bytes, the whole message for ICMP; a
//! zero window marks its sender's direction unless the segment carries RST or FIN.

#[path = "../../../tests/support/pcapgen.rs"]
mod pcapgen;

use ntopng_engine::flow::marks;
use ntopng_engine::sink::FlowRecord;
use ntopng_engine::{run_capture, EngineConfig};
use pcapgen::*;
use std::net::Ipv4Addr;

const T0: u64 = 1_700_000_000 * 1_000_000;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn flows(p: &Pcap, name: &str) -> Vec<FlowRecord> {
    let path = std::env::temp_dir().join(format!("engine-goodput-{}-{name}.pcap", std::process::id()));
    p.write(&path);
    let cfg = EngineConfig { ndpi: None, ..EngineConfig::default() };
    let r = run_capture(&path, &cfg, None).unwrap();
    let _ = std::fs::remove_file(&path);
    r.snapshot().flows
}

fn find<'a>(fl: &'a [FlowRecord], cli_port: u16) -> &'a FlowRecord {
    fl.iter().find(|f| f.client.1 == cli_port).unwrap_or_else(|| panic!("no flow from port {cli_port}"))
}

#[test]
fn payload_bytes_per_direction_and_zero_windows() {
    let mut p = Pcap::new();
    // TCP: 100 bytes from the client, 300 from the server, then a zero window from the server on a
    // pure ACK; a zero window on a RST and on a FIN from the client count for nothing.
    let (c, s) = ((ip("10.0.0.1"), 40000), (ip("10.0.0.2"), 8000));
    let mut t = Tcp::open(&mut p, T0, c, s);
    t.client(T0 + 10_000, &[1; 100], false);
    t.server(T0 + 20_000, &[2; 300]);
    let (cs, ss) = (t.cseq, t.sseq);
    t.pcap.tcp_win(T0 + 30_000, s, c, ss, cs, ACK, 0, &[]);
    t.pcap.tcp_win(T0 + 40_000, c, s, cs, ss, FIN | ACK, 0, &[]);
    t.pcap.tcp_win(T0 + 50_000, c, s, cs + 1, ss, RST, 0, &[]);
    // A TCP packet whose header is cut short (12 bytes): no window was read, no mark.
    let (tc, ts) = ((ip("10.0.0.1"), 40003u16), (ip("10.0.0.6"), 80u16));
    let mut short = Vec::new();
    short.extend_from_slice(&tc.1.to_be_bytes());
    short.extend_from_slice(&ts.1.to_be_bytes());
    short.extend_from_slice(&[0; 8]);
    p.ip(T0, tc.0, ts.0, 6, &short);
    // UDP: 10 bytes out, 20 and 5 back.
    let (uc, us) = ((ip("10.0.0.1"), 40001), (ip("10.0.0.3"), 9000));
    p.udp(T0, uc, us, &[0; 10]);
    p.udp(T0 + 1000, us, uc, &[0; 20]);
    p.udp(T0 + 2000, us, uc, &[0; 5]);
    // ICMP echo request with 32 bytes of data: the 8-byte header counts as payload (whole L4 message).
    let mut echo = vec![8, 0, 0, 0, 0, 1, 0, 1];
    echo.extend_from_slice(&[0x61; 32]);
    p.ip(T0, ip("10.0.0.1"), ip("10.0.0.4"), 1, &echo);
    let fl = flows(&p, "mix");

    let f = find(&fl, 40000);
    assert_eq!((f.cli2srv_goodput, f.srv2cli_goodput, f.goodput_bytes()), (100, 300, 400));
    assert_eq!((f.cli2srv.packets, f.srv2cli.packets), (5, 3));
    assert_eq!((f.cli2srv.bytes, f.srv2cli.bytes), (5 * 54 + 100, 3 * 54 + 300));
    assert_eq!(f.marks, marks::ZERO_WINDOW_SRV2CLI);
    assert!(f.goodput_complete());

    let f = find(&fl, 40001);
    assert_eq!((f.cli2srv_goodput, f.srv2cli_goodput), (10, 25));
    assert_eq!(f.marks, 0);

    let f = fl.iter().find(|f| f.l4_proto == 6 && f.marks == 0 && f.client.1 != 40000).unwrap();
    assert_eq!(f.goodput_bytes(), 12, "{f:?}");

    let f = fl.iter().find(|f| f.l4_proto == 1).unwrap();
    assert_eq!((f.cli2srv_goodput, f.srv2cli_goodput), (40, 0));
}
