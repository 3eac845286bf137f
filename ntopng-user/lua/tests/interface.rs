//! The `interface.*` and `network.*` bindings against a real engine run: test_01.pcap (ntopng's e2e capture)
//! read by the engine with real libndpi and `-m 192.168.1.0/24`; results are checked against the engine's own
//! snapshot of the same run and, where ntopng's e2e outputs give them, against ntopng's numbers.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use common::TestEnv;
use ndpi::{Classification, Detector, DetectorConfig, ProtocolNames};
use ntopng_engine::flow::Counters;
use ntopng_engine::host::HostKey;
use ntopng_engine::sink::FlowRecord;
use ntopng_engine::{EngineConfig, LocalNetworks, Snapshot};
use ntopng_lua::{IfaceInfo, IfaceView, InterfaceProvider, StaticProvider, ViewNeeds};
use ntopng_wire::Addr;
use serde_json::Value as Json;

const LOCAL_NET: &str = "192.168.1.0/24";

fn pcap() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pcaps/ntopng-e2e/test_01.pcap")
}

fn names() -> Arc<ProtocolNames> {
    static N: OnceLock<Arc<ProtocolNames>> = OnceLock::new();
    N.get_or_init(|| Arc::new(ProtocolNames::new(&Detector::new(&DetectorConfig::default()).unwrap()))).clone()
}

/// The engine's snapshot of test_01.pcap (two workers), or None (with a visible message) without the capture.
fn capture_snapshot() -> Option<Arc<Snapshot>> {
    static S: OnceLock<Option<Arc<Snapshot>>> = OnceLock::new();
    S.get_or_init(|| {
        let p = pcap();
        if !p.exists() {
            eprintln!("SKIP: {} not found; the interface bindings are not tested against a capture", p.display());
            return None;
        }
        let cfg = EngineConfig {
            workers: 2,
            local_networks: LocalNetworks::parse(LOCAL_NET).unwrap(),
            ..EngineConfig::default()
        };
        let res = ntopng_engine::run_capture(&p, &cfg, None).unwrap();
        Some(Arc::new(res.snapshot()))
    })
    .clone()
}

fn info(ifid: i32, name: &str) -> IfaceInfo {
    IfaceInfo {
        ifid,
        name: name.into(),
        pcap_dump: true,
        speed_mbit: 1000,
        local_networks: vec![LOCAL_NET.into()],
        running: false,
    }
}

fn view_of(snap: Arc<Snapshot>, ifid: i32, name: &str) -> IfaceView {
    let epoch = snap.hosts.values().map(|h| h.last_seen_ns / 1_000_000_000).max().unwrap_or(0);
    IfaceView { info: info(ifid, name), snapshot: snap, epoch, engaged: Default::default() }
}

/// Counts the views handed out and records what each asked for.
struct Counting {
    inner: StaticProvider,
    views: AtomicUsize,
    needs: std::sync::Mutex<Vec<ViewNeeds>>,
}

impl InterfaceProvider for Counting {
    fn interfaces(&self) -> Vec<IfaceInfo> {
        self.inner.interfaces()
    }
    fn view(&self, ifid: i32, needs: ViewNeeds) -> Option<Arc<IfaceView>> {
        self.views.fetch_add(1, Ordering::SeqCst);
        self.needs.lock().unwrap().push(needs);
        self.inner.view(ifid, needs)
    }
    fn protocol_names(&self) -> Option<Arc<ProtocolNames>> {
        self.inner.protocol_names()
    }
}

fn env_with(provider: Arc<dyn InterfaceProvider>) -> TestEnv {
    TestEnv::with(|cfg| cfg.interfaces = Some(provider))
}

fn capture_env() -> Option<(TestEnv, Arc<Snapshot>)> {
    let snap = capture_snapshot()?;
    let p = StaticProvider::new(Some(names())).with(view_of(snap.clone(), 0, "test_01.pcap"));
    Some((env_with(Arc::new(p)), snap))
}

/// Runs a script that prints JSON, returns it parsed.
fn json_of(env: &TestEnv, body: &str) -> Json {
    let out = env.ok(&format!("local json = require('dkjson')\ninterface.select('0')\n{body}"));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn u(v: &Json) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not an unsigned number: {v}"))
}

fn in_local_net(a: &Addr) -> bool {
    LOCAL_NET.parse::<ipnet::IpNet>().unwrap().contains(&a.to_ip())
}

fn key_of(k: &HostKey) -> String {
    if k.vlan == 0 {
        k.addr.to_string()
    } else {
        format!("{}@{}", k.addr, k.vlan)
    }
}

#[test]
fn interface_stats_match_the_engine_and_ntopng() {
    let Some((env, snap)) = capture_env() else { return };
    let r = json_of(
        &env,
        r#"print(json.encode({
            stats = interface.getStats(), flows = interface.getNumFlows(), hosts = interface.getNumHosts(),
            local_hosts = interface.getNumLocalHosts(), id = interface.getId(), name = interface.getName(),
            names = interface.getIfNames(), first = interface.getFirstInterfaceId(), freq = interface.getStatsUpdateFreq(),
            pcap = interface.isPcapDumpInterface(), vlans = interface.hasVLANs(), speed = interface.getMaxIfSpeed(),
            valid = {interface.isValidIfId(0), interface.isValidIfId("test_01.pcap"), interface.isValidIfId(7)},
            n2i = {interface.name2id("test_01.pcap"), interface.name2id("eth9")},
        }))"#,
    );
    let st = &r["stats"];
    // The capture's content (capinfos): 4999 frames, 3624437 bytes. (ntopng's e2e reports 5000 packets and
    // 3744757 bytes, 178 flows: its capture had one more frame, and it counts per-frame wire overhead.)
    assert_eq!(u(&st["stats"]["packets"]), 4999);
    assert_eq!(u(&st["stats"]["bytes"]), 3_624_437);
    assert_eq!(u(&st["stats"]["packets"]), snap.iface.total.packets);
    assert_eq!(u(&st["stats"]["bytes"]), snap.iface.total.bytes);
    assert_eq!(u(&r["flows"]), snap.active_flows as u64);
    assert_eq!(u(&st["stats"]["flows"]), snap.flows.len() as u64);
    assert_eq!(u(&r["hosts"]), snap.hosts.len() as u64);
    assert_eq!(u(&st["stats"]["hosts"]), snap.hosts.len() as u64);
    assert_eq!(u(&st["stats"]["devices"]), snap.macs.len() as u64);
    // Local hosts: in the -m network, or multicast/broadcast (ntopng counts those as local).
    let local = snap
        .hosts
        .keys()
        .filter(|k| {
            let ip = k.addr.to_ip();
            in_local_net(&k.addr)
                || ip.is_multicast()
                || matches!(ip, IpAddr::V4(v4) if v4.is_broadcast() || v4.octets()[3] == 255 && in_local_net(&k.addr))
        })
        .count() as u64;
    assert_eq!(u(&r["local_hosts"]), local);
    assert_eq!(u(&st["stats"]["local_hosts"]), local);
    assert_eq!(st["name"], "test_01.pcap");
    assert_eq!(st["type"], "pcap dump");
    assert_eq!(u(&st["speed"]), 1000);
    assert_eq!(u(&st["periodic_stats_update_frequency_secs"]), 5);
    assert_eq!(u(&r["freq"]), 5);
    assert_eq!(u(&r["id"]), 0);
    assert_eq!(r["name"], "test_01.pcap");
    assert_eq!(r["names"]["0"], "test_01.pcap");
    assert_eq!(u(&r["first"]), 0);
    assert_eq!(r["pcap"], true);
    assert_eq!(r["vlans"], false);
    assert_eq!(u(&r["speed"]), 1000);
    assert_eq!(r["valid"], serde_json::json!([true, true, false]));
    assert_eq!(r["n2i"], serde_json::json!([0, -1]));
    // eth: everything ingress; IPv4 + IPv6 + ARP + other = total.
    let eth = &st["eth"];
    assert_eq!(u(&eth["ingress"]["bytes"]), snap.iface.total.bytes);
    assert_eq!(u(&eth["egress"]["bytes"]), 0);
    let l2: u64 = ["IPv4", "IPv6", "ARP", "MPLS", "other"].iter().map(|k| u(&eth[format!("{k}_bytes")])).sum();
    assert_eq!(l2, snap.iface.total.bytes);
    // localstats: the engine's counters (ended flows too); every IP byte once, by the localness of its sender
    // and receiver.
    let els = &snap.iface.localstats;
    for (unit, ls, e) in
        [("bytes", &st["localstats"]["bytes"], &els.bytes), ("packets", &st["localstats"]["packets"], &els.packets)]
    {
        assert_eq!(u(&ls["local2local"]), e.local2local, "{unit}");
        assert_eq!(u(&ls["local2remote"]), e.local2remote, "{unit}");
        assert_eq!(u(&ls["remote2local"]), e.remote2local, "{unit}");
        assert_eq!(u(&ls["remote2remote"]), e.remote2remote, "{unit}");
    }
    let ls = &st["localstats"]["bytes"];
    let ls_sum: u64 = ["local2local", "local2remote", "remote2local", "remote2remote"].iter().map(|k| u(&ls[*k])).sum();
    assert_eq!(ls_sum, snap.iface.ip.bytes);
    assert!(u(&ls["remote2local"]) > u(&ls["local2remote"]), "test_01 is mostly downloads");
    assert!(u(&ls["local2remote"]) > 0);
    // The hosts' view of the same bytes: what local hosts sent to remote ones (a hand count over the flows,
    // which on this capture are all still active) is local2remote.
    let all_active = snap.l7.values().map(|t| t.flows).sum::<u64>() == snap.flows.len() as u64;
    assert!(all_active, "test_01 ends no flow before the end of the capture");
    let is_local = |a: &Addr| snap.hosts[&HostKey { addr: *a, vlan: 0 }].local;
    let l2r: u64 = snap
        .flows
        .iter()
        .map(|f| {
            let (c, s) = (is_local(&f.client.0), is_local(&f.server.0));
            (if c && !s { f.cli2srv.bytes } else { 0 }) + (if s && !c { f.srv2cli.bytes } else { 0 })
        })
        .sum();
    assert_eq!(u(&ls["local2remote"]), l2r);
    // ndpi: per application, the engine's L7 totals, all received (ntopng does not look at the direction on
    // an interface), with the span the application was seen in.
    let names = names();
    for (id, tot) in &snap.l7 {
        let e = &st["ndpi"][names.protocol(*id)];
        assert_eq!(u(&e["bytes.sent"]), 0);
        assert_eq!(u(&e["bytes.rcvd"]), tot.bytes, "{}", names.protocol(*id));
        assert_eq!(u(&e["packets.rcvd"]), tot.packets);
        assert_eq!(u(&e["num_flows"]), tot.flows);
        assert!(u(&e["duration"]) >= 1);
    }
    assert_eq!(st["ndpi"].as_object().unwrap().len(), snap.l7.len());
    let cat_bytes: u64 = st["ndpi_categories"].as_object().unwrap().values().map(|c| u(&c["bytes"])).sum();
    assert_eq!(cat_bytes, snap.l7.values().map(|t| t.bytes).sum::<u64>());
    // dscp: every IP packet under its code point; test_01 is all best effort but a few.
    let dscp = st["dscp"].as_object().unwrap();
    let dscp_packets: u64 = dscp.values().map(|e| u(&e["packets.sent"]) + u(&e["packets.rcvd"])).sum();
    let dscp_bytes: u64 = dscp.values().map(|e| u(&e["bytes.sent"]) + u(&e["bytes.rcvd"])).sum();
    assert_eq!(dscp_packets, snap.iface.ip.packets);
    assert_eq!(dscp_bytes, snap.iface.ip.bytes);
    assert_eq!(u(&dscp["cs0"]["packets.rcvd"]), snap.iface.dscp[0].packets);
    assert!(snap.iface.dscp[0].packets * 2 > snap.iface.ip.packets, "{dscp:?}");
    // tcpPacketStats: the engine's, which are the flows' sums (no flow ended).
    let tcp = &st["tcpPacketStats"];
    assert_eq!(u(&tcp["retransmissions"]), snap.iface.tcp.retransmissions);
    assert_eq!(u(&tcp["out_of_order"]), snap.iface.tcp.out_of_order);
    assert_eq!(u(&tcp["lost"]), snap.iface.tcp.lost);
    assert_eq!(u(&tcp["keep_alive"]), snap.iface.tcp.keep_alive);
    let flow_retx: u64 = snap.flows.iter().map(|f| f.cli2srv_tcp.retransmissions + f.srv2cli_tcp.retransmissions).sum();
    assert_eq!(u(&tcp["retransmissions"]), flow_retx);
    assert!(flow_retx > 0, "test_01 has retransmissions");
    // No ARP nor IPv4 broadcast on test_01 within a domain: no broadcast domain (an empty table).
    assert!(snap.bcast_domains.is_empty(), "{:?}", snap.bcast_domains);
    assert_eq!(st["bcast_domains"], serde_json::json!([]));
}

#[test]
fn l7_flow_counts_match_ntopng() {
    let Some((env, snap)) = capture_env() else { return };
    let r =
        json_of(&env, "print(json.encode({c = interface.getnDPIFlowsCount(), a = interface.getActiveFlowsStats()}))");
    // Per application, as the engine classified the flows (ntopng's e2e differs slightly: its nDPI build and
    // guessing are not ours, e.g. DNS 31 there).
    let names = names();
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for f in &snap.flows {
        *want
            .entry(names.protocol(f.classification.as_ref().map_or(0, |c| c.counted_protocol())).to_string())
            .or_default() += 1;
    }
    for (app, n) in &want {
        assert_eq!(u(&r["c"][app.as_str()]), *n, "{app}");
    }
    assert_eq!(r["c"].as_object().unwrap().len(), want.len());
    assert!(want["TLS"] > 40 && want["DNS"] > 25, "{want:?}");
    let total: u64 = r["c"].as_object().unwrap().values().map(u).sum();
    assert_eq!(total, snap.flows.len() as u64);
    // ntopng's e2e get/flow/l4/counters: 132 TCP, 46 UDP (one UDP flow more in its capture, see above).
    assert_eq!(u(&r["a"]["l4_protocols"]["6"]["count"]), 132);
    assert_eq!(
        u(&r["a"]["l4_protocols"]["17"]["count"]),
        snap.flows.iter().filter(|f| f.l4_proto == 17).count() as u64
    );
    assert_eq!(u(&r["a"]["ndpi"]["TLS"]["count"]), want["TLS"]);
}

#[test]
fn hosts_listing_filters_sorts_and_pages() {
    let Some((env, snap)) = capture_env() else { return };
    let r = json_of(
        &env,
        r#"local pages, keys = {}, {}
        for p = 1, 5 do
          local res = interface.getHostsInfo({currentPage = p, perPage = 10, sortColumn = "column_traffic", sortOrder = "desc"})
          local list = {}
          for k, h in pairs(res.hosts) do list[#list + 1] = {k = k, b = h["bytes.sent"] + h["bytes.rcvd"]} end
          table.sort(list, function(a, b) if a.b ~= b.b then return a.b > b.b end return a.k > b.k end)
          pages[p] = {num = res.numHosts, list = list}
        end
        local loc = interface.getLocalHostsInfo()
        local rem = interface.getRemoteHostsInfo(false, "column_ip", 5, 0, true)
        local cidr = interface.getHostsInfo({cidr = "192.168.1.0/24"})
        local net = interface.getHostsInfo({network = 0})
        local v = interface.getHostsInfo({vlan = 3})
        print(json.encode({pages = pages, loc = loc.numHosts, rem = rem.numHosts, rem_page = rem.hosts,
          cidr = cidr.numHosts, net = net.numHosts, v = v.numHosts}))"#,
    );
    let n = snap.hosts.len();
    // The engine's hosts sorted by total bytes, descending (ties by key descending, as the script does).
    let mut expected: Vec<(u64, String)> =
        snap.hosts.values().map(|h| (h.sent.bytes + h.rcvd.bytes, key_of(&h.key))).collect();
    expected.sort_by(|a, b| b.cmp(a));
    let mut seen = Vec::new();
    for p in r["pages"].as_array().unwrap() {
        assert_eq!(u(&p["num"]), n as u64);
        for e in p["list"].as_array().unwrap() {
            seen.push((u(&e["b"]), e["k"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(seen.len(), n.min(50));
    // Page boundaries are by bytes: every host of page p has at least the bytes of any host of page p+1.
    let bytes_seen: Vec<u64> = seen.iter().map(|s| s.0).collect();
    let bytes_expected: Vec<u64> = expected.iter().take(50).map(|s| s.0).collect();
    assert_eq!(bytes_seen, bytes_expected);
    assert_eq!(seen.iter().map(|s| &s.1).collect::<BTreeSet<_>>().len(), seen.len(), "a host appears twice");
    let local_in_net = snap.hosts.keys().filter(|k| in_local_net(&k.addr)).count() as u64;
    let local_r = json_of(&env, "print(json.encode(interface.getNumLocalHosts()))");
    assert_eq!(u(&r["loc"]), u(&local_r));
    assert_eq!(u(&r["loc"]) + u(&r["rem"]), n as u64);
    assert_eq!(r["rem_page"].as_object().unwrap().len(), 5.min(u(&r["rem"]) as usize));
    // Remote page in IP order: the 5 lowest remote addresses.
    let mut remote: Vec<&HostKey> = snap.hosts.keys().filter(|k| !r["rem_page"].is_null() && !local_host(k)).collect();
    remote.sort();
    let want: BTreeSet<String> = remote.iter().take(5).map(|k| key_of(k)).collect();
    let got: BTreeSet<String> = r["rem_page"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(got, want);
    assert_eq!(u(&r["cidr"]), local_in_net);
    assert_eq!(u(&r["net"]), local_in_net);
    assert_eq!(u(&r["v"]), 0);
}

fn local_host(k: &HostKey) -> bool {
    let ip = k.addr.to_ip();
    in_local_net(&k.addr)
        || ip.is_multicast()
        || matches!(ip, IpAddr::V4(v4) if v4.is_broadcast())
        || (in_local_net(&k.addr) && matches!(ip, IpAddr::V4(v4) if v4.octets()[3] == 255))
}

#[test]
fn host_info_matches_the_engine() {
    let Some((env, snap)) = capture_env() else { return };
    let r = json_of(
        &env,
        r#"print(json.encode({h = interface.getHostInfo("192.168.1.93"), h0 = interface.getHostInfo("192.168.1.93", 0),
          min = interface.getHostMinInfo("192.168.1.93"), none = interface.getHostInfo("10.9.9.9") == nil,
          bad = interface.getHostInfo("not-an-ip") == nil, active = interface.isHostActive("192.168.1.93"),
          inactive = interface.isHostActive("10.9.9.9"), stats = interface.getnDPIStats("192.168.1.93")}))"#,
    );
    let h = &r["h"];
    let key = HostKey { addr: Addr::from_ip("192.168.1.93".parse().unwrap()), vlan: 0 };
    let eh = &snap.hosts[&key];
    assert_eq!(u(&h["bytes.sent"]), eh.sent.bytes);
    assert_eq!(u(&h["bytes.rcvd"]), eh.rcvd.bytes);
    assert_eq!(u(&h["packets.sent"]), eh.sent.packets);
    assert_eq!(u(&h["packets.rcvd"]), eh.rcvd.packets);
    assert_eq!(h["ip"], "192.168.1.93");
    assert_eq!(u(&h["ipkey"]), 3_232_235_869);
    assert_eq!(h["iphex"], "C0A8015D");
    assert_eq!(h["localhost"], true);
    assert_eq!(h["privatehost"], true);
    assert_eq!(u(&h["local_network_id"]), 0);
    assert_eq!(h["local_network_name"], LOCAL_NET);
    assert_eq!(h["mac"], "28:37:37:00:6D:C8");
    assert_eq!(u(&h["active_flows.as_client"]), u64::from(eh.active_flows_as_client));
    assert_eq!(u(&h["active_flows.as_server"]), u64::from(eh.active_flows_as_server));
    assert_eq!(u(&h["seen.first"]), eh.first_seen_ns / 1_000_000_000);
    assert_eq!(h, &r["h0"]);
    // Every byte of the host is in exactly one application of its ndpi table, in the right direction, and
    // every flow of it in one application.
    let ndpi = h["ndpi"].as_object().unwrap();
    let sum = |t: &serde_json::Map<String, Json>, k: &str| t.values().map(|e| u(&e[k])).sum::<u64>();
    assert_eq!(sum(ndpi, "bytes.sent"), eh.sent.bytes);
    assert_eq!(sum(ndpi, "bytes.rcvd"), eh.rcvd.bytes);
    assert_eq!(sum(ndpi, "packets.sent"), eh.sent.packets);
    assert_eq!(sum(ndpi, "packets.rcvd"), eh.rcvd.packets);
    assert_eq!(sum(ndpi, "num_flows"), eh.total_flows_as_client + eh.total_flows_as_server);
    for (id, l7) in &eh.l7 {
        let e = &ndpi[names().protocol(*id)];
        assert_eq!(u(&e["bytes.sent"]), l7.sent.bytes);
        assert_eq!(u(&e["duration"]), 1 + l7.last_seen_ns / 1_000_000_000 - l7.first_seen_ns / 1_000_000_000);
    }
    let cats = h["ndpi_categories"].as_object().unwrap();
    assert_eq!(sum(cats, "bytes"), eh.sent.bytes + eh.rcvd.bytes);
    assert_eq!(u(&h["bytes.ndpi.unknown"]), eh.l7.get(&0).map_or(0, |a| a.sent.bytes + a.rcvd.bytes));
    // dscp: the host's packets by the code point they carried, both directions.
    let dscp = h["dscp"].as_object().unwrap();
    assert_eq!(sum(dscp, "packets.sent"), eh.sent.packets);
    assert_eq!(sum(dscp, "packets.rcvd"), eh.rcvd.packets);
    assert_eq!(sum(dscp, "bytes.sent"), eh.sent.bytes);
    assert!(u(&dscp["cs0"]["packets.sent"]) > 0 && u(&dscp["cs0"]["packets.rcvd"]) > 0, "{dscp:?}");
    // tcpPacketStats: the host's share of its flows' sequence issues.
    let host_retx: u64 = snap
        .flows
        .iter()
        .map(|f| {
            (if f.client.0 == key.addr { f.cli2srv_tcp.retransmissions } else { 0 })
                + (if f.server.0 == key.addr { f.srv2cli_tcp.retransmissions } else { 0 })
        })
        .sum();
    assert_eq!(u(&h["tcpPacketStats.sent"]["retransmissions"]), host_retx);
    assert!(ndpi.contains_key("TLS") && ndpi.contains_key("Facebook"), "{:?}", ndpi.keys());
    assert_eq!(r["stats"]["ndpi"], h["ndpi"]);
    // Contacts: distinct peers of its flows.
    let peers: BTreeSet<Addr> = snap.flows.iter().filter(|f| f.client.0 == key.addr).map(|f| f.server.0).collect();
    assert_eq!(u(&h["contacts.as_client"]), peers.len() as u64);
    assert_eq!(r["min"]["bytes.rcvd"], h["bytes.rcvd"]);
    assert!(r["min"].get("ndpi").is_none());
    assert_eq!(r["none"], true);
    assert_eq!(r["bad"], true);
    assert_eq!(r["active"], true);
    assert_eq!(r["inactive"], false);
}

#[test]
fn flows_listing_matches_the_engine() {
    let Some((env, snap)) = capture_env() else { return };
    let r = json_of(
        &env,
        r#"local all = interface.getFlowsInfo(nil, {sortColumn = "column_bytes", a2zSortOrder = false})
        local p2 = interface.getFlowsInfo(nil, {sortColumn = "column_bytes", a2zSortOrder = false, maxHits = 10, toSkip = 10})
        local seed = interface.getFlowsInfo({currentPage = 2, perPage = 10, sortColumn = "bytes", sortOrder = "desc"})
        local host = interface.getFlowsInfo("192.168.1.93", {maxHits = 5})
        local dns = interface.getFlowsInfo(nil, {l7protoFilter = interface.getnDPIProtoId("DNS")})
        local udp = interface.getFlowsInfo(nil, {l4protoFilter = 17})
        local p443 = interface.getFlowsInfo(nil, {portFilter = 443})
        local f1 = all.flows[1]
        local by_key = interface.findFlowByKeyAndHashId(f1["ntopng.key"], f1["hash_entry_id"])
        local wrong_hash = interface.findFlowByKeyAndHashId(f1["ntopng.key"], f1["hash_entry_id"] + 1) == nil
        local found = 0
        for _, f in ipairs(all.flows) do
          local g = interface.findFlowByKeyAndHashId(f["ntopng.key"], f["hash_entry_id"])
          if g and g["hash_entry_id"] == f["hash_entry_id"] and g["cli.port"] == f["cli.port"] then found = found + 1 end
        end
        local by_tuple = interface.findFlowByTuple(f1["srv.ip"], f1["srv.port"], f1["cli.ip"], f1["cli.port"], f1["proto.l4_id"])
        local k = interface.getFlowKey(f1["cli.ip"], f1["cli.port"], f1["srv.ip"], f1["srv.port"], "TCP")
        print(json.encode({all = all, p2 = p2.flows, seed = seed.flows, host = host, dns = dns.numFlows, udp = udp.numFlows,
          p443 = p443.numFlows, by_key = by_key["ntopng.key"], wrong_hash = wrong_hash, found = found, by_tuple = by_tuple and by_tuple["cli.ip"], k = k,
          none = interface.findFlowByTuple("1.2.3.4", 1, "5.6.7.8", 2, 6) == nil}))"#,
    );
    let flows = r["all"]["flows"].as_array().unwrap();
    assert_eq!(u(&r["all"]["numFlows"]), snap.flows.len() as u64);
    assert_eq!(flows.len(), snap.flows.len());
    let bytes: Vec<u64> = flows.iter().map(|f| u(&f["bytes"])).collect();
    let mut want: Vec<u64> = snap.flows.iter().map(|f| f.cli2srv.bytes + f.srv2cli.bytes).collect();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(bytes, want);
    // ntopng's e2e get_flow_active_01: the biggest flow is 192.168.1.93:61683 -> 8.241.92.250:443 TLS, 2356772
    // bytes, key 3382381902.
    let f1 = &flows[0];
    assert_eq!(f1["cli.ip"], "192.168.1.93");
    assert_eq!(u(&f1["cli.port"]), 61683);
    assert_eq!(f1["srv.ip"], "8.241.92.250");
    assert_eq!(u(&f1["srv.port"]), 443);
    assert_eq!(u(&f1["bytes"]), 2_356_772);
    assert_eq!(u(&f1["ntopng.key"]), 3_382_381_902);
    assert_eq!(f1["proto.l4"], "TCP");
    assert!(f1["proto.ndpi"].as_str().unwrap().starts_with("TLS"), "{}", f1["proto.ndpi"]);
    assert_eq!(u(&f1["cli2srv.bytes"]) + u(&f1["srv2cli.bytes"]), u(&f1["bytes"]));
    // The engine's record of that flow.
    let ef = snap.flows.iter().find(|f| f.ntopng_key == 3_382_381_902).unwrap();
    assert_eq!(u(&f1["cli2srv.packets"]), ef.cli2srv.packets);
    assert_eq!(u(&f1["srv2cli.packets"]), ef.srv2cli.packets);
    assert_eq!(u(&f1["seen.first"]), ef.first_seen_ns / 1_000_000_000);
    // Paging: page 2 of both argument forms is flows 11..20 of the full listing.
    let keys = |v: &Json| v.as_array().unwrap().iter().map(|f| u(&f["bytes"])).collect::<Vec<_>>();
    assert_eq!(keys(&r["p2"]), bytes[10..20].to_vec());
    assert_eq!(keys(&r["seed"]), bytes[10..20].to_vec());
    // Filters.
    let host_flows = snap
        .flows
        .iter()
        .filter(|f| f.client.0.to_string() == "192.168.1.93" || f.server.0.to_string() == "192.168.1.93")
        .count();
    assert_eq!(u(&r["host"]["numFlows"]), host_flows as u64);
    assert_eq!(r["host"]["flows"].as_array().unwrap().len(), 5);
    let dns = names().protocol_id("DNS").unwrap();
    let want_dns = snap
        .flows
        .iter()
        .filter(|f| f.classification.as_ref().is_some_and(|c| c.master_protocol == dns || c.app_protocol == dns))
        .count();
    assert_eq!(u(&r["dns"]), want_dns as u64);
    assert_eq!(u(&r["udp"]), snap.flows.iter().filter(|f| f.l4_proto == 17).count() as u64);
    assert_eq!(u(&r["p443"]), snap.flows.iter().filter(|f| f.client.1 == 443 || f.server.1 == 443).count() as u64);
    assert_eq!(u(&r["by_key"]), 3_382_381_902);
    assert_eq!(r["wrong_hash"], true);
    // Hash ids: the engine's, unique on the interface, and each (key, hash id) finds its own flow.
    let ids: BTreeSet<u64> = flows.iter().map(|f| u(&f["hash_entry_id"])).collect();
    assert_eq!(ids.len(), flows.len());
    assert_eq!(ids, snap.flows.iter().map(|f| f.hash_id).collect());
    assert_eq!(u(&r["found"]), flows.len() as u64);
    // Per-direction TCP issues and DSCP are the engine's record's.
    assert_eq!(u(&f1["hash_entry_id"]), ef.hash_id);
    assert_eq!(u(&f1["cli2srv.retransmissions"]), ef.cli2srv_tcp.retransmissions);
    assert_eq!(u(&f1["srv2cli.retransmissions"]), ef.srv2cli_tcp.retransmissions);
    assert_eq!(u(&f1["srv2cli.out_of_order"]), ef.srv2cli_tcp.out_of_order);
    assert_eq!(u(&f1["srv2cli.lost"]), ef.srv2cli_tcp.lost);
    assert_eq!(u(&f1["tos"]["client"]["DSCP"]), u64::from(ef.cli2srv_dscp));
    assert_eq!(u(&f1["tos"]["server"]["DSCP"]), u64::from(ef.srv2cli_dscp));
    let with_retx =
        flows.iter().filter(|f| u(&f["cli2srv.retransmissions"]) + u(&f["srv2cli.retransmissions"]) > 0).count();
    let want_retx =
        snap.flows.iter().filter(|f| f.cli2srv_tcp.retransmissions + f.srv2cli_tcp.retransmissions > 0).count();
    assert_eq!(with_retx, want_retx);
    assert_eq!(r["by_tuple"], "192.168.1.93");
    assert_eq!(u(&r["k"]), 3_382_381_902);
    assert_eq!(r["none"], true);
}

#[test]
fn ndpi_names_networks_vlans_macs() {
    let Some((env, snap)) = capture_env() else { return };
    let n = names();
    let r = json_of(
        &env,
        r#"local protos = interface.getnDPIProtocols()
        local web = interface.getnDPIProtocols(interface.getnDPICategoryId("Web"))
        local nw = interface.getNetworksStats()
        network.select(0)
        local ns = network.getNetworkStats()
        local ctx_ok, ctx_no = network.checkContext("192.168.1.0/24"), network.checkContext("10.0.0.0/8")
        local after_no = network.getNetworkStats()
        network.checkContext("192.168.1.0/24")
        network.setCachedAlertValue("prev", "42", 0)
        local macs = interface.getMacsInfo({sortColumn = "bytes", sortOrder = "desc"})
        print(json.encode({tls = interface.getnDPIProtoId("TLS"), tls_name = interface.getnDPIProtoName(91),
          unknown_id = interface.getnDPIProtoId("NoSuchProto"), breed = interface.getnDPIProtoBreed(91),
          cat = interface.getnDPICategoryName(5), cats = interface.getnDPICategories(), tls_str = protos.TLS,
          web_has_http = web.HTTP ~= nil, web_has_dns = web.DNS ~= nil, nw = nw, ns = ns, ctx = {ctx_ok, ctx_no},
          after_no = after_no == nil, cached = network.getCachedAlertValue("prev", 0), uncached = network.getCachedAlertValue("x", 0),
          vlans = interface.getVLANsList(), vinfo = interface.getVLANsInfo(), macs = macs,
          mac = interface.getMacInfo(macs.macs[1].mac), nomac = interface.getMacInfo("00:11:22:33:44:55") == nil,
          mhosts = interface.getMacHosts("28:37:37:00:6D:C8")}))"#,
    );
    assert_eq!(u(&r["tls"]), u64::from(n.protocol_id("TLS").unwrap()));
    assert_eq!(r["tls_name"], n.protocol(91));
    assert_eq!(r["unknown_id"], -1);
    assert_eq!(r["breed"], n.breed(91));
    assert_eq!(r["cat"], n.category(5));
    assert_eq!(r["tls_str"], n.protocol_id("TLS").unwrap().to_string());
    assert_eq!(r["web_has_http"], true);
    assert_eq!(r["web_has_dns"], false);
    assert!(u(&r["cats"]["Web"]) == 5, "{}", r["cats"]);
    // Local network 0.
    let in_net: Vec<_> = snap.hosts.values().filter(|h| in_local_net(&h.key.addr)).collect();
    let net = &r["nw"][LOCAL_NET];
    assert_eq!(u(&net["network_id"]), 0);
    assert_eq!(u(&net["num_hosts"]), in_net.len() as u64);
    assert_eq!(u(&net["bytes.sent"]), in_net.iter().map(|h| h.sent.bytes).sum::<u64>());
    assert_eq!(u(&net["bytes.rcvd"]), in_net.iter().map(|h| h.rcvd.bytes).sum::<u64>());
    // Ingress/egress against the interface's remote2local/local2remote (no multicast peers outside).
    assert_eq!(
        u(&net["egress"]) + u(&net["ingress"]) + u(&net["inner"]),
        snap.flows
            .iter()
            .filter(|f| in_local_net(&f.client.0) || in_local_net(&f.server.0))
            .map(|f| f.cli2srv.bytes + f.srv2cli.bytes)
            .sum::<u64>()
    );
    assert_eq!(&r["ns"], net);
    assert_eq!(r["ctx"], serde_json::json!([true, false]));
    assert_eq!(r["after_no"], true);
    assert_eq!(r["cached"], "42");
    assert_eq!(r["uncached"], "");
    assert_eq!(r["vlans"], serde_json::json!([]));
    assert_eq!(u(&r["vinfo"]["numVLANs"]), 0);
    // MACs: ntopng's e2e counts 4 devices.
    assert_eq!(u(&r["macs"]["numMacs"]), 4);
    assert_eq!(u(&r["macs"]["numMacs"]), snap.macs.len() as u64);
    let top = snap.macs.values().max_by_key(|m| m.sent.bytes + m.rcvd.bytes).unwrap();
    assert_eq!(u(&r["mac"]["bytes.sent"]), top.sent.bytes);
    assert_eq!(u(&r["mac"]["bytes.rcvd"]), top.rcvd.bytes);
    assert_eq!(r["nomac"], true);
    assert!(r["mhosts"].as_object().unwrap().contains_key("192.168.1.93"));
}

/// Every implemented interface/network binding with valid arguments, then with invalid ones.
#[test]
fn every_binding_answers_and_rejects_bad_arguments() {
    let Some((env, _)) = capture_env() else { return };
    env.ok(
        r#"
local function raises(needle, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error containing '" .. needle .. "'")
  assert(tostring(err):find(needle, 1, true), "error '" .. tostring(err) .. "' does not contain '" .. needle .. "'")
end
interface.select(0)
local calls = {
  {"getIfNames"}, {"getFirstInterfaceId"}, {"getId"}, {"getName"}, {"getMasterInterfaceId"}, {"isValidIfId", 0},
  {"getMaxIfSpeed"}, {"getMaxIfSpeed", "test_01.pcap"}, {"getEndpoint"}, {"getIfMac"}, {"name2id", "x"},
  {"isPacketInterface"}, {"isDiscoverableInterface"}, {"isBridgeInterface"}, {"isPcapDumpInterface"},
  {"isDatabaseViewInterface"}, {"isZMQInterface"}, {"isView"}, {"isViewed"}, {"viewedBy"}, {"isLoopback"},
  {"isRunning"}, {"isIdle"}, {"isSubInterface"}, {"isSyslogInterface"}, {"hasVLANs"}, {"hasEBPF"},
  {"hasExternalAlerts"}, {"getStats"}, {"getStatsUpdateFreq"}, {"getThroughput"}, {"getActiveFlowsStats"},
  {"getScore"}, {"getProtocolFlowsStats"}, {"getNumHosts"}, {"getNumLocalHosts"}, {"getNumLocalRxOnlyHosts"},
  {"getNumFlows"}, {"getHostsInfo"}, {"getHostsInfo", true, "column_since", 3, 1, false}, {"getLocalHostsInfo", {details = true}},
  {"getLocalHostsInfoNoTX"}, {"getRemoteHostsInfo"}, {"getRemoteHostsInfoNoTX"}, {"getBroadcastDomainHostsInfo"},
  {"getBroadcastMulticastHostsInfo"}, {"getPublicHostsInfo"}, {"getInterfaceHosts", true}, {"getBatchedHostsInfo", 0, 10},
  {"getBatchedLocalHostsInfo", 0, 10}, {"getBatchedRemoteHostsInfo", 5, 5}, {"isHostActive", "192.168.1.93"},
  {"getHostInfo", "192.168.1.93"}, {"getHostMinInfo", "192.168.1.93"}, {"findHost", "192.168.1.93"},
  {"findHostByMac", "28:37:37:00:6D:C8"}, {"getnDPIHostStats", "192.168.1.93", 0}, {"getFlowsInfo"},
  {"getFlowsInfo", "192.168.1.93", {detailsLevel = "high", sortColumn = "column_ndpi"}}, {"getFlowsStats"},
  {"findFlowByKeyAndHashId", 1, 0}, {"findFlowByTuple", "1.1.1.1", 1, "2.2.2.2", 2, 17, 0},
  {"getFlowKey", "1.1.1.1", 1, "2.2.2.2", 2, 17}, {"getActiveMacs"}, {"getMacsInfo"}, {"getMacsInfo", "column_mac", 2, 0, true, true},
  {"isMacActive", "28:37:37:00:6D:C8"}, {"getMacInfo", "28:37:37:00:6D:C8"}, {"getMacHosts", "28:37:37:00:6D:C8"},
  {"isMulticastMac", "01:00:5E:00:00:FB"}, {"getnDPIProtocols"}, {"getnDPICategories"}, {"getnDPIProtoName", 7},
  {"getnDPIFullProtoName", 7}, {"getnDPIProtoId", "HTTP"}, {"getnDPICategoryId", "Web"}, {"getnDPICategoryName", 5},
  {"getnDPIProtoBreed", 7}, {"getnDPIFlowsCount"}, {"getnDPIStats"}, {"getNetworksStats"}, {"getNetworkStats", 0},
  {"getVLANsList"}, {"getVLANsInfo"}, {"getVLANInfo", 1},
}
for _, c in ipairs(calls) do
  local ok, err = pcall(interface[c[1]], table.unpack(c, 2))
  assert(ok, c[1] .. ": " .. tostring(err))
end
assert(interface.isMulticastMac("01:00:5E:00:00:FB") == true and interface.isMulticastMac("28:37:37:00:6D:C8") == false)
assert(interface.getVLANInfo(1) == nil and interface.getNetworkStats(7) == nil)
network.select(0); assert(network.getNetworkStats().network_id == 0); network.resetTrafficBetweenNets()
network.select(nil); assert(network.getNetworkStats() == nil)

-- bad arguments: clear errors naming the function and the argument
raises("interface.select: bad argument #1 (ifid)", interface.select, {})
raises("interface.getHostInfo: bad argument #1 (host): string expected, got no value", interface.getHostInfo)
raises("interface.getHostInfo: bad argument #2 (vlan)", interface.getHostInfo, "1.2.3.4", 99999)
raises("interface.getHostsInfo: bad field 'perPage' in params: integer expected, got boolean", interface.getHostsInfo, {perPage = true})
raises("interface.getHostsInfo: unknown host mode 'sideways'", interface.getHostsInfo, {mode = "sideways"})
raises("interface.getHostsInfo: invalid MAC address 'xx'", interface.getHostsInfo, {mac = "xx"})
raises("interface.getHostsInfo: bad argument #3 (maxHits)", interface.getHostsInfo, false, "column_ip", -1)
raises("interface.getFlowsInfo: bad argument #1 (host)", interface.getFlowsInfo, 42)
raises("interface.getFlowsInfo: bad argument #2 (pageinfo)", interface.getFlowsInfo, "1.2.3.4", 5)
raises("interface.getFlowsInfo: invalid host 'nohost'", interface.getFlowsInfo, "nohost")
raises("interface.getFlowsInfo: unknown L4 protocol 'XYZ'", interface.getFlowsInfo, nil, {l4protoFilter = "XYZ"})
raises("interface.findFlowByTuple: bad argument #1 (src_ip): invalid IP address 'a.b'", interface.findFlowByTuple, "a.b", 1, "1.1.1.1", 2, 6)
raises("interface.getFlowKey: bad argument #2 (src_port): must be between 0 and 65535", interface.getFlowKey, "1.1.1.1", 70000, "1.1.1.2", 2, 6)
raises("interface.getFlowKey: bad argument #5 (proto): unknown L4 protocol 'bogus'", interface.getFlowKey, "1.1.1.1", 1, "1.1.1.2", 2, "bogus")
raises("interface.getMacInfo: bad argument #1 (mac): invalid MAC address 'zz'", interface.getMacInfo, "zz")
raises("interface.getNetworkStats: bad argument #1 (network_id)", interface.getNetworkStats, "x")
raises("interface.getnDPIProtoName: bad argument #1 (proto_id): must be between 0 and 65535", interface.getnDPIProtoName, -1)
raises("interface.getVLANInfo: bad argument #1 (vlan_id)", interface.getVLANInfo, {})
raises("interface.getMaxIfSpeed: bad argument #1 (ifname_or_id): unknown interface", interface.getMaxIfSpeed, 42)
raises("network.select: bad argument #1 (network_id)", network.select, "zero")
raises("network.checkContext: bad argument #1 (cidr)", network.checkContext)
network.select(nil)
raises("network.getCachedAlertValue: no local network selected", network.getCachedAlertValue, "k", 0)
-- still unsupported ones say so
raises("interface.getHostPoolsInfo: not supported by this build yet (host pools are not built yet)", interface.getHostPoolsInfo)
raises("network.getAlerts: no local network selected", network.getAlerts, {})
network.select(0)
raises("network.storeTriggeredAlert: only network check scripts", network.storeTriggeredAlert, {alert_type = 4179})
raises("network.getAlerts: bad argument #1 (params_table)", network.getAlerts, 5)
"#,
    );
}

#[test]
fn unknown_interface_falls_back_to_the_first_and_select_switches() {
    let Some(snap) = capture_snapshot() else { return };
    let empty = Arc::new(Snapshot::default());
    let p = StaticProvider::new(Some(names())).with(view_of(empty, 3, "eth3")).with(view_of(
        snap.clone(),
        5,
        "test_01.pcap",
    ));
    let env = env_with(Arc::new(p));
    let out = env.ok(r#"assert(interface.getId() == 3, "default is the first")
        assert(interface.getNumFlows() == 0)
        interface.select("5"); assert(interface.getId() == 5 and interface.getName() == "test_01.pcap")
        local n = interface.getNumFlows()
        interface.select(99); assert(interface.getId() == 3, "unknown falls back to the first")
        assert(interface.getNumFlows() == 0)
        interface.select("test_01.pcap"); assert(interface.getId() == 5)
        print(n)"#);
    assert_eq!(out, snap.active_flows.to_string());
    // The session's interface is the default when the script does not select.
    let mut session = ntopng_lua::Session::nologin();
    session.extra.insert("ifname".into(), "test_01.pcap".into());
    let r = env.run_lua_req("print(interface.getId())", ntopng_lua::Request::get("/lua/t.lua").with_session(session));
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.body_str(), "5");
}

#[test]
fn one_view_per_request() {
    let Some(snap) = capture_snapshot() else { return };
    let p = Arc::new(Counting {
        inner: StaticProvider::new(Some(names())).with(view_of(snap, 0, "test_01.pcap")),
        views: AtomicUsize::new(0),
        needs: Default::default(),
    });
    let env = env_with(p.clone());
    // getStats answers from the counters, hosts and MACs: no copy of the flows.
    env.ok("interface.select(0); local s = interface.getStats(); interface.getHostsInfo(); interface.getMacsInfo()");
    assert_eq!(p.views.load(Ordering::SeqCst), 1);
    assert_eq!(p.needs.lock().unwrap().last(), Some(&ViewNeeds::HOSTS_MACS));
    // The flows, when a binding needs them, once.
    env.ok("interface.select(0); interface.getStats(); interface.getFlowsInfo(); interface.getHostInfo('192.168.1.93'); interface.getMacsInfo()");
    assert_eq!(p.views.load(Ordering::SeqCst), 1 + 2);
    env.ok("interface.select(0); interface.getNumFlows(); interface.getNumFlows(); interface.getNumHosts(); interface.getNumHosts(); interface.getFlowsInfo(); interface.getStats()");
    // counters, then +hosts, then +flows, then +macs: each fetch only when more is needed.
    assert_eq!(p.views.load(Ordering::SeqCst), 3 + 4);
    // A new request fetches again (nothing is kept across requests).
    env.ok("interface.getNumFlows()");
    assert_eq!(p.views.load(Ordering::SeqCst), 8);
    // Interface and host nDPI tables come from the engine's counters and host tables, not from the flows.
    env.ok("interface.select(0); interface.getnDPIStats()");
    assert_eq!(p.needs.lock().unwrap().last(), Some(&ViewNeeds::COUNTERS));
    env.ok("interface.select(0); interface.getnDPIStats('192.168.1.93'); interface.getnDPIHostStats('192.168.1.93')");
    assert_eq!(p.views.load(Ordering::SeqCst), 10);
    assert_eq!(p.needs.lock().unwrap().last(), Some(&ViewNeeds::HOSTS));
}

#[test]
fn without_a_provider_interface_calls_fail_clearly() {
    let env = TestEnv::new();
    let r = env.run_lua("interface.getId()");
    let e = r.error.expect("must fail");
    assert!(e.message.contains("interface.getId: no network interface is monitored by this process"), "{}", e.message);
    let r = env.run_lua("interface.getnDPIProtoName(7)");
    assert!(r.error.unwrap().message.contains("nDPI protocol names are not available"));
}

/// 100k flows: a page is built without converting the rest.
#[test]
fn a_page_of_100k_flows_is_cheap() {
    let mut snap = Snapshot::default();
    let tls = names().protocol_id("TLS").unwrap();
    for i in 0..100_000u32 {
        let cli = Addr::from_v4([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
        let srv = Addr::from_v4([192, 0, 2, (i % 7) as u8 + 1]);
        snap.flows.push(FlowRecord {
            client: (cli, 40000 + (i % 20000) as u16),
            server: (srv, 443),
            cli_mac: [0; 6],
            srv_mac: [0; 6],
            vlan: 0,
            l4_proto: 6,
            ip_version: 4,
            cli2srv: Counters { packets: 1 + u64::from(i % 13), bytes: 100 + u64::from(i) },
            srv2cli: Counters { packets: 1, bytes: 60 },
            cli2srv_flags: 0x12,
            srv2cli_flags: 0x12,
            marks: 0,
            cli2srv_goodput: 0,
            srv2cli_goodput: 0,
            first_seen_ns: 1_000_000_000,
            last_seen_ns: 2_000_000_000 + u64::from(i),
            classification: Some(Classification { master_protocol: tls, ..Default::default() }),
            swapped: false,
            ntopng_key: i,
            hash_id: u64::from(i),
            cli2srv_tcp: Default::default(),
            srv2cli_tcp: Default::default(),
            cli2srv_dscp: 0,
            srv2cli_dscp: 0,
            end_reason: None,
            score: Default::default(),
        });
    }
    snap.active_flows = snap.flows.len();
    let p = StaticProvider::new(Some(names())).with(view_of(Arc::new(snap), 0, "big"));
    let env = env_with(Arc::new(p));
    let started = Instant::now();
    let out = env.ok(
        r#"local r = interface.getFlowsInfo(nil, {sortColumn = "column_bytes", a2zSortOrder = false, maxHits = 10, toSkip = 20})
        assert(r.numFlows == 100000 and #r.flows == 10)
        print(r.flows[1].bytes .. " " .. r.flows[10].bytes)"#,
    );
    let took = started.elapsed();
    // Largest flow has 100 + 99999 + 60 bytes; rank 21 is 20 less.
    assert_eq!(out, format!("{} {}", 100 + 99_999 + 60 - 20, 100 + 99_999 + 60 - 29));
    assert!(took.as_secs_f64() < 5.0, "a page of 100k flows took {took:?}");
}

/// ntopng's e2e bcast_domains.pcap: the domains and their hits, and the hosts in them.
#[test]
fn broadcast_domains_match_ntopng() {
    let p = pcap().with_file_name("bcast_domains.pcap");
    if !p.exists() {
        eprintln!("SKIP: {} not found", p.display());
        return;
    }
    let cfg = EngineConfig { workers: 2, ..EngineConfig::default() };
    let snap = Arc::new(ntopng_engine::run_capture(&p, &cfg, None).unwrap().snapshot());
    let env = env_with(Arc::new(StaticProvider::new(Some(names())).with(view_of(snap.clone(), 0, "bcast"))));
    let r = json_of(
        &env,
        r#"local bd = interface.getBroadcastDomainHostsInfo()
        local flags = {}
        for k, h in pairs(interface.getHostsInfo().hosts) do flags[k] = h.broadcast_domain_host end
        print(json.encode({domains = interface.getStats().bcast_domains, num = bd.numHosts, flags = flags}))"#,
    );
    // The engine's domains, each {ghost_network = false, hits}. ntopng's e2e (rest_v2.md §4.7) has 10.0.0.0/24 with
    // 1 hit and the 42 ARP frames between 192.168.2.x addresses as 35 hits of 192.168.2.0/24; the engine counts
    // every frame and may split 192.168.2.0/24 (see the engine's tests/ntopng_figures.rs).
    let domains = r["domains"].as_object().unwrap();
    assert_eq!(domains.len(), snap.bcast_domains.len());
    for (cidr, hits) in &snap.bcast_domains {
        assert_eq!(domains[cidr], serde_json::json!({"ghost_network": false, "hits": hits}), "{cidr}");
    }
    assert_eq!(domains["10.0.0.0/24"]["hits"], 1);
    let arp_hits: u64 = domains.iter().filter(|(k, _)| k.starts_with("192.168.2.")).map(|(_, d)| u(&d["hits"])).sum();
    assert_eq!(arp_hits, 42);
    let nets: Vec<ipnet::IpNet> = snap.bcast_domains.keys().map(|k| k.parse().unwrap()).collect();
    let in_domain = |a: &Addr| nets.iter().any(|n| n.contains(&a.to_ip()));
    let want = snap.hosts.keys().filter(|k| in_domain(&k.addr)).count() as u64;
    assert!(want > 0);
    assert_eq!(u(&r["num"]), want);
    for k in snap.hosts.keys() {
        assert_eq!(r["flags"][key_of(k)], in_domain(&k.addr), "{}", key_of(k));
    }
}
