//! The ClickHouse flow store against a real `clickhouse-server` (Debian's, started here on free ports
//! with its data in a temp dir): the same rows stored in SQLite and ClickHouse give the same answers; rows
//! written while the server is down wait in the spool and are stored once it answers, none lost; and the
//! ingest rate of both stores, measured in one run (ignored test, the bench).
//!
//! Skipped, with a message saying so, when no server binary is installed (CI installs it:
//! deploy/install-deps.sh).

use ntopng_engine::flow::Counters;
use ntopng_engine::sink::{FlowRecord, FlowSink};
use ntopng_engine::tcp_seq::TcpStats;
use ntopng_flowdb::clickhouse::test_server::ClickHouseServer;
use ntopng_flowdb::{
    ClickHouseSpec, ClickHouseStore, FlowDbSink, FlowQuery, FlowStore, QueryError, QueryRows, SinkConfig, SqliteStore,
    TopkQuery,
};
use ntopng_wire::Addr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn record(i: u32) -> FlowRecord {
    let v6 = i % 11 == 0;
    let cli = if v6 {
        Addr::from_v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (i % 4) as u8 + 1])
    } else {
        Addr::from_v4([192, 168, 1, (i % 5) as u8 + 1])
    };
    let srv = if v6 {
        Addr::from_v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
    } else {
        Addr::from_v4([10, 0, 0, (i % 3) as u8 + 1])
    };
    let mut c = ndpi::Classification::default();
    c.app_protocol = [7u16, 5, 91][(i % 3) as usize];
    c.master_protocol = [0u16, 91][(i % 2) as usize];
    c.category = (i % 4) as u32;
    FlowRecord {
        client: (cli, 40000 + (i % 1000) as u16),
        server: (srv, [443, 53, 80][(i % 3) as usize]),
        cli_mac: [0, 1, 2, 3, 4, (i % 7) as u8],
        srv_mac: [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff],
        vlan: (i % 2) as u16 * 10,
        l4_proto: [6, 17][(i % 2) as usize],
        ip_version: if v6 { 6 } else { 4 },
        cli2srv: Counters { packets: 2 + (i % 9) as u64, bytes: 100 + (i as u64 * 37) % 5000 },
        srv2cli: Counters { packets: 3, bytes: 1000 + (i % 13) as u64 },
        cli2srv_flags: 2,
        srv2cli_flags: 18,
        marks: 0,
        cli2srv_goodput: 0,
        srv2cli_goodput: 0,
        first_seen_ns: (1_700_000_000 + i as u64) * 1_000_000_000,
        last_seen_ns: (1_700_000_010 + (i as u64 * 3)) * 1_000_000_000,
        classification: Some(c),
        swapped: false,
        ntopng_key: i,
        hash_id: i as u64 + 1,
        cli2srv_tcp: TcpStats::default(),
        srv2cli_tcp: TcpStats::default(),
        cli2srv_dscp: (i % 3) as u8,
        srv2cli_dscp: 0,
        end_reason: None,
        score: Default::default(),
    }
}

fn server(tmp: &std::path::Path) -> Option<ClickHouseServer> {
    match ClickHouseServer::start(tmp).expect("clickhouse-server starts") {
        Some(s) => Some(s),
        None => {
            eprintln!("SKIPPED: no clickhouse-server binary (apt-get install clickhouse-server; CI installs it)");
            None
        }
    }
}

fn clickhouse(srv: &ClickHouseServer, db: &str, dir: &std::path::Path) -> Arc<ClickHouseStore> {
    let spec = ClickHouseSpec::parse(Some(&format!("127.0.0.1@{};{db};default;", srv.http_port))).unwrap();
    Arc::new(ClickHouseStore::open(spec, dir).unwrap())
}

fn fill(store: Arc<dyn FlowStore>, dir: &std::path::Path, n: u32) {
    let mut c = SinkConfig::new(dir.to_path_buf());
    c.blocking = true;
    let mut sink = FlowDbSink::start(store, c).unwrap();
    for i in 0..n {
        sink.write(&record(i), None).unwrap();
    }
    sink.flush().unwrap();
    assert_eq!(sink.stats().committed.load(Ordering::Relaxed), n as u64);
}

/// Same names, same rows as multisets, and the same sequence of values in the columns the answer is
/// ordered by (rows tied on them may come in any order: the contract does not order ties).
fn assert_same(what: &str, a: &QueryRows, b: &QueryRows, order_cols: &[usize]) {
    assert_eq!(a.names, b.names, "{what}: names");
    let key = |r: &QueryRows| -> Vec<Vec<String>> {
        r.rows.iter().map(|row| order_cols.iter().map(|i| row[*i].clone()).collect()).collect()
    };
    assert_eq!(key(a), key(b), "{what}: order");
    let mut x = a.rows.clone();
    let mut y = b.rows.clone();
    x.sort();
    y.sort();
    assert_eq!(x, y, "{what}: rows");
}

fn flows(select: &str, where_: &str, group: &str, order: &str) -> FlowQuery {
    let s = |v: &str| if v.is_empty() { None } else { Some(v.to_string()) };
    FlowQuery {
        ifid: 0,
        begin: 1_699_000_000,
        end: 1_800_000_000,
        select: s(select),
        where_: s(where_),
        group_by: s(group),
        order_by: s(order),
        maxhits: Some(100_000),
    }
}

#[test]
fn same_answers_as_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(srv) = server(tmp.path()) else { return };
    let n = 3000;
    let lite = Arc::new(SqliteStore::open(&tmp.path().join("sqlite")).unwrap());
    let ch = clickhouse(&srv, "ntopng_test", &tmp.path().join("ch"));
    fill(lite.clone(), &tmp.path().join("sqlite"), n);
    fill(ch.clone(), &tmp.path().join("ch"), n);
    assert_eq!(ch.count().unwrap(), n as u64);
    // Independently of the crate: the server's own count and a column's sum.
    assert_eq!(srv.query("SELECT count(), sum(TOTAL_BYTES) FROM ntopng_test.flows").unwrap().trim(), {
        let total: u64 = (0..n).map(record).map(|r| r.cli2srv.bytes + r.srv2cli.bytes).sum();
        format!("{n}\t{total}")
    });

    let cases: Vec<(FlowQuery, Vec<usize>)> = vec![
        (flows("*", "", "", "FLOW_ID"), vec![0]),
        (flows("*", "", "", "FLOW_ID DESC"), vec![0]),
        (flows("FLOW_ID, INFO, IPV6_SRC_ADDR, IPV4_DST_ADDR", "IPV4_SRC_ADDR = ('192.168.1.2') AND TOTAL_BYTES > 1500", "", ""), vec![]),
        (flows("FLOW_ID", "L7_PROTO IN (7, 5) AND NOT (VLAN_ID = 10) OR FLOW_ID BETWEEN 10 AND 20", "", "FLOW_ID"), vec![0]),
        (flows("FLOW_ID, IPV6_SRC_ADDR", "IPV6_SRC_ADDR = '2001:db8::2' OR IPV6_DST_ADDR LIKE '2001:DB8:%'", "", ""), vec![]),
        (flows("FLOW_ID", "L7_PROTO = '7' AND IP_DST_PORT != 53 AND IP_SRC_PORT LIKE '401%'", "", ""), vec![]),
        (
            flows(
                "IPv4NumToString(IPV4_SRC_ADDR) AS src, SUM(TOTAL_BYTES) AS bytes, COUNT(*) AS n, AVG(SRC2DST_BYTES) AS avg, MAX(LAST_SEEN) - MIN(FIRST_SEEN) AS span, COUNT(DISTINCT IPV4_DST_ADDR) AS dsts",
                "",
                "src",
                "bytes DESC",
            ),
            vec![1],
        ),
        (flows("L7_PROTO, PROTOCOL, SUM(PACKETS) AS p, MIN(INFO) AS i", "IP_PROTOCOL_VERSION = 4", "L7_PROTO, PROTOCOL", "L7_PROTO, PROTOCOL DESC"), vec![0, 1]),
        (
            flows("FLOW_ID, TOTAL_BYTES / 3 AS third, TOTAL_BYTES / 0 AS z, TOTAL_BYTES % 7 AS m, TOTAL_BYTES / 2.0 AS h, FIRST_SEEN - LAST_SEEN AS neg, -SRC2DST_DSCP AS d", "FLOW_ID < 50", "", "FLOW_ID"),
            vec![0],
        ),
        (flows("SUM(TOTAL_BYTES) AS s, MAX(INFO) AS m, AVG(PACKETS) AS a, COUNT(*) AS n", "FLOW_ID > 1000000", "", ""), vec![]),
        (flows("SUM(TOTAL_BYTES) AS s, AVG(TOTAL_BYTES) AS a", "", "", ""), vec![]),
        (flows("FIRST_SEEN, LAST_SEEN, SRC_MAC, FLOW_RISK", "", "", "FIRST_SEEN DESC, FLOW_ID"), vec![0]),
    ];
    for (q, order) in &cases {
        let what = format!("{:?} / {:?} / {:?} / {:?}", q.select, q.where_, q.group_by, q.order_by);
        let a = lite.flows(q).unwrap_or_else(|e| panic!("sqlite {what}: {e}"));
        let b = ch.flows(q).unwrap_or_else(|e| panic!("clickhouse {what}: {e}"));
        assert!(!a.rows.is_empty(), "{what}: no rows");
        assert_same(&what, &a, &b, order);
    }
    // What ClickHouse cannot answer is refused the same way by both, before either store sees it.
    for q in [
        flows("L7_PROTO, SUM(TOTAL_BYTES)", "", "", ""),
        flows("L7_PROTO, COUNT(*)", "", "L7_PROTO", "PROTOCOL"),
        // A backslash would be an escape in ClickHouse's LIKE and a plain character in SQLite's.
        flows("FLOW_ID", "INFO LIKE '%0\\1%'", "", ""),
    ] {
        for r in [lite.flows(&q), ch.flows(&q)] {
            assert!(matches!(r, Err(QueryError::Invalid(_))), "{:?}: {r:?}", q.select);
        }
    }
    let topks = [
        TopkQuery { ifid: 0, begin: 0, end: 1_800_000_000, maxhits: Some(1000), ..Default::default() },
        TopkQuery {
            ifid: 0,
            begin: 0,
            end: 1_800_000_000,
            keys: Some("L7_PROTO, IP_DST_PORT".into()),
            values: Some("PACKETS".into()),
            topk: Some("COUNT".into()),
            where_: Some("PROTOCOL = 6".into()),
            maxhits: Some(1000),
        },
        TopkQuery {
            ifid: 0,
            begin: 0,
            end: 1_800_000_000,
            keys: Some("IPV4_DST_ADDR".into()),
            values: Some("SRC2DST_BYTES,DST2SRC_BYTES".into()),
            topk: Some("AVG".into()),
            maxhits: Some(1000),
            ..Default::default()
        },
    ];
    for q in &topks {
        let a = lite.topk(q).unwrap();
        let b = ch.topk(q).unwrap();
        assert!(!a.rows.is_empty());
        let value_col = a.names.len() - q.values.as_deref().unwrap_or("BYTES").split(',').count();
        assert_same(&format!("topk {q:?}"), &a, &b, &[value_col]);
    }
    // The same refusals (the tree is shared): no SQL reaches either server.
    for bad in ["1=1; DROP TABLE flows", "FLOW_ID IN (SELECT 1)", "sleep(3) = 0"] {
        let q = flows("*", bad, "", "");
        assert!(matches!(ch.flows(&q), Err(QueryError::Invalid(_))), "{bad}");
    }
    assert_eq!(ch.count().unwrap(), n as u64);
}

#[test]
fn down_server_spools_and_replays() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(srv) = server(tmp.path()) else { return };
    let dir = tmp.path().join("ch");
    // A port nobody listens on: the store opens, inserts fail, rows wait in the spool.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let spec = ClickHouseSpec::parse(Some(&format!("127.0.0.1@{dead_port};spooltest;default;"))).unwrap();
    let store = Arc::new(ClickHouseStore::open(spec, &dir).unwrap());
    let mut c = SinkConfig::new(dir.clone());
    c.channel_rows = 64;
    let mut sink = FlowDbSink::start(store, c).unwrap();
    let n = 2000;
    let t = std::time::Instant::now();
    for i in 0..n {
        sink.write(&record(i), None).unwrap();
    }
    // The sink thread never waited on the dead server.
    assert!(t.elapsed() < std::time::Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(sink.flush().is_err(), "store errors are reported at flush");
    let stats = sink.stats();
    assert_eq!(stats.committed.load(Ordering::Relaxed), 0);
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 0);
    assert!(stats.errors.load(Ordering::Relaxed) > 0);
    drop(sink);
    assert!(std::fs::metadata(dir.join("flows.spool")).unwrap().len() > 0);

    // The server answers now (same spool dir, the real port): everything is replayed, once.
    let store = clickhouse(&srv, "spooltest", &dir);
    let mut sink = FlowDbSink::start(store.clone(), SinkConfig::new(dir.clone())).unwrap();
    sink.flush().unwrap();
    assert_eq!(store.count().unwrap(), n as u64);
    assert_eq!(srv.query("SELECT uniqExact(FLOW_ID) FROM spooltest.flows").unwrap().trim(), n.to_string());
    drop(sink);
    assert_eq!(std::fs::metadata(dir.join("flows.spool")).unwrap().len(), 0);
}

/// A crash between a replayed chunk's insert and the offset's update neither stores the chunk twice (the
/// insert landed) nor loses it (it did not): the restarted sink counts the chunk's last row to decide.
#[test]
fn crash_during_replay_stores_each_row_once() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(srv) = server(tmp.path()) else { return };
    for landed in [true, false] {
        let db = format!("crashtest_{}", landed as u8);
        let dir = tmp.path().join(&db);
        std::fs::create_dir_all(&dir).unwrap();
        // A spool as a dead server leaves it: n rows as JSON lines.
        let n = 1000u32;
        let rows: Vec<ntopng_flowdb::FlowRow> = (0..n).map(|i| ntopng_flowdb::FlowRow::from_record(&record(i), 0)).collect();
        let mut text = String::new();
        for r in &rows {
            text += &serde_json::to_string(r).unwrap();
            text.push('\n');
        }
        std::fs::write(dir.join("flows.spool"), &text).unwrap();
        // The first 300 rows were being replayed when the daemon died.
        let k = 300;
        let end: usize = text.split_inclusive('\n').take(k).map(str::len).sum();
        let store = clickhouse(&srv, &db, &dir);
        store.insert_chunk_then_crash(&rows[..k], end as u64, landed).unwrap();
        drop(store);

        let store = clickhouse(&srv, &db, &dir);
        let mut sink = FlowDbSink::start(store.clone(), SinkConfig::new(dir.clone())).unwrap();
        sink.flush().unwrap();
        drop(sink);
        assert_eq!(store.count().unwrap(), n as u64, "landed: {landed}");
        let q = format!("SELECT uniqExact(FLOW_ID), count() FROM {db}.flows");
        assert_eq!(srv.query(&q).unwrap().trim(), format!("{n}\t{n}"), "landed: {landed}");
    }
}

/// The bench: ingest rate of both stores through the sink, in one run (cargo test [--release] -p
/// ntopng-flowdb --test clickhouse -- --ignored --nocapture ingest_rate). FLOWDB_BENCH_FLOWS overrides
/// the number of flows (500,000).
#[test]
#[ignore]
fn ingest_rate() {
    let n: u32 = std::env::var("FLOWDB_BENCH_FLOWS").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000);
    let records: Vec<FlowRecord> = (0..n).map(record).collect();
    let tmp = tempfile::tempdir().unwrap();
    let srv = server(tmp.path());
    let mut rates = Vec::new();
    for (backend, blocking) in [("sqlite", true), ("sqlite", false), ("clickhouse", true), ("clickhouse", false)] {
        let dir = tmp.path().join(format!("{backend}-{blocking}"));
        let store: Arc<dyn FlowStore> = match (backend, &srv) {
            ("sqlite", _) => Arc::new(SqliteStore::open(&dir).unwrap()),
            (_, Some(srv)) => clickhouse(srv, &format!("bench_{}", blocking as u8), &dir),
            (_, None) => continue,
        };
        let mut c = SinkConfig::new(dir.clone());
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
        let rate = n as f64 / all.as_secs_f64();
        eprintln!(
            "{backend} {} sink: {n} flows handed over in {:.2} s ({:.0}/s), stored in {:.2} s: {rate:.0} flows/s; {} spilled, {} batches",
            if blocking { "blocking" } else { "non-blocking" },
            handed.as_secs_f64(),
            n as f64 / handed.as_secs_f64(),
            all.as_secs_f64(),
            st.spilled.load(Ordering::Relaxed),
            st.transactions.load(Ordering::Relaxed),
        );
        rates.push((backend, blocking, rate));
    }
    for blocking in [true, false] {
        let r = |b: &str| rates.iter().find(|x| x.0 == b && x.1 == blocking).map(|x| x.2);
        if let (Some(s), Some(c)) = (r("sqlite"), r("clickhouse")) {
            eprintln!(
                "{} sink: clickhouse/sqlite ingest ratio {:.2}",
                if blocking { "blocking" } else { "non-blocking" },
                c / s
            );
        }
    }
}
