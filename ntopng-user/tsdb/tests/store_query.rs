//! The store and the ts.lua pipeline against hand computations.

use ntopng_tsdb::{schema, ts_query, Fill, Point, TsRequest, TsStore};

fn point(name: &str, tags: &[&str], v: &[f64]) -> Point {
    let mut values = [0.0; 3];
    values[..v.len()].copy_from_slice(v);
    Point { schema: schema(name).unwrap(), tags: tags.iter().map(|s| s.to_string()).collect(), values }
}

#[test]
fn counters_become_rates_whose_total_is_the_volume() {
    let dir = tempfile::tempdir().unwrap();
    let st = TsStore::open(dir.path(), 30).unwrap();
    let t0 = 1_700_000_100;
    // Cumulative bytes sent/rcvd at 5-minute boundaries; one boundary skipped (no packets then).
    let samples = [(t0, 0.0, 0.0), (t0 + 300, 3000.0, 600.0), (t0 + 600, 6000.0, 600.0), (t0 + 1200, 9000.0, 1200.0)];
    for (t, s, r) in samples {
        st.write(t, &[point("host:traffic", &["0", "10.0.0.1"], &[s, r])], Fill::AtEnd).unwrap();
    }
    let req = TsRequest {
        schema: "host:traffic".into(),
        query: ntopng_tsdb::parse_ts_query("ifid:0,host:10.0.0.1"),
        epoch_begin: t0 - 300,
        epoch_end: t0 + 1500,
        limit: 60,
    };
    let rsp = ts_query(&st, &req).unwrap();
    let m = &rsp["metadata"];
    // begin−step aligned down to 300; end clamped to the last update (1200 s after t0, within 2 steps).
    assert_eq!(m["epoch_step"], 300);
    assert_eq!(m["epoch_begin"], 1_699_999_500);
    let sent = &rsp["series"][0];
    assert_eq!(sent["id"], "bytes_sent");
    assert_eq!(sent["statistics"]["total"], 9000.0);
    assert_eq!(rsp["series"][1]["statistics"]["total"], 1200.0);
    let data: Vec<Option<f64>> = sent["data"].as_array().unwrap().iter().map(|v| v.as_f64()).collect();
    assert_eq!(data.iter().flatten().sum::<f64>() * 300.0, 9000.0);
    // 10 per second in each of the two 5-minute steps with traffic, 0 in the skipped one.
    assert!(data.contains(&Some(10.0)) && data.contains(&Some(0.0)), "{data:?}");
    // Legacy keys the Python client reads.
    assert_eq!(rsp["count"], m["num_point"]);
    assert_eq!(rsp["start"], m["epoch_begin"]);
    assert_eq!(rsp["series"][0]["label"], "bytes_sent");
    assert_eq!(rsp["statistics"]["by_serie"][1]["total"], 1200.0);
    assert_eq!(rsp["statistics"]["total"], 10200.0);
    // Unknown series / missing tag: ntopng's empty answer.
    let none = ts_query(&st, &TsRequest { query: ntopng_tsdb::parse_ts_query("ifid:0"), ..req.clone() }).unwrap();
    assert_eq!(none, serde_json::json!({"metadata": []}));
}

#[test]
fn consolidation_keeps_the_total_and_rollups_keep_the_mean() {
    let dir = tempfile::tempdir().unwrap();
    let st = TsStore::open(dir.path(), 30).unwrap();
    let t0 = 1_700_000_000u64;
    let mut total = 0.0;
    for k in 0..=600u64 {
        total = (k * 1000) as f64;
        st.write(t0 + k, &[point("iface:traffic", &["0"], &[total])], Fill::AtEnd).unwrap();
    }
    let req = TsRequest {
        schema: "iface:traffic".into(),
        query: vec![("ifid".into(), "0".into())],
        epoch_begin: t0,
        epoch_end: t0 + 600,
        limit: 60,
    };
    let rsp = ts_query(&st, &req).unwrap();
    assert_eq!(rsp["metadata"]["epoch_step"], 10, "{}", rsp["metadata"]);
    // 601 points in groups of 10: the trailing group of one point (1000 B/s) counts for 10 s, as ntopng's.
    assert_eq!(rsp["series"][0]["statistics"]["total"], total + 9000.0);
    let exact = ts_query(&st, &TsRequest { limit: 1000, ..req.clone() }).unwrap();
    assert_eq!(exact["metadata"]["epoch_step"], 1);
    assert_eq!(exact["series"][0]["statistics"]["total"], total);
    // A day later the 1 s points are rolled into 60 s means of the same rate.
    st.write(t0 + 86400 + 700, &[point("iface:traffic", &["0"], &[total])], Fill::AtEnd).unwrap();
    st.maintain(t0 + 86400 + 700).unwrap();
    let f = st.fetch(schema("iface:traffic").unwrap(), &["0".into()], t0, t0 + 600).unwrap().unwrap();
    assert_eq!(f.resolution, 60);
    assert_eq!(f.values[3][0], Some(1000.0), "{:?}", &f.values[..5]);
}

/// Retention goes by when a series was last written, not by its points' time: a capture file's points
/// (packet time, years ago) stay; a series not written for the retention period goes.
#[test]
fn retention_goes_by_write_time_not_point_time() {
    let dir = tempfile::tempdir().unwrap();
    let st = TsStore::open(dir.path(), 30).unwrap();
    let t0 = 1_589_741_863u64; // 2020
    st.write(t0, &[point("host:traffic", &["0", "192.168.1.93"], &[3000.0, 600.0])], Fill::AtEnd).unwrap();
    st.write(t0 + 300, &[point("host:traffic", &["0", "192.168.1.93"], &[6000.0, 600.0])], Fill::AtEnd).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(st.maintain(now).unwrap(), 0, "written just now: kept");
    let sc = schema("host:traffic").unwrap();
    let tags = ["0".to_string(), "192.168.1.93".to_string()];
    let f = st.fetch(sc, &tags, t0 - 300, t0 + 300).unwrap().unwrap();
    assert_eq!(f.values.iter().filter(|v| v[0].is_some()).count(), 2, "{f:?}");
    // The two points and the zero point a new packet-time series starts with.
    assert_eq!(st.maintain(now + 31 * 86400).unwrap(), 3, "not written for 31 days: deleted");
    assert!(st.last_update(sc, &tags).unwrap().is_none());
}

/// Packet time that jumps (captures merged from months apart): a long empty gap keeps only its two ends
/// at 0, a short one is filled with zeros.
#[test]
fn packet_time_jumps_cost_a_few_rows() {
    let dir = tempfile::tempdir().unwrap();
    let st = TsStore::open(dir.path(), 30).unwrap();
    let t0 = 1_589_741_863u64;
    let w = |t: u64, total: f64| st.write(t, &[point("iface:traffic", &["0"], &[total])], Fill::AtEnd).unwrap();
    assert_eq!(w(t0, 100.0), 2, "first point and the zero before it");
    assert_eq!(w(t0 + 10, 300.0), 10, "a 10 s gap: 9 zeros and the point");
    assert_eq!(w(t0 + 10 + 40 * 86400, 1300.0), 3, "a 40-day jump: its two ends and the point");
}
