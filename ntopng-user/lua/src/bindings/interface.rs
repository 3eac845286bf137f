//! `interface.*`: selecting an interface, its identity and type flags, and its statistics (`getStats`, nDPI,
//! VLANs, local networks, MACs). Also the per-request access to the selected interface's view that the
//! host, flow and network bindings use.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use mlua::{Lua, Table, Value};
use ndpi::ProtocolNames;
use ntopng_engine::flow::Counters;
use ntopng_engine::host::DirCounters;

use super::shapes::{self, ProtoAcc, Scope};
use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::iface_view::{IfaceInfo, IfaceView, InterfaceProvider, ViewNeeds};

/// ntopng's `periodic_stats_update_frequency_secs`.
pub(super) const STATS_UPDATE_FREQ: u64 = 5;

pub(super) fn provider<'c>(ctx: &'c Ctx, a: &Args) -> BResult<&'c Arc<dyn InterfaceProvider>> {
    ctx.interfaces.as_ref().ok_or_else(|| a.fail("no network interface is monitored by this process"))
}

/// The interface an argument names: an id (number or numeric string) or a name.
fn resolve(ifaces: &[IfaceInfo], v: &Value) -> Option<i32> {
    let by_id = |id: i64| ifaces.iter().find(|i| i64::from(i.ifid) == id).map(|i| i.ifid);
    match v {
        Value::Integer(n) => by_id(*n),
        Value::Number(x) if x.fract() == 0.0 => by_id(*x as i64),
        Value::String(s) => {
            let s = s.to_string_lossy();
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(n) => by_id(n),
                Err(_) => ifaces.iter().find(|i| i.name == s).map(|i| i.ifid),
            }
        }
        _ => None,
    }
}

/// The interface the request works on: the selected one; if none or unknown, the session's (`_SESSION.ifname`),
/// else the first (ntopng's fallback).
pub(super) fn selected_info(ctx: &Ctx, a: &Args) -> BResult<IfaceInfo> {
    let ifaces = provider(ctx, a)?.interfaces();
    let (selected, session_if) = {
        let s = ctx.run.lock().unwrap();
        (s.iface.selected, s.session.extra.get("ifname").cloned())
    };
    let from_session = || {
        session_if
            .as_ref()
            .and_then(|n| ifaces.iter().find(|i| &i.name == n || i.ifid.to_string() == *n).map(|i| i.ifid))
    };
    let id = match selected {
        Some(Some(id)) => Some(id),
        _ => from_session(),
    };
    id.and_then(|id| ifaces.iter().find(|i| i.ifid == id))
        .or_else(|| ifaces.first())
        .cloned()
        .ok_or_else(|| a.fail("no network interface is monitored by this process"))
}

/// The request's view of the selected interface with at least `needs`: the one already fetched if it has
/// them, else a new one (for everything needed so far).
pub(super) fn view(ctx: &Ctx, a: &Args, needs: ViewNeeds) -> BResult<Arc<IfaceView>> {
    let info = selected_info(ctx, a)?;
    let mut want = needs;
    {
        let s = ctx.run.lock().unwrap();
        if let Some((have, v)) = &s.iface.view {
            if v.info.ifid == info.ifid {
                if have.covers(needs) {
                    return Ok(v.clone());
                }
                want = have.union(needs);
            }
        }
    }
    // Not under the run lock: a live interface's view may take a moment.
    let v = provider(ctx, a)?
        .view(info.ifid, want)
        .ok_or_else(|| a.fail(format!("interface {} ({}) is not available", info.ifid, info.name)))?;
    ctx.run.lock().unwrap().iface.view = Some((want, v.clone()));
    Ok(v)
}

pub(super) fn names(ctx: &Ctx) -> Option<Arc<ProtocolNames>> {
    ctx.interfaces.as_ref().and_then(|p| p.protocol_names())
}

/// Runs `f` over a scope of the request's view.
pub(super) fn with_scope<R>(ctx: &Ctx, a: &Args, needs: ViewNeeds, f: impl FnOnce(&Scope) -> BResult<R>) -> BResult<R> {
    let v = view(ctx, a, needs)?;
    let n = names(ctx);
    let sc = Scope::new(&v, n.as_deref());
    f(&sc)
}

/// Per-application traffic of the interface, ended and active flows (the engine's L7 totals). As ntopng
/// (which does not look at a packet's direction there), all of it counts as received. With `hosts`, the
/// first and last time each application was seen (from the hosts' tables) give its duration; else 0.
pub(super) fn iface_l7(sc: &Scope, hosts: bool) -> BTreeMap<u16, ProtoAcc> {
    let snap = sc.snap();
    let mut out: BTreeMap<u16, ProtoAcc> = snap
        .l7
        .iter()
        .map(|(id, tot)| {
            let rcvd = Counters { packets: tot.packets, bytes: tot.bytes };
            (*id, ProtoAcc { rcvd, flows: tot.flows as u32, ..Default::default() })
        })
        .collect();
    if hosts {
        for h in snap.hosts.values() {
            for (id, a) in &h.l7 {
                if let Some(e) = out.get_mut(id) {
                    if e.last_ns == 0 || a.first_seen_ns < e.first_ns {
                        e.first_ns = a.first_seen_ns;
                    }
                    e.last_ns = e.last_ns.max(a.last_seen_ns);
                }
            }
        }
    }
    out
}

/// `localstats`: bytes/packets by the localness of sender and receiver (the engine's, ended flows too).
fn localstats(lua: &Lua, sc: &Scope) -> mlua::Result<Table> {
    let ls = &sc.snap().iface.localstats;
    let t = lua.create_table()?;
    for (name, v) in [("bytes", &ls.bytes), ("packets", &ls.packets)] {
        let e = lua.create_table()?;
        e.raw_set("local2local", v.local2local)?;
        e.raw_set("local2remote", v.local2remote)?;
        e.raw_set("remote2local", v.remote2local)?;
        e.raw_set("remote2remote", v.remote2remote)?;
        t.raw_set(name, e)?;
    }
    Ok(t)
}

/// `bcast_domains`: `{[cidr] = {ghost_network, hits}}`.
fn bcast_domains(lua: &Lua, sc: &Scope) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (cidr, hits) in &sc.snap().bcast_domains {
        let e = lua.create_table()?;
        // A ghost network is a domain outside the local networks of an interface that knows them; ntopng
        // only flags it with interface addresses, which a capture has none of.
        e.raw_set("ghost_network", false)?;
        e.raw_set("hits", *hits)?;
        t.raw_set(cidr.as_str(), e)?;
    }
    Ok(t)
}

/// The interface's DSCP counters; as for nDPI, its traffic counts as received.
fn iface_dscp(lua: &Lua, sc: &Scope) -> mlua::Result<Table> {
    let by_code = sc
        .snap()
        .iface
        .dscp
        .iter()
        .enumerate()
        .map(|(code, c)| (code as u8, DirCounters { sent: Counters::default(), rcvd: *c }));
    shapes::dscp_table(lua, by_code)
}

fn zeros(lua: &Lua, keys: &[&str]) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for k in keys {
        t.raw_set(*k, 0)?;
    }
    Ok(t)
}

fn has_vlans(sc: &Scope) -> bool {
    sc.snap().hosts.keys().any(|k| k.vlan != 0)
}

/// `NetworkInterface::lua` (data_model.md §4).
fn stats_table(lua: &Lua, sc: &Scope) -> mlua::Result<Table> {
    let snap = sc.snap();
    let info = &sc.view.info;
    let ic = &snap.iface;
    let t = lua.create_table()?;
    t.raw_set("name", info.name.as_str())?;
    t.raw_set("description", info.name.as_str())?;
    t.raw_set("id", info.ifid)?;
    t.raw_set("mac", "00:00:00:00:00:00")?;
    t.raw_set("type", if info.pcap_dump { "pcap dump" } else { "pcap" })?;
    t.raw_set("customIftype", Value::Nil)?;
    t.raw_set("speed", info.speed_mbit)?;
    t.raw_set("mtu", 1514)?;
    t.raw_set("ip_addresses", "")?;
    t.raw_set("scalingFactor", 1)?;
    for k in [
        "isView",
        "isViewed",
        "isSampledTraffic",
        "isLoading",
        "isFlowDumpDisabled",
        "isFlowDumpRunning",
        "inline",
        "has_seen_dhcp_addresses",
        "has_traffic_directions",
        "has_seen_pods",
        "has_seen_containers",
        "has_seen_external_alerts",
        "has_seen_ebpf_events",
    ] {
        t.raw_set(k, false)?;
    }
    t.raw_set("isFlowDumpDisabled", true)?;
    t.raw_set("vlan", has_vlans(sc))?;
    t.raw_set("has_macs", !snap.macs.is_empty())?;
    t.raw_set("seen.last", sc.view.epoch)?;
    t.raw_set("periodic_stats_update_frequency_secs", STATS_UPDATE_FREQ)?;
    // Engaged host alerts, as the host check runner last left them.
    t.raw_set("num_alerts_engaged", sc.view.engaged.values().map(|e| e.alerts as u64).sum::<u64>())?;
    // Alerted flows: the active flows with a score (their enabled risks), by the severity of that score.
    let (mut alerted, mut notice, mut warning, mut error) = (0u64, 0u64, 0u64, 0u64);
    for f in &snap.flows {
        let score = f.score.client as u32 + f.score.server as u32;
        if score == 0 {
            continue;
        }
        alerted += 1;
        match ntopng_checks::Severity::from_score(score) {
            ntopng_checks::Severity::Notice => notice += 1,
            ntopng_checks::Severity::Warning => warning += 1,
            s if s >= ntopng_checks::Severity::Error => error += 1,
            _ => {}
        }
    }
    t.raw_set("num_alerted_flows", alerted)?;
    t.raw_set("num_alerted_flows_notice", notice)?;
    t.raw_set("num_alerted_flows_warning", warning)?;
    t.raw_set("num_alerted_flows_error", error)?;
    for k in [
        "num_dropped_alerts",
        "num_host_dropped_alerts",
        "num_flow_dropped_alerts",
        "num_other_dropped_alerts",
        "remote_pps",
        "remote_bps",
    ] {
        t.raw_set(k, 0)?;
    }
    t.raw_set("num_alerts_engaged_by_severity", lua.create_table()?)?;

    let hosts = snap.hosts.values();
    let (mut n_hosts, mut rx_only, mut local, mut local_rx_only) = (0u64, 0u64, 0u64, 0u64);
    for h in hosts {
        n_hosts += 1;
        let is_local = sc.is_local_host(&h.key.addr);
        let rx = h.sent.packets == 0;
        rx_only += rx as u64;
        local += is_local as u64;
        local_rx_only += (is_local && rx) as u64;
    }
    let s = lua.create_table()?;
    s.raw_set("packets", ic.total.packets)?;
    s.raw_set("bytes", ic.total.bytes)?;
    s.raw_set("flows", snap.active_flows)?;
    s.raw_set("hosts", n_hosts)?;
    s.raw_set("hosts_rcvd_only", rx_only)?;
    s.raw_set("local_hosts", local)?;
    s.raw_set("local_rcvd_only_hosts", local_rx_only)?;
    s.raw_set("http_hosts", 0)?;
    s.raw_set("drops", ic.capture_drops)?;
    s.raw_set("new_flows", ic.flows_created)?;
    s.raw_set("devices", snap.macs.len())?;
    s.raw_set("current_macs", snap.macs.len())?;
    s.raw_set("num_live_captures", 0)?;
    s.raw_set("throughput_bps", 0.0)?;
    s.raw_set("throughput_pps", 0.0)?;
    s.raw_set("throughput_trend_bps", 0)?;
    s.raw_set("throughput_trend_pps", 0)?;
    let mut other = Counters::default();
    for (p, c) in ic.l4.iter().enumerate() {
        match p {
            6 | 17 | 1 => {}
            _ => other.merge(c),
        }
    }
    for (name, c) in [("tcp", ic.l4[6]), ("udp", ic.l4[17]), ("icmp", ic.l4[1]), ("other_ip", other)] {
        s.raw_set(format!("{name}.bytes"), c.bytes)?;
        s.raw_set(format!("{name}.packets"), c.packets)?;
    }
    t.raw_set("stats", s)?;
    let since = lua.create_table()?;
    since.raw_set("packets", ic.total.packets)?;
    since.raw_set("bytes", ic.total.bytes)?;
    since.raw_set("drops", ic.capture_drops)?;
    t.raw_set("stats_since_reset", since)?;

    // Without traffic directions everything is ingress (as for ntopng on a capture file).
    let eth = lua.create_table()?;
    let other_l2 = Counters {
        packets: ic.non_ip.packets.saturating_sub(ic.arp.packets),
        bytes: ic.non_ip.bytes.saturating_sub(ic.arp.bytes),
    };
    for (name, c) in
        [("IPv4", ic.ipv4), ("IPv6", ic.ipv6), ("ARP", ic.arp), ("MPLS", Counters::default()), ("other", other_l2)]
    {
        eth.raw_set(format!("{name}_bytes"), c.bytes)?;
        eth.raw_set(format!("{name}_packets"), c.packets)?;
    }
    for (dir, c) in [("ingress", ic.total), ("egress", Counters::default())] {
        let d = lua.create_table()?;
        d.raw_set("bytes", c.bytes)?;
        d.raw_set("packets", c.packets)?;
        let thpt = lua.create_table()?;
        thpt.raw_set("bps", 0.0)?;
        thpt.raw_set("pps", 0.0)?;
        d.raw_set("throughput", thpt)?;
        eth.raw_set(dir, d)?;
    }
    t.raw_set("eth", eth)?;
    t.raw_set("traffic_rcvd_since_reset", ic.total.bytes)?;
    t.raw_set("packets_rcvd_since_reset", ic.total.packets)?;
    t.raw_set("traffic_sent_since_reset", 0)?;
    t.raw_set("packets_sent_since_reset", 0)?;
    t.raw_set("localstats", localstats(lua, sc)?)?;
    let l7 = iface_l7(sc, true);
    t.raw_set("ndpi", shapes::ndpi_table(lua, sc, &l7)?)?;
    t.raw_set("ndpi_categories", shapes::categories_table(lua, sc, &shapes::categories_of(sc, &l7))?)?;
    t.raw_set("tcpPacketStats", shapes::tcp_packet_stats(lua, &ic.tcp)?)?;
    t.raw_set("dscp", iface_dscp(lua, sc)?)?;
    t.raw_set("bcast_domains", bcast_domains(lua, sc)?)?;
    t.raw_set("tcpFlowStats", lua.create_table()?)?;
    t.raw_set("anomalies", zeros(lua, &["num_local_hosts_anomalies", "num_remote_hosts_anomalies"])?)?;
    t.raw_set("score", zeros(lua, &["score_as_cli", "score_as_srv"])?)?;
    Ok(t)
}

/// `{ndpi = ..., ndpi_categories = ...}`.
pub(super) fn ndpi_stats(
    lua: &Lua,
    sc: &Scope,
    l7: &BTreeMap<u16, ProtoAcc>,
    cats: &BTreeMap<u32, ProtoAcc>,
) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("ndpi", shapes::ndpi_table(lua, sc, l7)?)?;
    t.raw_set("ndpi_categories", shapes::categories_table(lua, sc, cats)?)?;
    Ok(t)
}

/// Active flows per L4 protocol and per application.
fn active_flows_stats(lua: &Lua, sc: &Scope) -> mlua::Result<Table> {
    let mut l4: BTreeMap<u8, u64> = BTreeMap::new();
    let mut l7: BTreeMap<u16, u64> = BTreeMap::new();
    for f in &sc.snap().flows {
        *l4.entry(f.l4_proto).or_default() += 1;
        *l7.entry(shapes::flow_l7(f)).or_default() += 1;
    }
    let t = lua.create_table()?;
    let l4t = lua.create_table()?;
    for (p, n) in l4 {
        let e = lua.create_table()?;
        e.raw_set("count", n)?;
        e.raw_set("name", shapes::l4_name(p))?;
        l4t.raw_set(p, e)?;
    }
    t.raw_set("l4_protocols", l4t)?;
    let l7t = lua.create_table()?;
    for (id, n) in l7 {
        let e = lua.create_table()?;
        e.raw_set("count", n)?;
        e.raw_set("num_flows", n)?;
        e.raw_set("id", id)?;
        l7t.raw_set(sc.proto_name(id), e)?;
    }
    t.raw_set("ndpi", l7t)?;
    t.raw_set("status", lua.create_table()?)?;
    t.raw_set("dscps", lua.create_table()?)?;
    t.raw_set("num_flows", sc.snap().flows.len())?;
    Ok(t)
}

/// One VLAN's traffic (active flows) and hosts.
fn vlan_table(lua: &Lua, sc: &Scope, vlan: u16) -> mlua::Result<Table> {
    let snap = sc.snap();
    let (mut sent, mut rcvd, mut flows) = (Counters::default(), Counters::default(), 0u64);
    for f in snap.flows.iter().filter(|f| f.vlan == vlan) {
        sent.merge(&f.cli2srv);
        rcvd.merge(&f.srv2cli);
        flows += 1;
    }
    let hosts: Vec<_> = snap.hosts.values().filter(|h| h.key.vlan == vlan).collect();
    let t = lua.create_table()?;
    t.raw_set("vlan_id", vlan)?;
    t.raw_set("num_hosts", hosts.len())?;
    t.raw_set("num_flows", flows)?;
    t.raw_set("bytes.sent", sent.bytes)?;
    t.raw_set("bytes.rcvd", rcvd.bytes)?;
    t.raw_set("packets.sent", sent.packets)?;
    t.raw_set("packets.rcvd", rcvd.packets)?;
    if let (Some(first), Some(last)) =
        (hosts.iter().map(|h| h.first_seen_ns).min(), hosts.iter().map(|h| h.last_seen_ns).max())
    {
        t.raw_set("seen.first", shapes::secs(first))?;
        t.raw_set("seen.last", shapes::secs(last))?;
        t.raw_set("duration", shapes::duration(first, last))?;
    }
    t.raw_set("score", 0)?;
    Ok(t)
}

fn vlans(sc: &Scope) -> BTreeSet<u16> {
    sc.snap().hosts.keys().map(|k| k.vlan).filter(|v| *v != 0).collect()
}

/// A local network's statistics (network.md `NetworkStats::lua`): hosts and their traffic, and the bytes
/// entering (ingress), leaving (egress) and staying inside (inner) the network, from the active flows.
pub(super) fn network_table(lua: &Lua, sc: &Scope, id: u16) -> mlua::Result<Option<Table>> {
    let Some(cidr) = sc.view.info.local_networks.get(id as usize) else { return Ok(None) };
    let snap = sc.snap();
    let (mut sent, mut rcvd, mut n) = (Counters::default(), Counters::default(), 0u64);
    for h in snap.hosts.values().filter(|h| sc.network_of(&h.key.addr) == Some(id)) {
        sent.merge(&h.sent);
        rcvd.merge(&h.rcvd);
        n += 1;
    }
    let (mut ingress, mut egress, mut inner) = (0u64, 0u64, 0u64);
    for f in &snap.flows {
        let c = sc.network_of(&f.client.0) == Some(id);
        let s = sc.network_of(&f.server.0) == Some(id);
        let bytes = f.cli2srv.bytes + f.srv2cli.bytes;
        match (c, s) {
            (true, true) => inner += bytes,
            (true, false) => {
                egress += f.cli2srv.bytes;
                ingress += f.srv2cli.bytes;
            }
            (false, true) => {
                ingress += f.cli2srv.bytes;
                egress += f.srv2cli.bytes;
            }
            (false, false) => {}
        }
    }
    let t = lua.create_table()?;
    t.raw_set("network_id", id)?;
    t.raw_set("network_key", cidr.as_str())?;
    t.raw_set("network_cidr", cidr.as_str())?;
    t.raw_set("num_hosts", n)?;
    t.raw_set("num_local_hosts", n)?;
    t.raw_set("bytes.sent", sent.bytes)?;
    t.raw_set("bytes.rcvd", rcvd.bytes)?;
    t.raw_set("packets.sent", sent.packets)?;
    t.raw_set("packets.rcvd", rcvd.packets)?;
    t.raw_set("bytes_sent", sent.bytes)?;
    t.raw_set("bytes_rcvd", rcvd.bytes)?;
    t.raw_set("ingress", ingress)?;
    t.raw_set("egress", egress)?;
    t.raw_set("inner", inner)?;
    t.raw_set("score", 0)?;
    t.raw_set("engaged_alerts", 0)?;
    Ok(Some(t))
}

/// A `params` table (argument 1) or `nil`.
pub(super) fn opt_params(a: &Args, i: usize) -> BResult<Option<Table>> {
    match a.value(i) {
        Value::Nil => Ok(None),
        Value::Table(t) => Ok(Some(t)),
        _ => Err(a.bad_value(i, "params", format!("table expected, got {}", a.value(i).type_name()))),
    }
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    // ---- selection and identity ----
    let c = ctx.clone();
    r.add("interface", "select", move |_, a| {
        let v = a.value(1);
        if !matches!(v, Value::Integer(_) | Value::Number(_) | Value::String(_)) {
            return Err(a.bad_value(1, "ifid", format!("interface id or name expected, got {}", v.type_name())));
        }
        let ifaces = provider(&c, a)?.interfaces();
        let id = resolve(&ifaces, &v);
        let mut s = c.run.lock().unwrap();
        if s.iface.view.as_ref().is_some_and(|(_, view)| Some(view.info.ifid) != id) {
            s.iface.view = None;
            s.iface.network = None;
        }
        s.iface.selected = Some(id);
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("interface", "getId", move |_, a| Ok(selected_info(&c, a)?.ifid))?;
    let c = ctx.clone();
    r.add("interface", "getName", move |_, a| Ok(selected_info(&c, a)?.name))?;
    let c = ctx.clone();
    r.add("interface", "getEndpoint", move |_, a| Ok(selected_info(&c, a)?.name))?;
    let c = ctx.clone();
    r.add("interface", "getMasterInterfaceId", move |_, a| Ok(selected_info(&c, a)?.ifid))?;
    let c = ctx.clone();
    r.add("interface", "getIfMac", move |_, a| {
        selected_info(&c, a)?;
        Ok("00:00:00:00:00:00")
    })?;
    let c = ctx.clone();
    r.add("interface", "getIfNames", move |lua, a| {
        let _exclude_viewed = a.opt_boolean(1, "exclude_viewed")?;
        let t = lua.create_table()?;
        for i in provider(&c, a)?.interfaces() {
            t.raw_set(i.ifid.to_string(), i.name)?;
        }
        Ok(t)
    })?;
    let c = ctx.clone();
    r.add("interface", "getFirstInterfaceId", move |_, a| {
        provider(&c, a)?.interfaces().first().map(|i| i.ifid).ok_or_else(|| a.fail("no network interface"))
    })?;
    let c = ctx.clone();
    r.add("interface", "isValidIfId", move |_, a| {
        let ifaces = provider(&c, a)?.interfaces();
        Ok(resolve(&ifaces, &a.value(1)).is_some())
    })?;
    let c = ctx.clone();
    r.add("interface", "name2id", move |_, a| {
        let name = a.string(1, "ifname")?;
        let ifaces = provider(&c, a)?.interfaces();
        Ok(ifaces.iter().find(|i| i.name == name).map_or(-1, |i| i.ifid))
    })?;
    let c = ctx.clone();
    r.add("interface", "getMaxIfSpeed", move |_, a| {
        let ifaces = provider(&c, a)?.interfaces();
        let info = match a.value(1) {
            Value::Nil => selected_info(&c, a)?,
            v => {
                let id = resolve(&ifaces, &v).ok_or_else(|| a.bad_value(1, "ifname_or_id", "unknown interface"))?;
                ifaces.into_iter().find(|i| i.ifid == id).expect("resolved")
            }
        };
        Ok(info.speed_mbit)
    })?;

    // ---- type and capability flags ----
    let flag = |r: &mut Registrar, name: &'static str, f: fn(&IfaceInfo) -> bool| {
        let c = ctx.clone();
        r.add("interface", name, move |_, a| Ok(f(&selected_info(&c, a)?)))
    };
    flag(r, "isPacketInterface", |_| true)?;
    flag(r, "isPcapDumpInterface", |i| i.pcap_dump)?;
    flag(r, "isDiscoverableInterface", |i| !i.pcap_dump)?;
    flag(r, "isBridgeInterface", |_| false)?;
    flag(r, "isDatabaseViewInterface", |_| false)?;
    flag(r, "isZMQInterface", |_| false)?;
    flag(r, "isView", |_| false)?;
    flag(r, "isViewed", |_| false)?;
    flag(r, "isLoopback", |i| i.name == "lo")?;
    flag(r, "isRunning", |i| i.running)?;
    flag(r, "isIdle", |_| false)?;
    flag(r, "isSubInterface", |_| false)?;
    flag(r, "isSyslogInterface", |_| false)?;
    flag(r, "hasEBPF", |_| false)?;
    flag(r, "hasExternalAlerts", |_| false)?;
    let c = ctx.clone();
    r.add("interface", "viewedBy", move |_, a| {
        selected_info(&c, a)?;
        Ok(Value::Nil)
    })?;
    let c = ctx.clone();
    r.add("interface", "hasVLANs", move |_, a| with_scope(&c, a, ViewNeeds::HOSTS, |sc| Ok(has_vlans(sc))))?;

    // ---- statistics ----
    let c = ctx.clone();
    r.add("interface", "getStats", move |lua, a| {
        // Hosts for their counts (and the applications' durations), MACs for theirs.
        with_scope(&c, a, ViewNeeds::HOSTS_MACS, |sc| Ok(stats_table(lua, sc)?))
    })?;
    let c = ctx.clone();
    r.add("interface", "getStatsUpdateFreq", move |_, a| {
        selected_info(&c, a)?;
        Ok(STATS_UPDATE_FREQ)
    })?;
    let c = ctx.clone();
    r.add("interface", "getNumFlows", move |_, a| {
        with_scope(&c, a, ViewNeeds::COUNTERS, |sc| Ok(sc.snap().active_flows))
    })?;
    let c = ctx.clone();
    r.add("interface", "getNumHosts", move |_, a| with_scope(&c, a, ViewNeeds::HOSTS, |sc| Ok(sc.snap().hosts.len())))?;
    let c = ctx.clone();
    r.add("interface", "getNumLocalHosts", move |_, a| {
        with_scope(&c, a, ViewNeeds::HOSTS, |sc| {
            Ok(sc.snap().hosts.keys().filter(|k| sc.is_local_host(&k.addr)).count())
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "getNumLocalRxOnlyHosts", move |_, a| {
        with_scope(&c, a, ViewNeeds::HOSTS, |sc| {
            Ok(sc.snap().hosts.values().filter(|h| sc.is_local_host(&h.key.addr) && h.sent.packets == 0).count())
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "getThroughput", move |lua, a| {
        selected_info(&c, a)?;
        // Rates need two observations in time: not computed yet.
        Ok(zeros(
            lua,
            &["throughput_bps", "throughput_pps", "upload_bps", "download_bps", "upload_pps", "download_pps"],
        )?)
    })?;
    let c = ctx.clone();
    // ntopng's interface score: its active flows' client and server scores (each host's share, summed).
    r.add("interface", "getScore", move |lua, a| {
        with_scope(&c, a, ViewNeeds::HOSTS, |sc| {
            let (cli, srv) = sc.snap().hosts.values().fold((0u64, 0u64), |(c, s), h| (c + h.score.as_client as u64, s + h.score.as_server as u64));
            let t = lua.create_table()?;
            t.raw_set("score_as_cli", cli)?;
            t.raw_set("score_as_srv", srv)?;
            Ok(t)
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "getnDPIStats", move |lua, a| match a.opt_string(1, "host")? {
        None => with_scope(&c, a, ViewNeeds::COUNTERS, |sc| {
            let l7 = iface_l7(sc, false);
            Ok(Value::Table(ndpi_stats(lua, sc, &l7, &shapes::categories_of(sc, &l7))?))
        }),
        Some(host) => {
            let vlan = a.opt_uint(2, "vlan")?.map(|v| v as u16);
            let key = shapes::parse_host(&host, vlan)
                .ok_or_else(|| a.bad_value(1, "host", format!("invalid host '{host}'")))?;
            with_scope(&c, a, ViewNeeds::HOSTS, |sc| match sc.snap().hosts.get(&key) {
                None => Ok(Value::Nil),
                Some(h) => {
                    let l7 = shapes::host_l7(h);
                    Ok(Value::Table(ndpi_stats(lua, sc, &l7, &shapes::categories_of(sc, &l7))?))
                }
            })
        }
    })?;
    let c = ctx.clone();
    r.add("interface", "getnDPIFlowsCount", move |lua, a| {
        with_scope(&c, a, ViewNeeds::FLOWS, |sc| {
            let mut counts: BTreeMap<u16, u64> = BTreeMap::new();
            for f in &sc.snap().flows {
                *counts.entry(shapes::flow_l7(f)).or_default() += 1;
            }
            let t = lua.create_table()?;
            for (id, n) in counts {
                t.raw_set(sc.proto_name(id), n)?;
            }
            Ok(t)
        })
    })?;
    for name in ["getActiveFlowsStats", "getFlowsStats"] {
        let c = ctx.clone();
        r.add("interface", name, move |lua, a| {
            let _params = opt_params(a, 1)?;
            with_scope(&c, a, ViewNeeds::FLOWS, |sc| Ok(active_flows_stats(lua, sc)?))
        })?;
    }
    let c = ctx.clone();
    r.add("interface", "getProtocolFlowsStats", move |lua, a| {
        with_scope(&c, a, ViewNeeds::FLOWS, |sc| {
            let mut by: BTreeMap<u8, (u64, Counters)> = BTreeMap::new();
            for f in &sc.snap().flows {
                let e = by.entry(f.l4_proto).or_default();
                e.0 += 1;
                e.1.merge(&f.cli2srv);
                e.1.merge(&f.srv2cli);
            }
            let t = lua.create_table()?;
            for (p, (n, c)) in by {
                let e = lua.create_table()?;
                e.raw_set("id", p)?;
                e.raw_set("num_flows", n)?;
                e.raw_set("bytes", c.bytes)?;
                e.raw_set("packets", c.packets)?;
                t.raw_set(shapes::l4_name(p), e)?;
            }
            Ok(t)
        })
    })?;

    // ---- VLANs ----
    let c = ctx.clone();
    r.add("interface", "getVLANsList", move |lua, a| {
        with_scope(&c, a, ViewNeeds::HOSTS, |sc| {
            let t = lua.create_table()?;
            for (i, v) in vlans(sc).into_iter().enumerate() {
                t.raw_set(i + 1, v)?;
            }
            Ok(t)
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "getVLANsInfo", move |lua, a| {
        let _params = opt_params(a, 1)?;
        with_scope(&c, a, ViewNeeds::HOSTS_FLOWS, |sc| {
            let list = lua.create_table()?;
            let vs = vlans(sc);
            for (i, v) in vs.iter().enumerate() {
                list.raw_set(i + 1, vlan_table(lua, sc, *v)?)?;
            }
            let t = lua.create_table()?;
            t.raw_set("VLANs", list)?;
            t.raw_set("numVLANs", vs.len())?;
            Ok(t)
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "getVLANInfo", move |lua, a| {
        let vlan = a.uint(1, "vlan_id")?;
        with_scope(&c, a, ViewNeeds::HOSTS_FLOWS, |sc| {
            if vlan > 4095 || !vlans(sc).contains(&(vlan as u16)) {
                return Ok(Value::Nil);
            }
            Ok(Value::Table(vlan_table(lua, sc, vlan as u16)?))
        })
    })?;

    // ---- local networks ----
    let c = ctx.clone();
    r.add("interface", "getNetworksStats", move |lua, a| {
        with_scope(&c, a, ViewNeeds::HOSTS_FLOWS, |sc| {
            let t = lua.create_table()?;
            for (id, cidr) in sc.view.info.local_networks.iter().enumerate() {
                if let Some(n) = network_table(lua, sc, id as u16)? {
                    t.raw_set(cidr.as_str(), n)?;
                }
            }
            Ok(t)
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "getNetworkStats", move |lua, a| {
        let id = a.int(1, "network_id")?;
        with_scope(&c, a, ViewNeeds::HOSTS_FLOWS, |sc| match u16::try_from(id) {
            Ok(id) => Ok(network_table(lua, sc, id)?.map_or(Value::Nil, Value::Table)),
            Err(_) => Ok(Value::Nil),
        })
    })?;

    // ---- MACs ----
    let c = ctx.clone();
    r.add("interface", "getMacsInfo", move |lua, a| macs_info(lua, a, &c))?;
    let c = ctx.clone();
    r.add("interface", "getMacInfo", move |lua, a| {
        let s = a.string(1, "mac")?;
        let mac = shapes::parse_mac(&s).ok_or_else(|| a.bad_value(1, "mac", format!("invalid MAC address '{s}'")))?;
        with_scope(&c, a, ViewNeeds::HOSTS_MACS, |sc| match sc.snap().macs.get(&mac) {
            Some(m) => {
                let n = sc.snap().hosts.values().filter(|h| h.mac == mac).count();
                Ok(Value::Table(shapes::mac_table(lua, m, n)?))
            }
            None => Ok(Value::Nil),
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "isMacActive", move |_, a| {
        let s = a.string(1, "mac")?;
        let mac = shapes::parse_mac(&s).ok_or_else(|| a.bad_value(1, "mac", format!("invalid MAC address '{s}'")))?;
        with_scope(&c, a, ViewNeeds::MACS, |sc| Ok(sc.snap().macs.contains_key(&mac)))
    })?;
    r.add("interface", "isMulticastMac", move |_, a| {
        let s = a.string(1, "mac")?;
        let mac = shapes::parse_mac(&s).ok_or_else(|| a.bad_value(1, "mac", format!("invalid MAC address '{s}'")))?;
        Ok(mac[0] & 1 != 0)
    })?;
    let c = ctx.clone();
    r.add("interface", "getActiveMacs", move |lua, a| {
        let _vlan = a.opt_uint(1, "vlan_id")?;
        with_scope(&c, a, ViewNeeds::MACS, |sc| {
            let t = lua.create_table()?;
            for (i, m) in sc.snap().macs.keys().enumerate() {
                t.raw_set(i + 1, shapes::mac_string(m))?;
            }
            Ok(t)
        })
    })?;
    Ok(())
}

/// `getMacsInfo([params])` or ntopng's positional `(sortColumn, perPage, toSkip, a2z, sourceMacsOnly)`:
/// `{numMacs = N, macs = {page...}}`.
fn macs_info(lua: &Lua, a: &Args, c: &Ctx) -> BResult<Table> {
    let (sort, per_page, skip, a2z, source_only) = match a.value(1) {
        Value::Table(p) => {
            let f = super::hosts::Fields::new(a, p);
            let per_page = f.int("perPage")?.map(|n| n.max(0) as u64);
            let page = f.int("currentPage")?.unwrap_or(1).max(1) as u64;
            (
                f.string("sortColumn")?,
                per_page,
                per_page.map_or(0, |pp| (page - 1) * pp),
                f.string("sortOrder")?.is_none_or(|o| o != "desc"),
                f.boolean("sourceMacsOnly")?.unwrap_or(false),
            )
        }
        _ => (
            a.opt_string(1, "sortColumn")?,
            a.opt_uint(2, "perPage")?,
            a.opt_uint(3, "toSkip")?.unwrap_or(0),
            a.opt_boolean(4, "a2zSortOrder")?.unwrap_or(true),
            a.opt_boolean(5, "sourceMacsOnly")?.unwrap_or(false),
        ),
    };
    let sort = sort.unwrap_or_else(|| "mac".into());
    let col = sort.strip_prefix("column_").unwrap_or(&sort).to_string();
    with_scope(c, a, ViewNeeds::HOSTS_MACS, |sc| {
        let snap = sc.snap();
        let mut hosts_per_mac: std::collections::HashMap<[u8; 6], usize> = Default::default();
        for h in snap.hosts.values() {
            *hosts_per_mac.entry(h.mac).or_default() += 1;
        }
        let mut list: Vec<_> = snap.macs.values().filter(|m| !source_only || m.sent.packets > 0).collect();
        match col.as_str() {
            "traffic" | "bytes" => list.sort_by_key(|m| m.sent.bytes + m.rcvd.bytes),
            "since" | "first_seen" => list.sort_by_key(|m| m.first_seen_ns),
            "last" | "last_seen" => list.sort_by_key(|m| m.last_seen_ns),
            "hosts" | "num_hosts" => list.sort_by_key(|m| hosts_per_mac.get(&m.addr).copied().unwrap_or(0)),
            _ => list.sort_by_key(|m| m.addr),
        }
        if !a2z {
            list.reverse();
        }
        let total = list.len();
        let macs = lua.create_table()?;
        let page = list.into_iter().skip(skip as usize).take(per_page.map_or(usize::MAX, |p| p as usize));
        for (i, m) in page.enumerate() {
            let n = hosts_per_mac.get(&m.addr).copied().unwrap_or(0);
            macs.raw_set(i + 1, shapes::mac_table(lua, m, n)?)?;
        }
        let t = lua.create_table()?;
        t.raw_set("numMacs", total)?;
        t.raw_set("macs", macs)?;
        Ok(t)
    })
}
