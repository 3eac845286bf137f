//! Live capture through AF_PACKET: a generated capture replayed with tcpreplay into a veth
//! pair inside a namespace gives the same flows, packets, bytes and L7 protocols as the
//! offline reading of the same file, with 1 and with 2 workers (fanout by flow hash).

mod netns;
mod support;

use netns::VethNamespace;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use support::*;

/// Flow identity and counters, without times (live timestamps are the replay's).
fn summary(flows: &[Value]) -> BTreeMap<String, (u64, u64, u64, u64, String)> {
    flows
        .iter()
        .map(|f| {
            let k = format!(
                "{} vlan{} {}:{} -> {}:{}",
                f["protocol"]["l4"], f["vlan"], f["client"]["ip"], f["client"]["port"], f["server"]["ip"], f["server"]["port"]
            );
            let d = |x: &str, m: &str| f[x][m].as_u64().unwrap();
            let l7 = f["protocol"]["l7"].as_str().unwrap().to_string();
            (k, (d("cli2srv", "packets"), d("cli2srv", "bytes"), d("srv2cli", "packets"), d("srv2cli", "bytes"), l7))
        })
        .collect()
}

fn live_dump(ns: &VethNamespace, capture: &Path, workers: &str, out: &Path) -> Vec<Value> {
    let spec = format!("jsonl;{}", out.display());
    let mut daemon = ns
        .command(ntopng_bin().to_str().unwrap())
        .args(["-i", &ns.monitored, "--workers", workers, "-F", &spec, "-w", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ntopng");
    let mut lines = BufReader::new(daemon.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let ready = line.contains("capturing with AF_PACKET");
        log.push(line);
        if ready {
            break;
        }
    }
    assert!(log.last().is_some_and(|l| l.contains("AF_PACKET")), "daemon did not start: {log:?}");
    ns.exec(&["tcpreplay", "-q", "-i", &ns.peer, "--mbps", "50", capture.to_str().unwrap()]);
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: kill(2) on our child (ip netns exec replaces itself with ntopng).
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = daemon.wait().unwrap();
    assert!(status.success(), "ntopng exited with {status}: {rest:?}");
    let text = std::fs::read_to_string(out).expect("live flow dump");
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn replay_into_veth_equals_offline_reading() {
    let Some(ns) = VethNamespace::create("afp") else { return };
    let dir = scratch_dir("live-afp");
    // Real application payloads (DNS, HTTP, TLS with SNI) plus VLAN and QinQ tagged traffic.
    let sample = ntopng_bench::gen::scenarios::Capture::of(ntopng_bench::gen::scenarios::sample);
    let vlan = ntopng_bench::gen::scenarios::Capture::of(ntopng_bench::gen::scenarios::vlan);
    for (name, cap) in [("sample", &sample), ("vlan", &vlan)] {
        let file = dir.join(format!("{name}.pcap"));
        std::fs::write(&file, cap.to_pcap()).unwrap();
        let offline = summary(&dump_flows(&file, &["--workers", "1"], &dir.join(format!("{name}-offline.jsonl"))));
        assert_eq!(offline.len() as u64, cap.description.flow_count, "{name}: offline flow count");
        for workers in ["1", "2"] {
            let live = summary(&live_dump(&ns, &file, workers, &dir.join(format!("{name}-live-{workers}.jsonl"))));
            assert_eq!(live, offline, "{name}: live capture with {workers} worker(s) differs from the offline reading");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
