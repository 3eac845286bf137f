//! Timeseries end to end: the daemon reads ntopng's e2e capture test_01.pcap (`-m 192.168.1.0/24`) with its
//! web server on, so its writer stores the capture's points at packet time; then `get/timeseries/ts.lua`
//! and `type/consts.lua` are called over HTTP and by the official Python client, and the volumes the
//! points carry are compared with the interface and host totals the REST API reports (themselves checked
//! against the capture in tests/rest_api.rs).
//!
//! A generated hour-long capture checks that capture files follow packet time: a point per step, each
//! with exactly that step's traffic (`an_hour_long_capture_has_a_point_per_step`).
//!
//! What the store guarantees: counters are stored as per-second rates whose sum × step is exactly the
//! counter's increase (every byte lands in some point); `ts.lua` rounds each point to an integer, as
//! ntopng does, so for a 1 s step (`iface:traffic`) the sum is exact and for a 300 s step (`host:traffic`)
//! it is within 150 bytes × the points with traffic.

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::{scratch_dir, shared_pcaps};

fn test_01() -> Option<PathBuf> {
    let p = shared_pcaps("timeseries tests on ntopng-e2e/test_01.pcap")?.join("ntopng-e2e/test_01.pcap");
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("SKIP timeseries tests: {} not found", p.display());
        None
    }
}

/// First and last record times (seconds) of a classic little-endian pcap.
fn pcap_span(path: &Path) -> (u64, u64) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian microsecond pcap");
    let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]) as u64;
    let (mut off, mut first, mut last) = (24usize, u64::MAX, 0);
    while off + 16 <= b.len() {
        let t = u32_at(off);
        first = first.min(t);
        last = last.max(t);
        off += 16 + u32_at(off + 8) as usize;
    }
    (first, last)
}

fn num(v: &Value) -> f64 {
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The points of series `i` (null = no point).
fn points(rsp: &Value, i: usize) -> Vec<Option<f64>> {
    rsp["series"][i]["data"].as_array().unwrap_or_else(|| panic!("no series {i}: {rsp}")).iter().map(|v| v.as_f64()).collect()
}

fn wait_for_log(d: &Daemon, what: &str) {
    let t = Instant::now();
    while !d.log().contains(what) {
        assert!(t.elapsed() < Duration::from_secs(60), "no '{what}' in the log:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The venv tests/python_client.rs creates under target/ (made here too when this test runs first).
fn python_client() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/py-venv");
    let py = dir.join("bin/python3");
    if !py.is_file() && !Command::new("python3").args(["-m", "venv"]).arg(&dir).status().is_ok_and(|s| s.success()) {
        eprintln!("SKIP Python client timeseries calls: python3 -m venv failed (install python3-venv)");
        return None;
    }
    if !Command::new(&py).args(["-c", "import ntopng.ntopng"]).status().is_ok_and(|s| s.success()) {
        let out = Command::new(dir.join("bin/pip")).args(["install", "-q", "ntopng==6.1.240321"]).output().expect("pip");
        assert!(out.status.success(), "pip install: {}", String::from_utf8_lossy(&out.stderr));
    }
    Some(py)
}

#[test]
fn points_of_a_capture_carry_its_volumes() {
    let Some(cap) = test_01() else { return };
    let dir = scratch_dir("timeseries-test01");
    let mut d = Daemon::start(
        &["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24", "--disable-login=1", "--workers", "2"],
        &dir.join("data"),
    );
    d.wait_capture_read();
    wait_for_log(&d, "timeseries of test_01.pcap: written up to packet time");
    assert!(dir.join("data/timeseries.sqlite").is_file());
    let a = Auth::None;
    let (first, last) = pcap_span(&cap);
    // The window: the capture and the boundaries after it where its final state is written.
    let (begin, end) = (first, last + 600);

    // iface:traffic, 1 s step: Σ points × step = the interface's bytes, exactly.
    let (data, _) = d.rest_ok("/lua/rest/v2/get/interface/data.lua?ifid=0", &a);
    let iface_bytes = num(&data["bytes"]);
    assert!(iface_bytes > 0.0);
    let q = format!("ts_schema=iface:traffic&ts_query=ifid:0&epoch_begin={begin}&epoch_end={end}&limit=10000");
    let (rsp, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/ts.lua?{q}"), &a);
    let m = &rsp["metadata"];
    assert_eq!(m["epoch_step"], 1, "{m}");
    assert_eq!(m["schema"], "iface:traffic");
    assert_eq!(m["query"], json!({"ifid": "0"}));
    let pts = points(&rsp, 0);
    assert_eq!(pts.len() as u64, m["num_point"].as_u64().unwrap());
    let sum: f64 = pts.iter().flatten().sum();
    assert_eq!(sum * 1.0, iface_bytes, "Σ iface:traffic points × 1 s");
    assert_eq!(num(&rsp["series"][0]["statistics"]["total"]), iface_bytes);
    // The points with traffic lie within the capture (each at the end of its second, or the final
    // state's boundary just after the last packet).
    let t0 = num(&m["epoch_begin"]) as u64;
    for (i, p) in pts.iter().enumerate() {
        if p.is_some_and(|v| v > 0.0) {
            let t = t0 + (i as u64 + 1);
            assert!(t >= first && t <= last + 1, "traffic at {t}, outside {first}..={}", last + 1);
        }
    }
    // Legacy keys the Python client reads.
    assert_eq!(rsp["start"], m["epoch_begin"]);
    assert_eq!(rsp["step"], m["epoch_step"]);
    assert_eq!(rsp["count"], m["num_point"]);
    assert_eq!(rsp["series"][0]["label"], "bytes");
    assert_eq!(num(&rsp["statistics"]["by_serie"][0]["total"]), iface_bytes);

    // The same query as the Python client sends it: a JSON POST with numbers.
    let body = json!({"ts_schema": "iface:traffic", "ts_query": "ifid:0", "epoch_begin": begin, "epoch_end": end, "limit": 10000});
    let r = d.post_json("/lua/rest/v2/get/timeseries/ts.lua", &a, &body);
    let v = r.json().unwrap_or_else(|| panic!("{} {}", r.status, r.body));
    assert_eq!((r.status, v["rc"].clone()), (200, json!(0)), "{}", r.body);
    assert_eq!(v["rsp"], rsp);

    // host:traffic of a local host, 300 s step: within 150 B × points of get/host/data's bytes.
    let host = "192.168.1.93";
    let (h, _) = d.rest_ok(&format!("/lua/rest/v2/get/host/data.lua?ifid=0&host={host}"), &a);
    let q = format!("ts_schema=host:traffic&ts_query=ifid:0,host:{host}&epoch_begin={begin}&epoch_end={end}");
    let (rsp, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/ts.lua?{q}"), &a);
    assert_eq!(rsp["metadata"]["epoch_step"], 300, "{rsp}");
    assert_eq!(rsp["metadata"]["query"], json!({"ifid": "0", "host": host}));
    for (i, (id, field)) in [("bytes_sent", "bytes.sent"), ("bytes_rcvd", "bytes.rcvd")].into_iter().enumerate() {
        assert_eq!(rsp["series"][i]["id"], id);
        let pts = points(&rsp, i);
        let with_traffic = pts.iter().flatten().filter(|v| **v > 0.0).count() as f64;
        let volume = pts.iter().flatten().sum::<f64>() * 300.0;
        let expected = num(&h[field]);
        assert!(expected > 0.0 && with_traffic >= 1.0, "{id}: {pts:?}");
        assert!((volume - expected).abs() <= 150.0 * with_traffic, "{id}: {volume} from the points, {expected} in get/host/data");
    }

    // top:iface:ndpi: one series per application, by volume; their sum is the interface's traffic
    // when at most 8 applications have traffic.
    let q = format!("ts_schema=top:iface:ndpi&ts_query=ifid:0&epoch_begin={begin}&epoch_end={end}");
    let (top, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/ts.lua?{q}"), &a);
    let series = top["series"].as_array().unwrap_or_else(|| panic!("{top}"));
    assert!(!series.is_empty() && series.len() <= 8, "{top}");
    let totals: Vec<f64> = series.iter().map(|s| num(&s["statistics"]["total"])).collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "by volume: {totals:?}");
    assert!(series.iter().all(|s| s["name"].is_string() && s["id"] == "bytes"), "{top}");

    // ntopng's empty answer and errors.
    let (none, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/ts.lua?ts_schema=iface:bogus&ts_query=ifid:0&epoch_begin={begin}&epoch_end={end}"), &a);
    assert_eq!(none, json!({"metadata": []}));
    let (none, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/ts.lua?ts_schema=host:traffic&ts_query=ifid:0,host:10.9.9.9&epoch_begin={begin}&epoch_end={end}"), &a);
    assert_eq!(none, json!({"metadata": []}));
    for bad in ["ts_schema=iface:traffic&ts_query=host:1.2.3.4", "ts_query=ifid:0", "ts_schema=iface:traffic&ts_query=ifid:0&epoch_begin=abc"] {
        let r = d.get(&format!("/lua/rest/v2/get/timeseries/ts.lua?{bad}"), &a);
        assert_eq!((r.status, r.json().unwrap()["rc_str"].clone()), (400, json!("INVALID_ARGUMENTS")), "{bad}: {}", r.body);
    }

    // ts_compare: the window a minute earlier is added (its points are the capture's seconds). Its end
    // reaches 4 s past the capture: the last point is at the end of the last second, and a window ending
    // within two steps of a series' last point is cut to it (the shifted window would then be shorter).
    let q = format!("ts_schema=iface:traffic&ts_query=ifid:0&epoch_begin={}&epoch_end={}&limit=10000&ts_compare=1m", first + 60, last + 64);
    let (cmp, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/ts.lua?{q}"), &a);
    let past = &cmp["additional_series"]["1m_ago"];
    assert_eq!(num(&past["metadata"]["epoch_begin"]) as u64, num(&cmp["metadata"]["epoch_begin"]) as u64 - 60, "{cmp}");
    assert_eq!(past["metadata"]["num_point"], cmp["metadata"]["num_point"]);
    let past_sum: f64 = points(past, 0).iter().flatten().sum();
    assert!(past_sum > 0.0, "{cmp}");
    let legacy: f64 = cmp["additional_series"]["1m ago"].as_array().unwrap().iter().map(num).sum();
    assert_eq!(legacy, past_sum);

    // type/consts.lua, without `query` as the Python client calls it, and for a host.
    // Without a window, the last hour of wall-clock time: the static list only (the capture is from 2020).
    let (charts, _) = d.rest_ok("/lua/rest/v2/get/timeseries/type/consts.lua", &a);
    let schemas: Vec<&str> = charts.as_array().unwrap().iter().filter_map(|c| c["schema"].as_str()).collect();
    assert_eq!(schemas[0], "iface:traffic", "{charts}");
    assert!(!schemas.iter().any(|s| s.starts_with("top:")), "{schemas:?}");
    let (charts, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/type/consts.lua?ifid=0&query=iface&epoch_begin={begin}&epoch_end={end}"), &a);
    let schemas: Vec<&str> = charts.as_array().unwrap().iter().filter_map(|c| c["schema"].as_str()).collect();
    assert!(schemas.contains(&"top:iface:ndpi") && schemas.contains(&"top:iface:l4protos"), "{schemas:?}");
    let tcp = charts.as_array().unwrap().iter().find(|c| c["schema"] == "top:iface:l4protos" && c["query"] == "l4proto:tcp");
    assert!(tcp.is_some(), "{charts}");
    let (charts, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/type/consts.lua?query=host&ifid=0&host={host}"), &a);
    assert_eq!(charts[0]["schema"], "host:traffic", "{charts}");
    assert_eq!(charts[0]["timeseries"]["bytes_rcvd"]["invert_direction"], true);

    // The official Python client's timeseries calls.
    if let Some(py) = python_client() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python/client_timeseries_calls.py");
        let out = Command::new(py)
            .arg(script)
            .args(["--url", &d.url(""), "--user", "admin", "--password", "admin", "--ifid", "0", "--host", host])
            .args(["--begin", &begin.to_string(), "--end", &end.to_string(), "--iface-bytes", &(iface_bytes as u64).to_string()])
            .output()
            .expect("run the client");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "Python client failed:\n{text}\n--- daemon:\n{}", d.log());
        eprintln!("{text}");
    }
    assert!(d.stop(), "clean shutdown:\n{}", d.log());
    let _ = std::fs::remove_dir_all(&dir);
}

/// An hour of sparse UDP traffic between four local hosts (198.18.0.1-4), generated: second k from the
/// first carries 0 to 3 packets whose sizes depend on k, in six conversations (so two workers share them).
fn hour_of_traffic() -> ntopng_bench::gen::scenarios::Capture {
    use ntopng_bench::gen::addr::{mac, v4};
    use ntopng_bench::gen::conv::{Encap, Endpoint, UdpConv};
    use ntopng_bench::gen::describe::{ClientRule, Dir, Recorder};
    use ntopng_bench::gen::scenarios::{BASE_TS_NS, MS, SEC};
    ntopng_bench::gen::scenarios::Capture::of(|sink| {
        let mut rec = Recorder::new("hour", sink, true);
        let ep = |n: u32, port| Endpoint::new(mac(n), std::net::IpAddr::V4(v4(n)), port);
        let mut convs: Vec<UdpConv> = [(1, 2), (1, 3), (2, 4), (3, 1), (4, 1), (2, 3)]
            .iter()
            .enumerate()
            .map(|(i, &(c, s))| UdpConv::new(ep(c, 40000 + i as u16), ep(s, 7000 + i as u16), Encap::none()))
            .collect();
        for c in &mut convs {
            c.sides.open(&mut rec, ClientRule::FirstPacket, None);
        }
        // Starts 17 s past a 5-minute boundary, ends an hour later.
        let start = BASE_TS_NS + 17 * SEC;
        let payload = [0x5au8; 400];
        for k in 0..3600u64 {
            let n = (k * 7 + k / 60) % 4; // 0..=3 packets this second
            for j in 0..n {
                let c = ((k + j * 5) % 6) as usize;
                let dir = if (k + j) % 3 == 0 { Dir::S2C } else { Dir::C2S };
                let len = 20 + ((k * 13 + j * 101) % 380) as usize;
                convs[c].send(&mut rec, start + k * SEC + (j * 250 + k % 200) * MS, dir, &payload[..len])?;
            }
        }
        rec.finish()
    })
}

/// Timeseries of a capture file follow packet time: an hour-long capture (read in well under a second)
/// has one `iface:traffic` point per second with exactly that second's bytes, and one `host:traffic` point
/// per 5 minutes with exactly that interval's bytes, computed here from the capture's records.
#[test]
fn an_hour_long_capture_has_a_point_per_step() {
    let dir = scratch_dir("timeseries-hour");
    let cap = hour_of_traffic();
    let file = dir.join("hour.pcap");
    std::fs::write(&file, cap.to_pcap()).unwrap();
    // Expected, from the records: bytes per second, and per 5 minutes sent / received by 198.18.0.1.
    let host = "198.18.0.1";
    let host_ip = [198u8, 18, 0, 1];
    let mut per_sec = std::collections::BTreeMap::<u64, u64>::new();
    let mut per_5min = std::collections::BTreeMap::<u64, (u64, u64)>::new();
    for r in &cap.records {
        let (sec, len) = (r.ts_ns / 1_000_000_000, r.data.len() as u64);
        *per_sec.entry(sec).or_default() += len;
        // Ethernet + IPv4: source at 26, destination at 30.
        let e = per_5min.entry((sec / 300 + 1) * 300).or_default();
        if r.data[26..30] == host_ip {
            e.0 += len;
        }
        if r.data[30..34] == host_ip {
            e.1 += len;
        }
    }
    let (first, last) = (*per_sec.keys().next().unwrap(), *per_sec.keys().last().unwrap());
    assert!(last - first >= 3590 && per_sec.len() > 2000, "{} seconds with traffic", per_sec.len());

    let mut d = Daemon::start(
        &["-i", file.to_str().unwrap(), "-m", "198.18.0.0/24", "--disable-login=1", "--workers", "2"],
        &dir.join("data"),
    );
    d.wait_capture_read();
    wait_for_log(&d, "timeseries of hour.pcap: written up to packet time");
    let a = Auth::None;

    // iface:traffic: the point ending at second s + 1 holds second s's bytes; seconds without packets, 0.
    let q = format!("ts_schema=iface:traffic&ts_query=ifid:0&epoch_begin={first}&epoch_end={}&limit=10000", last + 10);
    let (rsp, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/ts.lua?{q}"), &a);
    assert_eq!(rsp["metadata"]["epoch_step"], 1, "{}", rsp["metadata"]);
    let t0 = num(&rsp["metadata"]["epoch_begin"]) as u64;
    let pts = points(&rsp, 0);
    let mut checked = 0;
    for (i, p) in pts.iter().enumerate() {
        let t = t0 + i as u64 + 1;
        if t <= first || t > last + 1 {
            continue;
        }
        let want = per_sec.get(&(t - 1)).copied().unwrap_or(0) as f64;
        assert_eq!(*p, Some(want), "iface:traffic at {t} (second {})", t - 1);
        checked += 1;
    }
    assert_eq!(checked, last - first + 1, "one point per second of the capture");
    let total: u64 = per_sec.values().sum();
    assert_eq!(pts.iter().flatten().sum::<f64>(), total as f64);

    // host:traffic: one point per 5 minutes crossed (13 for an hour starting 17 s past a boundary).
    let q = format!("ts_schema=host:traffic&ts_query=ifid:0,host:{host}&epoch_begin={first}&epoch_end={}", last + 600);
    let (rsp, _) = d.rest_ok(&format!("/lua/rest/v2/get/timeseries/ts.lua?{q}"), &a);
    assert_eq!(rsp["metadata"]["epoch_step"], 300, "{rsp}");
    let t0 = num(&rsp["metadata"]["epoch_begin"]) as u64;
    let (sent, rcvd) = (points(&rsp, 0), points(&rsp, 1));
    let mut with_traffic = 0;
    for (i, (s, r)) in sent.iter().zip(&rcvd).enumerate() {
        let t = t0 + 300 * (i as u64 + 1);
        let (ws, wr) = per_5min.get(&t).copied().unwrap_or((0, 0));
        // ts.lua rounds each rate to an integer (as ntopng does): within 0.5 B/s × 300 s.
        for (id, got, want) in [("bytes_sent", s, ws), ("bytes_rcvd", r, wr)] {
            let got = got.unwrap_or(0.0) * 300.0;
            assert!((got - want as f64).abs() <= 150.0, "host:traffic {id} at {t}: {got} from ts.lua, {want} in the capture");
        }
        with_traffic += (ws + wr > 0) as usize;
    }
    assert_eq!(with_traffic, per_5min.len());
    assert_eq!(per_5min.len(), 13);
    assert!(d.stop(), "clean shutdown:\n{}", d.log());

    // In the store the rates are exact: rate × 300 s is the interval's bytes, for every interval.
    let db = rusqlite::Connection::open(dir.join("data/timeseries.sqlite")).unwrap();
    let mut q = db
        .prepare(
            "SELECT p.t, p.v0, p.v1 FROM points p JOIN series s ON s.id = p.series
             WHERE s.schema = 'host:traffic' AND s.tags = ?1 AND p.res = 300 ORDER BY p.t",
        )
        .unwrap();
    let stored: Vec<(u64, f64, f64)> = q
        .query_map([format!("ifid=0,host={host}")], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let nonzero: Vec<(u64, u64, u64)> = stored
        .iter()
        .filter(|(_, s, r)| *s > 0.0 || *r > 0.0)
        .map(|(t, s, r)| (*t, (s * 300.0).round() as u64, (r * 300.0).round() as u64))
        .collect();
    let want: Vec<(u64, u64, u64)> = per_5min.iter().map(|(t, (s, r))| (*t, *s, *r)).collect();
    assert_eq!(nonzero, want, "host:traffic per 5 minutes, stored");
    // And iface:traffic per second, stored.
    let mut q = db
        .prepare(
            "SELECT p.t, p.v0 FROM points p JOIN series s ON s.id = p.series
             WHERE s.schema = 'iface:traffic' AND p.res = 1 AND p.v0 > 0 ORDER BY p.t",
        )
        .unwrap();
    let stored: Vec<(u64, u64)> =
        q.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64 - 1, r.get::<_, f64>(1)? as u64))).unwrap().map(Result::unwrap).collect();
    assert_eq!(stored, per_sec.into_iter().collect::<Vec<_>>(), "iface:traffic per second, stored");
    let _ = std::fs::remove_dir_all(&dir);
}
