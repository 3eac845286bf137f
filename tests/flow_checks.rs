//! The flow checks in the daemon: a capture written here (so nothing is needed from outside) is read
//! with `-m`, `--blacklist-file`, `--pcap-file-purge-flows` and `-F jsonl`; a `--test-script-pre`
//! turns on three checks that are off by default (unexpected_dns, tcp_packets_issues, tcp_flow_reset) over the REST API
//! before the capture is read. The flow alerts the REST API lists must be exactly those computed
//! independently from the daemon's own flow dump of the same run (protocol, breed, TCP flags and
//! retransmissions per flow) with the checks' rules, by alert id and flow; the payload bytes and zero
//! windows the payload and window checks read are taken from the capture file itself (parsed here).
//! Then the payload bytes the Lua flow tables expose on ntopng's e2e capture test_01.pcap are compared
//! with the TCP payload parsed from that file.

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
    // A handshake without data; a transfer during which the server announces a zero window.
    Tcp::open(&mut p, T0 + 10 * S, (ip("192.168.1.10"), 47000), (ip("198.51.100.8"), 82));
    let (c, srv) = ((ip("192.168.1.10"), 48000), (ip("198.51.100.8"), 83));
    let mut t = Tcp::open(&mut p, T0 + 11 * S, c, srv);
    t.client(T0 + 11 * S + 10_000, &[b'y'; 1000], false);
    let (cs, ss) = (t.cseq, t.sseq);
    t.pcap.tcp_win(T0 + 11 * S + 20_000, srv, c, ss, cs, ACK, 0, &[]);
    t.server(T0 + 11 * S + 30_000, &[b'z'; 1000]);
    // Much later: every flow above is idle and ends (--pcap-file-purge-flows) in the worker that sees
    // a packet then: packets of 32 flows reach every worker (the daemon runs 2).
    for i in 0..32 {
        p.udp(T0 + 300 * S, (ip("192.168.1.10"), 9000 + i), (ip("192.168.1.11"), 9999), b"bye");
    }
    p.write(path);
}

type FlowId = (String, String);

/// TCP payload bytes and whether a zero window was announced (on a segment without RST or FIN), per
/// direction `(src, sport, dst, dport)`, parsed from a classic Ethernet pcap (IPv4 and IPv6 without
/// extension headers, 802.1Q tags skipped).
fn pcap_tcp(path: &std::path::Path) -> BTreeMap<(IpAddr, u16, IpAddr, u16), (u64, bool)> {
    let b = std::fs::read(path).unwrap();
    let le = match &b[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        m => panic!("not a classic pcap: magic {m:02x?}"),
    };
    let rd32 = |o: usize| {
        let w = [b[o], b[o + 1], b[o + 2], b[o + 3]];
        if le { u32::from_le_bytes(w) } else { u32::from_be_bytes(w) }
    };
    assert_eq!(rd32(20), 1, "Ethernet captures only");
    let be16 = |f: &[u8], o: usize| u16::from_be_bytes([f[o], f[o + 1]]);
    let mut out: BTreeMap<(IpAddr, u16, IpAddr, u16), (u64, bool)> = BTreeMap::new();
    let mut off = 24;
    while off + 16 <= b.len() {
        let caplen = rd32(off + 8) as usize;
        let f = &b[off + 16..(off + 16 + caplen).min(b.len())];
        off += 16 + caplen;
        let mut at = 12;
        while f.len() >= at + 2 && be16(f, at) == 0x8100 {
            at += 4;
        }
        if f.len() < at + 2 {
            continue;
        }
        let (et, l3) = (be16(f, at), at + 2);
        let (src, dst, l4, l4_len): (IpAddr, IpAddr, usize, usize) = match et {
            0x0800 if f.len() >= l3 + 20 && f[l3 + 9] == 6 && be16(f, l3 + 6) & 0x1fff == 0 => {
                let ihl = (f[l3] & 15) as usize * 4;
                let a = |o: usize| IpAddr::from([f[o], f[o + 1], f[o + 2], f[o + 3]]);
                (a(l3 + 12), a(l3 + 16), l3 + ihl, (be16(f, l3 + 2) as usize).saturating_sub(ihl))
            }
            0x86dd if f.len() >= l3 + 40 && f[l3 + 6] == 6 => {
                let a = |o: usize| IpAddr::from(<[u8; 16]>::try_from(&f[o..o + 16]).unwrap());
                (a(l3 + 8), a(l3 + 24), l3 + 40, be16(f, l3 + 4) as usize)
            }
            _ => continue,
        };
        if f.len() < l4 + 20 {
            continue;
        }
        let doff = (f[l4 + 12] >> 4) as usize * 4;
        let (flags, window) = (f[l4 + 13], be16(f, l4 + 14));
        let e = out.entry((src, be16(f, l4), dst, be16(f, l4 + 2))).or_default();
        e.0 += l4_len.saturating_sub(doff) as u64;
        e.1 |= window == 0 && flags & (RST | FIN) == 0;
    }
    out
}

/// The alerts of every dumped flow by the checks' rules (doc/flow-checks.md), from the dump alone.
fn expected(
    dump: &[Value],
    wire: &BTreeMap<(IpAddr, u16, IpAddr, u16), (u64, bool)>,
) -> BTreeMap<FlowId, BTreeSet<u64>> {
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
        // The payload and window checks, with payload and windows from the capture itself.
        let port = |side: &str| f[side]["port"].as_u64().unwrap() as u16;
        let none = (0, false);
        let (c2s, s2c) = (
            wire.get(&(c, port("client"), s, port("server"))).unwrap_or(&none),
            wire.get(&(s, port("server"), c, port("client"))).unwrap_or(&none),
        );
        let payload = c2s.0 + s2c.0;
        let num = |d: &str, k: &str| f[d][k].as_u64().unwrap();
        let (packets, bytes) =
            (num("cli2srv", "packets") + num("srv2cli", "packets"), num("cli2srv", "bytes") + num("srv2cli", "bytes"));
        let excluded = [
            "MDNS",
            "ntop",
            "Signal",
            "QQ",
            "IRC",
            "Telnet",
            "SSH",
            "WhatsApp",
            "WhatsAppCall",
            "WhatsAppFiles",
            "Telegram",
            "KakaoTalk",
            "KakaoTalk_Voice",
            "WeChat",
        ];
        let excluded = excluded.iter().any(|x| p["l7_master"] == *x || p["l7_app"] == *x);
        if tcp && established && packets > 3 && payload * 100 <= bytes * 60 && !excluded {
            ids.insert(12);
        }
        if tcp && payload == 0 {
            ids.insert(56);
        }
        if tcp && (c2s.1 || s2c.1) {
            ids.insert(36);
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
            "--workers",
            "2",
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
    let want = expected(&flows, &pcap_tcp(&cap));
    // The scenario covers each check, on the flows meant for it.
    let all: BTreeSet<u64> = want.values().flatten().copied().collect();
    let ours = BTreeSet::from([9u64, 12, 13, 19, 33, 36, 38, 56, 100]);
    assert_eq!(all, ours, "{want:?}");

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

/// The payload ("goodput") bytes of every TCP flow of ntopng's e2e capture, as the Lua flow tables
/// give them (`cli2srv.goodput_bytes`, `srv2cli.goodput_bytes`, `goodput_bytes`, read by a user script
/// through `interface.getFlowsInfo`), equal the TCP payload parsed from the capture file here.
#[test]
fn payload_bytes_of_test_01_match_the_capture() {
    let Some(pcaps) = support::shared_pcaps("payload bytes on ntopng-e2e/test_01.pcap") else { return };
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("goodput-test01");
    let scripts = dir.join("scripts");
    support::copy_tree(&support::repo().join("scripts"), &scripts);
    let probe = scripts.join("lua/rest/v2/get/test/goodput.lua");
    std::fs::create_dir_all(probe.parent().unwrap()).unwrap();
    std::fs::write(
        &probe,
        r#"local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path
local rest_utils = require("rest_utils")
interface.select("0")
local out = {}
for _, f in ipairs((interface.getFlowsInfo(nil, {maxHits = 100000}) or {}).flows or {}) do
  if f["proto.l4_id"] == 6 then
    out[#out + 1] = {cli = f["cli.ip"], cport = f["cli.port"], srv = f["srv.ip"], sport = f["srv.port"],
      swapped = f["flow_swapped"], c2s = f["cli2srv.goodput_bytes"], s2c = f["srv2cli.goodput_bytes"],
      total = f["goodput_bytes"], bytes = f["bytes"]}
  end
end
rest_utils.answer(rest_utils.consts.success.ok, out)
"#,
    )
    .unwrap();
    let mut d = Daemon::start(
        &["-i", cap.to_str().unwrap(), "--disable-login=1", "-2", scripts.to_str().unwrap()],
        &dir.join("data"),
    );
    d.wait_capture_read();
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/test/goodput.lua", &Auth::None);
    assert!(d.stop());
    let wire = pcap_tcp(&cap);
    let flows = rsp.as_array().unwrap();
    assert!(flows.len() > 20, "{rsp}");
    let (mut compared, mut with_payload) = (0, 0);
    for f in flows {
        let a = |k: &str| f[k].as_str().unwrap().parse::<IpAddr>().unwrap();
        let p = |k: &str| f[k].as_u64().unwrap() as u16;
        let n = |k: &str| f[k].as_u64().unwrap();
        let (c, cp, s, sp) = (a("cli"), p("cport"), a("srv"), p("sport"));
        let c2s = wire.get(&(c, cp, s, sp)).map_or(0, |e| e.0);
        let s2c = wire.get(&(s, sp, c, cp)).map_or(0, |e| e.0);
        assert_eq!(n("total"), c2s + s2c, "{f}");
        assert!(n("total") < n("bytes"), "{f}");
        // A swapped flow keeps its counters where they were counted (both ways summed above).
        if f["swapped"] != true {
            assert_eq!((n("c2s"), n("s2c")), (c2s, s2c), "{f}");
        }
        compared += 1;
        with_payload += (c2s + s2c > 0) as u32;
    }
    eprintln!("test_01: payload bytes of {compared} TCP flows match the capture ({with_payload} with payload)");
    assert!(with_payload > 10);
}
