//! Periodic flow events (ntopng's `periodicUpdate` flow hook) on a capture file's flows kept in memory
//! after it was read: a capture written here is read with `--pcap-file-purge-flows`, so the early flows
//! (those on a worker that sees later packets) end while it is read; the late ones are alive afterwards. With the period shortened to 1 s
//! (`NTOPNG_TEST_FLOW_PERIODIC_MS`), a user flow module with only `hooks.periodicUpdate` must raise its
//! alert on exactly the flows the REST API lists as active, which are the flows the `-F jsonl` dump of the
//! same run says ended at shutdown. Without a periodic module the daemon hands out no periodic event at
//! all (its log counts them). On a live interface (root: a veth pair in a namespace, AF_PACKET), the flows
//! of a replay, alive for the idle timeout, get their periodic alerts from the workers' own walk.

mod daemon;
mod netns;
#[path = "support/pcapgen.rs"]
mod pcapgen;
mod support;

use daemon::{Auth, Daemon};
use pcapgen::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{copy_tree, ntopng_bin, repo, scratch_dir};

const T0: u64 = 1_700_000_000 * 1_000_000;
const S: u64 = 1_000_000;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// Three early flows (idle, purged while the file is read), then, 300 s later, three flows that are alive
/// when the file ends.
fn write_capture(path: &Path) {
    let mut p = Pcap::new();
    for (i, t0) in [(0u16, T0), (1, T0 + 400 * S)] {
        let cli = ip(if i == 0 { "192.168.1.10" } else { "192.168.1.11" });
        let (c, s) = ((cli, 40001 + i), (ip("8.8.8.8"), 53));
        p.udp(t0, c, s, &dns_query(i, "example.com"));
        p.udp(t0 + 20_000, s, c, &dns_response(i, "example.com", ip("93.184.216.34")));
        let mut t = Tcp::open(&mut p, t0 + S, (cli, 50000 + i), (ip("198.51.100.7"), 8080));
        for k in 0..4u64 {
            t.client(t0 + S + 10_000 + k * 1000, &[b'x'; 100], false);
        }
        t.server(t0 + S + 20_000, b"ok");
        p.udp(t0 + 2 * S, (cli, 9999), (ip("192.168.1.20"), 9999), b"hello");
    }
    p.write(path);
}

fn install_with(dir: &Path, module: Option<&str>) -> std::path::PathBuf {
    let install = dir.join("install");
    copy_tree(&repo().join("scripts"), &install.join("scripts"));
    copy_tree(&repo().join("httpdocs"), &install.join("httpdocs"));
    if let Some(src) = module {
        let d = install.join("scripts/lua/modules/flow_checks");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("periodic_probe.lua"), src).unwrap();
    }
    install
}

fn num(v: &Value) -> i64 {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| panic!("not a number: {v}"))
}

fn tuple(cip: &str, cport: i64, sip: &str, sport: i64) -> String {
    format!("{cip}:{cport}-{sip}:{sport}")
}

/// A flow of `get/flow/active` or of the `-F jsonl` dump as a tuple.
fn flow_tuple(f: &Value) -> String {
    let end = |side: &str| (f[side]["ip"].as_str().unwrap(), num(&f[side]["port"]));
    let ((cip, cport), (sip, sport)) = (end("client"), end("server"));
    tuple(cip, cport, sip, sport)
}

/// The flow of a stored flow alert (`format=json`) as a tuple.
fn alert_tuple(a: &Value) -> String {
    tuple(a["cli_ip"].as_str().unwrap(), num(&a["cli_port"]), a["srv_ip"].as_str().unwrap(), num(&a["srv_port"]))
}

fn custom_alerts(d: &Daemon) -> Vec<Value> {
    let url = "/lua/rest/v2/get/flow/alert/list.lua?ifid=0&status=historical&format=json&start=0&length=100000&alert_id=87;eq";
    let (rsp, _) = d.rest_ok(url, &Auth::None);
    rsp["records"].as_array().unwrap_or_else(|| panic!("{rsp}")).clone()
}

fn active_flows(d: &Daemon) -> BTreeSet<String> {
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/active.lua?ifid=0&perPage=1000&currentPage=1", &Auth::None);
    let data = rsp["data"].as_array().unwrap_or_else(|| panic!("{rsp}"));
    data.iter()
        .map(flow_tuple)
        .collect()
}

fn periodic_events_logged(d: &Daemon) -> u64 {
    let log = d.log();
    let line =
        log.lines().rev().find(|l| l.contains("periodic flow events")).unwrap_or_else(|| panic!("no count:\n{log}"));
    let before = line.split(" periodic flow events").next().unwrap();
    before.rsplit(' ').next().unwrap().parse().unwrap_or_else(|_| panic!("{line}"))
}

fn run(name: &str, module: Option<&str>) -> (Daemon, std::path::PathBuf) {
    let dir = scratch_dir(name);
    let cap = dir.join("flows.pcap");
    write_capture(&cap);
    let install = install_with(&dir, module);
    let dump = dir.join("flows.jsonl");
    let spec = format!("jsonl;{}", dump.display());
    let d = Daemon::start_env(
        &[
            "-i",
            cap.to_str().unwrap(),
            "--pcap-file-purge-flows",
            "--disable-login=1",
            "-F",
            &spec,
            "-t",
            install.to_str().unwrap(),
        ],
        &dir.join("data"),
        &[("NTOPNG_TEST_FLOW_PERIODIC_MS", "1000")],
    );
    d.wait_capture_read();
    (d, dump)
}

const PERIODIC_MODULE: &str = r#"
return {
  hooks = {
    periodicUpdate = function(info)
      flow.triggerAlert(7, "periodic " .. tostring(info.hook) .. " " .. tostring(flow.cli()) .. ":" .. tostring(flow.cli_port()))
    end
  }
}
"#;

#[test]
fn periodic_flow_module_alerts_on_the_flows_still_alive() {
    let (mut d, dump) = run("flow-periodic", Some(PERIODIC_MODULE));
    // Which early flows a worker purges depends on the packets it sees later (each worker's clock is
    // its packets'): the reference is what the REST API lists as active, checked against the dump below.
    let active = active_flows(&d);
    assert!(active.len() >= 3 && active.len() < 6, "the late flows alive, some early ones ended: {active:?}");
    // Every live flow gets a periodic event within a few periods; then each gets more.
    let start = Instant::now();
    let mut alerts;
    loop {
        alerts = custom_alerts(&d);
        let flows: BTreeSet<String> = alerts
            .iter()
            .map(alert_tuple)
            .collect();
        if flows == active && alerts.len() >= 2 * active.len() {
            break;
        }
        assert!(flows.is_subset(&active), "periodic alerts on flows not alive: {flows:?} vs {active:?}");
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "periodic alerts not raised in time: {alerts:#?}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    for a in &alerts {
        assert_eq!(num(&a["score"]), 7, "{a}");
        let info = a["info"].as_str().unwrap();
        let want = format!("periodic periodicUpdate {}:{}", a["cli_ip"].as_str().unwrap(), num(&a["cli_port"]));
        assert_eq!(info, want, "{a}");
    }
    assert!(d.stop());
    assert!(periodic_events_logged(&d) >= 6, "{}", d.log());

    // The dump of the same run: the flows alive at the end are those that ended at shutdown.
    let flows: Vec<Value> =
        std::fs::read_to_string(&dump).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(flows.len(), 6, "{flows:#?}");
    let at_shutdown: BTreeSet<String> = flows
        .iter()
        .filter(|f| f["end_reason"].as_str().is_some_and(|r| r.eq_ignore_ascii_case("shutdown")))
        .map(flow_tuple)
        .collect();
    assert_eq!(at_shutdown, active, "{flows:#?}");
}

#[test]
fn no_periodic_events_without_a_periodic_module() {
    let detected_only = "return { check = function(info) flow.triggerAlert(5, 'detected ' .. info.hook) end }";
    let (mut d, _) = run("flow-periodic-none", Some(detected_only));
    std::thread::sleep(Duration::from_secs(4));
    let alerts = custom_alerts(&d);
    assert_eq!(alerts.len(), 6, "one alert per flow at detection: {alerts:#?}");
    assert!(alerts.iter().all(|a| a["info"] == "detected protocolDetected"), "{alerts:#?}");
    assert!(d.stop());
    assert_eq!(periodic_events_logged(&d), 0, "{}", d.log());
}

/// A GET inside the namespace (the daemon's web server listens on the namespace's loopback).
fn ns_get(ns: &netns::VethNamespace, port: u16, path: &str) -> Value {
    let out = ns.exec(&["curl", "-s", &format!("http://127.0.0.1:{port}{path}")]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{path}: {e}: {out:?}"));
    assert_eq!(v["rc"], 0, "{path}: {v}");
    v["rsp"].clone()
}

/// The daemon in the namespace, stopped (SIGTERM) when the test ends, also when it fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our child; harmless if it has exited (not yet reaped).
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

#[test]
fn live_flows_get_periodic_events_from_the_workers() {
    let Some(ns) = netns::VethNamespace::create("fperiodic") else { return };
    ns.exec(&["ip", "link", "set", "lo", "up"]);
    let dir = scratch_dir("flow-periodic-live");
    let cap = dir.join("flows.pcap");
    write_capture(&cap);
    let install = install_with(&dir, Some(PERIODIC_MODULE));
    let dump = dir.join("flows.jsonl");
    let spec = format!("jsonl;{}", dump.display());
    let port = daemon::free_port();
    let mut child = ns
        .command(ntopng_bin().to_str().unwrap())
        .env("NTOPNG_TEST_FLOW_PERIODIC_MS", "1000")
        .args(["-i", &ns.monitored, "--capture-mode", "afpacket", "--workers", "1", "--disable-login=1"])
        .args(["-F", &spec, "-t", install.to_str().unwrap(), "-w", &format!("127.0.0.1:{port}"), "-d"])
        .arg(dir.join("data"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start ntopng");
    let stderr = child.stderr.take().unwrap();
    let mut child = Child(child);
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (tx, started) = std::sync::mpsc::channel();
    {
        use std::io::BufRead;
        let log = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("capturing with") {
                    let _ = tx.send(());
                }
                log.lock().unwrap().push(line);
            }
        });
    }
    let logged = || log.lock().unwrap().join("\n");
    started.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("not started: {}", logged()));
    // The web server and the user checks are up once it answers.
    let t = Instant::now();
    while ns
        .command("curl")
        .args(["-sf", &format!("http://127.0.0.1:{port}/lua/rest/v2/get/ntopng/interfaces.lua")])
        .output()
        .map_or(true, |o| !o.status.success())
    {
        assert!(t.elapsed() < Duration::from_secs(30), "web server: {}", logged());
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(3));
    ns.exec(&["tcpreplay", "-q", "-i", &ns.peer, "--topspeed", cap.to_str().unwrap()]);
    let start = Instant::now();
    let (active, alerts) = loop {
        let flows = ns_get(&ns, port, "/lua/rest/v2/get/flow/active.lua?ifid=0&perPage=1000&currentPage=1");
        let active: BTreeSet<String> = flows["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(flow_tuple)
            .collect();
        let url = "/lua/rest/v2/get/flow/alert/list.lua?ifid=0&status=historical&format=json&start=0&length=100000&alert_id=87;eq";
        let alerts = ns_get(&ns, port, url)["records"].as_array().unwrap().clone();
        let alerted: BTreeSet<String> = alerts
            .iter()
            .map(alert_tuple)
            .collect();
        assert!(alerted.is_subset(&active), "alerts on flows not active: {alerted:?} vs {active:?}");
        if active.len() == 6 && alerted == active && alerts.len() >= 12 {
            break (active, alerts);
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "live periodic alerts: {active:?} {alerts:#?}\n{}",
            logged()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    for a in &alerts {
        let want = format!("periodic periodicUpdate {}:{}", a["cli_ip"].as_str().unwrap(), num(&a["cli_port"]));
        assert_eq!(a["info"].as_str(), Some(want.as_str()), "{a}");
    }
    // SAFETY: kill(2) on our child (ip netns exec replaces itself with ntopng).
    unsafe { libc::kill(child.0.id() as i32, libc::SIGTERM) };
    assert!(child.0.wait().unwrap().success(), "{}", logged());
    std::thread::sleep(Duration::from_millis(300));
    let log_text = logged();
    let line =
        log_text.lines().rev().find(|l| l.contains("periodic flow events")).unwrap_or_else(|| panic!("{log_text}"));
    let n: u64 = line.split(" periodic flow events").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n >= 12, "{line}");
    let flows: Vec<Value> =
        std::fs::read_to_string(&dump).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let dumped: BTreeSet<String> = flows
        .iter()
        .map(flow_tuple)
        .collect();
    assert_eq!(dumped, active, "{flows:#?}");
}
