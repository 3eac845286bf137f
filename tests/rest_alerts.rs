//! Alerts over the REST API, end to end: the daemon reads nDPI 4.2's 1kxun.pcap (16 flows with nDPI
//! risks in ndpiReader's expected results), its alert writer stores the flow risk alerts in the data
//! directory's SQLite database, and the alert endpoints are called over HTTP: counters, list with
//! filters/paging/sorting, acknowledge, delete, and bad input (ifid missing, SQL in a filter value).

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use ntopng_checks::Registry;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use support::{scratch_dir, shared_pcaps};

/// Per risky flow of the ndpiReader result: its risk bits.
fn expected_flows(out: &std::path::Path) -> Vec<BTreeSet<u32>> {
    let names: BTreeMap<String, u32> = (1..ndpi::MAX_RISK).map(|b| (ndpi::risk_name(b), b)).collect();
    let text = String::from_utf8_lossy(&std::fs::read(out).unwrap()).into_owned();
    text.lines()
        .filter_map(|l| l.split("[Risk: ").nth(1))
        .map(|r| {
            r.split(']').next().unwrap().split("**").map(str::trim).filter(|s| !s.is_empty()).map(|n| names[n]).collect()
        })
        .collect()
}

fn count_of(rsp: &Value) -> u64 {
    rsp.as_array().unwrap().iter().map(|e| e["count"].as_u64().unwrap()).sum()
}

#[test]
fn alert_endpoints_serve_the_stored_flow_alerts() {
    let Some(pcaps) = shared_pcaps("REST alert tests on ndpi-4.2/1kxun.pcap") else { return };
    let base = pcaps.join("ndpi-4.2");
    let cap = base.join("pcap/1kxun.pcap");
    let flows = expected_flows(&base.join("result/1kxun.pcap.out"));
    assert_eq!(flows.len(), 16);
    let reg = Registry::ntopng();
    let alert_ids: BTreeSet<u64> = flows.iter().flatten().map(|b| reg.risk_check(*b).unwrap().1.alert_id as u64).collect();

    let dir = scratch_dir("rest-alerts");
    let protos = base.join("example/protos.txt");
    let mut d = Daemon::start(
        &["-i", cap.to_str().unwrap(), "-p", protos.to_str().unwrap(), "--disable-login=1"],
        &dir.join("data"),
    );
    d.wait_capture_read();
    let a = Auth::None;
    assert!(dir.join("data/0/alerts/alert_store_v11.db").is_file(), "alert database not in the data dir");

    // ifid is required (e2e get_alert_type_counters_01).
    let r = d.get("/lua/rest/v2/get/alert/type/counters.lua", &a);
    assert_eq!(r.status, 400, "{}", r.body);
    let v = r.json().unwrap();
    assert_eq!((v["rc"].as_i64(), v["rc_str"].as_str()), (Some(-2), Some("INVALID_INTERFACE")));

    // One alert per risky flow; the counters group them by predominant alert type and by severity.
    let (types, _) = d.rest_ok("/lua/rest/v2/get/alert/type/counters.lua?ifid=0", &a);
    assert_eq!(count_of(&types), 16, "{types}");
    for t in types.as_array().unwrap() {
        assert_eq!((t["entity_id"].as_u64(), t["entity_label"].as_str()), (Some(4), Some("Flow")));
        assert!(alert_ids.contains(&t["alert_id"].as_u64().unwrap()), "{t}");
        assert!(!t["name"].as_str().unwrap().is_empty());
    }
    let (sevs, _) = d.rest_ok("/lua/rest/v2/get/alert/severity/counters.lua?ifid=0", &a);
    assert_eq!(count_of(&sevs), 16, "{sevs}");

    // The list: every flow, each with its risks as alerts.
    let (rsp, whole) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&format=json&draw=3", &a);
    assert_eq!((whole["recordsFiltered"].as_u64(), whole["recordsTotal"].as_u64(), whole["draw"].as_u64()), (Some(16), Some(16), Some(3)));
    let recs = rsp["records"].as_array().unwrap();
    assert_eq!(recs.len(), 16);
    assert!(rsp["stats"]["query"].as_str().unwrap().contains("FROM `flow_alerts`"));
    let mut got: Vec<BTreeSet<u32>> = recs
        .iter()
        .map(|r| {
            let risk = r["flow_risk_bitmap"].as_u64().unwrap();
            (0..64).filter(|b| risk & 1 << b != 0).collect()
        })
        .collect();
    let mut want = flows.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want);

    // A filter by alert type selects what its counter counts; paging and sorting.
    let first = &types.as_array().unwrap()[0];
    let (id, n) = (first["alert_id"].as_u64().unwrap(), first["count"].as_u64().unwrap());
    let (_, whole) = d.rest_ok(&format!("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&format=json&alert_id={id};eq"), &a);
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(n));
    let (rsp, whole) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&format=json&start=2&length=5&sort=score&order=desc", &a);
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(16));
    let scores: Vec<i64> = rsp["records"].as_array().unwrap().iter().map(|r| r["score"].as_i64().unwrap()).collect();
    assert_eq!(scores.len(), 5);
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // GUI records: value/label objects.
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&length=1", &a);
    let r0 = &rsp["records"][0];
    assert_eq!(r0["family"], "flow");
    assert!(r0["severity"]["value"].is_u64() && r0["cli_ip"]["value"].is_string() && r0["alert_id"]["value"].is_string(), "{r0}");
    // The time range applies: nothing after the capture.
    let (_, whole) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&epoch_begin=4000000000", &a);
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(0));

    // User text never reaches SQL: values that are not of the field's type are rejected.
    for bad in ["cli_ip=1.2.3.4'%20OR%201=1--;eq", "srv_port=80%20OR%201=1;eq", "sort=score;DROP%20TABLE%20flow_alerts", "status=bogus"] {
        let r = d.get(&format!("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&{bad}"), &a);
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.json().unwrap()["rc_str"], "INVALID_ARGUMENTS", "{bad}");
    }
    let (_, whole) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0", &a);
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(16), "the table survived");

    // Acknowledge the first type's alerts: they leave the historical list and are counted as acknowledged.
    let (rsp, _) = d.rest_ok(&format!("/lua/rest/v2/acknowledge/flow/alerts.lua?ifid=0&alert_id={id};eq&label=seen"), &a);
    assert_eq!(rsp, Value::Array(vec![]));
    let (_, whole) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0", &a);
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(16 - n));
    let (rsp, whole) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&status=acknowledged&format=json", &a);
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(n));
    assert!(rsp["records"].as_array().unwrap().iter().all(|r| r["user_label"] == "seen" && r["alert_status"] == 1));
    let (types, _) = d.rest_ok("/lua/rest/v2/get/alert/type/counters.lua?ifid=0&status=acknowledged", &a);
    assert_eq!(count_of(&types), n);
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&status=engaged", &a);
    assert_eq!(rsp["records"].as_array().map(Vec::len), Some(0), "flow alerts are never engaged");

    // Delete them.
    d.rest_ok(&format!("/lua/rest/v2/delete/flow/alerts.lua?ifid=0&status=acknowledged&alert_id={id};eq"), &a);
    let (_, whole) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&status=any", &a);
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(16 - n));
    let (types, _) = d.rest_ok("/lua/rest/v2/get/alert/type/counters.lua?ifid=0", &a);
    assert_eq!(count_of(&types), 16 - n);
    // Host alerts: the table exists, nothing raises any yet.
    let (_, whole) = d.rest_ok("/lua/rest/v2/get/host/alert/list.lua?ifid=0&status=any", &a);
    assert_eq!(whole["recordsFiltered"].as_u64(), Some(0));
    assert!(d.stop());
}

/// enable/check.lua and disable/check.lua change the configset in the key-value store; the daemon applies
/// it at run time and keeps it: a daemon restarted on the same data directory raises no alert of the
/// disabled check.
#[test]
fn disabling_a_check_over_rest_stops_its_alerts() {
    let Some(pcaps) = shared_pcaps("REST check configuration on ndpi-4.2/1kxun.pcap") else { return };
    let base = pcaps.join("ndpi-4.2");
    let cap = base.join("pcap/1kxun.pcap");
    let protos = base.join("example/protos.txt");
    let dir = scratch_dir("rest-checks");
    let args = ["-i", cap.to_str().unwrap(), "-p", protos.to_str().unwrap(), "--disable-login=1"];
    let a = Auth::None;
    // Risk 12 (HTTP numeric IP host) is alert 43, ndpi_numeric_ip_host: 1kxun.pcap has flows with it.
    let with_43 = |d: &Daemon| {
        let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&format=json&status=any&flow_risk=12;eq", &a);
        rsp["records"].as_array().unwrap().iter().filter(|r| {
            let doc: Value = serde_json::from_str(r["json"].as_str().unwrap()).unwrap();
            doc["alerts"].as_array().unwrap().iter().any(|x| x["alert_id"] == 43)
        }).count()
    };
    let mut d = Daemon::start(&args, &dir.join("data"));
    d.wait_capture_read();
    let first_run = with_43(&d);
    assert!(first_run > 0);
    let (rsp, _) = d.rest_ok("/lua/rest/v2/disable/check.lua?check_subdir=flow&script_key=ndpi_numeric_ip_host", &a);
    assert_eq!(rsp["success"], true, "{rsp}");
    let (rsp, _) = d.rest_ok("/lua/rest/v2/disable/check.lua?check_subdir=flow&script_key=no_such_check", &a);
    assert_eq!(rsp["success"], false, "{rsp}");
    let r = d.get("/lua/rest/v2/enable/check.lua?check_subdir=bogus&script_key=ndpi_numeric_ip_host", &a);
    assert_eq!((r.status, r.json().unwrap()["rc_str"].as_str().map(str::to_string)), (400, Some("INVALID_ARGUMENTS".into())));
    // The flows end at shutdown, and the flow-end checks (on by default) store rows that carry the
    // flow's classification alerts as configured then: let the writer read the new configuration
    // (within a second) first, so that those rows have no alert 43.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(d.stop());

    // Same data directory: the first run's alerts are still there, and the new run stores the other
    // checks' alerts again but none of the disabled one.
    let mut d = Daemon::start(&args, &dir.join("data"));
    d.wait_capture_read();
    assert_eq!(with_43(&d), first_run, "the disabled check raised alerts");
    let (_, whole) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&status=any", &a);
    assert!(whole["recordsFiltered"].as_u64().unwrap() > 16, "{whole}");
    assert!(d.stop());
}

/// The flows of a `-F jsonl` dump whose master or application protocol is nDPI's DNS and whose server is
/// unicast, as (client, server) "ip:port" pairs.
fn unicast_dns_flows(dump: &[Value]) -> BTreeSet<(String, String)> {
    const DNS: u64 = 5;
    dump.iter()
        .filter(|f| f["protocol"]["l7_master_id"] == DNS || f["protocol"]["l7_app_id"] == DNS)
        .filter(|f| {
            let ip: std::net::IpAddr = f["server"]["ip"].as_str().unwrap().parse().unwrap();
            !ip.is_multicast() && ip != std::net::IpAddr::from([255, 255, 255, 255])
        })
        .map(|f| {
            let end = |s: &str| format!("{}:{}", f[s]["ip"].as_str().unwrap(), f[s]["port"]);
            (end("client"), end("server"))
        })
        .collect()
}

/// ntopng's end-to-end tests configure checks with `/lua/toggle_all_checks.lua` in their pre-script (which
/// also turns on checks that are off by default) and `/lua/edit_check_config.lua`; `get/checks/config.lua`
/// exports the result. On test_01.pcap, every unicast DNS flow of the dump then carries the
/// `unexpected_dns` alert (33, no DNS server configured), and the configuration reads back as set.
#[test]
fn toggle_all_and_edit_check_config_as_ntopng_tests_do() {
    let Some(pcaps) = shared_pcaps("toggle_all_checks.lua on ntopng-e2e/test_01.pcap") else { return };
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("toggle-all");
    let dump_path = dir.join("flows.jsonl");
    let port = daemon::free_port();
    let pre = format!("curl -sf 'http://127.0.0.1:{port}/lua/toggle_all_checks.lua?action=enable'");
    let spec = format!("jsonl;{}", dump_path.display());
    let args =
        ["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24", "--disable-login=1", "-F", &spec, "--test-script-pre", &pre];
    let mut d = Daemon::start_on(port, &args, &dir.join("data"), &[]);
    d.wait_capture_read();
    let a = Auth::None;

    // Every check of every subdir is on, the default-off ones too.
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/checks/config.lua", &a);
    let config = rsp["0"]["config"].as_object().expect("config");
    let registry = Registry::ntopng();
    for subdir in ["flow", "host"] {
        let checks = config[subdir].as_object().unwrap();
        assert_eq!(checks.len(), registry.all().iter().filter(|c| c.family.subdir() == subdir).count());
        for (key, hooks) in checks {
            for (hook, h) in hooks.as_object().unwrap() {
                assert_eq!(h["enabled"], true, "{subdir}/{key}/{hook}");
            }
        }
    }
    assert!(config["flow"]["unexpected_dns"].is_object());

    // unexpected_dns on exactly the unicast DNS flows of the same run (the flows are dumped at shutdown).
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&format=json&status=any&length=1000", &a);
    let alerted: BTreeSet<(String, String)> = rsp["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            let doc: Value = serde_json::from_str(r["json"].as_str().unwrap()).unwrap();
            doc["alerts"].as_array().unwrap().iter().any(|x| x["alert_id"] == 33)
        })
        .map(|r| {
            // The plain (format=json) record: the table's columns.
            let end = |ip: &str, port: &str| format!("{}:{}", r[ip].as_str().unwrap(), r[port]);
            (end("cli_ip", "cli_port"), end("srv_ip", "srv_port"))
        })
        .collect();

    // get/alert/top.lua (the Python client's get_alerts_stats) against the stored rows of the lists.
    let (hosts, _) = d.rest_ok("/lua/rest/v2/get/host/alert/list.lua?ifid=0&format=json&status=historical", &a);
    assert_eq!(hosts["records"].as_array().unwrap().len(), 0, "no host alert is stored this early");
    let mut per_type: BTreeMap<i64, (u64, i64)> = BTreeMap::new();
    for r in rsp["records"].as_array().unwrap() {
        let e = per_type.entry(r["alert_id"].as_i64().unwrap()).or_default();
        e.0 += 1;
        e.1 = e.1.max(r["severity"].as_i64().unwrap());
    }
    let total: u64 = per_type.values().map(|v| v.0).sum();
    let mut by_count: Vec<(i64, u64)> = per_type.iter().map(|(id, v)| (*id, v.0)).collect();
    by_count.sort_by_key(|(id, n)| (std::cmp::Reverse(*n), *id));
    let mut by_sev: Vec<(i64, i64, u64)> = per_type.iter().map(|(id, v)| (*id, v.1, v.0)).collect();
    by_sev.sort_by_key(|(id, sev, n)| (std::cmp::Reverse(*sev), std::cmp::Reverse(*n), *id));
    let (top, _) = d.rest_ok("/lua/rest/v2/get/alert/top.lua?ifid=0&epoch_begin=0&epoch_end=2000000000", &a);
    assert_eq!(top[0]["name"], "top_alerts_by_count");
    let got: Vec<(i64, u64)> = top[0]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["value"].as_i64().unwrap(), v["count"].as_u64().unwrap()))
        .collect();
    let want: Vec<(i64, u64)> = by_count.iter().take(10).map(|(id, n)| (*id, n * 100 / total)).collect();
    assert_eq!(got, want);
    assert_eq!(top[1]["name"], "top_alerts_by_severity");
    let got: Vec<(i64, String)> = top[1]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["value"].as_i64().unwrap(), v["severity"].as_str().unwrap().to_string()))
        .collect();
    let want: Vec<(i64, String)> = by_sev.iter().take(10).map(|(id, sev, _)| (*id, sev.to_string())).collect();
    assert_eq!(got, want);
    for v in top[0]["value"].as_array().unwrap().iter().chain(top[1]["value"].as_array().unwrap()) {
        let (label, title) = (v["label"].as_str().unwrap(), v["title"].as_str().unwrap());
        assert!(label.chars().count() <= 25 && title.starts_with(label.trim_end_matches('…')), "{v}");
    }
    assert!(per_type.len() > 1, "{per_type:?}");

    // edit_check_config: a valid configuration is stored as given, a bad one is refused and changes nothing,
    // a missing parameter prints nothing.
    let conf = r#"{"all":{"enabled":false,"script_conf":{"items":["192.168.1.1"]}}}"#;
    let form = format!("check_subdir=flow&script_key=unexpected_dns&JSON={}", support::percent_encode(conf));
    let r = d.post_form("/lua/edit_check_config.lua", &a, &form);
    assert_eq!(r.json().unwrap(), serde_json::json!({"success": true}), "{}", r.body);
    let bad = support::percent_encode(r#"{"all":{"enabled":"yes"}}"#);
    let r = d.post_form("/lua/edit_check_config.lua", &a, &format!("check_subdir=flow&script_key=unexpected_dns&JSON={bad}"));
    assert_eq!(r.json().unwrap()["success"], false, "{}", r.body);
    let r = d.post_form("/lua/edit_check_config.lua", &a, &format!("check_subdir=flow&script_key=no_such_check&JSON={}", support::percent_encode(conf)));
    assert_eq!(r.json().unwrap()["success"], false, "{}", r.body);
    let r = d.get("/lua/edit_check_config.lua?check_subdir=flow&script_key=unexpected_dns", &a);
    assert_eq!(r.body.trim(), "");
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/checks/config.lua", &a);
    let stored = &rsp["0"]["config"]["flow"]["unexpected_dns"]["all"];
    assert_eq!((stored["enabled"].clone(), stored["script_conf"]["items"].clone()), (Value::Bool(false), serde_json::json!(["192.168.1.1"])));
    // toggle_all_checks: disable one subdir; an unknown subdir is an error.
    let r = d.get("/lua/toggle_all_checks.lua?action=disable&check_subdir=host", &a);
    assert_eq!(r.json().unwrap(), serde_json::json!({"success": true}));
    let r = d.get("/lua/toggle_all_checks.lua?action=disable&check_subdir=bogus", &a);
    assert!(r.json().unwrap()["error"].is_string(), "{}", r.body);
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/checks/config.lua", &a);
    for (key, hooks) in rsp["0"]["config"]["host"].as_object().unwrap() {
        for (_, h) in hooks.as_object().unwrap() {
            assert_eq!(h["enabled"], false, "host/{key}");
        }
    }
    assert_eq!(rsp["0"]["config"]["flow"]["ndpi_numeric_ip_host"]["all"]["enabled"], true);
    let r = d.get("/lua/rest/v2/get/checks/config.lua?download=1", &a);
    assert!(r.json().unwrap()["0"]["config"].is_object(), "{}", r.body);
    assert!(d.stop());

    let dump: Vec<Value> =
        std::fs::read_to_string(&dump_path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let expected = unicast_dns_flows(&dump);
    assert!(!expected.is_empty());
    assert_eq!(alerted, expected);
}
