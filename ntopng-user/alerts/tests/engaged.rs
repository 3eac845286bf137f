//! Engaged host alerts: engaged while raised (a row with `alert_status = 2`), refreshed, released when a
//! run no longer raises them (the row becomes historical); the list endpoint serves both statuses with the
//! same filters.

use ntopng_alerts::{answer, AlertOp, AlertStore, Engaged, EngagedKey, HostAlertRow, Refresh};
use ntopng_checks::{host, Checks, Family, HostWindow, Registry};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

fn params(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
    kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn engaged_until_released_then_stored() {
    let checks = Checks::new(Arc::new(Registry::ntopng()), None);
    checks.set_enabled("host", "syn_scan", true).unwrap();
    let mut engaged = Engaged::default();
    let store = AlertStore::in_memory().unwrap();
    let ip: std::net::IpAddr = "198.18.0.10".parse().unwrap();
    let raise = |syns: u64, now: i64| -> Vec<HostAlertRow> {
        let w = HostWindow { syn_sent: syns, ..Default::default() };
        host::run(&checks, &w).iter().map(|a| HostAlertRow::raised(0, ip, 0, Some(0), a, now)).collect()
    };
    // One run: engage or refresh what is raised, release the rest; what was released.
    let mut run = |rows: Vec<HostAlertRow>, now: i64| -> usize {
        let mut seen = HashSet::new();
        for r in &rows {
            let key = EngagedKey { family: Family::Host, alert_id: r.alert_id, entity: r.ip.clone(), subtype: String::new() };
            let refresh = Refresh { score: i64::from(r.score), severity: i64::from(r.severity), json: &r.json, now };
            engaged.trigger(&store, key.clone(), &r.to_row(), &refresh).unwrap();
            seen.insert(key);
        }
        let released = engaged.release_unseen(&store, |_| true, &seen, now).unwrap();
        assert_eq!(engaged.per_entity(Family::Host).get("198.18.0.10").copied().unwrap_or_default().0 as usize, rows.len());
        released
    };
    assert_eq!(run(raise(300, 1000), 1000), 0);
    assert_eq!(run(raise(400, 1060), 1060), 0, "still engaged: refreshed");

    let list = |status: &str| {
        answer(
            &store,
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
        &checks,
        AlertOp::List,
        "host",
        &params(&[("status", "engaged"), ("ip", "198.18.0.11;eq")]),
        0,
    )
    .unwrap();
    assert_eq!(other["recordsFiltered"], 0);

    // The condition clears: released at 1120, historical from then on.
    assert_eq!(run(raise(10, 1120), 1120), 1);
    let v = list("historical");
    assert_eq!(v["recordsFiltered"], 1);
    let r = &v["records"][0];
    assert_eq!(
        (r["tstamp"].as_i64(), r["tstamp_end"].as_i64(), r["duration"].as_i64()),
        (Some(1000), Some(1120), Some(120))
    );
    assert_eq!(list("engaged")["recordsFiltered"], 0);
}
