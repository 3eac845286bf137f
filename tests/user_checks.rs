//! The seeds' example check scripts (flow, host and network), extracted at test time from
//! `../shared/seeds/*.md` (tests/support/seed_checks.py) into a copy of our install dir, run by the daemon on
//! test_01.pcap; their alerts are found through the REST alert lists and compared with what the `-F jsonl`
//! dump of the same run says they must raise. Thresholds are lowered so that they fire on this capture.
//!
//! Host and network checks run every 2 s here (NTOPNG_TEST_HOST_CHECK_PERIOD_MS) instead of every minute.

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{copy_tree, repo, scratch_dir, shared_pcaps};

/// Threshold changes, `(text in the seed example, lowered)`: each must be found, so that a change of the
/// seeds shows here.
const LOWERED: [(&str, &str); 3] = [
    // my_host_check: 1 GB -> 10 kB.
    ("if bytes > 1e9 then", "if bytes > 1e4 then"),
    // Port scan example: any unanswered contact.
    ("if contacted_ports > 50 or contacted_peers > 100 then", "if contacted_ports > 0 or contacted_peers > 0 then"),
    // Network alert pattern: any score (this capture's network score is 0).
    ("if score > 200 then", "if score >= 0 then"),
];

struct Extracted {
    /// `(path under scripts/lua, family, kind)`.
    scripts: Vec<(String, String, String)>,
}

fn extract(seeds: &Path, install: &Path) -> Extracted {
    let out = Command::new("python3")
        .arg(repo().join("tests/support/seed_checks.py"))
        .arg(seeds)
        .arg(install)
        .output()
        .expect("python3");
    assert!(out.status.success(), "extractor: {}", String::from_utf8_lossy(&out.stderr));
    let scripts: Vec<(String, String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect();
    for (from, to) in LOWERED {
        let mut found = false;
        for (path, _, _) in &scripts {
            let p = install.join("scripts/lua").join(path);
            let src = std::fs::read_to_string(&p).unwrap();
            if src.contains(from) {
                std::fs::write(&p, src.replace(from, to)).unwrap();
                found = true;
            }
        }
        assert!(found, "no seed check example contains {from:?}");
    }
    Extracted { scripts }
}

fn num(v: &Value) -> i64 {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Every record of a REST alert list (`format=json`: plain columns).
fn alerts(d: &Daemon, family: &str, status: &str, filter: &str) -> Vec<Value> {
    let url = format!("/lua/rest/v2/get/{family}/alert/list.lua?ifid=0&status={status}&format=json&start=0&length=100000{filter}");
    let (rsp, _) = d.rest_ok(&url, &Auth::None);
    rsp["records"].as_array().unwrap_or_else(|| panic!("{url}: {rsp}")).clone()
}

fn wait_for(what: &str, d: &Daemon, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < timeout, "{what}: not seen in {timeout:?}\n{}", d.log());
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// What the dump says of each host: bytes (sent + received) and the unanswered TCP/UDP contacts it made as
/// a client (distinct server ports, distinct servers).
#[derive(Default, Debug)]
struct HostFacts {
    bytes: u64,
    ports: BTreeSet<u64>,
    servers: BTreeSet<String>,
}

fn facts(dump: &[Value]) -> BTreeMap<String, HostFacts> {
    let mut m: BTreeMap<String, HostFacts> = BTreeMap::new();
    for f in dump {
        let (cli, srv) = (f["client"]["ip"].as_str().unwrap(), f["server"]["ip"].as_str().unwrap());
        let bytes = f["bytes"].as_u64().unwrap();
        m.entry(cli.to_string()).or_default().bytes += bytes;
        if srv != cli {
            m.entry(srv.to_string()).or_default().bytes += bytes;
        }
        let l4 = f["protocol"]["l4_id"].as_u64().unwrap();
        if matches!(l4, 6 | 17) && f["srv2cli"]["packets"].as_u64() == Some(0) {
            let c = m.get_mut(cli).unwrap();
            c.ports.insert(f["server"]["port"].as_u64().unwrap());
            c.servers.insert(srv.to_string());
        }
    }
    m
}

/// The daemon's notion of a local host with `-m 192.168.1.0/24`: in the network, or loopback/link-local.
fn is_local(ip: &str) -> bool {
    let a: IpAddr = ip.parse().unwrap();
    match a {
        IpAddr::V4(v4) => v4.octets()[..3] == [192, 168, 1] || v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

fn is_unicast(ip: &str) -> bool {
    let a: IpAddr = ip.parse().unwrap();
    match a {
        IpAddr::V4(v4) => !v4.is_multicast() && !v4.is_broadcast() && v4.octets()[3] != 255 && v4.octets()[3] != 0,
        IpAddr::V6(v6) => !v6.is_multicast(),
    }
}

#[test]
fn seed_check_examples_raise_their_alerts_through_rest() {
    let Some(pcaps) = shared_pcaps("user checks") else { return };
    let seeds = pcaps.join("../seeds");
    if !seeds.is_dir() {
        eprintln!("SKIP user checks: {} not found", seeds.display());
        return;
    }
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("user-checks");
    let install = dir.join("install");
    copy_tree(&repo().join("scripts"), &install.join("scripts"));
    copy_tree(&repo().join("httpdocs"), &install.join("httpdocs"));
    let ex = extract(&seeds, &install);
    for family in ["flow", "host", "network"] {
        assert!(ex.scripts.iter().any(|(_, f, _)| f == family), "no {family} check example in the seeds: {:?}", ex.scripts);
    }
    let dump_path = dir.join("flows.jsonl");
    let spec = format!("jsonl;{}", dump_path.display());
    let mut d = Daemon::start_env(
        &["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24", "--disable-login=1", "-F", &spec, "-t", install.to_str().unwrap()],
        &dir.join("data"),
        &[("NTOPNG_TEST_HOST_CHECK_PERIOD_MS", "2000")],
    );
    d.wait_capture_read();

    // The flow example triggers on every flow, when its protocol is detected.
    let flow_alerts = alerts(&d, "flow", "historical", "&alert_id=87;eq");
    // Host examples: master-api's (every local host) at once; my_host_check from its second run.
    wait_for("host check alerts of the second run", &d, Duration::from_secs(60), || {
        alerts(&d, "host", "engaged", "").iter().any(|a| a["description"].as_str().unwrap_or("").starts_with("Host transferred"))
    });
    // The port scan example resets the contacts it alerted on: its alerts are released a run later.
    wait_for("released port scan alerts", &d, Duration::from_secs(60), || {
        alerts(&d, "host", "historical", "").iter().any(|a| a["description"].as_str().unwrap_or("").starts_with("Possible scan"))
    });
    std::thread::sleep(Duration::from_secs(3));
    let engaged_hosts = alerts(&d, "host", "engaged", "");
    let historical_hosts = alerts(&d, "host", "historical", "");
    let engaged_nets = alerts(&d, "network", "engaged", "");

    // Turning the host check off releases its alerts and raises no more.
    let (rsp, _) = d.rest_ok("/lua/rest/v2/disable/check.lua?check_subdir=host&script_key=custom_host_lua_script", &Auth::None);
    assert_eq!(rsp["success"], Value::Bool(true), "{rsp}");
    wait_for("host alerts released once the check is off", &d, Duration::from_secs(30), || alerts(&d, "host", "engaged", "").is_empty());
    let after_off = alerts(&d, "host", "historical", "").len();
    std::thread::sleep(Duration::from_secs(5));
    assert!(alerts(&d, "host", "engaged", "").is_empty());
    assert_eq!(alerts(&d, "host", "historical", "").len(), after_off, "no host alert once the check is off");
    assert!(d.stop());

    let dump: Vec<Value> =
        std::fs::read_to_string(&dump_path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!dump.is_empty());

    // Flow alerts: one per flow of the capture, with the example's score and message.
    let tuple = |ip1: &str, p1: i64, ip2: &str, p2: i64| format!("{ip1}:{p1}-{ip2}:{p2}");
    let want: BTreeSet<String> = dump
        .iter()
        .map(|f| {
            tuple(f["client"]["ip"].as_str().unwrap(), num(&f["client"]["port"]), f["server"]["ip"].as_str().unwrap(), num(&f["server"]["port"]))
        })
        .collect();
    let got: Vec<String> = flow_alerts
        .iter()
        .map(|a| tuple(a["cli_ip"].as_str().unwrap(), num(&a["cli_port"]), a["srv_ip"].as_str().unwrap(), num(&a["srv_port"])))
        .collect();
    assert_eq!(got.len(), dump.len(), "one custom script alert per flow");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    for a in &flow_alerts {
        assert_eq!((num(&a["score"]), a["info"].as_str()), (50, Some("suspicious flow")), "{a}");
    }

    let hosts = facts(&dump);
    let by_desc = |list: &[Value], prefix: &str| -> BTreeMap<String, String> {
        list.iter()
            .filter(|a| a["description"].as_str().unwrap_or("").starts_with(prefix))
            .map(|a| (a["ip"].as_str().unwrap().to_string(), a["description"].as_str().unwrap().to_string()))
            .collect()
    };
    // master-api's host example: every local host, engaged while the check ran.
    let want_local: BTreeSet<String> = hosts.keys().filter(|ip| is_local(ip)).cloned().collect();
    assert!(!want_local.is_empty());
    assert_eq!(by_desc(&engaged_hosts, "anomaly detected").into_keys().collect::<BTreeSet<_>>(), want_local);
    for a in engaged_hosts.iter().filter(|a| a["description"] == "anomaly detected") {
        assert_eq!((num(&a["alert_id"]), num(&a["score"]), num(&a["alert_status"])), (24, 80, 2), "{a}");
    }
    // my_host_check: local unicast hosts over 10 kB, with their byte count.
    let want_big: BTreeMap<String, String> = hosts
        .iter()
        .filter(|(ip, h)| is_local(ip) && is_unicast(ip) && h.bytes > 10_000)
        .map(|(ip, h)| (ip.clone(), format!("Host transferred > 1 GB: {}", h.bytes)))
        .collect();
    assert!(!want_big.is_empty());
    assert_eq!(by_desc(&engaged_hosts, "Host transferred"), want_big);
    // The port scan example: each host with unanswered contacts, once (released after the reset).
    let want_scan: BTreeMap<String, String> = hosts
        .iter()
        .filter(|(_, h)| !h.ports.is_empty())
        .map(|(ip, h)| (ip.clone(), format!("Possible scan: {} ports / {} peers with no reply", h.ports.len(), h.servers.len())))
        .collect();
    assert!(!want_scan.is_empty());
    assert_eq!(by_desc(&historical_hosts, "Possible scan"), want_scan);
    assert!(by_desc(&engaged_hosts, "Possible scan").is_empty(), "released after the reset");

    eprintln!(
        "seed checks: {} flow alerts, {} local hosts, {} over 10 kB, {} scanning hosts, {} network alerts",
        flow_alerts.len(),
        want_local.len(),
        want_big.len(),
        want_scan.len(),
        engaged_nets.len()
    );
    // The network alert pattern: the local network's alert, engaged.
    assert_eq!(engaged_nets.len(), 1, "{engaged_nets:?}");
    let n = &engaged_nets[0];
    assert_eq!((num(&n["alert_id"]), n["name"].as_str(), num(&n["severity"]), num(&n["local_network_id"])), (4400, Some("192.168.1.0/24"), 5, 0), "{n}");
}
