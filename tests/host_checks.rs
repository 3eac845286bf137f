//! Host checks and scores, end to end: the real daemon reads a generated capture (a SYN scan, a SYN flood
//! and a flow flood: `ntopng_bench::gen::scenarios::host_attacks`; a FIN scan answered by RSTs and an ICMP
//! flood: `host_probes`), its host check runner (period shortened with NTOPNG_TEST_HOST_CHECK_PERIOD_MS)
//! engages alerts whose values are the generator's counts, and releases them into the alert database at
//! the next run; everything is read over HTTP. Scores: on nDPI's
//! 1kxun.pcap, each host's score is the sum of its flows' risk scores, computed here from the stored flow
//! alerts' risk bitmaps and nDPI's per-risk scores.

mod daemon;
mod support;

use daemon::{free_port, Auth, Daemon};
use ntopng_bench::gen::pcap_writer::write_pcap;
use ntopng_bench::gen::scenarios::{host_attacks, host_probes, HostAttackParams, HostAttacks, HostProbeParams};
use ntopng_bench::gen::MemorySink;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{scratch_dir, shared_pcaps};

const SYN_SCAN: i64 = 5;
const FLOW_FLOOD: i64 = 4;
const THRESHOLD: u64 = 256;
const PERIOD_MS: &str = "2500";

const SYN_FLOOD: i64 = 6;
const FIN_SCAN: i64 = 21;
const RST_SCAN: i64 = 25;
const ICMP_FLOOD: i64 = 18;
const SCAN_DETECTION: i64 = 20;

fn generate(dir: &Path) -> (PathBuf, HostAttacks) {
    let mut sink = MemorySink::default();
    let attacks = host_attacks(&mut sink, &HostAttackParams::default()).unwrap();
    let path = dir.join("host_attacks.pcap");
    std::fs::write(&path, write_pcap(Vec::new(), &sink.records).unwrap()).unwrap();
    (path, attacks)
}

/// A daemon on `cap` whose `--test-script-pre` enables `enable` (host checks) over REST before the capture
/// is read, as ntopng's own tests configure checks.
fn start(name: &str, cap: &Path, enable: &[&str]) -> Daemon {
    let dir = scratch_dir(name);
    let port = free_port();
    let pre = daemon::enable_checks_script(port, "host", enable);
    let args = [
        "-i",
        cap.to_str().unwrap(),
        "-m",
        HostAttacks::LOCAL_NET,
        "--workers",
        "1",
        "--disable-login=1",
        "--test-script-pre",
        &pre,
    ];
    let d = Daemon::start_on(port, &args, &dir.join("data"), &[("NTOPNG_TEST_HOST_CHECK_PERIOD_MS", PERIOD_MS)]);
    d.wait_capture_read();
    d
}

fn host_alerts(d: &Daemon, status: &str) -> Vec<Value> {
    let (rsp, whole) =
        d.rest_ok(&format!("/lua/rest/v2/get/host/alert/list.lua?ifid=0&status={status}&format=json"), &Auth::None);
    let recs = rsp["records"].as_array().unwrap().clone();
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(recs.len() as u64));
    recs
}

/// Polls until `n` host alerts have status `status` (the runner works on its own clock).
fn wait_for(d: &Daemon, status: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let recs = host_alerts(d, status);
        if recs.len() >= n || Instant::now() > deadline {
            assert_eq!(recs.len(), n, "{status} host alerts: {recs:#?}\n{}", d.log());
            return recs;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// (alert id, ip) -> (value, is_attacker) of the expected alerts, from the generator's counts.
fn expected(a: &HostAttacks, syn_scan: bool, flow_flood: bool) -> BTreeMap<(i64, String), (u64, bool)> {
    let mut want = BTreeMap::new();
    if syn_scan {
        for (ip, c) in &a.syn {
            let (attacker, victim) = (c.syn_sent - c.synack_rcvd, c.syn_rcvd - c.synack_sent);
            if attacker > THRESHOLD {
                want.insert((SYN_SCAN, ip.to_string()), (attacker, true));
            } else if victim > THRESHOLD {
                want.insert((SYN_SCAN, ip.to_string()), (victim, false));
            }
        }
    }
    if flow_flood {
        for (ip, (cli, srv)) in &a.new_flows_per_sec {
            if *cli as u64 > THRESHOLD {
                want.insert((FLOW_FLOOD, ip.to_string()), (*cli as u64, true));
            } else if *srv as u64 > THRESHOLD {
                want.insert((FLOW_FLOOD, ip.to_string()), (*srv as u64, false));
            }
        }
    }
    want
}

fn got(recs: &[Value]) -> BTreeMap<(i64, String), (u64, bool)> {
    recs.iter()
        .map(|r| {
            let doc: Value = serde_json::from_str(r["json"].as_str().unwrap()).unwrap();
            assert_eq!(doc["threshold"].as_u64(), Some(THRESHOLD), "{r}");
            assert_eq!((r["score"].as_i64(), r["severity"].as_i64()), (Some(50), Some(4)), "score 50 → warning: {r}");
            let attacker = r["is_attacker"].as_i64() == Some(1);
            assert_eq!(r["is_victim"].as_i64() == Some(1), !attacker, "{r}");
            (
                (r["alert_id"].as_i64().unwrap(), r["ip"].as_str().unwrap().to_string()),
                (doc["value"].as_u64().unwrap(), attacker),
            )
        })
        .collect()
}

#[test]
fn scan_and_flood_alerts_are_engaged_then_released() {
    let dir = scratch_dir("host-checks-gen");
    let (cap, attacks) = generate(&dir);
    let want = expected(&attacks, true, true);
    // By hand: SYN scan 300 SYNs, 20 answered (280 each side); SYN flood 600 SYNs, 100 answered (500 each
    // side) and 600 new flows in one second (both sides); UDP flood 400 new flows in one second.
    assert_eq!(want.len(), 7);
    assert_eq!(want[&(SYN_SCAN, "198.18.1.0".into())], (280, true));
    assert_eq!(want[&(SYN_SCAN, "198.18.2.0".into())], (280, false));
    assert_eq!(want[&(FLOW_FLOOD, "198.18.4.0".into())], (600, false));
    assert_eq!(want[&(FLOW_FLOOD, "198.18.5.0".into())], (400, true));

    let mut d = start("host-checks-both", &cap, &["syn_scan", "flow_flood"]);
    let engaged = wait_for(&d, "engaged", want.len());
    assert_eq!(got(&engaged), want);
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/host/alert/list.lua?ifid=0&status=engaged", &Auth::None);
    assert_eq!(rsp["stats"], Value::Array(vec![]), "engaged lists have no query stats");
    let gui = rsp["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ip"]["value"] == "198.18.1.0" && r["alert_id"]["value"] == "5")
        .unwrap();
    assert_eq!(
        (gui["script_key"].as_str(), gui["role"]["value"].as_str(), gui["role_cli_srv"]["value"].as_str()),
        (Some("syn_scan"), Some("attacker"), Some("client"))
    );
    // Filters apply to engaged alerts: the victim's alerts only.
    let (_, whole) =
        d.rest_ok("/lua/rest/v2/get/host/alert/list.lua?ifid=0&status=engaged&ip=198.18.4.0;eq", &Auth::None);
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(2));

    let (iface, _) = d.rest_ok("/lua/rest/v2/get/interface/data.lua?ifid=0", &Auth::None);
    assert_eq!(iface["engaged_alerts"].as_u64(), Some(want.len() as u64), "{iface}");
    // While engaged, a host's alerts count in its data: num_alerts, and their scores (client side).
    let (h, _) = d.rest_ok("/lua/rest/v2/get/host/data.lua?ifid=0&host=198.18.3.0", &Auth::None);
    assert_eq!(
        (h["num_alerts"].as_u64(), h["score"].as_u64(), h["score.as_client"].as_u64(), h["score.as_server"].as_u64()),
        (Some(2), Some(100), Some(100), Some(0)),
        "{h}"
    );

    // The next run finds no new activity: every alert is released and stored with its end.
    let released = wait_for(&d, "historical", want.len());
    assert_eq!(got(&released), want);
    assert!(host_alerts(&d, "engaged").is_empty());
    for r in &released {
        assert!(r["tstamp_end"].as_i64() > r["tstamp"].as_i64(), "released after at least one period: {r}");
    }
    let (types, _) = d.rest_ok("/lua/rest/v2/get/alert/type/counters.lua?ifid=0", &Auth::None);
    let host_types: BTreeMap<u64, u64> = types
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["entity_id"] == 1)
        .map(|t| (t["alert_id"].as_u64().unwrap(), t["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(host_types, BTreeMap::from([(5, 4), (4, 3)]), "{types}");
    let (h, _) = d.rest_ok("/lua/rest/v2/get/host/data.lua?ifid=0&host=198.18.3.0", &Auth::None);
    assert_eq!((h["num_alerts"].as_u64(), h["score"].as_u64()), (Some(0), Some(0)), "{h}");
    let (iface, _) = d.rest_ok("/lua/rest/v2/get/interface/data.lua?ifid=0", &Auth::None);
    assert_eq!(iface["engaged_alerts"].as_u64(), Some(0), "{iface}");
    // Bad parameters keep ntopng's envelope.
    let r = d.get("/lua/rest/v2/get/host/alert/list.lua?ifid=0&status=engaged&ip=not-an-ip;eq", &Auth::None);
    assert_eq!(
        (r.status, r.json().unwrap()["rc_str"].as_str().map(str::to_string)),
        (400, Some("INVALID_ARGUMENTS".into()))
    );
    assert!(d.stop());
}

#[test]
fn a_check_turned_off_raises_nothing() {
    let dir = scratch_dir("host-checks-gen-off");
    let (cap, attacks) = generate(&dir);
    // Only flow_flood on (syn_scan keeps ntopng's default: off).
    let want = expected(&attacks, false, true);
    assert_eq!(want.len(), 3);
    let mut d = start("host-checks-flood-only", &cap, &["flow_flood"]);
    let engaged = wait_for(&d, "engaged", want.len());
    assert_eq!(got(&engaged), want);
    // Stopped while they are engaged: shutdown releases them into the database; no SYN scan alert anywhere.
    assert!(d.stop());
    let db = rusqlite::Connection::open(d.data_dir.join("0/alerts/alert_store_v11.db")).unwrap();
    let count = |id: i64| -> i64 {
        db.query_row("SELECT COUNT(*) FROM host_alerts WHERE alert_id = ?", [id], |r| r.get(0)).unwrap()
    };
    assert_eq!((count(FLOW_FLOOD), count(SYN_SCAN)), (want.len() as i64, 0));
}

/// nDPI's per-risk client/server scores summed as ntopng sums a flow's alerts (each side capped at 250).
fn flow_score(risk: u64) -> (u64, u64) {
    let (mut c, mut s) = (0u64, 0u64);
    for bit in (0..64).filter(|b| risk & 1 << b != 0) {
        let r = ndpi::risk_score(bit);
        c += r.client as u64;
        s += r.server as u64;
    }
    (c.min(250), s.min(250))
}

#[test]
fn scores_sum_the_flows_risk_scores() {
    let Some(pcaps) = shared_pcaps("host/flow scores on ndpi-4.2/1kxun.pcap") else { return };
    let base = pcaps.join("ndpi-4.2");
    let cap = base.join("pcap/1kxun.pcap");
    let protos = base.join("example/protos.txt");
    let dir = scratch_dir("host-scores");
    let mut d = Daemon::start(
        &["-i", cap.to_str().unwrap(), "-p", protos.to_str().unwrap(), "-m", "192.168.0.0/16", "--disable-login=1"],
        &dir.join("data"),
    );
    d.wait_capture_read();
    let a = Auth::None;
    // The risky flows, with their endpoints and risks, as the alert writer stored them.
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&format=json&length=1000", &a);
    let risky = rsp["records"].as_array().unwrap();
    assert_eq!(risky.len(), 16);
    let mut per_host: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut per_flow: BTreeMap<(String, i64, String, i64), u64> = BTreeMap::new();
    for r in risky {
        let (c, s) = flow_score(r["flow_risk_bitmap"].as_u64().unwrap());
        assert_eq!(r["score"].as_u64(), Some(c + s), "stored flow alert score: {r}");
        per_host.entry(r["cli_ip"].as_str().unwrap().to_string()).or_default().0 += c;
        per_host.entry(r["srv_ip"].as_str().unwrap().to_string()).or_default().1 += s;
        let key = (
            r["cli_ip"].as_str().unwrap().to_string(),
            r["cli_port"].as_i64().unwrap(),
            r["srv_ip"].as_str().unwrap().to_string(),
            r["srv_port"].as_i64().unwrap(),
        );
        per_flow.insert(key, c + s);
    }
    // Hosts: score.as_client / as_server are the sums over their active flows (no host alert engaged:
    // the runner's first run is a minute away).
    for (ip, (c, s)) in &per_host {
        let (h, _) = d.rest_ok(&format!("/lua/rest/v2/get/host/data.lua?ifid=0&host={ip}"), &a);
        let got = (
            h["score.as_client"].as_u64().unwrap(),
            h["score.as_server"].as_u64().unwrap(),
            h["score"].as_u64().unwrap(),
        );
        assert_eq!(got, (*c, *s, c + s), "host {ip}");
    }
    // Flows: get/flow/active rows carry the flow's total score when asked (score=true, as ntopng's
    // score-enabled builds always do); the unrisky ones 0. Without it, the community answer's keys.
    let (plain, _) = d.rest_ok("/lua/rest/v2/get/flow/active.lua?ifid=0&perPage=5", &a);
    assert!(plain["data"].as_array().unwrap().iter().all(|f| f.get("score").is_none()), "{plain}");
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/active.lua?ifid=0&perPage=1000&score=true", &a);
    let rows = rsp["data"].as_array().unwrap();
    let mut seen = 0;
    for f in rows {
        let key = (
            f["client"]["ip"].as_str().unwrap().to_string(),
            f["client"]["port"].as_i64().unwrap(),
            f["server"]["ip"].as_str().unwrap().to_string(),
            f["server"]["port"].as_i64().unwrap(),
        );
        let want = per_flow.get(&key).copied().unwrap_or(0);
        seen += per_flow.contains_key(&key) as usize;
        assert_eq!(f["score"].as_str(), Some(want.to_string().as_str()), "flow {key:?}");
    }
    assert_eq!(seen, per_flow.len(), "every risky flow is listed");
    let total: u64 = per_flow.values().sum();
    assert!(total > 0);

    // host:score timeseries (gauge, 300 s step) of the local host with the highest client score: its
    // last point is the host's score once the capture is read.
    let (ip, (c, s)) = per_host.iter().filter(|(ip, _)| ip.starts_with("192.168.")).max_by_key(|(_, v)| v.0).unwrap();
    assert!(*c > 0);
    let (h, _) = d.rest_ok(&format!("/lua/rest/v2/get/host/data.lua?ifid=0&host={ip}"), &a);
    let (begin, end) = (h["seen.first"].as_u64().unwrap() - 600, h["seen.last"].as_u64().unwrap() + 600);
    let q = format!("ts_schema=host:score&ts_query=ifid:0,host:{ip}&epoch_begin={begin}&epoch_end={end}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let last = |i: usize| -> Option<f64> {
        let (rsp, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/ts.lua?{q}"), &a);
        rsp["series"][i]["data"].as_array()?.iter().rev().filter_map(Value::as_f64).find(|v| !v.is_nan())
    };
    while last(0) != Some(*c as f64) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!((last(0), last(1)), (Some(*c as f64), Some(*s as f64)), "host:score of {ip}");
    assert!(d.stop());
}

/// (alert id, ip) -> (value, is_attacker), checking each alert's threshold and score against the registry's.
fn got_checked(recs: &[Value]) -> BTreeMap<(i64, String), (u64, bool)> {
    let reg = ntopng_checks::Registry::ntopng();
    recs.iter()
        .map(|r| {
            let id = r["alert_id"].as_i64().unwrap();
            let def =
                reg.all().iter().find(|c| c.family == ntopng_checks::Family::Host && c.alert_id as i64 == id).unwrap();
            let doc: Value = serde_json::from_str(r["json"].as_str().unwrap()).unwrap();
            assert_eq!(doc["threshold"].as_u64(), def.default_threshold, "{r}");
            assert_eq!(r["score"].as_i64(), Some(def.score as i64), "{r}");
            assert_eq!(r["severity"].as_i64(), Some(def.severity().id() as i64), "{r}");
            let attacker = r["is_attacker"].as_i64() == Some(1);
            assert_eq!(r["is_victim"].as_i64() == Some(1), !attacker, "{r}");
            ((id, r["ip"].as_str().unwrap().to_string()), (doc["value"].as_u64().unwrap(), attacker))
        })
        .collect()
}

#[test]
fn fin_rst_and_icmp_checks_on_generated_probes() {
    let dir = scratch_dir("host-checks-probes");
    let mut sink = MemorySink::default();
    let p = host_probes(&mut sink, &HostProbeParams::default()).unwrap();
    let cap = dir.join("host_probes.pcap");
    std::fs::write(&cap, write_pcap(Vec::new(), &sink.records).unwrap()).unwrap();
    // The generator's counts, through each check's rule: the attacker side first, strictly above.
    let mut want = BTreeMap::new();
    let mut side = |id: i64, ip: &std::net::Ipv4Addr, attacker: u64, victim: u64, threshold: u64| {
        if attacker > threshold {
            want.insert((id, ip.to_string()), (attacker, true));
        } else if victim > threshold {
            want.insert((id, ip.to_string()), (victim, false));
        }
    };
    for (ip, (sent, rcvd)) in &p.fins {
        side(FIN_SCAN, ip, *sent, *rcvd, THRESHOLD);
    }
    for (ip, (sent, rcvd)) in &p.rsts {
        side(RST_SCAN, ip, *rcvd, *sent, THRESHOLD);
    }
    for (ip, (sent, rcvd)) in &p.icmp_per_sec {
        side(ICMP_FLOOD, ip, *sent as u64, *rcvd as u64, 250);
    }
    // By hand: 300 bare FINs from the prober, 300 RSTs back; 400 echo requests in one second, 100 replies.
    assert_eq!(
        want,
        BTreeMap::from([
            ((FIN_SCAN, "198.18.6.0".into()), (300, true)),
            ((FIN_SCAN, "198.18.7.0".into()), (300, false)),
            ((RST_SCAN, "198.18.6.0".into()), (300, true)),
            ((RST_SCAN, "198.18.7.0".into()), (300, false)),
            ((ICMP_FLOOD, "198.18.8.0".into()), (400, true)),
            ((ICMP_FLOOD, "198.18.9.0".into()), (400, false)),
        ])
    );
    // The SYN-based checks on too: no SYN in this capture, so they raise nothing.
    let mut d =
        start("host-checks-probes", &cap, &["fin_scan", "rst_scan", "icmp_flood", "scan_detection", "syn_flood"]);
    let engaged = wait_for(&d, "engaged", want.len());
    assert_eq!(got_checked(&engaged), want);
    assert!(engaged.iter().any(|r| r.to_string().contains("ICMP flood")), "{engaged:#?}");
    assert!(d.stop());
}

#[test]
fn syn_flood_and_scan_detection_on_generated_attacks() {
    let dir = scratch_dir("host-checks-gen-synflood");
    let (cap, a) = generate(&dir);
    // Every SYN of host_attacks opens its own flow and every SYN-ACK is its flow's first: incomplete flows
    // are SYNs sent minus SYN-ACKs received, and SYNs per second are new TCP flows per second.
    let mut want = BTreeMap::new();
    for (ip, c) in &a.syn {
        let incomplete = c.syn_sent - c.synack_rcvd;
        if incomplete > 32 {
            want.insert((SCAN_DETECTION, ip.to_string()), (incomplete, true));
        }
    }
    for ip in [a.scanner, a.scan_target, a.flooder, a.flood_victim] {
        let (cli, srv) = a.new_flows_of(ip);
        if cli as u64 > THRESHOLD {
            want.insert((SYN_FLOOD, ip.to_string()), (cli as u64, true));
        } else if srv as u64 > THRESHOLD {
            want.insert((SYN_FLOOD, ip.to_string()), (srv as u64, false));
        }
    }
    // By hand: the scanner left 280 of its 300 flows unanswered, the flooder 500 of 600; the flood's 600
    // SYNs fall in one second (sent by the flooder, received by the victim); the scan's 100 per second do not count.
    assert_eq!(
        want,
        BTreeMap::from([
            ((SCAN_DETECTION, "198.18.1.0".into()), (280, true)),
            ((SCAN_DETECTION, "198.18.3.0".into()), (500, true)),
            ((SYN_FLOOD, "198.18.3.0".into()), (600, true)),
            ((SYN_FLOOD, "198.18.4.0".into()), (600, false)),
        ])
    );
    let mut d = start("host-checks-synflood", &cap, &["syn_flood", "scan_detection"]);
    let engaged = wait_for(&d, "engaged", want.len());
    assert_eq!(got_checked(&engaged), want);
    let victim = engaged.iter().find(|r| r["ip"] == "198.18.4.0").unwrap().to_string();
    assert!(
        victim.contains("SYN flood") && victim.contains("198.18.4.0") && victim.contains("600 SYN/sec"),
        "{victim}"
    );
    assert!(d.stop());
}

/// SMTP sessions from `client` to each server (port 25), 100 ms apart: handshake, banner, EHLO, QUIT.
fn smtp_sessions(sink: &mut MemorySink, t0: u64, client: u32, servers: &[u32]) {
    use ntopng_bench::gen::addr::{mac, v4};
    use ntopng_bench::gen::builder::tcp_flags::{ACK, PSH, SYN};
    use ntopng_bench::gen::builder::{Ipv4, PacketBuilder, Tcp};
    use ntopng_bench::gen::pcap_writer::RecordSink;
    const MS: u64 = 1_000_000;
    for (i, &srv) in servers.iter().enumerate() {
        let ts = t0 + i as u64 * 100 * MS;
        let cport = 30000 + i as u16;
        let mut seg = |n: u64, from_client: bool, flags: u8, seq: u32, ack: u32, payload: &[u8]| {
            let (s, d, sp, dp) = if from_client { (client, srv, cport, 25) } else { (srv, client, 25, cport) };
            let frame = PacketBuilder::ethernet(mac(s), mac(d))
                .ipv4(Ipv4::new(v4(s), v4(d)))
                .tcp(Tcp::new(sp, dp).flags(flags).seq(seq).ack(ack))
                .payload(payload)
                .build();
            sink.write_frame(ts + n * MS, &frame).unwrap();
        };
        let banner = b"220 mx.example.org ESMTP ready\r\n";
        let ehlo = b"EHLO client.example.com\r\n";
        let hello = b"250-mx.example.org\r\n250 HELP\r\n";
        seg(0, true, SYN, 1000, 0, b"");
        seg(1, false, SYN | ACK, 5000, 1001, b"");
        seg(2, true, ACK, 1001, 5001, b"");
        seg(3, false, PSH | ACK, 5001, 1001, banner);
        seg(4, true, PSH | ACK, 1001, 5001 + banner.len() as u32, ehlo);
        seg(5, false, PSH | ACK, 5001 + banner.len() as u32, 1001 + ehlo.len() as u32, hello);
        seg(6, true, PSH | ACK, 1001 + ehlo.len() as u32, 5001 + (banner.len() + hello.len()) as u32, b"QUIT\r\n");
    }
}

#[test]
fn smtp_contacts_on_generated_sessions() {
    let dir = scratch_dir("host-checks-smtp");
    let mut sink = MemorySink::default();
    let t0 = 1_704_067_200 * 1_000_000_000u64;
    // 198.18.16.1 talks to 6 SMTP servers (above the default threshold 5), 198.18.16.2 to 5 (not above).
    let servers: Vec<u32> = (0..6).map(|i| 0x1100 + i).collect();
    smtp_sessions(&mut sink, t0, 0x1001, &servers);
    smtp_sessions(&mut sink, t0 + 5_000_000_000, 0x1002, &servers[..5]);
    let cap = dir.join("smtp.pcap");
    std::fs::write(&cap, write_pcap(Vec::new(), &sink.records).unwrap()).unwrap();
    // dns_contacts on too: no DNS here, nothing raised.
    let mut d = start("host-checks-smtp", &cap, &["smtp_contacts", "dns_contacts"]);
    let engaged = wait_for(&d, "engaged", 1);
    assert_eq!(got_checked(&engaged), BTreeMap::from([((1, "198.18.16.1".to_string()), (6, true))]));
    assert!(engaged[0].to_string().contains("6 distinct SMTP servers"), "{engaged:#?}");
    assert!(d.stop());
}

/// One DNS query (A? example.com) from `cli` to `srv`:53 and its answer.
fn dns_exchange(sink: &mut MemorySink, ts: u64, cli: u32, cport: u16, srv: u32) {
    use ntopng_bench::gen::addr::{mac, v4};
    use ntopng_bench::gen::builder::{Ipv4, PacketBuilder, Udp};
    use ntopng_bench::gen::pcap_writer::RecordSink;
    let mut query = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    query.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
    let mut answer = query.clone();
    answer[2] = 0x81;
    answer[3] = 0x80;
    for (ts, s, d, sp, dp, payload) in
        [(ts, cli, srv, cport, 53, &query), (ts + 1_000_000, srv, cli, 53, cport, &answer)]
    {
        let frame = PacketBuilder::ethernet(mac(s), mac(d))
            .ipv4(Ipv4::new(v4(s), v4(d)))
            .udp(Udp::new(sp, dp))
            .payload(payload)
            .build();
        sink.write_frame(ts, &frame).unwrap();
    }
}

#[test]
fn dns_contacts_skips_dns_servers() {
    let dir = scratch_dir("host-checks-dns");
    let mut sink = MemorySink::default();
    let t0 = 1_704_067_200 * 1_000_000_000u64;
    const SEC: u64 = 1_000_000_000;
    // A resolver (198.18.32.1) asked by a client, forwarding to 7 upstream servers; a workstation
    // (198.18.32.2) asking the same 7 servers itself.
    dns_exchange(&mut sink, t0, 0x2003, 40000, 0x2001);
    for i in 0..7u32 {
        dns_exchange(&mut sink, t0 + (1 + i as u64) * SEC / 10, 0x2001, 41000 + i as u16, 0x2100 + i);
        dns_exchange(&mut sink, t0 + SEC + (1 + i as u64) * SEC / 10, 0x2002, 42000 + i as u16, 0x2100 + i);
    }
    let cap = dir.join("dns.pcap");
    std::fs::write(&cap, write_pcap(Vec::new(), &sink.records).unwrap()).unwrap();
    let mut d = start("host-checks-dns", &cap, &["dns_contacts"]);
    let engaged = wait_for(&d, "engaged", 1);
    assert_eq!(got_checked(&engaged), BTreeMap::from([((2, "198.18.32.2".to_string()), (7, true))]));
    assert!(d.stop());
}
