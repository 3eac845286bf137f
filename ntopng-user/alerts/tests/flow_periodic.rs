//! Periodic flow events through the real engine and writer: a capture's flows are kept after it is read,
//! walked as the daemon walks them (`Worker::periodic_tick`, here with a clock the test moves), with
//! `tcp_packets_issues` (a check that declares periodic use) on. The flow with retransmissions is handed
//! over at each period and alerted once: neither the next periodic event nor its end stores the alert
//! again. Flows without issues are not handed over periodically (the end filters apply).

#[path = "../../../tests/support/pcapgen.rs"]
mod pcapgen;

use ntopng_alerts::{spawn_flow_writer, AlertRequest, AlertStore, Retention};
use ntopng_checks::flow::{self, FlowContext};
use ntopng_checks::{Checks, Family, Registry};
use ntopng_engine::alert_tap::{AlertTap, EventWants};
use ntopng_engine::{run_capture, EngineConfig};
use pcapgen::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

const T0: u64 = 1_700_000_000 * 1_000_000;
const S: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

#[test]
fn a_periodic_alert_is_stored_once_per_flow() {
    let dir = std::env::temp_dir().join(format!("flowperiodic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cap = dir.join("flows.pcap");
    let mut p = Pcap::new();
    for (port, resend) in [(41000, true), (41001, false)] {
        let mut t = Tcp::open(&mut p, T0, (ip("192.168.1.10"), port), (ip("198.51.100.7"), 8080));
        for i in 0..12u64 {
            t.client(T0 + 10_000 + i * 1000, &[b'x'; 100], resend);
        }
    }
    p.udp(T0 + S, (ip("192.168.1.10"), 9999), (ip("192.168.1.11"), 9999), b"hello");
    p.write(&cap);

    let checks = Arc::new(Checks::new(Arc::new(Registry::ntopng()), None));
    let conf =
        json!({"all": {"enabled": true, "script_conf": Value::from(flow::default_script_conf("tcp_packets_issues"))}});
    checks.set_config("flow", "tcp_packets_issues", &conf).unwrap();
    // Only tcp_packets_issues asks for these flows: the payload checks (on by default) would want the
    // low-goodput flow too.
    for key in ["low_goodput", "tcp_no_data_exchanged", "zero_tcp_window"] {
        checks.set_enabled("flow", key, false).unwrap();
    }
    let ctx = Arc::new(FlowContext::default());
    let w = flow::wants(&checks, &ctx);
    assert!(w.periodic && w.ended_tcp_issues, "{w:?}");
    let wants = Arc::new(EventWants::default());
    w.store(false, &wants);
    // What the daemon's Alerting::update_wants does for a periodic Rust check: a period, end filters.
    wants.periodic_s.store(60, Ordering::Relaxed);

    let store = Arc::new(AlertStore::in_memory().unwrap());
    let (tap, rx) = AlertTap::new(checks.risk_mask(), wants.clone(), 1024, true);
    let keep_all = Retention { max_rows: u64::MAX >> 1, max_age_secs: 100 * 365 * 86400 };
    let (stats, writer) = spawn_flow_writer(0, rx, checks.clone(), store.clone(), keep_all, None, ctx, None);
    {
        let cfg = EngineConfig {
            ndpi: Some(ndpi::DetectorConfig::default()),
            alerts: Some(tap.clone()),
            ..EngineConfig::default()
        };
        let mut r = run_capture(&cap, &cfg, None).unwrap();
        let now = 1_800_000_000 * SEC;
        for t in [now, now + 30 * SEC, now + 60 * SEC, now + 90 * SEC, now + 120 * SEC, now + 150 * SEC] {
            for w in &mut r.workers {
                w.periodic_tick(t);
            }
        }
        // Due at +60 s and +120 s: the one flow with issues, twice.
        assert_eq!(tap.periodic(), 2);
        // Nobody wants periodic events any more: nothing is handed over.
        wants.periodic_s.store(0, Ordering::Relaxed);
        for w in &mut r.workers {
            w.periodic_tick(now + 1000 * SEC);
        }
        assert_eq!(tap.periodic(), 2);
        r.shutdown();
    }
    drop(tap);
    writer.join().unwrap();
    assert_eq!(stats.errors.load(Ordering::Relaxed), 0);
    let req = AlertRequest::parse(Family::Flow, &BTreeMap::new()).unwrap();
    let rows: Vec<Value> = store.list(&req).unwrap().records.into_iter().map(Value::Object).collect();
    let issues: Vec<&Value> = rows.iter().filter(|r| r["alert_id"].as_u64() == Some(19)).collect();
    assert_eq!(issues.len(), 1, "one tcp_packets_issues alert for the flow: {rows:#?}");
    assert_eq!(issues[0]["cli_port"].as_i64(), Some(41000), "{rows:#?}");
}
