//! User check scripts (`flow_checks/`, `host_checks/`, `network_checks/`) run by the check engine on the
//! engine's state of test_01.pcap (real libndpi, `-m 192.168.1.0/24`); what they trigger is compared with
//! the same selection computed here from the snapshot.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use common::TestEnv;
use ndpi::{Detector, DetectorConfig, ProtocolNames};
use ntopng_engine::{EngineConfig, LocalNetworks, Snapshot};
use ntopng_lua::{FlowHook, IfaceInfo, IfaceView, NetworkAlertOp, StaticProvider};

const LOCAL_NET: &str = "192.168.1.0/24";

fn names() -> Arc<ProtocolNames> {
    static N: OnceLock<Arc<ProtocolNames>> = OnceLock::new();
    N.get_or_init(|| Arc::new(ProtocolNames::new(&Detector::new(&DetectorConfig::default()).unwrap()))).clone()
}

fn snapshot() -> Option<Arc<Snapshot>> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pcaps/ntopng-e2e/test_01.pcap");
    if !p.exists() {
        eprintln!("SKIP: {} not found; user checks are not tested against a capture", p.display());
        return None;
    }
    let cfg = EngineConfig { workers: 2, local_networks: LocalNetworks::parse(LOCAL_NET).unwrap(), ..EngineConfig::default() };
    Some(Arc::new(ntopng_engine::run_capture(&p, &cfg, None).unwrap().snapshot()))
}

fn setup() -> Option<(TestEnv, Arc<IfaceView>, Arc<Snapshot>)> {
    let snap = snapshot()?;
    let info = IfaceInfo {
        ifid: 0,
        name: "test_01.pcap".into(),
        pcap_dump: true,
        speed_mbit: 1000,
        local_networks: vec![LOCAL_NET.into()],
        running: false,
    };
    let view = Arc::new(IfaceView { info, snapshot: snap.clone(), epoch: 0, engaged: Arc::default() });
    let provider: Arc<dyn ntopng_lua::InterfaceProvider> =
        Arc::new(StaticProvider::new(Some(names())).with((*view).clone()));
    let env = TestEnv::with(|cfg| cfg.interfaces = Some(provider));
    Some((env, view, snap))
}

const FLOW_CHECK: &str = r#"
local m = {}
function m.check(info)
  if info.hook ~= "protocolDetected" then error("check() called for " .. tostring(info.hook)) end
  if flow.l7_proto_name() == "DNS" and flow.bytes() > 200 then
    flow.triggerAlert(42, string.format("%s:%d -> %s:%d %s %d", flow.cli(), flow.cli_port(), flow.srv(),
      flow.srv_port(), flow.direction(), flow.cli2srv_bytes() + flow.srv2cli_bytes()))
  end
end
m.hooks = { flowEnd = function() flow.triggerAlert(1, "ended " .. flow.protocol()) end }
return m
"#;

#[test]
fn flow_checks_see_each_flow_and_trigger_alerts() {
    let Some((env, view, snap)) = setup() else { return };
    env.write_script("lua/modules/flow_checks/big_dns.lua", FLOW_CHECK);
    env.write_script("lua/modules/flow_checks/broken.lua", "return {");
    let mut engine = env.pool.check_engine().unwrap();
    assert_eq!(engine.modules(ntopng_lua::CheckFamily::Flow), vec!["big_dns".to_string()]);

    let detected: Vec<_> = snap.flows.iter().map(|f| (FlowHook::ProtocolDetected, f)).collect();
    let alerts = engine.run_flows(&view, &detected);
    let n = names();
    let expected: BTreeSet<usize> = snap
        .flows
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.classification.as_ref().is_some_and(|c| n.l7_name(c) == "DNS") && f.cli2srv.bytes + f.srv2cli.bytes > 200
        })
        .map(|(i, _)| i)
        .collect();
    assert!(!expected.is_empty(), "test_01 has DNS flows over 200 bytes");
    assert_eq!(alerts.iter().map(|a| a.index).collect::<BTreeSet<_>>(), expected);
    for a in &alerts {
        let f = &snap.flows[a.index];
        assert_eq!((a.check.as_str(), a.score), ("big_dns", 42));
        let local = |ip: std::net::IpAddr| ip.to_string().starts_with("192.168.1.");
        let dir = match (local(f.client.0.to_ip()), local(f.server.0.to_ip())) {
            (true, true) => "local@local",
            (true, false) => "local@remote",
            (false, true) => "remote@local",
            (false, false) => "remote2remote",
        };
        let want = format!(
            "{}:{} -> {}:{} {dir} {}",
            f.client.0,
            f.client.1,
            f.server.0,
            f.server.1,
            f.cli2srv.bytes + f.srv2cli.bytes
        );
        assert_eq!(a.message, want);
    }

    let ended: Vec<_> = snap.flows.iter().take(10).map(|f| (FlowHook::FlowEnd, f)).collect();
    let alerts = engine.run_flows(&view, &ended);
    assert_eq!(alerts.len(), 10);
    for a in &alerts {
        assert_eq!(a.message, format!("ended {}", snap.flows[a.index].l4_proto));
    }
    assert!(engine.stats().errors >= 1, "the broken module is counted");
}

#[test]
fn check_namespaces_are_nil_outside_their_checks() {
    let Some((env, _, _)) = setup() else { return };
    let out = env.ok(
        "print(tostring(flow.cli()), tostring(flow.is_oneway()), tostring(host.ip()), tostring(host.is_local()))\n\
         flow.triggerAlert(1, 'x') host.triggerAlert(1, 'x')",
    );
    assert_eq!(out, "nilfalsenilfalse");
    let r = env.run_lua("network.select(0) network.storeTriggeredAlert({alert_type = 4179})");
    let e = r.error.expect("storing outside a network check is refused");
    assert!(e.message.contains("only network check scripts"), "{}", e.message);
}

const HOST_CHECKS: [(&str, &str); 2] = [
    (
        "lua/modules/host_checks/big_local.lua",
        r#"
local m = {}
function m.check(host_info)
  if not host.is_local() or not host.is_unicast() then return end
  if host.bytes() > 10000 then
    host.triggerAlert(30, host_info.ip .. " " .. host.bytes_sent() .. "/" .. host.bytes_rcvd())
  end
end
return m
"#,
    ),
    (
        "lua/modules/host_checks/first.lua",
        r#"
local m = {}
function m.check(host_info)
  if host.isFirstCheckRun() then host.triggerAlert(1, "first") end
end
return m
"#,
    ),
];

#[test]
fn host_checks_run_per_host_and_remember_first_runs() {
    let Some((env, view, snap)) = setup() else { return };
    for (p, src) in HOST_CHECKS {
        env.write_script(p, src);
    }
    let mut engine = env.pool.check_engine().unwrap();
    let run1 = engine.run_hosts(&view, 1_000);
    let net: ipnet::IpNet = LOCAL_NET.parse().unwrap();
    let expected: BTreeSet<String> = snap
        .hosts
        .values()
        .filter(|h| net.contains(&h.key.addr.to_ip()) && h.key.addr.to_ip() != net.broadcast())
        .filter(|h| h.sent.bytes + h.rcvd.bytes > 10000)
        .map(|h| format!("{} {}/{}", h.key.addr, h.sent.bytes, h.rcvd.bytes))
        .collect();
    assert!(!expected.is_empty());
    let big: BTreeSet<String> = run1.iter().filter(|a| a.check == "big_local").map(|a| a.message.clone()).collect();
    assert_eq!(big, expected);
    assert_eq!(run1.iter().filter(|a| a.check == "first").count(), snap.hosts.len());

    let run2 = engine.run_hosts(&view, 1_060);
    assert_eq!(run2.iter().filter(|a| a.check == "first").count(), 0, "isFirstCheckRun is true once per host");
    assert_eq!(run2.iter().filter(|a| a.check == "big_local").count(), expected.len());
}

#[test]
fn skip_visited_host_suppresses_later_runs() {
    let Some((env, view, snap)) = setup() else { return };
    env.write_script(
        "lua/modules/host_checks/skip.lua",
        "local m = {} function m.check() host.triggerAlert(5, 'seen') host.skipVisitedHost(true, 2000) end return m",
    );
    let mut engine = env.pool.check_engine().unwrap();
    assert_eq!(engine.run_hosts(&view, 1_000).len(), snap.hosts.len());
    assert_eq!(engine.run_hosts(&view, 1_500).len(), 0, "skipped until 2000");
    assert_eq!(engine.run_hosts(&view, 2_000).len(), snap.hosts.len());
}

const NETWORK_CHECK: &str = r#"
local m = {}
function m.check(network_info)
  if not network.checkContext(network_info.network_cidr) then return end
  local stats = network.getNetworkStats()
  local bytes = stats.bytes_sent + stats.bytes_rcvd
  local prev = tonumber(network.getCachedAlertValue("prev_bytes", 0)) or 0
  network.setCachedAlertValue("prev_bytes", tostring(bytes), 0)
  local alert = { alert_type = 4179, alert_severity = 5, alert_score = 100, alert_subtype = "bytes",
    alert_type_params = { bytes = bytes } }
  if prev == 0 then network.storeTriggeredAlert(alert) else network.releaseTriggeredAlert(alert) end
end
return m
"#;

#[test]
fn network_checks_store_and_release() {
    let Some((env, view, snap)) = setup() else { return };
    env.write_script("lua/modules/network_checks/traffic.lua", NETWORK_CHECK);
    let mut engine = env.pool.check_engine().unwrap();
    let net: ipnet::IpNet = LOCAL_NET.parse().unwrap();
    let bytes: u64 =
        snap.hosts.values().filter(|h| net.contains(&h.key.addr.to_ip())).map(|h| h.sent.bytes + h.rcvd.bytes).sum();
    let ops = engine.run_networks(&view);
    let [NetworkAlertOp::Store(a)] = ops.as_slice() else { panic!("one store expected: {ops:?}") };
    assert_eq!((a.network_id, a.cidr.as_str(), a.alert_id, a.severity, a.score), (0, LOCAL_NET, 4179, Some(5), 100));
    assert_eq!(a.json, format!("{{\"bytes\":{bytes}}}"));
    let ops = engine.run_networks(&view);
    assert!(matches!(ops.as_slice(), [NetworkAlertOp::Release(r)] if r.key() == a.key()), "{ops:?}");
}

/// ntopng's own form: `callbacks/checks/flows/custom_flow_protocol_detected_script.lua` and
/// `callbacks/checks/hosts/custom_host_lua_script.lua`, whose body runs for each flow / host.
#[test]
fn ntopng_callback_scripts_run_per_entity() {
    let Some((env, view, snap)) = setup() else { return };
    env.write_script(
        "callbacks/checks/flows/custom_flow_protocol_detected_script.lua",
        "if flow.l7_proto_name() == 'DNS' then flow.triggerAlert(10, 'dns ' .. flow.srv()) end\nreturn(0)\n",
    );
    env.write_script(
        "callbacks/checks/hosts/custom_host_lua_script.lua",
        "if host.is_local() then host.triggerAlert(5, host.ip()) end\nreturn 0\n",
    );
    let mut engine = env.pool.check_engine().unwrap();
    let n = names();
    let events: Vec<_> = snap.flows.iter().map(|f| (FlowHook::ProtocolDetected, f)).collect();
    let got = engine.run_flows(&view, &events).len();
    let want = snap.flows.iter().filter(|f| f.classification.as_ref().is_some_and(|c| n.l7_name(c) == "DNS")).count();
    assert!(want > 0);
    assert_eq!(got, want);
    let ended: Vec<_> = snap.flows.iter().map(|f| (FlowHook::FlowEnd, f)).collect();
    assert!(engine.run_flows(&view, &ended).is_empty(), "the protocol-detected script does not run at flow end");
    let net: ipnet::IpNet = LOCAL_NET.parse().unwrap();
    let hosts: BTreeSet<String> = engine.run_hosts(&view, 1_000).into_iter().map(|a| a.message).collect();
    let want: BTreeSet<String> =
        snap.hosts.keys().filter(|k| net.contains(&k.addr.to_ip())).map(|k| k.addr.to_string()).collect();
    assert_eq!(hosts, want);
}

/// `check()` is the minute hook; `hooks["5mins"]`, `hooks.hour`, `hooks.day` run at their own periods.
#[test]
fn periodicity_hooks_run_at_their_own_period() {
    let Some((env, view, snap)) = setup() else { return };
    env.write_script(
        "lua/modules/host_checks/periods.lua",
        "local m = {}\nfunction m.check() host.triggerAlert(1, 'min') end\n\
         m.hooks = { ['5mins'] = function() host.triggerAlert(5, '5mins') end, day = function() host.triggerAlert(9, 'day') end }\n\
         return m\n",
    );
    let mut engine = env.pool.check_engine().unwrap();
    let n = snap.hosts.len();
    for (p, want) in [
        (ntopng_lua::Periodicity::Min, Some("min")),
        (ntopng_lua::Periodicity::FiveMins, Some("5mins")),
        (ntopng_lua::Periodicity::Hour, None),
        (ntopng_lua::Periodicity::Day, Some("day")),
    ] {
        let got = engine.run_hosts_every(&view, 1_000, p);
        match want {
            Some(msg) => {
                assert_eq!(got.len(), n, "{p:?}");
                assert!(got.iter().all(|a| a.message == msg), "{p:?}");
            }
            None => assert!(got.is_empty(), "{p:?}"),
        }
    }
}
