//! Engaged host alerts: engaged while raised, refreshed, released when a run no longer raises them, then
//! stored; the list endpoint's answer for `status=engaged` comes from memory, historical from SQLite.

use ntopng_alerts::{answer, AlertOp, AlertStore, EngagedAlerts, HostAlertRow};
use ntopng_checks::{host, Checks, HostWindow, Registry};
use std::collections::BTreeMap;
use std::sync::Arc;

fn params(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
    kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn engaged_until_released_then_stored() {
    let checks = Checks::new(Arc::new(Registry::ntopng()), None);
    checks.set_enabled("host", "syn_scan", true).unwrap();
    let engaged = EngagedAlerts::default();
    let store = AlertStore::in_memory().unwrap();
    let ip: std::net::IpAddr = "198.18.0.10".parse().unwrap();
    let raise = |syns: u64, now: i64| -> Vec<HostAlertRow> {
        let w = HostWindow { syn_sent: syns, ..Default::default() };
        host::run(&checks, &w).iter().map(|a| HostAlertRow::raised(0, ip, 0, Some(0), a, now)).collect()
    };
    assert!(engaged.update(raise(300, 1000), 1000).is_empty());
    assert!(engaged.update(raise(400, 1060), 1060).is_empty(), "still engaged: refreshed");
    assert_eq!(engaged.per_host()[&("198.18.0.10".to_string(), 0)], (1, 50));

    let list = |status: &str| {
        answer(
            &store,
            Some(&engaged),
            &checks,
            AlertOp::List,
            "host",
            &params(&[("status", status), ("format", "json")]),
            0,
        )
        .unwrap()
    };
    let v = list("engaged");
    assert_eq!(v["recordsFiltered"], 1);
    assert_eq!(v["stats"], serde_json::json!([]));
    let r = &v["records"][0];
    assert_eq!(
        (r["alert_id"].as_i64(), r["ip"].as_str(), r["score"].as_i64(), r["severity"].as_i64()),
        (Some(5), Some("198.18.0.10"), Some(50), Some(4))
    );
    assert_eq!(
        (r["tstamp"].as_i64(), r["counter"].as_i64(), r["is_attacker"].as_i64()),
        (Some(1000), Some(2), Some(1))
    );
    let json: serde_json::Value = serde_json::from_str(r["json"].as_str().unwrap()).unwrap();
    assert_eq!((json["value"].as_u64(), json["threshold"].as_u64()), (Some(400), Some(256)), "latest values");
    assert_eq!(list("historical")["recordsFiltered"], 0);
    // Filters apply to engaged alerts as to stored ones.
    let other = answer(
        &store,
        Some(&engaged),
        &checks,
        AlertOp::List,
        "host",
        &params(&[("status", "engaged"), ("ip", "198.18.0.11;eq")]),
        0,
    )
    .unwrap();
    assert_eq!(other["recordsFiltered"], 0);

    // The condition clears: released at 1120 and stored.
    let released = engaged.update(raise(10, 1120), 1120);
    assert_eq!(released.len(), 1);
    store.insert_host_alerts(&released).unwrap();
    assert!(engaged.is_empty());
    let v = list("historical");
    assert_eq!(v["recordsFiltered"], 1);
    let r = &v["records"][0];
    assert_eq!(
        (r["tstamp"].as_i64(), r["tstamp_end"].as_i64(), r["duration"].as_i64()),
        (Some(1000), Some(1120), Some(120))
    );
    assert_eq!(list("engaged")["recordsFiltered"], 0);
}
