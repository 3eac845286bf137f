//! REST API v2 end to end: the daemon reads ntopng's own e2e capture test_01.pcap (with `-m 192.168.1.0/24`
//! as ntopng's tests run it), then the endpoints are called over HTTP and their answers compared with two
//! independent references: the capture file itself (frames and bytes counted from its record headers
//! here) and the flows the daemon dumps with `-F jsonl` when it stops (every active flow is ended into
//! the dump at shutdown, so the dump holds exactly the flows the REST API listed).

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use support::{counted_protocol, scratch_dir, shared_pcaps};

fn test_01() -> Option<PathBuf> {
    let p = shared_pcaps("REST tests on ntopng-e2e/test_01.pcap")?.join("ntopng-e2e/test_01.pcap");
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("SKIP REST tests: {} not found", p.display());
        None
    }
}

/// Frames and captured bytes of a classic pcap, read from its record headers.
fn pcap_totals(path: &Path) -> (u64, u64) {
    let b = std::fs::read(path).unwrap();
    let le = match &b[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        m => panic!("not a classic pcap: magic {m:02x?}"),
    };
    let u32_at = |o: usize| {
        let w = [b[o], b[o + 1], b[o + 2], b[o + 3]];
        if le { u32::from_le_bytes(w) } else { u32::from_be_bytes(w) }
    };
    let (mut off, mut frames, mut bytes) = (24usize, 0u64, 0u64);
    while off + 16 <= b.len() {
        let caplen = u32_at(off + 8) as usize;
        if off + 16 + caplen > b.len() {
            break;
        }
        frames += 1;
        bytes += caplen as u64;
        off += 16 + caplen;
    }
    (frames, bytes)
}

fn read_dump(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// `ip:port-ip:port` of a dumped flow or of a REST flow record, client first.
fn dump_tuple(f: &Value) -> String {
    format!("{}:{}-{}:{}", f["client"]["ip"].as_str().unwrap(), f["client"]["port"], f["server"]["ip"].as_str().unwrap(), f["server"]["port"])
}

fn num(v: &Value) -> u64 {
    v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)).or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| panic!("not a number: {v}"))
}

fn in_local_net(ip: &str) -> bool {
    ip.starts_with("192.168.1.")
}

#[test]
fn rest_answers_match_the_capture_and_the_flow_dump() {
    let Some(cap) = test_01() else { return };
    let dir = scratch_dir("rest-test01");
    let dump = dir.join("flows.jsonl");
    let spec = format!("jsonl;{}", dump.display());
    let mut d = Daemon::start(
        &["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24", "--disable-login=1", "-F", &spec, "--workers", "2"],
        &dir.join("data"),
    );
    d.wait_capture_read();
    let a = Auth::None;

    // Identity.
    let (rsp, _) = d.rest_ok("/lua/rest/v2/connect/test.lua", &a);
    assert_eq!(rsp, json!([]));
    let (ifaces, _) = d.rest_ok("/lua/rest/v2/get/ntopng/interfaces.lua", &a);
    assert_eq!(ifaces, json!([{"ifid": 0, "ifname": "test_01.pcap", "name": "test_01.pcap"}]));

    // Interface totals.
    let (frames, bytes) = pcap_totals(&cap);
    let (data, _) = d.rest_ok("/lua/rest/v2/get/interface/data.lua?ifid=0", &a);
    assert_eq!(num(&data["packets"]), frames, "{data}");
    assert_eq!(num(&data["bytes"]), bytes, "{data}");
    assert_eq!(data["ifname"], "test_01.pcap");
    assert_eq!(num(&data["speed"]), 1000);

    // Every page of the active flows.
    let mut rest_flows = Vec::new();
    let mut page = 1;
    loop {
        let (rsp, _) = d.rest_ok(&format!("/lua/rest/v2/get/flow/active.lua?ifid=0&currentPage={page}&perPage=40"), &a);
        let rows = rsp["data"].as_array().unwrap().clone();
        assert_eq!(num(&rsp["currentPage"]), page);
        assert_eq!(num(&rsp["perPage"]), 40);
        let total = num(&rsp["totalRows"]);
        let n = rows.len();
        rest_flows.extend(rows);
        if n < 40 || rest_flows.len() as u64 >= total {
            assert_eq!(rest_flows.len() as u64, total);
            break;
        }
        page += 1;
    }
    // Sorted by bytes, descending, by default.
    let (first_page, _) = d.rest_ok("/lua/rest/v2/get/flow/active.lua?ifid=0", &a);
    let b: Vec<u64> = first_page["data"].as_array().unwrap().iter().map(|f| num(&f["bytes"])).collect();
    assert!(b.windows(2).all(|w| w[0] >= w[1]), "not sorted by bytes desc: {b:?}");
    assert_eq!(b.len(), 10);

    let (l4, _) = d.rest_ok("/lua/rest/v2/get/flow/l4/counters.lua?ifid=0", &a);
    let (l7, _) = d.rest_ok("/lua/rest/v2/get/flow/l7/counters.lua?ifid=0", &a);
    let host_ip = "192.168.1.93";
    let (host, _) = d.rest_ok(&format!("/lua/rest/v2/get/host/data.lua?ifid=0&host={host_ip}"), &a);
    let (hosts_page, _) = d.rest_ok("/lua/rest/v2/get/host/active.lua?ifid=0&perPage=1000", &a);
    let (host_ifaces, _) = d.rest_ok(&format!("/lua/rest/v2/get/host/interfaces.lua?host={host_ip}"), &a);
    assert_eq!(host_ifaces, json!({ host_ip: [{"ifid": 0}] }));
    let (host_l7, _) = d.rest_ok(&format!("/lua/rest/v2/get/host/l7/stats.lua?ifid=0&host={host_ip}"), &a);

    // Errors keep ntopng's envelope and status.
    let r = d.get("/lua/rest/v2/get/interface/data.lua", &a);
    assert_eq!((r.status, r.json().unwrap()["rc_str"].clone()), (400, json!("INVALID_INTERFACE")), "{}", r.body);
    let r = d.get("/lua/rest/v2/get/host/data.lua?ifid=0&host=10.99.99.99", &a);
    assert_eq!((r.status, r.json().unwrap()["rc_str"].clone()), (404, json!("NOT_FOUND")), "{}", r.body);
    let r = d.get("/lua/rest/v2/get/no/such/endpoint.lua", &a);
    assert_eq!((r.status, r.json().unwrap()["rc"].clone()), (404, json!(-1)), "{}", r.body);

    assert!(d.stop(), "daemon failed at SIGTERM:\n{}", d.log());
    let flows = read_dump(&dump);
    assert!(!flows.is_empty());

    // The flow list is the dump: same tuples, bytes and L7 names.
    assert_eq!(num(&data["num_flows"]), flows.len() as u64);
    let by_tuple: BTreeMap<String, &Value> = flows.iter().map(|f| (dump_tuple(f), f)).collect();
    assert_eq!(by_tuple.len(), flows.len());
    for r in &rest_flows {
        let t = dump_tuple(r);
        let f = by_tuple.get(&t).unwrap_or_else(|| panic!("REST flow {t} not in the dump"));
        assert_eq!(num(&r["bytes"]), num(&f["bytes"]), "{t}");
        assert_eq!(r["protocol"]["l4"], f["protocol"]["l4"], "{t}");
        assert_eq!(r["protocol"]["l7"], f["protocol"]["l7"], "{t}");
        assert_eq!(num(&r["vlan"]), num(&f["vlan"]), "{t}");
        let cli = num(&f["cli2srv"]["bytes"]) as f64;
        let total = num(&f["bytes"]).max(1) as f64;
        assert_eq!(num(&r["breakdown"]["cli2srv"]), (100.0 * cli / total).round() as u64, "{t}");
    }

    // Hosts: every endpoint of a flow, locals by -m.
    let hosts: BTreeSet<String> =
        flows.iter().flat_map(|f| [f["client"]["ip"].as_str().unwrap().to_string(), f["server"]["ip"].as_str().unwrap().to_string()]).collect();
    assert_eq!(num(&data["num_hosts"]), hosts.len() as u64);
    assert_eq!(num(&data["num_local_hosts"]), hosts.iter().filter(|h| in_local_net(h)).count() as u64);
    let listed: BTreeSet<String> = hosts_page["data"].as_array().unwrap().iter().map(|h| h["ip"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed, hosts);

    // L4 and L7 counters.
    let mut want_l4: BTreeMap<u64, u64> = BTreeMap::new();
    let mut want_l7: BTreeMap<String, u64> = BTreeMap::new();
    for f in &flows {
        *want_l4.entry(num(&f["protocol"]["l4_id"])).or_default() += 1;
        *want_l7.entry(counted_protocol(f)).or_default() += 1;
    }
    let got_l4: BTreeMap<u64, u64> = l4.as_array().unwrap().iter().map(|e| (num(&e["id"]), num(&e["count"]))).collect();
    assert_eq!(got_l4, want_l4);
    let got_l7: Vec<(String, u64)> = l7.as_array().unwrap().iter().map(|e| (e["name"].as_str().unwrap().to_string(), num(&e["count"]))).collect();
    let mut sorted = got_l7.clone();
    sorted.sort();
    assert_eq!(got_l7, sorted, "l7 counters sorted by name");
    assert_eq!(got_l7.into_iter().collect::<BTreeMap<_, _>>(), want_l7);

    // One host in detail: its bytes are the sum over its flows, by role.
    let (mut sent, mut rcvd) = (0, 0);
    let mut per_l7: BTreeMap<String, u64> = BTreeMap::new();
    for f in &flows {
        let (c2s, s2c) = (num(&f["cli2srv"]["bytes"]), num(&f["srv2cli"]["bytes"]));
        if f["client"]["ip"] == host_ip {
            sent += c2s;
            rcvd += s2c;
        } else if f["server"]["ip"] == host_ip {
            sent += s2c;
            rcvd += c2s;
        } else {
            continue;
        }
        *per_l7.entry(counted_protocol(f)).or_default() += c2s + s2c;
    }
    assert_eq!(num(&host["bytes.sent"]), sent, "{host}");
    assert_eq!(num(&host["bytes.rcvd"]), rcvd, "{host}");
    assert_eq!(host["ip"], host_ip);
    assert_eq!(host["localhost"], true);
    // Host L7: the first (largest) entry is the protocol with the most bytes.
    let top = per_l7.iter().max_by_key(|(_, v)| **v).unwrap();
    assert_eq!(host_l7[0]["label"], top.0.as_str(), "{host_l7}");
    assert_eq!(num(&host_l7[0]["value"]), *top.1, "{host_l7}");
}

/// ntopng's pcap test mode: `--test-script-pre` runs once the web server is up and before the capture is
/// read, `--test-script` once it has been read (REST sees the final state), `--test-script-post` after the
/// interfaces are shut down; then the daemon exits by itself. All given in a configuration file, the way
/// ntopng's e2e harness writes them.
#[test]
fn test_scripts_run_in_order_against_the_state_of_each_moment() {
    let Some(cap) = test_01() else { return };
    let dir = scratch_dir("rest-test-scripts");
    let port = daemon::free_port();
    let call = |out: &str| {
        format!(
            "curl -s 'http://127.0.0.1:{port}/lua/rest/v2/get/interface/data.lua?ifid=0' > {} && date +%s%N >> {}",
            dir.join(out).display(),
            dir.join("order").display()
        )
    };
    let conf = dir.join("ntopng.conf");
    std::fs::write(
        &conf,
        format!(
            "-i={}\n-m=192.168.1.0/24\n-w=127.0.0.1:{port}\n-d={}\n--disable-login=1\n--shutdown-when-done\n--dont-change-user\n\
             --test-script-pre={}\n--test-script={}\n--test-script-post={}\n",
            cap.display(),
            dir.join("data").display(),
            call("pre.json"),
            call("runtime.json"),
            call("post.json"),
        ),
    )
    .unwrap();
    let out = std::process::Command::new(support::ntopng_bin())
        .arg(&conf)
        .output()
        .expect("run ntopng");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ntopng failed: {log}");
    let read = |f: &str| -> Value {
        let t = std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}\n{log}"));
        serde_json::from_str(&t).unwrap_or_else(|e| panic!("{f}: {e}: {t}"))
    };
    let (frames, _) = pcap_totals(&cap);
    let (pre, runtime, post) = (read("pre.json"), read("runtime.json"), read("post.json"));
    assert_eq!(pre["rc"], 0, "{pre}");
    assert_eq!(num(&pre["rsp"]["packets"]), 0, "pre runs before the capture is read: {pre}");
    assert_eq!(num(&runtime["rsp"]["packets"]), frames, "{runtime}");
    assert!(num(&runtime["rsp"]["num_flows"]) > 0, "{runtime}");
    assert_eq!(num(&post["rsp"]["packets"]), frames, "{post}");
    let order: Vec<u128> = std::fs::read_to_string(dir.join("order")).unwrap().lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(order.len(), 3);
    assert!(order.windows(2).all(|w| w[0] <= w[1]));
}
