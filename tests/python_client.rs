//! The official ntopng Python client (PyPI `ntopng` 6.1.240321), unchanged, against the daemon: every live
//! call it offers answers rc 0 with typed, non-empty data (tests/python/client_live_calls.py), once with
//! HTTP basic credentials and once with an API token created through the REST API.

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{scratch_dir, shared_pcaps};

const PACKAGE: &str = "ntopng==6.1.240321";

/// A venv with the client, kept under target/ so reruns reuse it.
fn venv() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/py-venv");
    let py = dir.join("bin/python3");
    if !py.is_file() {
        let ok = Command::new("python3").args(["-m", "venv"]).arg(&dir).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            eprintln!("SKIP Python client: python3 -m venv failed (install python3-venv)");
            return None;
        }
    }
    let have = Command::new(&py).args(["-c", "import ntopng.ntopng"]).status().map(|s| s.success()).unwrap_or(false);
    if !have {
        let out = Command::new(dir.join("bin/pip")).args(["install", "-q", PACKAGE]).output().expect("pip");
        assert!(out.status.success(), "pip install {PACKAGE}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Some(py)
}

fn run_client(py: &Path, d: &Daemon, auth: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python/client_live_calls.py");
    let out = Command::new(py)
        .arg(script)
        .args(["--url", &d.url(""), "--ifid", "0", "--host", "192.168.1.93"])
        .args(auth)
        .output()
        .expect("run the client");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "Python client failed:\n{text}\n--- daemon:\n{}", d.log());
    eprintln!("{text}");
}

#[test]
fn official_python_client_live_calls() {
    let Some(pcaps) = shared_pcaps("Python client") else { return };
    let Some(py) = venv() else { return };
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("python-client");
    let mut d = Daemon::start(&["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24"], &dir.join("data"));
    d.wait_capture_read();
    run_client(&py, &d, &["--user", "admin", "--password", "admin"]);

    let basic = Auth::Basic("admin".into(), "admin".into());
    let r = d.post_json("/lua/rest/v2/create/ntopng/api_token.lua", &basic, &serde_json::json!({"username": "admin"}));
    let v = r.json().unwrap_or_else(|| panic!("create token: {} {}", r.status, r.body));
    let token = v["rsp"]["api_token"].as_str().unwrap_or_else(|| panic!("no token: {v}")).to_string();
    assert_eq!(token.len(), 32);
    run_client(&py, &d, &["--token", &token]);
    assert!(d.stop());
}
