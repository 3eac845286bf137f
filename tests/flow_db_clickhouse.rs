//! `-F clickhouse`: the same capture read into the embedded SQLite store and into a real ClickHouse
//! server (Debian's `clickhouse-server`, started here on free ports with its data in a temp dir) gives
//! identical answers from `/lua/pro/rest/v2/get/db/{flows,topk_flows}.lua`, and both hold what the
//! `-F jsonl` dump of that capture holds. With the server down the daemon starts, says so, keeps the ended
//! flows in its spool and stores them once the server answers.
//!
//! Skipped with a message when ../shared/pcaps is absent or no server binary is installed (CI installs
//! it: deploy/install-deps.sh).

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use ntopng_flowdb::clickhouse::test_server::ClickHouseServer;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{dump_flows, ntopng_bin, scratch_dir, shared_pcaps};

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn server(dir: &Path) -> Option<ClickHouseServer> {
    let s = ClickHouseServer::start(dir).unwrap_or_else(|e| panic!("clickhouse-server: {e}"));
    if s.is_none() {
        eprintln!("SKIP ClickHouse flow store: no clickhouse-server binary (apt-get install clickhouse-server)");
    }
    s
}

/// The rows of an answer, each as (column, value) pairs in answer order.
fn rows(v: &Value) -> Vec<Vec<(String, String)>> {
    v["rsp"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows: {v}"))
        .iter()
        .map(|r| {
            r.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_string()))
                .collect()
        })
        .collect()
}

/// Same rows as multisets, same sequence of values in the `ordered` columns (ties may come in any order:
/// ntopng's contract does not order them).
fn assert_same(what: &str, a: &Value, b: &Value, ordered: &[&str]) {
    let (ra, rb) = (rows(a), rows(b));
    assert!(!ra.is_empty(), "{what}: no rows");
    let key = |rs: &Vec<Vec<(String, String)>>| -> Vec<Vec<String>> {
        rs.iter()
            .map(|r| ordered.iter().map(|c| r.iter().find(|(k, _)| k == c).expect("ordered column").1.clone()).collect())
            .collect()
    };
    assert_eq!(key(&ra), key(&rb), "{what}: order");
    let (mut sa, mut sb) = (ra.clone(), rb.clone());
    sa.sort();
    sb.sort();
    assert_eq!(sa, sb, "{what}: rows");
}

#[test]
fn sqlite_and_clickhouse_answer_alike() {
    let Some(pcaps) = shared_pcaps("ClickHouse flow store") else { return };
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("flowdb-clickhouse");
    let Some(srv) = server(&dir) else { return };
    let (lite_data, ch_data) = (dir.join("sqlite"), dir.join("clickhouse"));
    std::fs::create_dir_all(&lite_data).unwrap();
    std::fs::create_dir_all(&ch_data).unwrap();
    let spec = srv.spec("ntopng");
    // One worker: FLOW_ID is the flow's creation number, which parallel workers take in no fixed order,
    // and the two stores are compared ordered by it.
    let one = ["--workers", "1", "-m", "192.168.1.0/24"];
    let flows = dump_flows(&cap, &[&["-F", "sqlite", "-d", lite_data.to_str().unwrap()][..], &one].concat(), &dir.join("a.jsonl"));
    let flows_ch = dump_flows(&cap, &[&["-F", spec.as_str(), "-d", ch_data.to_str().unwrap()][..], &one].concat(), &dir.join("b.jsonl"));
    assert!(flows.len() > 100);
    assert_eq!(flows.len(), flows_ch.len());

    // The server holds the dump, checked over plain HTTP: one row per flow, same bytes per 5-tuple.
    let mut want: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for f in &flows_ch {
        let k = format!("{} {} {} {} {}", f["client"]["ip"].as_str().unwrap(), f["client"]["port"], f["server"]["ip"].as_str().unwrap(), f["server"]["port"], f["protocol"]["l4_id"]);
        want.entry(k).or_default().push(num(&f["bytes"]));
    }
    let body = srv
        .query(
            "SELECT if(IP_PROTOCOL_VERSION = 4, IPv4NumToString(IPV4_SRC_ADDR), IPV6_SRC_ADDR), IP_SRC_PORT, \
             if(IP_PROTOCOL_VERSION = 4, IPv4NumToString(IPV4_DST_ADDR), IPV6_DST_ADDR), IP_DST_PORT, PROTOCOL, TOTAL_BYTES \
             FROM ntopng.flows FORMAT TabSeparated",
        )
        .unwrap();
    let mut got: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for l in body.lines() {
        let c: Vec<&str> = l.split('\t').collect();
        got.entry(format!("{} {} {} {} {}", c[0], c[1], c[2], c[3], c[4])).or_default().push(c[5].parse().unwrap());
    }
    for v in want.values_mut().chain(got.values_mut()) {
        v.sort();
    }
    assert_eq!(got, want);

    // Both daemons up on their stores; the same requests over HTTP.
    let args = |store: &str| vec!["-i".to_string(), cap.to_str().unwrap().to_string(), "-m".into(), "192.168.1.0/24".into(), "-F".into(), store.to_string()];
    let la = args("sqlite");
    let lb = args(&spec);
    let mut da = Daemon::start(&la.iter().map(String::as_str).collect::<Vec<_>>(), &lite_data);
    let mut db = Daemon::start(&lb.iter().map(String::as_str).collect::<Vec<_>>(), &ch_data);
    da.wait_capture_read();
    db.wait_capture_read();
    let auth = Auth::Basic("admin".into(), "admin".into());
    let (b, e) = (
        flows.iter().map(|f| num(&f["first_seen"])).min().unwrap(),
        flows.iter().map(|f| num(&f["last_seen"])).max().unwrap(),
    );
    let ask = |d: &Daemon, path: &str, body: &Value| -> Value {
        let r = d.post_json(path, &auth, body);
        assert_eq!(r.status, 200, "{path} {body}: {}", r.body);
        let v = r.json().unwrap();
        assert_eq!(v["rc"], 0, "{v}");
        v
    };
    const FLOWS: &str = "/lua/pro/rest/v2/get/db/flows.lua";
    const TOPK: &str = "/lua/pro/rest/v2/get/db/topk_flows.lua";
    let q = |extra: Value| {
        let mut v = json!({"ifid": 0, "epoch_begin": b, "epoch_end": e, "maxhits_clause": 100000});
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    let total_bytes: u64 = flows.iter().map(|f| num(&f["bytes"])).sum();
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        // Plain selects: every column of every flow.
        (FLOWS, q(json!({"select_clause": "*", "order_by_clause": "FIRST_SEEN, FLOW_ID"})), vec!["FIRST_SEEN", "FLOW_ID"]),
        (FLOWS, q(json!({"select_clause": "FLOW_ID, IPV4_SRC_ADDR, IPV6_DST_ADDR, INFO, L7_PROTO, FLOW_RISK"})), vec![]),
        // Where filters: ntopng's IP-literal convention, IN, LIKE, BETWEEN, NOT.
        (FLOWS, q(json!({"select_clause": "FLOW_ID, INFO", "where_clause": "IPV4_SRC_ADDR = ('192.168.1.92') OR INFO LIKE '%google%'"})), vec![]),
        (FLOWS, q(json!({"select_clause": "FLOW_ID, TOTAL_BYTES", "where_clause": "PROTOCOL IN (6, 17) AND NOT (L7_PROTO = 5) AND TOTAL_BYTES BETWEEN 100 AND 100000", "order_by_clause": "TOTAL_BYTES DESC"})), vec!["TOTAL_BYTES"]),
        (FLOWS, q(json!({"select_clause": "FLOW_ID, IPV6_SRC_ADDR", "where_clause": "IPV6_SRC_ADDR = IPv6StringToNum('::') AND PROTOCOL = 17"})), vec![]),
        // Group by with sums, counts, averages; order by an aggregate.
        (FLOWS, q(json!({"select_clause": "L7_PROTO, COUNT(*) AS n, SUM(TOTAL_BYTES) AS bytes, SUM(PACKETS) AS packets, AVG(TOTAL_BYTES) AS avg", "group_by_clause": "L7_PROTO", "order_by_clause": "bytes DESC"})), vec!["bytes"]),
        (FLOWS, q(json!({"select_clause": "IPv4NumToString(IPV4_DST_ADDR) AS IPV4_DST_ADDR_FORMATTED, COUNT(DISTINCT IPV4_SRC_ADDR) AS clients, MAX(LAST_SEEN) - MIN(FIRST_SEEN) AS span", "where_clause": "IP_PROTOCOL_VERSION = 4", "group_by_clause": "IPV4_DST_ADDR_FORMATTED", "order_by_clause": "IPV4_DST_ADDR_FORMATTED"})), vec!["IPV4_DST_ADDR_FORMATTED"]),
        (FLOWS, q(json!({"select_clause": "COUNT(*) AS n, SUM(TOTAL_BYTES) AS bytes, SUM(TOTAL_BYTES) / 0 AS nothing, SUM(TOTAL_BYTES) / COUNT(*) AS per_flow"})), vec![]),
        (FLOWS, q(json!({"select_clause": "PROTOCOL, SRC2DST_BYTES / 3 AS third, SRC2DST_BYTES % 7 AS m", "order_by_clause": "third DESC, m", "maxhits_clause": 20})), vec!["third", "m"]),
        // topk: the defaults (as the Python client calls it) and other aggregates.
        (TOPK, json!({"ifid": 0, "epoch_begin": b, "epoch_end": e, "maxhits_clause": 100000}), vec!["BYTES"]),
        (TOPK, json!({"ifid": 0, "epoch_begin": b, "epoch_end": e, "select_keys_clause": "L7_PROTO", "select_values_clause": "PACKETS", "topk_clause": "COUNT", "maxhits_clause": 100000}), vec!["PACKETS"]),
        (TOPK, json!({"ifid": 0, "epoch_begin": b, "epoch_end": e, "select_keys_clause": "IPV4_SRC_ADDR", "topk_clause": "AVG", "where_clause": "IP_PROTOCOL_VERSION = 4", "maxhits_clause": 100000}), vec!["BYTES"]),
    ];
    for (path, body, ordered) in &cases {
        let (va, vb) = (ask(&da, path, body), ask(&db, path, body));
        assert_same(&format!("{path} {body}"), &va, &vb, ordered);
    }
    // And against the dump, not only against each other.
    let v = ask(&db, FLOWS, &q(json!({"select_clause": "COUNT(*) AS n, SUM(TOTAL_BYTES) AS bytes"})));
    assert_eq!(v["rsp"], json!([{"n": flows.len().to_string(), "bytes": total_bytes.to_string()}]));
    // Refusals are the parser's, identical on both.
    let bad = q(json!({"where_clause": "1=1; DROP TABLE flows"}));
    let (ra, rb) = (da.post_json(FLOWS, &auth, &bad), db.post_json(FLOWS, &auth, &bad));
    assert_eq!((ra.status, rb.status), (400, 400));
    assert_eq!(ra.json().unwrap(), rb.json().unwrap());
    da.stop();
    db.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn clickhouse_down_spools_then_replays() {
    let Some(pcaps) = shared_pcaps("ClickHouse flow store") else { return };
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("flowdb-clickhouse-down");
    let Some(srv) = server(&dir) else { return };
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let dead = daemon::free_port();
    let dead_spec = format!("clickhouse;127.0.0.1@{dead};down_db;default;");

    // A malformed spec names itself at startup.
    let out = Command::new(ntopng_bin()).args(["-i", cap.to_str().unwrap(), "-F", "clickhouse;h@9000,9004;db;u;secret", "--shutdown-when-done", "-w", "0"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("-F clickhouse") && err.contains("9000,9004") && !err.contains("secret"), "{err}");

    // Server down: the capture is read, the daemon says why nothing was stored, the flows wait in the spool.
    let t = Instant::now();
    let out = Command::new(ntopng_bin())
        .args(["-i", cap.to_str().unwrap(), "-F", &dead_spec, "-F", &format!("jsonl;{}", dir.join("ref.jsonl").display())])
        .args(["--shutdown-when-done", "-w", "0", "-v", "1", "-d", data.to_str().unwrap()])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains(&format!("127.0.0.1:{dead}")) && log.contains("spool"), "{log}");
    assert!(t.elapsed() < Duration::from_secs(60), "the daemon waited on the dead server: {:?}", t.elapsed());
    let n = std::fs::read_to_string(dir.join("ref.jsonl")).unwrap().lines().count();
    assert!(n > 100);
    let spool = data.join("clickhouse/flows.spool");
    assert!(std::fs::metadata(&spool).unwrap().len() > 0, "nothing spooled");
    eprintln!("server down: {n} flows spooled ({} bytes); daemon exit {}", std::fs::metadata(&spool).unwrap().len(), out.status);

    // The server answers now: the next start replays the spool while it runs, every flow once.
    let live_spec = format!("clickhouse;127.0.0.1@{};down_db;default;", srv.http_port);
    let mut d = Daemon::start(&["-i", cap.to_str().unwrap(), "-F", &live_spec], &data);
    d.wait_capture_read();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stored = srv.query("SELECT count(), uniqExact(FLOW_ID) FROM down_db.flows").unwrap_or_default();
        if stored.trim() == format!("{n}\t{n}") {
            break;
        }
        assert!(Instant::now() < deadline, "spool not replayed: {stored:?} of {n}\n{}", d.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    d.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
