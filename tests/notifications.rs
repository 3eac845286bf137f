//! Alert notifications end to end: a UDP syslog receiver and an HTTP webhook receiver on loopback, the
//! daemon reading nDPI 4.2's 1kxun.pcap (16 flows with nDPI risks) with both as `--alert-endpoint`s,
//! and the messages they receive compared with the alerts read back through the REST list.

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{scratch_dir, shared_pcaps};

/// The identity of a flow alert: type, client, server.
type Key = (i64, String, i64, String, i64);

fn key_of(a: &Value) -> Key {
    let int = |k: &str| a[k].as_i64().or_else(|| a[k].as_str().and_then(|s| s.parse().ok())).unwrap_or(-1);
    let text = |k: &str| a[k].as_str().unwrap_or_default().to_string();
    (int("alert_id"), text("cli_ip"), int("cli_port"), text("srv_ip"), int("srv_port"))
}

fn multiset(v: impl Iterator<Item = Key>) -> BTreeMap<Key, usize> {
    let mut m = BTreeMap::new();
    for k in v {
        *m.entry(k).or_default() += 1;
    }
    m
}

/// A webhook receiver: answers 200 to every POST and keeps the bodies (one request per connection).
fn webhook_receiver() -> (u16, Arc<Mutex<Vec<Value>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let b = bodies.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            assert!(line.starts_with("POST /hook HTTP/1.1"), "{line}");
            let mut len = 0;
            let mut json_type = false;
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                let h = h.trim_end().to_ascii_lowercase();
                if h.is_empty() {
                    break;
                }
                if let Some(v) = h.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
                json_type |= h == "content-type: application/json";
            }
            assert!(json_type, "no JSON content type");
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            b.lock().unwrap().push(serde_json::from_slice(&body).expect("JSON body"));
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (port, bodies)
}

#[test]
fn stored_alerts_reach_syslog_and_webhook() {
    let Some(pcaps) = shared_pcaps("alert notifications on ndpi-4.2/1kxun.pcap") else { return };
    let base = pcaps.join("ndpi-4.2");
    let cap = base.join("pcap/1kxun.pcap");
    let protos = base.join("example/protos.txt");

    let syslog = UdpSocket::bind("127.0.0.1:0").unwrap();
    syslog.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let syslog_port = syslog.local_addr().unwrap().port();
    let (hook_port, bodies) = webhook_receiver();

    let dir = scratch_dir("notifications");
    let sys_spec = format!("syslog;127.0.0.1:{syslog_port};udp;json");
    let hook_spec = format!("webhook;http://127.0.0.1:{hook_port}/hook;s3cret");
    let d = Daemon::start(
        &["-i", cap.to_str().unwrap(), "-p", protos.to_str().unwrap(), "--disable-login=1",
          "--alert-endpoint", &sys_spec, "--alert-endpoint", &hook_spec],
        &dir.join("data"),
    );
    d.wait_capture_read();
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&format=json", &Auth::None);
    let stored: Vec<Value> = rsp["records"].as_array().unwrap().clone();
    assert_eq!(stored.len(), 16, "{rsp}");

    // Delivery is asynchronous: wait until both receivers have as many as the store (or time out).
    let mut messages = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = [0u8; 65536];
    while Instant::now() < deadline {
        if let Ok(n) = syslog.recv(&mut buf) {
            messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        let hooked: usize = bodies.lock().unwrap().iter().map(|b| b["alerts"].as_array().unwrap().len()).sum();
        if messages.len() >= stored.len() && hooked >= stored.len() {
            break;
        }
    }
    // Nothing more arrives (no duplicates).
    std::thread::sleep(Duration::from_millis(500));
    while let Ok(n) = syslog.recv(&mut buf) {
        messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }

    let want = multiset(stored.iter().map(key_of));
    let severity_of: BTreeMap<Key, i64> = stored.iter().map(|a| (key_of(a), a["severity"].as_i64().unwrap())).collect();

    // Syslog: one RFC 3164 message per alert, facility 14 and the alert's severity as the level.
    let mut got = Vec::new();
    for m in &messages {
        let pri: u32 = m.strip_prefix('<').and_then(|r| r.split_once('>')).unwrap().0.parse().unwrap();
        let (head, body) = m.split_once("]: ").unwrap_or_else(|| panic!("no tag: {m}"));
        assert!(head.contains(" ntopng["), "{m}");
        let a: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
        assert_eq!((a["action"].as_str(), a["entity_id"].as_i64(), a["ifid"].as_i64()), (Some("store"), Some(4), Some(0)), "{a}");
        let sev = severity_of[&key_of(&a)];
        let level = match sev { 8 => 0, 7 => 1, 6 => 2, 5 => 3, 4 => 4, 3 => 5, 1 => 7, _ => 6 };
        assert_eq!(pri, 14 * 8 + level, "{m}");
        got.push(key_of(&a));
    }
    assert_eq!(multiset(got.into_iter()), want, "syslog messages differ from the stored alerts");

    // Webhook: ntopng's body, at most 10 alerts per request, the shared secret, the same alerts.
    let bodies = bodies.lock().unwrap().clone();
    let mut got = Vec::new();
    for b in &bodies {
        assert_eq!((b["version"].as_str(), b["sharedsecret"].as_str()), (Some("0.2"), Some("s3cret")), "{b}");
        assert!(b["timestamp"].as_i64().unwrap() > 1_600_000_000);
        let alerts = b["alerts"].as_array().unwrap();
        assert!(!alerts.is_empty() && alerts.len() <= 10, "{}", alerts.len());
        for a in alerts {
            // The stored JSON document arrives as an object.
            assert!(a["json"]["alert_generation"]["script_key"].is_string(), "{a}");
            got.push(key_of(a));
        }
    }
    assert_eq!(multiset(got.into_iter()), want, "webhook alerts differ from the stored alerts");
}
