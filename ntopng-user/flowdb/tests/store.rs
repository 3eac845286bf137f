//! The SQLite flow store: rows in, allow-listed queries out, injection attempts refused, the sink's
//! spool replayed, none lost.

use ntopng_engine::flow::Counters;
use ntopng_engine::sink::{FlowRecord, FlowSink};
use ntopng_engine::tcp_seq::TcpStats;
use ntopng_flowdb::{FlowDbSink, FlowQuery, FlowStore, QueryError, SinkConfig, SqliteStore, Statement, TopkQuery};
use ntopng_wire::Addr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn record(i: u32) -> FlowRecord {
    let cli = Addr::from_v4([192, 168, 1, (i % 5) as u8 + 1]);
    let srv = Addr::from_v4([10, 0, 0, (i % 3) as u8 + 1]);
    let mut c = ndpi::Classification::default();
    c.app_protocol = [7u16, 5, 91][(i % 3) as usize];
    FlowRecord {
        client: (cli, 40000 + (i % 1000) as u16),
        server: (srv, 443),
        cli_mac: [0, 1, 2, 3, 4, 5],
        srv_mac: [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff],
        vlan: 0,
        l4_proto: 6,
        ip_version: 4,
        cli2srv: Counters { packets: 2, bytes: 100 + i as u64 },
        srv2cli: Counters { packets: 3, bytes: 1000 },
        cli2srv_flags: 2,
        srv2cli_flags: 18,
        marks: 0,
        cli2srv_goodput: 0,
        srv2cli_goodput: 0,
        first_seen_ns: (1_000 + i as u64) * 1_000_000_000,
        last_seen_ns: (1_010 + i as u64) * 1_000_000_000,
        classification: Some(c),
        swapped: false,
        ntopng_key: i,
        hash_id: i as u64,
        cli2srv_tcp: TcpStats::default(),
        srv2cli_tcp: TcpStats::default(),
        cli2srv_dscp: 0,
        srv2cli_dscp: 0,
        end_reason: None,
        score: Default::default(),
    }
}

fn fill(
    dir: &std::path::Path,
    n: u32,
    cfg: impl FnOnce(&mut SinkConfig),
) -> (Arc<SqliteStore>, ntopng_flowdb::WriterStats) {
    let store = Arc::new(SqliteStore::open(dir).unwrap());
    let mut c = SinkConfig::new(dir.to_path_buf());
    cfg(&mut c);
    let mut sink = FlowDbSink::start(store.clone(), c).unwrap();
    for i in 0..n {
        sink.write(&record(i), None).unwrap();
    }
    sink.flush().unwrap();
    let s = sink.stats();
    let out = ntopng_flowdb::WriterStats::default();
    out.committed.store(s.committed.load(Ordering::Relaxed), Ordering::Relaxed);
    out.spilled.store(s.spilled.load(Ordering::Relaxed), Ordering::Relaxed);
    out.dropped.store(s.dropped.load(Ordering::Relaxed), Ordering::Relaxed);
    drop(sink);
    (store, out)
}

fn all(ifid: i64) -> FlowQuery {
    FlowQuery { ifid, begin: 0, end: i64::MAX, ..Default::default() }
}

#[test]
fn rows_in_queries_out() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fill(dir.path(), 300, |_| {});
    assert_eq!(store.count().unwrap(), 300);

    // Totals by hand: bytes = sum(100 + i) + 300 * 1000.
    let want: u64 = (0..300u64).map(|i| 100 + i + 1000).sum();
    let r =
        store.flows(&FlowQuery { select: Some("SUM(TOTAL_BYTES) AS bytes, COUNT(*) AS n".into()), ..all(0) }).unwrap();
    assert_eq!(r.names, ["bytes", "n"]);
    assert_eq!(r.rows, vec![vec![want.to_string(), "300".to_string()]]);

    // The client's own example: group by the formatted destination, IP literal in parentheses.
    let r = store
        .flows(&FlowQuery {
            select: Some("IPv4NumToString(IPV4_DST_ADDR) AS IPV4_DST_ADDR_FORMATTED, COUNT(*) AS n".into()),
            where_: Some("IPV4_SRC_ADDR = ('192.168.1.1') AND L7_PROTO != 5".into()),
            group_by: Some("IPV4_DST_ADDR_FORMATTED".into()),
            order_by: Some("IPV4_DST_ADDR_FORMATTED".into()),
            maxhits: Some(100),
            ..all(0)
        })
        .unwrap();
    // i % 5 == 0 and i % 3 != 1 (L7 5 is i % 3 == 1), grouped by i % 3.
    let mut want: std::collections::BTreeMap<String, u64> = Default::default();
    for i in (0..300u32).filter(|i| i % 5 == 0 && i % 3 != 1) {
        *want.entry(format!("10.0.0.{}", i % 3 + 1)).or_default() += 1;
    }
    let got: std::collections::BTreeMap<String, u64> =
        r.rows.iter().map(|row| (row[0].clone(), row[1].parse().unwrap())).collect();
    assert_eq!(got, want);

    // Time window: FIRST_SEEN >= 1100 and LAST_SEEN <= 1110 → i in 100..=100.
    let r = store.flows(&FlowQuery { begin: 1100, end: 1110, maxhits: Some(1000), ..all(0) }).unwrap();
    assert_eq!(r.rows.len(), 1);
    let col = |n: &str| r.names.iter().position(|x| x == n).unwrap();
    assert_eq!(r.rows[0][col("IPV4_SRC_ADDR")], "192.168.1.1");
    assert_eq!(r.rows[0][col("TOTAL_BYTES")], "1200");
    assert_eq!(r.rows[0][col("IPV6_SRC_ADDR")], "::");
    // Every operator the grammar has reaches SQLite and is allowed by the authorizer.
    let r = store
        .flows(&FlowQuery {
            select: Some("COUNT(*), MAX(TOTAL_BYTES) - MIN(TOTAL_BYTES), AVG(PACKETS) * 2, SUM(L7_PROTO % 3)".into()),
            where_: Some(
                "INFO LIKE '%' AND NOT INFO NOT LIKE '' OR (PROTOCOL BETWEEN 1 AND 255 AND L7_PROTO IN (5, 7, 91) \
                 AND IPV4_DST_ADDR NOT IN ('10.0.0.9') AND -FLOW_ID <= 0 AND IP_DST_PORT / 1 == 443 AND INFO <> 'x' \
                 AND IPV6_SRC_ADDR = IPv6StringToNum('::') AND IPV4_SRC_ADDR >= IPv4StringToNum('192.168.1.1'))"
                    .into(),
            ),
            ..all(0)
        })
        .unwrap();
    let odd: u32 = (0..300u32).map(|i| [7u32, 5, 91][(i % 3) as usize] % 3).sum();
    assert_eq!(r.rows, vec![vec!["300".to_string(), "299".into(), "10".into(), odd.to_string()]]);
    // Default maxhits 10; other interfaces see nothing.
    assert_eq!(store.flows(&all(0)).unwrap().rows.len(), 10);
    assert_eq!(store.flows(&all(1)).unwrap().rows.len(), 0);

    // topk defaults: src, dst, L7, SUM(bytes), largest first.
    let r = store.topk(&TopkQuery { begin: 0, end: i64::MAX, maxhits: Some(3), ..Default::default() }).unwrap();
    assert_eq!(r.names, ["IPV4_SRC_ADDR", "IPV4_DST_ADDR", "L7_PROTO", "BYTES"]);
    let mut sums: std::collections::HashMap<(u32, u32), u64> = Default::default();
    for i in 0..300u32 {
        *sums.entry((i % 5, i % 3)).or_default() += 1100 + i as u64;
    }
    let mut v: Vec<u64> = sums.values().copied().collect();
    v.sort_unstable_by(|a, b| b.cmp(a));
    let got: Vec<u64> = r.rows.iter().map(|row| row[3].parse().unwrap()).collect();
    assert_eq!(got, v[..3]);
}

#[test]
fn spilled_rows_are_replayed_and_none_lost() {
    let dir = tempfile::tempdir().unwrap();
    let (store, stats) = fill(dir.path(), 20_000, |c| {
        c.channel_rows = 16;
        c.batch_rows = 64;
    });
    assert!(stats.spilled.load(Ordering::Relaxed) > 0, "the tiny channel must have spilled");
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 0);
    assert_eq!(store.count().unwrap(), 20_000);
    let r = store.flows(&FlowQuery { select: Some("COUNT(DISTINCT FLOW_ID)".into()), ..all(0) }).unwrap();
    assert_eq!(r.rows[0][0], "20000");
    assert_eq!(std::fs::metadata(dir.path().join("flows.spool")).unwrap().len(), 0);
}

#[test]
fn a_full_spool_drops_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (store, stats) = fill(dir.path(), 5_000, |c| {
        c.channel_rows = 1;
        c.spool_bytes = 4096;
    });
    let dropped = stats.dropped.load(Ordering::Relaxed);
    assert_eq!(store.count().unwrap() + dropped, 5_000);
}

#[test]
fn spool_left_by_a_crash_is_replayed_once() {
    let dir = tempfile::tempdir().unwrap();
    // A previous run: 10 rows committed from the spool (offset recorded), 5 more spooled, and a half line.
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let rows: Vec<_> = (0..15).map(|i| ntopng_flowdb::FlowRow::from_record(&record(i), 0)).collect();
    let mut text = String::new();
    let mut off10 = 0;
    for (i, r) in rows.iter().enumerate() {
        text.push_str(&serde_json::to_string(r).unwrap());
        text.push('\n');
        if i == 9 {
            off10 = text.len() as u64;
        }
    }
    text.push_str("{\"flow_id\":9");
    std::fs::write(dir.path().join("flows.spool"), &text).unwrap();
    store.insert(&rows[..10], Some(off10)).unwrap();
    let mut sink = FlowDbSink::start(store.clone(), SinkConfig::new(dir.path().to_path_buf())).unwrap();
    sink.flush().unwrap();
    drop(sink);
    assert_eq!(store.count().unwrap(), 15);
    let r = store.flows(&FlowQuery { select: Some("COUNT(DISTINCT FLOW_ID)".into()), ..all(0) }).unwrap();
    assert_eq!(r.rows[0][0], "15");
}

/// Injection attempts in every clause: each is refused as invalid or reads only flow rows, and afterwards
/// the database holds exactly what it held (flows, the store's own table, a planted secret table).
#[test]
fn injection_attempts_read_and_change_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fill(dir.path(), 50, |_| {});
    {
        let c = rusqlite::Connection::open(dir.path().join("flows.db")).unwrap();
        c.execute_batch("CREATE TABLE secret (v TEXT); INSERT INTO secret VALUES ('TOPSECRET');").unwrap();
    }
    let attempts = [
        "1=1; DROP TABLE flows",
        "1=1; DELETE FROM flows",
        "' OR 1=1 --",
        "INFO = '' OR '1'='1'",
        "INFO = 'x' UNION SELECT v FROM secret",
        "FLOW_ID IN (SELECT rowid FROM secret)",
        "(SELECT v FROM secret) = 'TOPSECRET'",
        "EXISTS (SELECT 1 FROM sqlite_master)",
        "sqlite_master.name = 'flows'",
        "name = 'secret'",
        "v = 'TOPSECRET'",
        "1=1 /* comment */",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "PRAGMA writable_schema = 1",
        "load_extension('/tmp/evil')",
        "readfile('/etc/passwd') != ''",
        "writefile('/tmp/x', 'y') = 1",
        "sqlite_version() != ''",
        "randomblob(1000000000) = 1",
        "char(39) = INFO",
        "hex(INFO) = ''",
        "INFO = x'414243'",
        "INFO LIKE '%' ESCAPE '\\'",
        "1=1 LIMIT 1000000",
        "1=1 ORDER BY 1",
        "INFO = 'a\\' OR 1=1",
        "\"INFO\" = \"\" OR \"1\" = \"1\"",
        "flows.INFO = ''",
        "INFO = '' COLLATE NOCASE",
        "CAST(INFO AS BLOB) = ''",
        "CASE WHEN 1 THEN 1 END",
        "INFO IS NULL",
        "INFO GLOB '*'",
        "INFO REGEXP '.*'",
        "IPV4_SRC_ADDR = ('1.2.3.4'); SELECT * FROM secret",
        "IPV4_SRC_ADDR = ('1.2.3.4\\'); SELECT 1 --')",
    ];
    let selects = [
        "v FROM secret --",
        "* FROM secret",
        "(SELECT v FROM secret)",
        "name",
        "sql",
        "rowid",
        "group_concat(INFO)",
        "printf('%s', INFO)",
        "SUM(TOTAL_BYTES) AS x FROM secret",
        "INFO AS \"x\"",
        "COUNT(*) AS select",
        "*, v",
    ];
    let mut accepted = 0;
    let check = |r: Result<ntopng_flowdb::QueryRows, QueryError>, what: &str, accepted: &mut u32| match r {
        Err(QueryError::Invalid(m)) => assert!(!m.is_empty()),
        Err(QueryError::Store(m)) => panic!("{what}: reached the store: {m}"),
        Ok(rows) => {
            *accepted += 1;
            assert!(!format!("{rows:?}").contains("TOPSECRET"), "{what}");
        }
    };
    for w in attempts {
        check(store.flows(&FlowQuery { where_: Some(w.into()), ..all(0) }), w, &mut accepted);
        check(store.topk(&TopkQuery { where_: Some(w.into()), end: i64::MAX, ..Default::default() }), w, &mut accepted);
        check(store.flows(&FlowQuery { order_by: Some(w.into()), ..all(0) }), w, &mut accepted);
        check(store.flows(&FlowQuery { group_by: Some(w.into()), ..all(0) }), w, &mut accepted);
    }
    for s in selects {
        check(store.flows(&FlowQuery { select: Some(s.into()), ..all(0) }), s, &mut accepted);
        check(store.topk(&TopkQuery { keys: Some(s.into()), end: i64::MAX, ..Default::default() }), s, &mut accepted);
        check(store.topk(&TopkQuery { values: Some(s.into()), end: i64::MAX, ..Default::default() }), s, &mut accepted);
    }
    // `INFO = '' OR '1'='1'` and the double-quoted variant are legitimate flow filters.
    assert!(accepted >= 2, "{accepted}");

    // Defence in depth: a statement that bypassed the parser is still stopped by the authorizer.
    for sql in [
        "SELECT v FROM secret",
        "SELECT name FROM sqlite_master",
        "SELECT value FROM flowdb_meta",
        "SELECT sqlite_version()",
        "SELECT load_extension('x')",
        "DELETE FROM flows",
        "PRAGMA user_version = 3",
    ] {
        let r = store.run_statement(Statement { sql: sql.into(), params: vec![], names: vec!["x".into()] });
        assert!(r.is_err(), "{sql}: {r:?}");
    }

    let c = rusqlite::Connection::open(dir.path().join("flows.db")).unwrap();
    let n: i64 = c.query_row("SELECT COUNT(*) FROM flows", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 50);
    let s: String = c.query_row("SELECT v FROM secret", [], |r| r.get(0)).unwrap();
    assert_eq!(s, "TOPSECRET");
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(tables, ["flowdb_meta", "flows", "secret"]);
    let files: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(files.iter().all(|f| f.starts_with("flows.")), "{files:?}");
}

/// Ingest rate through the sink (run: cargo test [--release] -p ntopng-flowdb --test store -- --ignored
/// --nocapture ingest_rate). Prints flows/s committed, with the writer's batching.
#[test]
#[ignore]
fn ingest_rate() {
    let n = 500_000u32;
    let records: Vec<FlowRecord> = (0..n).map(record).collect();
    for blocking in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let mut c = SinkConfig::new(dir.path().to_path_buf());
        c.blocking = blocking;
        let mut sink = FlowDbSink::start(store.clone(), c).unwrap();
        let t = std::time::Instant::now();
        for r in &records {
            sink.write(r, None).unwrap();
        }
        let handed = t.elapsed();
        sink.flush().unwrap();
        let all = t.elapsed();
        let st = sink.stats();
        assert_eq!(store.count().unwrap(), n as u64);
        eprintln!(
            "{} sink: {n} flows handed over in {:.2} s ({:.0}/s), committed in {:.2} s: {:.0} flows/s; {} spilled, {} transactions",
            if blocking { "blocking" } else { "non-blocking" },
            handed.as_secs_f64(),
            n as f64 / handed.as_secs_f64(),
            all.as_secs_f64(),
            n as f64 / all.as_secs_f64(),
            st.spilled.load(Ordering::Relaxed),
            st.transactions.load(Ordering::Relaxed),
        );
    }
}
