//! The command line and configuration file behave as ntopng's do, and bad input is refused
//! with a message naming what is wrong and a non-zero exit.

mod support;

use std::process::Command;
use support::*;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(ntopng_bin()).args(args).output().expect("run ntopng");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn sample_capture(dir: &std::path::Path) -> std::path::PathBuf {
    let cap = ntopng_bench::gen::scenarios::Capture::of(ntopng_bench::gen::scenarios::handshake);
    let p = dir.join("h.pcap");
    std::fs::write(&p, cap.to_pcap()).unwrap();
    p
}

#[test]
fn unknown_and_malformed_options_are_named() {
    let (code, err) = run(&["--no-such-option"]);
    assert_ne!(code, 0);
    assert!(err.contains("--no-such-option"), "{err}");
    let (code, err) = run(&["-X", "many"]);
    assert_ne!(code, 0);
    assert!(err.contains("many"), "{err}");
    let (code, err) = run(&["-i", "/nonexistent/file.pcap", "--shutdown-when-done"]);
    assert_ne!(code, 0);
    assert!(err.contains("/nonexistent/file.pcap"), "{err}");
}

#[test]
fn bad_specs_filters_and_networks_are_refused() {
    let dir = scratch_dir("cli-bad");
    let cap = sample_capture(&dir);
    let cap = cap.to_str().unwrap();
    for (args, needle) in [
        (vec!["-i", cap, "-F", "bogus;x", "--shutdown-when-done"], "bogus"),
        (vec!["-i", cap, "-F", "clickhouse", "--shutdown-when-done"], "clickhouse"),
        (vec!["-i", cap, "-B", "tcp prt 80", "--shutdown-when-done"], "tcp prt 80"),
        (vec!["-i", cap, "-m", "198.18.0.0/40", "--shutdown-when-done"], "198.18.0.0/40"),
        (vec!["-i", cap, "-p", "/nonexistent/protos.txt", "--shutdown-when-done"], "/nonexistent/protos.txt"),
    ] {
        let (code, err) = run(&args);
        assert_ne!(code, 0, "{args:?} should fail");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // A file that is not a capture at all: clear error, non-zero.
    let not_pcap = dir.join("x.txt");
    std::fs::write(&not_pcap, "hello").unwrap();
    let (code, err) = run(&["-i", not_pcap.to_str().unwrap(), "--shutdown-when-done", "-w", "0"]);
    assert_ne!(code, 0);
    assert!(err.contains("x.txt"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn configuration_file_is_read_and_a_broken_line_names_itself() {
    let dir = scratch_dir("cli-conf");
    let cap = sample_capture(&dir);
    let dump = dir.join("flows.jsonl");
    let conf = dir.join("ntopng.conf");
    std::fs::write(
        &conf,
        format!(
            "# test configuration\n-i={}\n-F=jsonl;{}\n--shutdown-when-done\n-w=0\n--disable-login=1\n-m=198.18.0.0/15\n",
            cap.display(),
            dump.display()
        ),
    )
    .unwrap();
    let (code, err) = run(&[conf.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let flows = std::fs::read_to_string(&dump).unwrap();
    let expected = ntopng_bench::gen::scenarios::Capture::of(ntopng_bench::gen::scenarios::handshake).description.flow_count;
    assert_eq!(flows.lines().count() as u64, expected);

    std::fs::write(&conf, format!("-i={}\ninterface eth0\n", cap.display())).unwrap();
    let (code, err) = run(&[conf.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("ntopng.conf:2") && err.contains("interface eth0"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bpf_filter_applies_to_capture_files() {
    let dir = scratch_dir("cli-bpf");
    let cap = ntopng_bench::gen::scenarios::Capture::of(ntopng_bench::gen::scenarios::vlan);
    let p = dir.join("v.pcap");
    std::fs::write(&p, cap.to_pcap()).unwrap();
    let all = dump_flows(&p, &["--no-dpi"], &dir.join("all.jsonl"));
    let untagged = dump_flows(&p, &["--no-dpi", "-B", "not vlan"], &dir.join("untagged.jsonl"));
    let expected = cap.description.flows.iter().filter(|f| f.key.vlan == 0).count();
    assert!(expected > 0 && all.len() > untagged.len());
    assert_eq!(untagged.len(), expected);
    assert!(untagged.iter().all(|f| f["vlan"] == 0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_shutdown_when_done_state_is_kept_until_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = scratch_dir("cli-sigterm");
    let cap = sample_capture(&dir);
    let dump = dir.join("flows.jsonl");
    let spec = format!("jsonl;{}", dump.display());
    let mut child = Command::new(ntopng_bin())
        .args(["-i", cap.to_str().unwrap(), "-F", &spec, "-w", "0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    // Wait (bounded by the daemon's own progress) for the file to be read.
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("state kept until SIGINT/SIGTERM");
        seen.push(line);
        if done {
            break;
        }
    }
    assert!(seen.last().is_some_and(|l| l.contains("state kept")), "{seen:?}");
    // Flows are still live: nothing ended yet, so the dump is empty.
    assert_eq!(std::fs::read_to_string(&dump).unwrap_or_default().lines().count(), 0);
    // SAFETY: plain kill(2) on our child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let expected = ntopng_bench::gen::scenarios::Capture::of(ntopng_bench::gen::scenarios::handshake).description.flow_count;
    assert_eq!(std::fs::read_to_string(&dump).unwrap().lines().count() as u64, expected);
    let _ = std::fs::remove_dir_all(&dir);
}
