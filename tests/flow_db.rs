//! `-F sqlite`: the stored flows of a capture equal its `-F jsonl` dump; the stored-flow endpoints
//! (`/lua/pro/rest/v2/get/db/{flows,topk_flows}.lua`) answer what the dump gives by hand, over HTTP and
//! through the official Python client; a `kill -9` during ingest loses no acknowledged (committed) flow
//! and the daemon restarts on the same data dir.

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{dump_flows, ntopng_bin, scratch_dir, shared_pcaps};

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// ntopng's `L7_PROTO` of a dumped flow: the app protocol id, else the master.
fn l7(f: &Value) -> u64 {
    let app = num(&f["protocol"]["l7_app_id"]);
    if app != 0 {
        app
    } else {
        num(&f["protocol"]["l7_master_id"])
    }
}

fn tuple(f: &Value) -> String {
    format!(
        "{} {} {} {} {}",
        f["client"]["ip"].as_str().unwrap(),
        f["client"]["port"],
        f["server"]["ip"].as_str().unwrap(),
        f["server"]["port"],
        f["protocol"]["l4_id"]
    )
}

fn db_rows(dir: &Path, sql: &str) -> Vec<Vec<String>> {
    try_db_rows(dir, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The rows, or the error (the daemon may not have created the table yet).
fn try_db_rows(dir: &Path, sql: &str) -> rusqlite::Result<Vec<Vec<String>>> {
    let c = rusqlite::Connection::open_with_flags(dir.join("flows.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut st = c.prepare(sql)?;
    let n = st.column_count();
    let rows = st
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        v => format!("{v:?}"),
                    })
                })
                .collect::<rusqlite::Result<Vec<String>>>()
        })?
        .collect::<rusqlite::Result<Vec<Vec<String>>>>();
    rows
}

#[test]
fn stored_flows_equal_the_dump_and_answer_queries() {
    let Some(pcaps) = shared_pcaps("flow database") else { return };
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("flowdb");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let flows = dump_flows(
        &cap,
        &["-F", "sqlite", "-d", data.to_str().unwrap(), "-m", "192.168.1.0/24"],
        &dir.join("flows.jsonl"),
    );
    assert!(flows.len() > 100);

    // Stored rows = dumped flows: one row per flow with its bytes, packets and L7 protocol.
    let stored = db_rows(
        &data,
        "SELECT CASE IP_PROTOCOL_VERSION WHEN 4 THEN (IPV4_SRC_ADDR >> 24) || '.' || ((IPV4_SRC_ADDR >> 16) & 255) || '.' || \
         ((IPV4_SRC_ADDR >> 8) & 255) || '.' || (IPV4_SRC_ADDR & 255) ELSE IPV6_SRC_ADDR END, IP_SRC_PORT, \
         CASE IP_PROTOCOL_VERSION WHEN 4 THEN (IPV4_DST_ADDR >> 24) || '.' || ((IPV4_DST_ADDR >> 16) & 255) || '.' || \
         ((IPV4_DST_ADDR >> 8) & 255) || '.' || (IPV4_DST_ADDR & 255) ELSE IPV6_DST_ADDR END, IP_DST_PORT, PROTOCOL, \
         TOTAL_BYTES, PACKETS, L7_PROTO, SRC2DST_BYTES FROM flows",
    );
    let mut want: BTreeMap<String, Vec<(u64, u64, u64, u64)>> = BTreeMap::new();
    for f in &flows {
        want.entry(tuple(f)).or_default().push((
            num(&f["bytes"]),
            num(&f["packets"]),
            l7(f),
            num(&f["cli2srv"]["bytes"]),
        ));
    }
    let mut got: BTreeMap<String, Vec<(u64, u64, u64, u64)>> = BTreeMap::new();
    for r in &stored {
        let p = |i: usize| r[i].parse::<u64>().unwrap();
        got.entry(format!("{} {} {} {} {}", r[0], r[1], r[2], r[3], r[4])).or_default().push((p(5), p(6), p(7), p(8)));
    }
    for v in want.values_mut().chain(got.values_mut()) {
        v.sort();
    }
    assert_eq!(stored.len(), flows.len());
    assert_eq!(got, want);

    // Restart on the same data dir; query over HTTP.
    let mut d = Daemon::start(&["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24", "-F", "sqlite"], &data);
    d.wait_capture_read();
    let auth = Auth::Basic("admin".into(), "admin".into());
    let (b, e) = (
        flows.iter().map(|f| num(&f["first_seen"])).min().unwrap(),
        flows.iter().map(|f| num(&f["last_seen"])).max().unwrap(),
    );
    let post = |path: &str, body: Value| {
        let r = d.post_json(path, &auth, &body);
        (r.status, r.json().unwrap_or_else(|| panic!("{path}: {} {}", r.status, r.body)))
    };
    const FLOWS: &str = "/lua/pro/rest/v2/get/db/flows.lua";
    const TOPK: &str = "/lua/pro/rest/v2/get/db/topk_flows.lua";

    let (s, v) = post(
        FLOWS,
        json!({"ifid": 0, "epoch_begin": b, "epoch_end": e,
        "select_clause": "COUNT(*) AS n, SUM(TOTAL_BYTES) AS bytes, SUM(PACKETS) AS packets"}),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["rc"], 0);
    let total_bytes: u64 = flows.iter().map(|f| num(&f["bytes"])).sum();
    let total_packets: u64 = flows.iter().map(|f| num(&f["packets"])).sum();
    assert_eq!(
        v["rsp"],
        json!([{"n": flows.len().to_string(), "bytes": total_bytes.to_string(), "packets": total_packets.to_string()}])
    );

    // Bytes per L7 protocol, top 5.
    let mut per_l7: HashMap<u64, u64> = HashMap::new();
    for f in &flows {
        *per_l7.entry(l7(f)).or_default() += num(&f["bytes"]);
    }
    let mut want: Vec<(u64, u64)> = per_l7.into_iter().collect();
    want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    want.truncate(5);
    let (_, v) = post(
        FLOWS,
        json!({"ifid": "0", "epoch_begin": b, "epoch_end": e,
        "select_clause": "L7_PROTO, SUM(TOTAL_BYTES) AS bytes", "group_by_clause": "L7_PROTO",
        "order_by_clause": "bytes DESC, L7_PROTO", "maxhits_clause": 5}),
    );
    let got: Vec<(u64, u64)> = v["rsp"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|r| (r["L7_PROTO"].as_str().unwrap().parse().unwrap(), r["bytes"].as_str().unwrap().parse().unwrap()))
        .collect();
    assert_eq!(got, want);

    // A where clause in ntopng's IP-literal convention: flows from the busiest local client.
    let mut per_cli: HashMap<&str, (u64, u64)> = HashMap::new();
    for f in flows.iter().filter(|f| f["ip_version"] == 4) {
        let e = per_cli.entry(f["client"]["ip"].as_str().unwrap()).or_default();
        e.0 += 1;
        e.1 += num(&f["bytes"]);
    }
    let (ip, (n, bytes)) = per_cli.iter().max_by_key(|(ip, (n, _))| (*n, *ip)).unwrap();
    let (_, v) = post(
        FLOWS,
        json!({"ifid": 0, "epoch_begin": b, "epoch_end": e,
        "select_clause": "IPV4_SRC_ADDR, COUNT(*) AS n, SUM(TOTAL_BYTES) AS bytes",
        "where_clause": format!("IPV4_SRC_ADDR = ('{ip}')"), "group_by_clause": "IPV4_SRC_ADDR"}),
    );
    assert_eq!(v["rsp"], json!([{"IPV4_SRC_ADDR": ip, "n": n.to_string(), "bytes": bytes.to_string()}]));

    // topk_flows with its defaults: (src, dst, L7) by summed bytes, as the Python client calls it (GET).
    let mut per_key: HashMap<(String, String, u64), u64> = HashMap::new();
    for f in flows.iter().filter(|f| f["ip_version"] == 4) {
        let k =
            (f["client"]["ip"].as_str().unwrap().to_string(), f["server"]["ip"].as_str().unwrap().to_string(), l7(f));
        *per_key.entry(k).or_default() += num(&f["bytes"]);
    }
    let mut sums: Vec<u64> = per_key.values().copied().collect();
    sums.sort_unstable_by(|a, b| b.cmp(a));
    let (rsp, _) = d.rest_ok(&format!("{TOPK}?ifid=0&begin_time_clause={b}&end_time_clause={e}&maxhits_clause=5&where_clause=IP_PROTOCOL_VERSION%3D4"), &auth);
    let got: Vec<u64> = rsp.as_array().unwrap().iter().map(|r| r["BYTES"].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(got, sums[..5]);
    let top = &rsp[0];
    let k = (
        top["IPV4_SRC_ADDR"].as_str().unwrap().to_string(),
        top["IPV4_DST_ADDR"].as_str().unwrap().to_string(),
        top["L7_PROTO"].as_str().unwrap().parse::<u64>().unwrap(),
    );
    assert_eq!(per_key[&k], got[0]);

    // Refusals: ntopng's envelope, HTTP 400.
    for (body, rc) in [
        (json!({"ifid": 0, "epoch_begin": b, "epoch_end": e, "where_clause": "1=1; DROP TABLE flows"}), -5),
        (json!({"ifid": 0, "epoch_begin": b, "epoch_end": e, "select_clause": "name FROM sqlite_master"}), -5),
        (
            json!({"ifid": 0, "epoch_begin": b, "epoch_end": e, "where_clause": "INFO = '' UNION SELECT sql FROM sqlite_master"}),
            -5,
        ),
        (json!({"ifid": 0, "epoch_begin": b, "epoch_end": e, "order_by_clause": "randomblob(9)"}), -5),
        (json!({"ifid": 0, "select_clause": "*"}), -5),
        (json!({"epoch_begin": b, "epoch_end": e}), -2),
    ] {
        let (s, v) = post(FLOWS, body.clone());
        assert_eq!((s, v["rc"].as_i64().unwrap()), (400, rc), "{body}: {v}");
        assert!(v["rsp"].as_array().is_some_and(|a| a.is_empty()), "{v}");
        if rc == -5 {
            assert!(v["error"].as_str().is_some_and(|m| m.contains("clause")), "the refusal says why: {v}");
        }
    }
    assert_eq!(db_rows(&data, "SELECT COUNT(*) FROM flows")[0][0], flows.len().to_string());

    // The official Python client's get_flows (POST, epoch_begin/epoch_end) and get_topk_flows (GET).
    if let Some(py) = python_client() {
        let script = format!(
            "from ntopng.ntopng import Ntopng\n\
             c = Ntopng(username='admin', password='admin', url='{url}')\n\
             h = c.get_historical_interface(0)\n\
             r = h.get_flows({b}, {e}, 'IPv4NumToString(IPV4_DST_ADDR) AS IPV4_DST_ADDR_FORMATTED, SUM(TOTAL_BYTES) AS bytes', \
             'IP_PROTOCOL_VERSION = 4', 100, 'IPV4_DST_ADDR_FORMATTED', 'bytes DESC')\n\
             assert isinstance(r, list) and len(r) > 0, r\n\
             print('flows', sum(int(x['bytes']) for x in r), len(r))\n\
             t = h.get_topk_flows({b}, {e}, 3, None)\n\
             assert isinstance(t, list) and len(t) == 3, t\n\
             print('topk', t[0]['BYTES'])\n\
             for host in [None, '{host}']:\n\
             \x20   for c in h.get_top_conversations({b}, {e}, host):\n\
             \x20       print('conv', host, c['cli_ip']['ip'], c['srv_ip']['ip'], c['bytes'])\n",
            url = d.url(""),
            host = CONV_HOST
        );
        let out = Command::new(&py).args(["-c", &script]).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "Python client: {text}\n{}", d.log());
        let v4_bytes: u64 = flows.iter().filter(|f| f["ip_version"] == 4).map(|f| num(&f["bytes"])).sum();
        let dsts = flows
            .iter()
            .filter(|f| f["ip_version"] == 4)
            .map(|f| f["server"]["ip"].as_str().unwrap())
            .collect::<std::collections::BTreeSet<_>>();
        assert!(text.contains(&format!("flows {v4_bytes} {}", dsts.len().min(100))), "{text}");
        // get_top_conversations (historical_db_search.lua, preset top_conversations): the ten client/server
        // pairs with the most bytes, largest first, over all flows and for one host (either side).
        let mut pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
        for f in &flows {
            let ip = |s: &str| f[s]["ip"].as_str().unwrap().to_string();
            *pairs.entry((ip("client"), ip("server"))).or_default() += num(&f["bytes"]);
        }
        for host in [None, Some(CONV_HOST)] {
            let mut want: Vec<(u64, &(String, String))> =
                pairs.iter().filter(|(k, _)| host.is_none_or(|h| k.0 == h || k.1 == h)).map(|(k, v)| (*v, k)).collect();
            want.sort_by(|a, b| b.0.cmp(&a.0));
            let label = host.unwrap_or("None");
            let got: Vec<u64> = text
                .lines()
                .filter(|l| l.starts_with(&format!("conv {label} ")))
                .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
                .collect();
            assert_eq!(got, want.iter().take(10).map(|w| w.0).collect::<Vec<_>>(), "{label}: {text}");
            let first = format!("conv {label} {} {} {}", want[0].1 .0, want[0].1 .1, want[0].0);
            assert!(text.contains(&first), "{first}: {text}");
        }
    }
    assert!(d.stop());
}

/// A local host of test_01.pcap whose conversations the Python client asks for.
const CONV_HOST: &str = "192.168.1.93";

/// The venv of tests/python_client.rs (target/py-venv), if it can be made.
fn python_client() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/py-venv");
    let py = dir.join("bin/python3");
    if !py.is_file() && !Command::new("python3").args(["-m", "venv"]).arg(&dir).status().is_ok_and(|s| s.success()) {
        eprintln!("SKIP Python client: python3 -m venv failed");
        return None;
    }
    if !Command::new(&py).args(["-c", "import ntopng.ntopng"]).status().is_ok_and(|s| s.success()) {
        let out = Command::new(dir.join("bin/pip")).args(["install", "-q", "ntopng==6.1.240321"]).output().unwrap();
        assert!(out.status.success(), "pip: {}", String::from_utf8_lossy(&out.stderr));
    }
    Some(py)
}

/// A capture of many short flows spread over packet time, so that idle flows end (and are stored) while
/// the capture is still being read (--pcap-file-purge-flows).
fn long_capture(dir: &Path, flows: u64) -> PathBuf {
    use ntopng_bench::gen::scenarios::Capture;
    use ntopng_bench::gen::{mix, MixParams, SizeDist};
    let cap = Capture::of(|sink| {
        mix(
            sink,
            &MixParams {
                flows,
                packets_per_flow: 2,
                size: SizeDist::Fixed(64),
                gap_ns: 2_000_000,
                keep_flows: false,
                ..MixParams::default()
            },
        )
    });
    let file = dir.join("long.pcap");
    std::fs::write(&file, cap.to_pcap()).unwrap();
    file
}

#[test]
fn kill_9_during_ingest_loses_no_acknowledged_flow() {
    let dir = scratch_dir("flowdb-kill");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let total = 300_000u64;
    let file = long_capture(&dir, total);
    let mut child = Command::new(ntopng_bin())
        .arg("-i")
        .arg(&file)
        .args(["-F", "sqlite", "--pcap-file-purge-flows", "--shutdown-when-done", "-w", "0", "-d"])
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for a good part of the flows to be committed, note every committed row, then kill -9 at once.
    let started = Instant::now();
    let snapshot = loop {
        assert!(started.elapsed() < Duration::from_secs(120), "ingest did not progress");
        std::thread::sleep(Duration::from_millis(50));
        // The file may exist before its table does.
        let Ok(count) = try_db_rows(&data, "SELECT COUNT(*) FROM flows") else { continue };
        let n: u64 = count[0][0].parse().unwrap();
        if n >= 20_000 {
            let rows = db_rows(&data, "SELECT rowid, FLOW_ID, FIRST_SEEN, LAST_SEEN, IPV4_SRC_ADDR, IPV6_SRC_ADDR, IP_SRC_PORT, TOTAL_BYTES FROM flows ORDER BY rowid");
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
            break rows;
        }
    };
    let status = child.wait().unwrap();
    assert!(!status.success(), "the daemon must have been killed mid-ingest");
    assert!((snapshot.len() as u64) < total, "killed after the whole ingest: the test proves nothing");

    // Restart on the same data dir (it must open the database and replay its spool), then stop cleanly.
    let tiny = dir.join("tiny.pcap");
    std::fs::write(&tiny, ntopng_bench::gen::scenarios::Capture::of(ntopng_bench::gen::scenarios::handshake).to_pcap())
        .unwrap();
    let out = Command::new(ntopng_bin())
        .arg("-i")
        .arg(&tiny)
        .args(["-F", "sqlite", "--shutdown-when-done", "-w", "0", "-d"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "restart: {}", String::from_utf8_lossy(&out.stderr));
    let max_rowid = &snapshot.last().unwrap()[0];
    let after = db_rows(
        &data,
        &format!("SELECT rowid, FLOW_ID, FIRST_SEEN, LAST_SEEN, IPV4_SRC_ADDR, IPV6_SRC_ADDR, IP_SRC_PORT, TOTAL_BYTES FROM flows WHERE rowid <= {max_rowid} ORDER BY rowid"),
    );
    assert_eq!(after.len(), snapshot.len());
    assert!(after == snapshot, "acknowledged rows changed or vanished");
    eprintln!("kill -9 after {} committed flows: all there after the restart", snapshot.len());
}
