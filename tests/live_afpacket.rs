//! Live capture: a generated capture replayed with tcpreplay into a veth pair inside a
//! namespace gives the same flows, packets, bytes and L7 protocols as the offline reading of
//! the same file: through AF_PACKET with 1 and 2 workers (fanout by flow hash), and through
//! XDP + AF_XDP with the in-kernel bypass on and off, on 1 and on 2 RX queues.

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

fn live_dump(ns: &VethNamespace, capture: &Path, args: &[&str], ready: &str, out: &Path) -> (Vec<Value>, Vec<String>) {
    let spec = format!("jsonl;{}", out.display());
    let mut daemon = ns
        .command(ntopng_bin().to_str().unwrap())
        .args(["-i", &ns.monitored, "-F", &spec, "-w", "0"])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ntopng");
    let mut lines = BufReader::new(daemon.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let started = line.contains("capturing with");
        log.push(line);
        if started {
            break;
        }
    }
    assert!(log.last().is_some_and(|l| l.contains(ready)), "daemon did not start with {ready}: {log:?}");
    // With the bypass on, a flow's later packets are dropped in the kernel only once a worker has
    // classified it: a slower replay leaves a loaded machine's workers time to do so.
    let mbps = if args.contains(&"xdp") && !args.contains(&"--no-bypass") { "5" } else { "50" };
    ns.exec(&["tcpreplay", "-q", "-i", &ns.peer, "--mbps", mbps, capture.to_str().unwrap()]);
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: kill(2) on our child (ip netns exec replaces itself with ntopng).
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = daemon.wait().unwrap();
    assert!(status.success(), "ntopng exited with {status}: {rest:?}");
    let text = std::fs::read_to_string(out).expect("live flow dump");
    log.extend(rest);
    (text.lines().map(|l| serde_json::from_str(l).unwrap()).collect(), log)
}

/// The number after `label` in the daemon's XDP summary line.
fn xdp_count(log: &[String], label: &str) -> u64 {
    let line = log.iter().find(|l| l.contains("XDP saw")).unwrap_or_else(|| panic!("no XDP summary in {log:?}"));
    let before = &line[..line.find(label).unwrap_or_else(|| panic!("{label} in {line}"))];
    before.trim_end().rsplit(' ').next().unwrap().parse().unwrap()
}

fn captures(dir: &Path) -> Vec<(&'static str, std::path::PathBuf, u64)> {
    // Real application payloads (DNS, HTTP, TLS with SNI) plus VLAN and QinQ tagged traffic.
    let sample = ntopng_bench::gen::scenarios::Capture::of(ntopng_bench::gen::scenarios::sample);
    let vlan = ntopng_bench::gen::scenarios::Capture::of(ntopng_bench::gen::scenarios::vlan);
    [("sample", sample), ("vlan", vlan)]
        .into_iter()
        .map(|(name, cap)| {
            let file = dir.join(format!("{name}.pcap"));
            std::fs::write(&file, cap.to_pcap()).unwrap();
            (name, file, cap.description.flow_count)
        })
        .collect()
}

fn offline(dir: &Path, name: &str, file: &Path, flows: u64) -> BTreeMap<String, (u64, u64, u64, u64, String)> {
    let s = summary(&dump_flows(file, &["--workers", "1"], &dir.join(format!("{name}-offline.jsonl"))));
    assert_eq!(s.len() as u64, flows, "{name}: offline flow count");
    s
}

#[test]
fn af_packet_replay_equals_offline_reading() {
    let Some(ns) = VethNamespace::create("afp") else { return };
    let dir = scratch_dir("live-afp");
    for (name, file, flows) in captures(&dir) {
        let want = offline(&dir, name, &file, flows);
        for workers in ["1", "2"] {
            let args = ["--capture-mode", "afpacket", "--workers", workers];
            let (live, _) = live_dump(&ns, &file, &args, "AF_PACKET", &dir.join(format!("{name}-afp-{workers}.jsonl")));
            assert_eq!(summary(&live), want, "{name}: AF_PACKET with {workers} worker(s) differs from the offline reading");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn xdp_replay_equals_offline_reading_with_and_without_bypass() {
    for queues in [1, 2] {
        let Some(ns) = VethNamespace::create_with_queues(&format!("xdp{queues}"), queues) else { return };
        let dir = scratch_dir(&format!("live-xdp{queues}"));
        // AF_XDP sockets are bound to RX queues, so a flow stays on one worker only if the queue
        // choice is symmetric. On a NIC that is symmetric RSS (deploy/af-xdp-nic.sh); on veth it is
        // the sender's transmit queue, which the kernel picks with its symmetric flow hash for
        // untagged IP but not for VLAN-tagged frames, so the tagged capture runs on one queue.
        let runs: Vec<_> = captures(&dir).into_iter().filter(|(name, _, _)| queues == 1 || *name == "sample").collect();
        for (name, file, flows) in runs {
            let want = offline(&dir, name, &file, flows);
            for bypass in [true, false] {
                let mut args = vec!["--capture-mode", "xdp"];
                if !bypass {
                    args.push("--no-bypass");
                }
                let out = dir.join(format!("{name}-xdp-{bypass}.jsonl"));
                let (live, log) = live_dump(&ns, &file, &args, "XDP", &out);
                assert_eq!(summary(&live), want, "{name}: XDP ({queues} queue(s), bypass {bypass}) differs from offline");
                let bypassed = xdp_count(&log, "bypassed");
                if bypass && name == "sample" {
                    // Classified flows continue in the kernel: some packets never reached user space.
                    assert!(bypassed > 0, "{name}: nothing was bypassed: {log:?}");
                } else if !bypass {
                    assert_eq!(bypassed, 0);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn bypassed_long_flows_stay_exact_while_user_space_sees_only_their_first_packets() {
    let Some(ns) = VethNamespace::create("bypass") else { return };
    let dir = scratch_dir("live-bypass");
    let cap = ntopng_bench::gen::scenarios::Capture::of(|s| {
        ntopng_bench::gen::long_flows(s, &ntopng_bench::gen::MixParams::long_flows(4, 500, 7))
    });
    let file = dir.join("long.pcap");
    std::fs::write(&file, cap.to_pcap()).unwrap();
    let want = offline(&dir, "long", &file, cap.description.flow_count);
    let (live, log) = live_dump(&ns, &file, &["--capture-mode", "xdp"], "XDP", &dir.join("long-xdp.jsonl"));
    assert_eq!(summary(&live), want, "bypassed flows keep exact totals");
    let total = cap.description.records;
    let to_user = xdp_count(&log, "to user space");
    let bypassed = xdp_count(&log, "bypassed");
    assert_eq!(to_user + bypassed, total, "every frame went to user space or was counted in the kernel: {log:?}");
    // nDPI needs at most a few dozen packets per flow; the rest never reached user space.
    assert!(to_user < 4 * 100, "{to_user} of {total} packets reached user space");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_killed_daemon_leaves_no_xdp_program_attached() {
    let Some(ns) = VethNamespace::create("kill") else { return };
    let mut daemon = ns
        .command(ntopng_bin().to_str().unwrap())
        .args(["-i", &ns.monitored, "--capture-mode", "xdp", "-w", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(daemon.stderr.take().unwrap()).lines();
    assert!(lines.by_ref().map_while(Result::ok).any(|l| l.contains("capturing with XDP")), "daemon did not attach");
    let attached = ns.exec(&["ip", "-d", "link", "show", &ns.monitored]);
    assert!(String::from_utf8_lossy(&attached.stdout).contains("prog/xdp"), "program attached while running");
    // A crash: no chance to detach. The program is held by a link that dies with the process.
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let after = ns.exec(&["ip", "-d", "link", "show", &ns.monitored]);
    assert!(!String::from_utf8_lossy(&after.stdout).contains("prog/xdp"), "XDP program left attached after a crash");
}
