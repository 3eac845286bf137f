//! The flow checks of `ntopng_checks::flow` end to end on a capture written here, so that what it
//! holds is known: the real engine reads it with the alert tap asking for what the enabled checks
//! need, the real alert writer stores the alerts in SQLite, and the stored rows must be exactly the
//! hand-computed alerts of every flow (ids, score split, predominant alert, alerts map, blacklist
//! columns), combined with whatever nDPI risks the flow has. Then the same capture with the checks
//! off raises none of them, and the tap is asked for no extra events.

#[path = "../../../tests/support/pcapgen.rs"]
mod pcapgen;

use ntopng_alerts::{spawn_flow_writer, AlertRequest, AlertStore, Retention};
use ntopng_checks::flow::{self, Blacklist, FlowContext};
use ntopng_checks::{Checks, Family, Registry};
use ntopng_engine::alert_tap::{AlertTap, EventWants};
use ntopng_engine::{run_capture, EngineConfig, LocalNetworks};
use pcapgen::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

const T0: u64 = 1_700_000_000 * 1_000_000;
const S: u64 = 1_000_000;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

const LAN: &str = "192.168.1.0/24";
const BLACKLIST: &str = "# test list\n198.51.100.66\n203.0.113.96/30  # a small net\n";

/// Writes the capture; returns per flow (client, server) the ids of the flow checks expected on it,
/// one set per stored row.
fn write_capture(path: &Path) -> BTreeMap<(String, String), Vec<BTreeSet<u16>>> {
    let mut p = Pcap::new();
    let mut expect: BTreeMap<(String, String), Vec<BTreeSet<u16>>> = BTreeMap::new();
    let mut want = |c: (Ipv4Addr, u16), s: (Ipv4Addr, u16), rows: &[&[u16]]| {
        let key = (format!("{}:{}", c.0, c.1), format!("{}:{}", s.0, s.1));
        expect.insert(key, rows.iter().map(|r| r.iter().copied().collect()).collect());
    };
    // A: DNS to a server outside the list (items = [192.168.1.1]) → unexpected_dns (33).
    let (c, s) = ((ip("192.168.1.10"), 40001), (ip("8.8.8.8"), 53));
    p.udp(T0, c, s, &dns_query(1, "example.com"));
    p.udp(T0 + 20_000, s, c, &dns_response(1, "example.com", ip("93.184.216.34")));
    want(c, s, &[&[33]]);
    // B: DNS to the listed server: nothing.
    let (c, s) = ((ip("192.168.1.10"), 40002), (ip("192.168.1.1"), 53));
    p.udp(T0 + S, c, s, &dns_query(2, "example.org"));
    p.udp(T0 + S + 20_000, s, c, &dns_response(2, "example.org", ip("93.184.216.35")));
    want(c, s, &[]);
    // C: NTP with an empty list → unexpected_ntp (35).
    let (c, s) = ((ip("192.168.1.10"), 123), (ip("162.159.200.1"), 123));
    p.udp(T0 + 2 * S, c, s, &ntp_request());
    p.udp(T0 + 2 * S + 30_000, s, c, &ntp_response());
    want(c, s, &[&[35]]);
    // D: FTP (Unsafe breed) from a remote client to a local server → remote_to_local_insecure_flow (38).
    let (c, s) = ((ip("203.0.113.5"), 50000), (ip("192.168.1.20"), 21));
    {
        let mut t = Tcp::open(&mut p, T0 + 3 * S, c, s);
        t.server(T0 + 3 * S + 10_000, b"220 FTP server ready\r\n");
        t.client(T0 + 3 * S + 20_000, b"USER anonymous\r\n", false);
        t.server(T0 + 3 * S + 30_000, b"331 Please specify the password.\r\n");
        t.client(T0 + 3 * S + 40_000, b"PASS guest\r\n", false);
        t.server(T0 + 3 * S + 50_000, b"230 Login successful.\r\n");
    }
    // Every TCP frame here is 54 bytes of headers (Ethernet 14, IPv4 20, TCP 20) plus its payload.
    // 8 packets, 8 × 54 + 107 = 539 bytes, 107 of payload (19.9 % ≤ 60 %) → low_goodput (12) at the end.
    want(c, s, &[&[38], &[38, 12]]);
    // E: TCP with every client segment sent twice → tcp_packets_issues (19) at the end (27 packets,
    // 27 × 54 + 2400 = 3858 bytes, 2400 of payload: 62.2 %, not low); the same without resends: 15
    // packets, 810 + 1200 = 2010 bytes, 1200 of payload: 59.7 % → low_goodput (12).
    for (port, resend) in [(41000, true), (41001, false)] {
        let (c, s) = ((ip("192.168.1.10"), port), (ip("198.51.100.7"), 8080));
        let mut t = Tcp::open(&mut p, T0 + 4 * S, c, s);
        for i in 0..12u64 {
            t.client(T0 + 4 * S + 10_000 + i * 1000, &[b'x'; 100], resend);
        }
        want(c, s, if resend { &[&[19]] } else { &[&[12]] });
    }
    // F: 600 s of UDP to a blacklisted remote server: blacklisted_server_contact (13) at
    // classification, then long_lived_flows (11, min_duration 300) at the end, in a row that keeps 13.
    let (c, s) = ((ip("192.168.1.10"), 5000), (ip("203.0.113.97"), 5001));
    for i in 0..=20u64 {
        p.udp(T0 + 10 * S + i * 30 * S, c, s, b"ping");
    }
    want(c, s, &[&[13], &[13, 11]]);
    // G: 30 KB from a local host to a remote one (l2r threshold 20000) → elephant_flows (8); from a
    // remote client to a local server the r2l threshold (50000) is not reached: nothing.
    let (c, s) = ((ip("192.168.1.10"), 6000), (ip("198.51.100.9"), 6001));
    for i in 0..30u64 {
        p.udp(T0 + 5 * S + i * 1000, c, s, &[0u8; 1000]);
    }
    want(c, s, &[&[8]]);
    let (c, s) = ((ip("198.51.100.10"), 7000), (ip("192.168.1.30"), 7001));
    for i in 0..30u64 {
        p.udp(T0 + 6 * S + i * 1000, c, s, &[0u8; 1000]);
    }
    want(c, s, &[]);
    // H: a blacklisted remote client talks to a local server → blacklisted_client_contact (9); a
    // local client opens a TCP connection to a blacklisted server → blacklisted_server_contact (13).
    let (c, s) = ((ip("198.51.100.66"), 44444), (ip("192.168.1.30"), 2222));
    {
        let mut t = Tcp::open(&mut p, T0 + 7 * S, c, s);
        t.client(T0 + 7 * S + 10_000, b"hello", false);
        t.server(T0 + 7 * S + 20_000, b"world");
    }
    // 5 packets, 280 bytes, 10 of payload → low_goodput (12) at the end.
    want(c, s, &[&[9], &[9, 12]]);
    let (c, s) = ((ip("192.168.1.10"), 45000), (ip("203.0.113.99"), 4433));
    {
        let mut t = Tcp::open(&mut p, T0 + 8 * S, c, s);
        t.client(T0 + 8 * S + 10_000, b"hello", false);
    }
    // 4 packets, 221 bytes, 5 of payload → low_goodput (12) at the end.
    want(c, s, &[&[13], &[13, 12]]);
    // I: a refused connection (SYN answered by RST) → tcp_flow_reset (100) at the end; one closed
    // with FINs: nothing.
    let (c, s) = ((ip("192.168.1.10"), 46000), (ip("198.51.100.8"), 81));
    p.tcp(T0 + 9 * S, c, s, 7000, 0, SYN, &[]);
    p.tcp(T0 + 9 * S + 1000, s, c, 0, 7001, RST | ACK, &[]);
    // No payload either way → tcp_no_data_exchanged (56) too.
    want(c, s, &[&[100, 56]]);
    let (c, s) = ((ip("192.168.1.10"), 46001), (ip("198.51.100.8"), 80));
    {
        let mut t = Tcp::open(&mut p, T0 + 9 * S, c, s);
        t.client(T0 + 9 * S + 10_000, b"GET", false);
        let (cs, ss) = (t.cseq, t.sseq);
        p.tcp(T0 + 9 * S + 20_000, c, s, cs, ss, FIN | ACK, &[]);
        p.tcp(T0 + 9 * S + 30_000, s, c, ss, cs + 1, FIN | ACK, &[]);
    }
    // 6 packets, 327 bytes, 3 of payload → low_goodput (12).
    want(c, s, &[&[12]]);
    // J: a handshake and nothing else (3 packets: too few for low_goodput) → tcp_no_data_exchanged
    // (56); a handshake closed by FINs without data (6 packets, 0 % payload) → 12 and 56.
    let (c, s) = ((ip("192.168.1.10"), 47000), (ip("198.51.100.8"), 82));
    Tcp::open(&mut p, T0 + 11 * S, c, s);
    want(c, s, &[&[56]]);
    let (c, s) = ((ip("192.168.1.10"), 47001), (ip("198.51.100.8"), 82));
    {
        let t = Tcp::open(&mut p, T0 + 11 * S, c, s);
        let (cs, ss) = (t.cseq, t.sseq);
        p.tcp(T0 + 11 * S + 10_000, c, s, cs, ss, FIN | ACK, &[]);
        p.tcp(T0 + 11 * S + 20_000, s, c, ss, cs + 1, FIN | ACK, &[]);
        p.tcp(T0 + 11 * S + 30_000, c, s, cs + 1, ss + 1, ACK, &[]);
    }
    want(c, s, &[&[12, 56]]);
    // K: the server announces a zero window on a pure ACK → zero_tcp_window (36) (6 packets, 2324
    // bytes, 2000 of payload: 86 %, not low); a zero window on a RST (→ only tcp_flow_reset, 100) or
    // on a FIN (→ nothing) does not count.
    for (port, last) in [(48000, None), (48001, Some(RST | ACK)), (48002, Some(FIN | ACK))] {
        let (c, s) = ((ip("192.168.1.10"), port), (ip("198.51.100.8"), 83));
        let t0 = T0 + 12 * S;
        let mut t = Tcp::open(&mut p, t0, c, s);
        t.client(t0 + 10_000, &[b'y'; 1000], false);
        let (cs, ss) = (t.cseq, t.sseq);
        match last {
            None => {
                t.pcap.tcp_win(t0 + 20_000, s, c, ss, cs, ACK, 0, &[]);
                t.server(t0 + 30_000, &[b'z'; 1000]);
            }
            Some(flags) => {
                t.server(t0 + 20_000, &[b'z'; 1000]);
                t.pcap.tcp_win(t0 + 30_000, c, s, cs, ss + 1000, flags, 0, &[]);
                if flags & FIN != 0 {
                    t.pcap.tcp(t0 + 40_000, s, c, ss + 1000, cs + 1, FIN | ACK, &[]);
                }
            }
        }
        want(c, s, match last {
            None => &[&[36]],
            Some(f) if f & RST != 0 => &[&[100]],
            Some(_) => &[],
        });
    }
    p.write(path);
    expect
}

/// The checks' configuration of the test: every check of this module on, lists and thresholds set.
fn configure(checks: &Checks) {
    let set = |key: &str, conf: Value| {
        checks.set_config("flow", key, &json!({"all": {"enabled": true, "script_conf": conf}})).unwrap();
    };
    set("unexpected_dns", json!({"items": ["192.168.1.1"]}));
    set("unexpected_ntp", json!({"items": []}));
    set("unexpected_dhcp", json!({"items": []}));
    set("unexpected_smtp", json!({"items": []}));
    set("tcp_packets_issues", flow::default_script_conf("tcp_packets_issues").into());
    set("long_lived_flows", json!({"min_duration": 300}));
    set("tcp_flow_reset", json!({}));
    set("elephant_flows", json!({"l2r_bytes_value": 20000, "r2l_bytes_value": 50000}));
}

fn context(with_blacklist: bool) -> FlowContext {
    let det = ndpi::Detector::new(&ndpi::DetectorConfig::default()).unwrap();
    FlowContext {
        local_networks: LocalNetworks::parse(LAN).unwrap(),
        names: Some(Arc::new(ndpi::ProtocolNames::new(&det))),
        blacklist: with_blacklist.then(|| Arc::new(Blacklist::parse(BLACKLIST).unwrap())),
    }
}

/// Reads the capture with the tap asking for what the enabled checks need; the rows stored.
fn run(cap: &Path, checks: &Arc<Checks>, ctx: &Arc<FlowContext>) -> (Vec<Value>, u64) {
    let store = Arc::new(AlertStore::in_memory().unwrap());
    let wants = Arc::new(EventWants::default());
    ctx.install(&wants);
    flow::wants(checks, ctx).store(false, &wants);
    let (tap, rx) = AlertTap::new(checks.risk_mask(), wants, 1024, true);
    let keep_all = Retention { max_rows: u64::MAX >> 1, max_age_secs: 100 * 365 * 86400 };
    let (stats, writer) = spawn_flow_writer(0, rx, checks.clone(), store.clone(), keep_all, None, ctx.clone(), None);
    {
        let cfg = EngineConfig {
            ndpi: Some(ndpi::DetectorConfig::default()),
            local_networks: ctx.local_networks.clone(),
            alerts: Some(tap.clone()),
            ..EngineConfig::default()
        };
        let mut r = run_capture(cap, &cfg, None).unwrap();
        r.shutdown();
    }
    let sent = tap.sent();
    assert_eq!(tap.dropped(), 0);
    drop(tap);
    writer.join().unwrap();
    assert_eq!(stats.errors.load(Ordering::Relaxed), 0);
    let req = AlertRequest::parse(Family::Flow, &BTreeMap::new()).unwrap();
    (store.list(&req).unwrap().records.into_iter().map(Value::Object).collect(), sent)
}

fn flow_of(r: &Value) -> (String, String) {
    let s = |k: &str| r[k].as_str().unwrap().to_string();
    let i = |k: &str| r[k].as_i64().unwrap();
    (format!("{}:{}", s("cli_ip"), i("cli_port")), format!("{}:{}", s("srv_ip"), i("srv_port")))
}

fn capture(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("flowchecks-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("flows.pcap")
}

#[test]
fn flow_checks_raise_ntopng_alerts_on_a_known_capture() {
    let cap = capture("on");
    let expect = write_capture(&cap);
    // Only the flows of the protocols and categories the checks look at, with a blacklisted peer, or
    // ended past the checks' filters are handed over. Without a blacklist the alerts are the same,
    // less the blacklist ones, and the three classified flows with a listed peer (F, H) are not sent.
    let (sent_all, flows_all) = check(&cap, true, expect.clone(), &[]);
    let no_blacklist = expect
        .into_iter()
        .map(|(k, rows)| {
            let rows: Vec<BTreeSet<u16>> = rows
                .into_iter()
                .map(|r| r.into_iter().filter(|i| ![9, 13].contains(i)).collect())
                .filter(|r: &BTreeSet<u16>| !r.is_empty())
                .collect();
            (k, rows)
        })
        .collect();
    let (sent_narrow, _) = check(&cap, false, no_blacklist, &[]);
    assert_eq!(sent_all - sent_narrow, 3, "events without the blacklist: {sent_narrow}, with: {sent_all}");
    // A flow can be handed over twice (classified, ended): not every flow is, at both moments.
    assert!(sent_all < 2 * flows_all, "{sent_all} events for {flows_all} flows: not every flow is handed over");
}

/// Each of the payload and window checks turned off alone: its alert is gone, nothing else changes.
#[test]
fn each_payload_and_window_check_turned_off_raises_nothing() {
    let cap = capture("each-off");
    let expect = write_capture(&cap);
    for (key, id) in [("low_goodput", 12u16), ("tcp_no_data_exchanged", 56), ("zero_tcp_window", 36)] {
        // A row stored at the end only for this check's alert is not stored at all: what is left of
        // it is the flow's classification row again.
        let without = expect
            .iter()
            .map(|(k, rows)| {
                let mut left: Vec<BTreeSet<u16>> = Vec::new();
                for r in rows {
                    let r: BTreeSet<u16> = r.iter().copied().filter(|i| *i != id).collect();
                    if !r.is_empty() && !left.contains(&r) {
                        left.push(r);
                    }
                }
                (k.clone(), left)
            })
            .collect();
        check(&cap, true, without, &[key]);
    }
}

/// Runs the capture with the test's configuration, less the checks `off`; checks the rows against
/// `expect` (flows without alerts may be left out); returns the events handed over and the flows in
/// `expect`.
fn check(
    cap: &Path,
    with_blacklist: bool,
    expect: BTreeMap<(String, String), Vec<BTreeSet<u16>>>,
    off: &[&str],
) -> (u64, u64) {
    let flows = expect.len() as u64;
    let registry = Arc::new(Registry::ntopng());
    let checks = Arc::new(Checks::new(registry.clone(), None));
    configure(&checks);
    for k in off {
        checks.set_enabled("flow", k, false).unwrap();
    }
    let ctx = Arc::new(context(with_blacklist));
    let w = flow::wants(&checks, &ctx);
    assert!(w.any_classified() && w.any_ended() && w.addresses == with_blacklist && !w.classified && !w.ended, "{w:?}");
    let (rows, sent) = run(cap, &checks, &ctx);

    let ours: BTreeSet<u16> =
        flow::implemented_keys().map(|k| registry.get(Family::Flow, k).unwrap().alert_id).collect();
    let mut got: BTreeMap<(String, String), Vec<BTreeSet<u16>>> = BTreeMap::new();
    for r in &rows {
        let doc: Value = serde_json::from_str(r["json"].as_str().unwrap()).unwrap();
        let alerts = doc["alerts"].as_array().unwrap();
        let ids: Vec<u16> = alerts.iter().map(|a| a["alert_id"].as_u64().unwrap() as u16).collect();
        // The flow's nDPI risks are alerts of the same row, next to this module's.
        let risk = r["flow_risk_bitmap"].as_u64().unwrap();
        let risk_ids: BTreeSet<u16> = (0..64)
            .filter(|b| risk & 1 << b != 0)
            .filter_map(|b| registry.risk_check(b))
            .map(|(_, d)| d.alert_id)
            .collect();
        let mine: BTreeSet<u16> = ids.iter().copied().filter(|i| ours.contains(i)).collect();
        let others: BTreeSet<u16> = ids.iter().copied().filter(|i| !ours.contains(i)).collect();
        assert_eq!(others, risk_ids, "risk alerts of {:?}", flow_of(r));
        // Each alert's split is its type's score and client share (with the checks' documented
        // exceptions), the total is their sum, the predominant is the highest, the map has every id.
        let mut total = 0;
        let mut best = 0;
        for a in alerts {
            let id = a["alert_id"].as_u64().unwrap() as u16;
            let (cli, srv) = (a["cli_score"].as_u64().unwrap(), a["srv_score"].as_u64().unwrap());
            if ours.contains(&id) {
                let def = registry.all().iter().find(|d| d.family == Family::Flow && d.alert_id == id).unwrap();
                let (score, pct) = match id {
                    38 => (100, 90), // FTP: Unsafe breed
                    _ => (def.score as u64, def.client_pct as u64),
                };
                assert_eq!((cli, srv), (score * pct / 100, score - score * pct / 100), "split of alert {id}");
            }
            total += cli + srv;
            best = best.max(cli + srv);
        }
        assert_eq!(r["score"].as_u64().unwrap(), total.min(500), "{:?}", flow_of(r));
        let top = alerts.iter().find(|a| a["alert_id"].as_u64() == r["alert_id"].as_u64()).unwrap();
        assert_eq!(top["cli_score"].as_u64().unwrap() + top["srv_score"].as_u64().unwrap(), best);
        let map = u128::from_str_radix(r["alerts_map"].as_str().unwrap(), 16).unwrap();
        assert_eq!(map, ids.iter().fold(0u128, |m, a| m | 1 << a));
        // The blacklist columns follow the list.
        let (c, s) = flow_of(r);
        let bl = if with_blacklist { Blacklist::parse(BLACKLIST).unwrap() } else { Blacklist::default() };
        let listed =
            |ep: &str| bl.contains(&ntopng_wire::Addr::from_ip(ep.rsplit_once(':').unwrap().0.parse().unwrap()));
        assert_eq!(r["cli_blacklisted"].as_i64().unwrap() != 0, listed(&c), "{c}");
        assert_eq!(r["srv_blacklisted"].as_i64().unwrap() != 0, listed(&s), "{s}");
        if !mine.is_empty() {
            got.entry((c, s)).or_default().push(mine);
        }
    }
    for v in got.values_mut() {
        v.sort_by_key(|s| s.len());
    }
    let expect: BTreeMap<_, _> = expect.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    assert_eq!(got, expect, "blacklist: {with_blacklist}");
    (sent, flows)
}

#[test]
fn disabled_flow_checks_raise_nothing_and_ask_for_nothing() {
    let cap = capture("off");
    write_capture(&cap);
    let registry = Arc::new(Registry::ntopng());
    let checks = Arc::new(Checks::new(registry.clone(), None));
    configure(&checks);
    for k in flow::implemented_keys() {
        checks.set_enabled("flow", k, false).unwrap();
    }
    let ctx = Arc::new(context(true));
    assert_eq!(flow::wants(&checks, &ctx), flow::Wants::default());
    let (rows, sent) = run(&cap, &checks, &ctx);
    let ours: BTreeSet<u64> =
        flow::implemented_keys().map(|k| registry.get(Family::Flow, k).unwrap().alert_id as u64).collect();
    for r in &rows {
        let doc: Value = serde_json::from_str(r["json"].as_str().unwrap()).unwrap();
        for a in doc["alerts"].as_array().unwrap() {
            assert!(!ours.contains(&a["alert_id"].as_u64().unwrap()), "{r}");
        }
    }
    // Only flows with nDPI risks were handed over.
    assert_eq!(sent as usize, rows.len());
}
