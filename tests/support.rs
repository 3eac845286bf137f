//! Shared helpers for the end-to-end tests: where the binary and the shared captures are,
//! running the daemon on a capture, and reading its `-F jsonl` dump back.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn ntopng_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ntopng"))
}

/// `../shared/pcaps` beside the checkout, or `None` with a visible skip message.
pub fn shared_pcaps(what: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pcaps");
    if dir.is_dir() {
        Some(dir.canonicalize().expect("canonical path"))
    } else {
        eprintln!("SKIP {what}: {} not found (the shared captures live beside the checkout)", dir.display());
        None
    }
}

/// The checkout's root (where `scripts/` and `httpdocs/` are).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// Copies a directory tree (an install dir for a test daemon built from the checkout's scripts).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// `s` as a form or query value (RFC 3986 unreserved characters kept).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn scratch_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ntopng-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Runs the daemon over one capture with `--shutdown-when-done -F jsonl;...` and returns the
/// dumped flows. Panics with the daemon's stderr when it fails.
pub fn dump_flows(capture: &Path, extra: &[&str], out: &Path) -> Vec<Value> {
    let spec = format!("jsonl;{}", out.display());
    let output = Command::new(ntopng_bin())
        .arg("-i")
        .arg(capture)
        .args(["-F", &spec, "--shutdown-when-done", "-w", "0", "-v", "1"])
        .args(extra)
        .output()
        .expect("run ntopng");
    assert!(
        output.status.success(),
        "ntopng on {} failed ({}): {}",
        capture.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(out).expect("read flow dump");
    text.lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect()
}

/// The protocol ndpiReader counts a flow under: the app protocol when known, else the master.
pub fn counted_protocol(flow: &Value) -> String {
    let p = &flow["protocol"];
    let key = if p["l7_app_id"].as_u64().unwrap_or(0) != 0 { "l7_app" } else { "l7_master" };
    p[key].as_str().expect("protocol name").to_string()
}
