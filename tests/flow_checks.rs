//! The flow checks in the daemon: a capture written here (so nothing is needed from outside) is read
//! with `-m`, `--blacklist-file`, `--pcap-file-purge-flows` and `-F jsonl`; a `--test-script-pre`
//! turns on three checks that are off by default (unexpected_dns, tcp_packets_issues, tcp_flow_reset) over the REST API
//! before the capture is read. The flow alerts the REST API lists must be exactly those computed
//! independently from the daemon's own flow dump of the same run (protocol, breed, TCP flags and
//! retransmissions per flow) with the checks' rules, by alert id and flow.

mod daemon;
#[path = "support/pcapgen.rs"]
mod pcapgen;
mod support;

use daemon::{free_port, Auth, Daemon};
use ipnet::IpNet;
use pcapgen::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use support::scratch_dir;

const T0: u64 = 1_700_000_000 * 1_000_000;
const S: u64 = 1_000_000;
const LAN: &str = "192.168.1.0/24";
const BLACKLISTED: [&str; 2] = ["198.51.100.66/32", "203.0.113.96/30"];

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn write_capture(path: &std::path::Path) {
    let mut p = Pcap::new();
    // DNS to two servers (no list: both unexpected once the check is on).
    for (i, srv) in ["8.8.8.8", "192.168.1.1"].into_iter().enumerate() {
        let (c, s) = ((ip("192.168.1.10"), 40001 + i as u16), (ip(srv), 53));
        p.udp(T0 + i as u64 * S, c, s, &dns_query(i as u16, "example.com"));
        p.udp(T0 + i as u64 * S + 20_000, s, c, &dns_response(i as u16, "example.com", ip("93.184.216.34")));
    }
    // FTP from a remote client to a local server, and from a local client to a remote server.
    for (n, (cli, srv)) in [("203.0.113.5", "192.168.1.20"), ("192.168.1.10", "198.51.100.20")].into_iter().enumerate()
    {
        let t0 = T0 + (3 + n as u64) * S;
        let mut t = Tcp::open(&mut p, t0, (ip(cli), 50000), (ip(srv), 21));
        t.server(t0 + 10_000, b"220 FTP server ready\r\n");
        t.client(t0 + 20_000, b"USER anonymous\r\n", false);
        t.server(t0 + 30_000, b"331 Please specify the password.\r\n");
        t.client(t0 + 40_000, b"PASS guest\r\n", false);
        t.server(t0 + 50_000, b"230 Login successful.\r\n");
    }
    // TCP with and without retransmissions.
    for (port, resend) in [(41000, true), (41001, false)] {
        let mut t = Tcp::open(&mut p, T0 + 6 * S, (ip("192.168.1.10"), port), (ip("198.51.100.7"), 8080));
        for i in 0..12u64 {
            t.client(T0 + 6 * S + 10_000 + i * 1000, &[b'x'; 100], resend);
        }
    }
    // Blacklisted peers: a remote client to a local server, a local client to a remote server.
    let mut t = Tcp::open(&mut p, T0 + 7 * S, (ip("198.51.100.66"), 44444), (ip("192.168.1.30"), 2222));
    t.client(T0 + 7 * S + 10_000, b"hello", false);
    t.server(T0 + 7 * S + 20_000, b"world");
    let mut t = Tcp::open(&mut p, T0 + 8 * S, (ip("192.168.1.10"), 45000), (ip("203.0.113.99"), 4433));
    t.client(T0 + 8 * S + 10_000, b"hello", false);
    // A refused connection.
    let (c, srv) = ((ip("192.168.1.10"), 46000), (ip("198.51.100.8"), 81));
    p.tcp(T0 + 9 * S, c, srv, 7000, 0, SYN, &[]);
    p.tcp(T0 + 9 * S + 1000, srv, c, 0, 7001, RST | ACK, &[]);
    // Much later: every flow above is idle and ends (--pcap-file-purge-flows).
    p.udp(T0 + 300 * S, (ip("192.168.1.10"), 9999), (ip("192.168.1.11"), 9999), b"bye");
    p.write(path);
}

type FlowId = (String, String);

/// The alerts of every dumped flow by the checks' rules (doc/flow-checks.md), from the dump alone.
fn expected(dump: &[Value]) -> BTreeMap<FlowId, BTreeSet<u64>> {
    let lan: IpNet = LAN.parse().unwrap();
    let black: Vec<IpNet> = BLACKLISTED.iter().map(|n| n.parse().unwrap()).collect();
    let mut out = BTreeMap::new();
    for f in dump {
        let addr = |side: &str| f[side]["ip"].as_str().unwrap().parse::<IpAddr>().unwrap();
        let (c, s) = (addr("client"), addr("server"));
        let id = (format!("{c}:{}", f["client"]["port"]), format!("{s}:{}", f["server"]["port"]));
        let p = &f["protocol"];
        let tcp = p["l4"].as_str() == Some("TCP");
        let handshake = |d: &str| f[d]["tcp_flags"].as_u64().unwrap() & 0x12 == 0x12;
        let established = !tcp || (handshake("cli2srv") && handshake("srv2cli"));
        let (cli_local, srv_local) = (lan.contains(&c), lan.contains(&s));
        let mut ids = BTreeSet::new();
        if p["l7_master"] == "DNS" || p["l7_app"] == "DNS" {
            ids.insert(33);
        }
        let unsafe_breed = ["Unsafe", "Potentially Dangerous", "Dangerous"].contains(&p["breed"].as_str().unwrap());
        if unsafe_breed && !cli_local && srv_local && established && p["confidence"] != "Match by port" {
            ids.insert(38);
        }
        for d in ["cli2srv", "srv2cli"] {
            let (pk, rt) = (f[d]["packets"].as_u64().unwrap(), f[d]["retransmissions"].as_u64().unwrap());
            if tcp && pk >= 10 && rt * 100 / pk > 15 {
                ids.insert(19);
            }
        }
        let flags = f["cli2srv"]["tcp_flags"].as_u64().unwrap() | f["srv2cli"]["tcp_flags"].as_u64().unwrap();
        if tcp && flags & 0x04 != 0 && flags & 0x01 == 0 {
            ids.insert(100);
        }
        if black.iter().any(|n| n.contains(&c)) && !cli_local && srv_local {
            ids.insert(9);
        }
        if black.iter().any(|n| n.contains(&s)) && cli_local && !srv_local {
            ids.insert(13);
        }
        if !ids.is_empty() {
            out.insert(id, ids);
        }
    }
    out
}

#[test]
fn flow_checks_in_the_daemon_match_the_flow_dump() {
    let dir = scratch_dir("flow-checks");
    let cap = dir.join("flows.pcap");
    write_capture(&cap);
    let list = dir.join("blacklist.txt");
    std::fs::write(&list, format!("# test\n{}\n", BLACKLISTED.join("\n"))).unwrap();
    let dump = dir.join("flows.jsonl");
    let port = free_port();
    let enable = |key: &str| {
        format!("curl -s 'http://127.0.0.1:{port}/lua/rest/v2/enable/check.lua?check_subdir=flow&script_key={key}'")
    };
    let pre =
        format!("{} && {} && {}", enable("unexpected_dns"), enable("tcp_packets_issues"), enable("tcp_flow_reset"));
    let dump_spec = format!("jsonl;{}", dump.display());
    let mut d = Daemon::start_on(
        port,
        &[
            "-i",
            cap.to_str().unwrap(),
            "-m",
            LAN,
            "--blacklist-file",
            list.to_str().unwrap(),
            "--pcap-file-purge-flows",
            "-F",
            &dump_spec,
            "--disable-login=1",
            "--test-script-pre",
            &pre,
        ],
        &dir.join("data"),
        &[],
    );
    d.wait_capture_read();
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&format=json&length=100", &Auth::None);
    let recs = rsp["records"].as_array().unwrap().clone();
    assert!(d.stop());

    let text = std::fs::read_to_string(&dump).unwrap();
    let flows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let want = expected(&flows);
    // The scenario covers each check, on the flows meant for it.
    let all: BTreeSet<u64> = want.values().flatten().copied().collect();
    assert_eq!(all, BTreeSet::from([9, 13, 19, 33, 38, 100]), "{want:?}");

    let ours = BTreeSet::from([9u64, 13, 19, 33, 38, 100]);
    let mut got: BTreeMap<FlowId, BTreeSet<u64>> = BTreeMap::new();
    for r in &recs {
        let id = (
            format!("{}:{}", r["cli_ip"].as_str().unwrap(), r["cli_port"]),
            format!("{}:{}", r["srv_ip"].as_str().unwrap(), r["srv_port"]),
        );
        let map = u128::from_str_radix(r["alerts_map"].as_str().unwrap(), 16).unwrap();
        let ids: BTreeSet<u64> = (0..128).filter(|b| map & 1 << b != 0).filter(|b| ours.contains(b)).collect();
        assert!(ids.contains(&r["alert_id"].as_u64().unwrap()) || !ours.contains(&r["alert_id"].as_u64().unwrap()));
        if !ids.is_empty() {
            got.entry(id).or_default().extend(ids);
        }
    }
    assert_eq!(got, want, "REST records: {recs:#?}");
}
