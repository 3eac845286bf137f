//! `get/alert/list/alerts.lua` end to end on nDPI 4.2's 1kxun.pcap (16 flow alerts): grouped and
//! filtered answers compared with what the plain list of the same store gives, both parameter spellings
//! (`group_by`/`order_by` and the client's `*_clause`), the time range, refusals of injection attempts
//! with ntopng's 400 envelope (a table planted in the database stays unread and intact), and the official
//! Python client's `get_alerts` when its package is installed in target/py-venv.

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use support::{percent_encode, scratch_dir, shared_pcaps};

const ENDPOINT: &str = "/lua/rest/v2/get/alert/list/alerts.lua";

fn query(pairs: &[(&str, &str)]) -> String {
    let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect();
    format!("{ENDPOINT}?{}", q.join("&"))
}

fn int(v: &Value) -> i64 {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// alert_id → count from rows `{alert_id: "..", n: ".."}` (strings, as ntopng answers).
fn counts(rows: &Value) -> BTreeMap<i64, i64> {
    rows.as_array().unwrap().iter().map(|r| (int(&r["alert_id"]), int(&r["n"]))).collect()
}

#[test]
fn alert_clauses_answer_what_the_plain_list_gives() {
    let Some(pcaps) = shared_pcaps("alert clause queries on ndpi-4.2/1kxun.pcap") else { return };
    let base = pcaps.join("ndpi-4.2");
    let cap = base.join("pcap/1kxun.pcap");
    let protos = base.join("example/protos.txt");
    let dir = scratch_dir("alert-clauses");
    let d = Daemon::start(&["-i", cap.to_str().unwrap(), "-p", protos.to_str().unwrap()], &dir.join("data"));
    d.wait_capture_read();
    let a = Auth::Basic("admin".into(), "admin".into());

    // The independent side: every stored alert through the per-family list.
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/flow/alert/list.lua?ifid=0&format=json", &a);
    let all = rsp["records"].as_array().unwrap().clone();
    assert_eq!(all.len(), 16);
    let mut by_type: BTreeMap<i64, i64> = BTreeMap::new();
    for r in &all {
        *by_type.entry(int(&r["alert_id"])).or_default() += 1;
    }
    let (t_min, t_max) = all.iter().map(|r| int(&r["tstamp"])).fold((i64::MAX, 0), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let (b, e) = ("0".to_string(), (t_max + 1).to_string());
    let window = [("ifid", "0"), ("alert_family", "flow"), ("epoch_begin", b.as_str()), ("epoch_end", e.as_str())];

    // GROUP BY / ORDER BY under both spellings give the type counts, largest first.
    for (g, o) in [("group_by_clause", "order_by_clause"), ("group_by", "order_by")] {
        let mut p = window.to_vec();
        p.extend([("select_clause", "alert_id, COUNT(*) AS n"), (g, "alert_id"), (o, "n DESC, alert_id"), ("maxhits_clause", "100")]);
        let (rows, whole) = d.rest_ok(&query(&p), &a);
        assert_eq!(whole["rc"].as_i64(), Some(0));
        assert_eq!(counts(&rows), by_type, "{g}: {rows}");
        let ns: Vec<i64> = rows.as_array().unwrap().iter().map(|r| int(&r["n"])).collect();
        assert!(ns.windows(2).all(|w| w[0] >= w[1]), "not ordered: {ns:?}");
        assert!(rows[0]["n"].is_string(), "values are strings: {rows}");
    }

    // WHERE with literals (bound, never pasted): the same rows as filtering the list here.
    let ip = all[0]["cli_ip"].as_str().unwrap().to_string();
    let want: Vec<i64> = {
        let mut v: Vec<i64> = all
            .iter()
            .filter(|r| r["cli_ip"].as_str() == Some(&ip) && int(&r["score"]) >= 50)
            .map(|r| int(&r["rowid"]))
            .collect();
        v.sort();
        v
    };
    let w = format!("cli_ip = '{ip}' AND score >= 50");
    let mut p = window.to_vec();
    p.extend([("select_clause", "rowid, cli_ip"), ("where_clause", w.as_str()), ("order_by_clause", "rowid"), ("maxhits_clause", "100")]);
    let (rows, _) = d.rest_ok(&query(&p), &a);
    let got: Vec<i64> = rows.as_array().unwrap().iter().map(|r| int(&r["rowid"])).collect();
    assert_eq!(got, want, "{rows}");

    // maxhits_clause limits; `*` returns the table's columns; the default is 10 rows.
    let mut p = window.to_vec();
    p.push(("maxhits_clause", "3"));
    let (rows, _) = d.rest_ok(&query(&p), &a);
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert!(rows[0]["cli_ip"].is_string() && rows[0]["flow_risk_bitmap"].is_string(), "{}", rows[0]);
    let (rows, _) = d.rest_ok(&query(&window), &a);
    assert_eq!(rows.as_array().unwrap().len(), 10);

    // The time range is honoured: nothing before the first alert, everything from it.
    let before = (t_min - 1).to_string();
    let (rows, _) = d.rest_ok(&query(&[("ifid", "0"), ("alert_family", "flow"), ("epoch_begin", "0"), ("epoch_end", &before)]), &a);
    assert_eq!(rows.as_array().unwrap().len(), 0);
    let mut p = window.to_vec();
    let tmin = t_min.to_string();
    p[2] = ("epoch_begin", tmin.as_str());
    p.extend([("select_clause", "COUNT(*) AS n")]);
    let (rows, _) = d.rest_ok(&query(&p), &a);
    assert_eq!(int(&rows[0]["n"]), 16);

    // Families without a table here answer [] (as ntopng with nothing stored); host has its table.
    let (rows, _) = d.rest_ok(&query(&[("ifid", "0"), ("alert_family", "snmp"), ("epoch_begin", "0"), ("epoch_end", "1")]), &a);
    assert_eq!(rows, serde_json::json!([]));
    let (rows, _) = d.rest_ok(&query(&[("ifid", "0"), ("alert_family", "host"), ("epoch_begin", "0"), ("epoch_end", &e)]), &a);
    assert_eq!(rows, serde_json::json!([]));

    // Injection attempts: 400 INVALID_ARGUMENTS, nothing read from the planted table, nothing changed.
    let db = d.data_dir.join("0/alerts/alert_store_v11.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        c.execute_batch("CREATE TABLE planted (secret TEXT); INSERT INTO planted VALUES ('TOPSECRET');").unwrap();
    }
    let attacks: Vec<(&str, &str)> = vec![
        ("where_clause", "1=1; DROP TABLE flow_alerts"),
        ("where_clause", "1=1; DROP TABLE planted"),
        ("where_clause", "alert_id IN (SELECT secret FROM planted)"),
        ("where_clause", "1=1 UNION SELECT secret FROM planted"),
        ("where_clause", "cli_ip = '' OR 1=1) UNION SELECT * FROM planted --"),
        ("select_clause", "secret FROM planted"),
        ("select_clause", "(SELECT secret FROM planted) AS s"),
        ("group_by_clause", "alert_id; DELETE FROM flow_alerts"),
        ("order_by_clause", "(SELECT secret FROM planted)"),
        ("order_by", "load_extension('x')"),
        ("alert_family", "planted"),
        ("epoch_begin", "0 OR 1=1"),
    ];
    for (k, v) in attacks {
        let mut p: Vec<(&str, &str)> = window.iter().filter(|(n, _)| *n != k).copied().collect();
        p.push((k, v));
        let r = d.get(&query(&p), &a);
        assert_eq!(r.status, 400, "{k}={v}: {} {}", r.status, r.body);
        let j = r.json().unwrap();
        assert_eq!((j["rc"].as_i64(), j["rc_str"].as_str()), (Some(-5), Some("INVALID_ARGUMENTS")), "{k}={v}: {j}");
        assert!(!r.body.contains("TOPSECRET"), "{k}={v}: {}", r.body);
    }
    // Missing epochs: 400.
    let r = d.get(&query(&[("ifid", "0"), ("alert_family", "flow"), ("epoch_end", "5")]), &a);
    assert_eq!(r.status, 400, "{}", r.body);
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        let secret: String = c.query_row("SELECT secret FROM planted", [], |r| r.get(0)).unwrap();
        let n: i64 = c.query_row("SELECT COUNT(*) FROM flow_alerts", [], |r| r.get(0)).unwrap();
        assert_eq!((secret.as_str(), n), ("TOPSECRET", 16));
    }

    // The official client, when installed (tests/python_client.rs installs it in target/py-venv).
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/py-venv/bin/python3");
    let has_client = py.is_file()
        && Command::new(&py).args(["-c", "import ntopng.historical"]).status().map(|s| s.success()).unwrap_or(false);
    if has_client {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python/client_alert_calls.py");
        let out = Command::new(&py)
            .arg(script)
            .args(["--url", &d.url(""), "--user", "admin", "--password", "admin", "--ifid", "0", "--family", "flow"])
            .args(["--begin", "0", "--end", &e, "--select", "alert_id, COUNT(*) AS n", "--where", "score > 0"])
            .args(["--maxhits", "100", "--group-by", "alert_id", "--order-by", "n DESC"])
            .output()
            .expect("run the client");
        assert!(out.status.success(), "client: {}\n{}", String::from_utf8_lossy(&out.stderr), d.log());
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(counts(&rows), by_type, "client: {rows}");
    } else {
        eprintln!("SKIP Python client get_alerts: the ntopng package is not installed in target/py-venv");
    }
}
