//! Engine state as ntopng's Lua tables (data_model.md §2 `Host::lua`, §3 `Flow::lua`, §4): the field names
//! and meanings scripts read. Values the engine does not know are neutral (0, false, empty) and marked
//! `TODO(engine)`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;
use mlua::{Lua, Table};
use ndpi::ProtocolNames;
use ntopng_engine::flow::Counters;
use ntopng_engine::host::{DirCounters, Host, HostKey};
use ntopng_engine::mac::Mac;
use ntopng_engine::sink::FlowRecord;
use ntopng_engine::tcp_seq::TcpStats;
use ntopng_engine::Snapshot;
use ntopng_wire::Addr;

use crate::iface_view::IfaceView;

/// What the conversions of one binding call share.
pub(crate) struct Scope<'a> {
    pub view: &'a IfaceView,
    pub names: Option<&'a ProtocolNames>,
    /// The interface's local networks, parsed; index = network id.
    pub nets: Vec<IpNet>,
    /// The broadcast domains the engine saw (ARP and broadcast IPv4), parsed.
    pub bcast: Vec<IpNet>,
}

impl<'a> Scope<'a> {
    pub fn new(view: &'a IfaceView, names: Option<&'a ProtocolNames>) -> Self {
        let nets = view.info.local_networks.iter().filter_map(|n| parse_net(n)).collect();
        let bcast = view.snapshot.bcast_domains.keys().filter_map(|n| parse_net(n)).collect();
        Scope { view, names, nets, bcast }
    }

    pub fn snap(&self) -> &'a Snapshot {
        &self.view.snapshot
    }

    pub fn ifid(&self) -> i32 {
        self.view.info.ifid
    }

    pub fn proto_name(&self, id: u16) -> String {
        match self.names {
            Some(n) => n.protocol(id).to_string(),
            None => {
                if id == 0 {
                    "Unknown".into()
                } else {
                    id.to_string()
                }
            }
        }
    }

    pub fn category_name(&self, id: u32) -> String {
        match self.names {
            Some(n) => n.category(id).to_string(),
            None => id.to_string(),
        }
    }

    pub fn breed(&self, id: u16) -> String {
        self.names.map(|n| n.breed(id).to_string()).unwrap_or_else(|| "Unrated".into())
    }

    /// The local network id of an address.
    pub fn network_of(&self, a: &Addr) -> Option<u16> {
        let ip = a.to_ip();
        self.nets.iter().position(|n| n.contains(&ip)).map(|i| i as u16)
    }

    /// The address is in a local network (or 127/8, fe80::/10).
    pub fn is_local(&self, a: &Addr) -> bool {
        is_always_local(a.to_ip()) || self.network_of(a).is_some()
    }

    /// ntopng's `isLocalHost`: local, multicast or broadcast (such hosts are counted as local hosts).
    pub fn is_local_host(&self, a: &Addr) -> bool {
        self.is_local(a) || is_multicast(a.to_ip()) || self.is_broadcast(a)
    }

    /// ntopng's `broadcast_domain_host`: the address is in a broadcast domain seen on the interface.
    pub fn in_bcast_domain(&self, a: &Addr) -> bool {
        let ip = a.to_ip();
        self.bcast.iter().any(|n| n.contains(&ip))
    }

    /// data_model.md §1: broadcast, also the network/broadcast address of a local network (/1../30).
    pub fn is_broadcast(&self, a: &Addr) -> bool {
        let ip = a.to_ip();
        match ip {
            IpAddr::V4(v4) => {
                let n = u32::from(v4);
                n == u32::MAX
                    || n == 0
                    || self.nets.iter().any(|net| match net {
                        IpNet::V4(net4) if (1..=30).contains(&net4.prefix_len()) && net4.contains(&v4) => {
                            v4 == net4.network() || v4 == net4.broadcast()
                        }
                        _ => false,
                    })
            }
            IpAddr::V6(_) => false,
        }
    }
}

/// A CIDR or a bare address (as `-m` accepts them), without an `=alias`.
pub(super) fn parse_net(s: &str) -> Option<IpNet> {
    let s = s.split('=').next().unwrap_or(s).trim();
    s.parse::<IpNet>().ok().or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from)).map(|n| n.trunc())
}

/// 127/8 and fe80::/10 are local whatever `-m` says (data_model.md §1).
fn is_always_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[0] == 127,
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

pub(super) fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            o[0] == 10
                || (o[0] == 172 && (16..32).contains(&o[1]))
                || (o[0] == 192 && o[1] == 168)
                || o[0] == 127
                || (o[0] == 169 && o[1] == 254)
                || v4.is_broadcast()
                || v4.is_unspecified()
        }
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

pub(super) fn is_multicast(ip: IpAddr) -> bool {
    ip.is_multicast()
}

/// `ip` or `ip@vlan` (vlan omitted when 0).
pub(super) fn host_key(k: &HostKey) -> String {
    if k.vlan == 0 {
        k.addr.to_string()
    } else {
        format!("{}@{}", k.addr, k.vlan)
    }
}

/// Parses `ip`, `ip@vlan`; an explicit `vlan` argument wins over the suffix.
pub(super) fn parse_host(s: &str, vlan: Option<u16>) -> Option<HostKey> {
    let (ip, v) = match s.split_once('@') {
        Some((ip, v)) => (ip, v.parse::<u16>().ok()?),
        None => (s, 0),
    };
    let ip: IpAddr = ip.trim().parse().ok()?;
    Some(HostKey { addr: Addr::from_ip(ip), vlan: vlan.unwrap_or(v) })
}

/// data_model.md §2.1 `ipkey`: the IPv4 address as a host-order number; for IPv6 the 32-bit words summed
/// with shifts 0, 2, 4, 6.
pub(super) fn ipkey(a: &Addr) -> u32 {
    let w = |i: usize| u32::from_be_bytes([a.0[i], a.0[i + 1], a.0[i + 2], a.0[i + 3]]);
    if a.is_v4() {
        w(12)
    } else {
        w(0).wrapping_add(w(4) << 2).wrapping_add(w(8) << 4).wrapping_add(w(12) << 6)
    }
}

fn iphex(a: &Addr) -> String {
    let bytes: &[u8] = if a.is_v4() { &a.0[12..] } else { &a.0[..] };
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

pub(super) fn mac_string(m: &[u8; 6]) -> String {
    format!("{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}", m[0], m[1], m[2], m[3], m[4], m[5])
}

pub(super) fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.trim().split(':');
    for b in out.iter_mut() {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

pub(super) fn secs(ns: u64) -> u64 {
    ns / 1_000_000_000
}

/// `1 + last - first`, in seconds (ntopng's `get_duration`).
pub(super) fn duration(first_ns: u64, last_ns: u64) -> u64 {
    1 + secs(last_ns).saturating_sub(secs(first_ns))
}

/// ntopng's L4 protocol names.
pub(super) fn l4_name(p: u8) -> &'static str {
    match p {
        0 => "IP",
        1 => "ICMP",
        2 => "IGMP",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        46 => "RSVP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "IPv6-ICMP",
        88 => "EIGRP",
        89 => "OSPF",
        103 => "PIM",
        112 => "VRRP",
        115 => "L2TP",
        132 => "SCTP",
        139 => "HIP",
        _ => "Other IP",
    }
}

/// The L4 number of a name (case-insensitive), or of a number given as text.
pub(super) fn l4_id(name: &str) -> Option<u8> {
    if let Ok(n) = name.parse::<u8>() {
        return Some(n);
    }
    let lower = name.to_ascii_lowercase();
    (0..=255u8).find(|p| l4_name(*p) != "Other IP" && l4_name(*p).eq_ignore_ascii_case(&lower)).or(
        match lower.as_str() {
            "icmpv6" | "ipv6icmp" => Some(58),
            _ => None,
        },
    )
}

/// The counted L7 id of a flow (app, else master; 0 unknown or not classified yet).
pub(super) fn flow_l7(f: &FlowRecord) -> u16 {
    f.classification.as_ref().map_or(0, |c| c.counted_protocol())
}

/// `proto.ndpi`: `master.app`, `app`, or `Unknown`.
pub(super) fn flow_l7_name(sc: &Scope, f: &FlowRecord) -> String {
    match (&f.classification, sc.names) {
        (Some(c), Some(n)) => n.l7_name(c),
        (Some(c), None) => c.counted_protocol().to_string(),
        (None, _) => "Unknown".into(),
    }
}

/// Traffic of one protocol (or category) from one host's point of view.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ProtoAcc {
    pub sent: Counters,
    pub rcvd: Counters,
    pub first_ns: u64,
    pub last_ns: u64,
    pub flows: u32,
}

impl ProtoAcc {
    fn add(&mut self, sent: Counters, rcvd: Counters, first_ns: u64, last_ns: u64, flows: u32) {
        if self.flows == 0 || first_ns < self.first_ns {
            self.first_ns = first_ns;
        }
        self.last_ns = self.last_ns.max(last_ns);
        self.sent.merge(&sent);
        self.rcvd.merge(&rcvd);
        self.flows += flows;
    }
}

/// A host's per-application traffic (the engine's `Host.l7`: ended and active flows).
pub(super) fn host_l7(h: &Host) -> BTreeMap<u16, ProtoAcc> {
    h.l7.iter()
        .map(|(id, a)| {
            let acc = ProtoAcc {
                sent: a.sent,
                rcvd: a.rcvd,
                first_ns: a.first_seen_ns,
                last_ns: a.last_seen_ns,
                flows: a.flows,
            };
            (*id, acc)
        })
        .collect()
}

/// Per-category traffic: each application under its nDPI default category (as ntopng's
/// `get_ndpi_proto_category`).
pub(super) fn categories_of(sc: &Scope, l7: &BTreeMap<u16, ProtoAcc>) -> BTreeMap<u32, ProtoAcc> {
    let mut out: BTreeMap<u32, ProtoAcc> = BTreeMap::new();
    for (id, a) in l7 {
        let cat = sc.names.map_or(0, |n| n.protocol_category(*id));
        out.entry(cat).or_default().add(a.sent, a.rcvd, a.first_ns, a.last_ns, a.flows);
    }
    out
}

/// What a host's active flows tell about it beyond the engine's host tables.
#[derive(Debug, Default)]
pub(super) struct HostFlowStats {
    pub l4: BTreeMap<u8, ProtoAcc>,
    pub peers_as_client: HashSet<Addr>,
    pub peers_as_server: HashSet<Addr>,
    /// `"tcp:443" -> "TLS"`.
    pub server_ports: BTreeMap<String, String>,
    pub contacted_ports: BTreeMap<String, String>,
    /// TCP sequence issues of the packets the host sent / received.
    /// TODO(engine): no per-host TCP counters; the active flows' only (ended flows are not counted).
    pub tcp_sent: TcpStats,
    pub tcp_rcvd: TcpStats,
}

/// One pass over the active flows for the hosts in `wanted` (all hosts when `None`).
pub(super) fn host_flow_stats(sc: &Scope, wanted: Option<&HashSet<HostKey>>) -> HashMap<HostKey, HostFlowStats> {
    let mut out: HashMap<HostKey, HostFlowStats> = HashMap::new();
    for f in &sc.snap().flows {
        let cli = HostKey { addr: f.client.0, vlan: f.vlan };
        let srv = HostKey { addr: f.server.0, vlan: f.vlan };
        for (key, is_client) in [(cli, true), (srv, false)] {
            if wanted.is_some_and(|w| !w.contains(&key)) {
                continue;
            }
            let (sent, rcvd) = if is_client { (f.cli2srv, f.srv2cli) } else { (f.srv2cli, f.cli2srv) };
            let (tcp_sent, tcp_rcvd) =
                if is_client { (&f.cli2srv_tcp, &f.srv2cli_tcp) } else { (&f.srv2cli_tcp, &f.cli2srv_tcp) };
            let st = out.entry(key).or_default();
            st.l4.entry(f.l4_proto).or_default().add(sent, rcvd, f.first_seen_ns, f.last_seen_ns, 1);
            st.tcp_sent.merge(tcp_sent);
            st.tcp_rcvd.merge(tcp_rcvd);
            let port = format!("{}:{}", l4_name(f.l4_proto).to_ascii_lowercase(), f.server.1);
            if is_client {
                st.peers_as_client.insert(f.server.0);
                st.contacted_ports.insert(port, flow_l7_name(sc, f));
            } else {
                st.peers_as_server.insert(f.client.0);
                st.server_ports.insert(port, flow_l7_name(sc, f));
            }
        }
    }
    out
}

fn set_dir(t: &Table, prefix: &str, sent: &Counters, rcvd: &Counters) -> mlua::Result<()> {
    t.raw_set(format!("{prefix}bytes.sent"), sent.bytes)?;
    t.raw_set(format!("{prefix}bytes.rcvd"), rcvd.bytes)?;
    t.raw_set(format!("{prefix}packets.sent"), sent.packets)?;
    t.raw_set(format!("{prefix}packets.rcvd"), rcvd.packets)?;
    Ok(())
}

/// Seconds of activity; 0 when the times are not known (the interface's counters have none).
fn acc_duration(a: &ProtoAcc) -> u64 {
    if a.last_ns == 0 {
        0
    } else {
        duration(a.first_ns, a.last_ns)
    }
}

/// `ndpi` of a host or interface: `{[app] = {breed, bytes.sent, bytes.rcvd, packets.sent, packets.rcvd,
/// duration, num_flows}}`.
pub(super) fn ndpi_table(lua: &Lua, sc: &Scope, l7: &BTreeMap<u16, ProtoAcc>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (id, a) in l7 {
        let e = lua.create_table()?;
        e.raw_set("breed", sc.breed(*id))?;
        set_dir(&e, "", &a.sent, &a.rcvd)?;
        e.raw_set("duration", acc_duration(a))?;
        e.raw_set("num_flows", a.flows)?;
        t.raw_set(sc.proto_name(*id), e)?;
    }
    Ok(t)
}

/// `ndpi_categories`: `{[category] = {category, bytes, bytes.sent, bytes.rcvd, duration}}`.
pub(super) fn categories_table(lua: &Lua, sc: &Scope, cats: &BTreeMap<u32, ProtoAcc>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (id, a) in cats {
        let e = lua.create_table()?;
        e.raw_set("category", *id)?;
        e.raw_set("bytes", a.sent.bytes + a.rcvd.bytes)?;
        e.raw_set("bytes.sent", a.sent.bytes)?;
        e.raw_set("bytes.rcvd", a.rcvd.bytes)?;
        e.raw_set("duration", acc_duration(a))?;
        t.raw_set(sc.category_name(*id), e)?;
    }
    Ok(t)
}

/// `tcpPacketStats`: `{retransmissions, out_of_order, lost, keep_alive}`.
pub(super) fn tcp_packet_stats(lua: &Lua, s: &TcpStats) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("retransmissions", s.retransmissions)?;
    t.raw_set("out_of_order", s.out_of_order)?;
    t.raw_set("lost", s.lost)?;
    t.raw_set("keep_alive", s.keep_alive)?;
    Ok(t)
}

/// The DiffServ class name of a code point (`cs0`, `af41`, `ef`, ...), as ntopng keys its DSCP tables.
pub(super) fn dscp_class(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "cs0",
        1 => "le",
        8 => "cs1",
        10 => "af11",
        12 => "af12",
        14 => "af13",
        16 => "cs2",
        18 => "af21",
        20 => "af22",
        22 => "af23",
        24 => "cs3",
        26 => "af31",
        28 => "af32",
        30 => "af33",
        32 => "cs4",
        34 => "af41",
        36 => "af42",
        38 => "af43",
        40 => "cs5",
        44 => "va",
        46 => "ef",
        48 => "cs6",
        56 => "cs7",
        _ => return None,
    })
}

/// `dscp`: `{[class] = {bytes.sent, bytes.rcvd, packets.sent, packets.rcvd}}` for the code points with
/// traffic; a code point without a class name is keyed by its number.
pub(super) fn dscp_table(lua: &Lua, by_code: impl IntoIterator<Item = (u8, DirCounters)>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (code, d) in by_code {
        if d.sent.packets + d.rcvd.packets == 0 {
            continue;
        }
        let e = lua.create_table()?;
        set_dir(&e, "", &d.sent, &d.rcvd)?;
        match dscp_class(code) {
            Some(name) => t.raw_set(name, e)?,
            None => t.raw_set(code, e)?,
        }
    }
    Ok(t)
}

fn string_map(lua: &Lua, m: &BTreeMap<String, String>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (k, v) in m {
        t.raw_set(k.as_str(), v.as_str())?;
    }
    Ok(t)
}

/// `Host::lua`: the list form (`details` false) or the full one. `fs` adds what the active flows tell
/// (ndpi, contacts, ports, per-L4 counters); the full form without it has empty tables there.
pub(super) fn host_table(
    lua: &Lua,
    sc: &Scope,
    h: &Host,
    details: bool,
    fs: Option<&HostFlowStats>,
) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let ip = h.key.addr.to_ip();
    let ipstr = h.key.addr.to_string();
    let multicast = is_multicast(ip);
    let broadcast = sc.is_broadcast(&h.key.addr);
    let local = sc.is_local_host(&h.key.addr);
    t.raw_set("ip", ipstr.as_str())?;
    t.raw_set("vlan", h.key.vlan)?;
    t.raw_set("ifid", sc.ifid())?;
    t.raw_set("ip_version", if h.key.addr.is_v4() { 4 } else { 6 })?;
    t.raw_set("ipkey", ipkey(&h.key.addr))?;
    t.raw_set("iphex", iphex(&h.key.addr))?;
    t.raw_set("tskey", ipstr.as_str())?;
    t.raw_set("key", host_key(&h.key))?;
    t.raw_set("name", ipstr.as_str())?;
    t.raw_set("mac", mac_string(&h.mac))?;
    t.raw_set("devtype", 0)?;
    t.raw_set("localhost", local)?;
    t.raw_set("privatehost", is_private(ip))?;
    t.raw_set("systemhost", false)?;
    t.raw_set("is_multicast", multicast)?;
    t.raw_set("is_broadcast", broadcast)?;
    t.raw_set("broadcast_domain_host", sc.in_bcast_domain(&h.key.addr))?;
    // TODO(engine): DHCP, blacklists.
    t.raw_set("dhcpHost", false)?;
    t.raw_set("is_blacklisted", false)?;
    t.raw_set("crawlerBotScannerHost", false)?;
    t.raw_set("is_rx_only", h.sent.packets == 0)?;
    t.raw_set("seen.first", secs(h.first_seen_ns))?;
    t.raw_set("seen.last", secs(h.last_seen_ns))?;
    t.raw_set("duration", duration(h.first_seen_ns, h.last_seen_ns))?;
    set_dir(&t, "", &h.sent, &h.rcvd)?;
    // Rates need two observations in time: not computed yet.
    t.raw_set("throughput_bps", 0.0)?;
    t.raw_set("throughput_pps", 0.0)?;
    t.raw_set("throughput_trend_bps", 0)?;
    t.raw_set("throughput_trend_pps", 0)?;
    t.raw_set("active_flows.as_client", h.active_flows_as_client)?;
    t.raw_set("active_flows.as_server", h.active_flows_as_server)?;
    t.raw_set("flows.as_client", h.total_flows_as_client)?;
    t.raw_set("flows.as_server", h.total_flows_as_server)?;
    t.raw_set("total_flows.as_client", h.total_flows_as_client)?;
    t.raw_set("total_flows.as_server", h.total_flows_as_server)?;
    // ntopng's host score: its active flows' shares plus its engaged host alerts (client side).
    let engaged = sc.view.engaged.get(&h.key).copied().unwrap_or_default();
    let (as_client, as_server) = (h.score.as_client + engaged.score, h.score.as_server);
    t.raw_set("score", as_client + as_server)?;
    t.raw_set("score.as_client", as_client)?;
    t.raw_set("score.as_server", as_server)?;
    t.raw_set("num_alerts", engaged.alerts)?;
    t.raw_set("os", 0)?;
    t.raw_set("asn", 0)?;
    t.raw_set("asname", "")?;
    t.raw_set("country", "")?;
    t.raw_set("continent", "")?;
    t.raw_set("city", "")?;
    t.raw_set("host_pool_id", 0)?;
    if local {
        if let Some(id) = h.network_id.or_else(|| sc.network_of(&h.key.addr)) {
            t.raw_set("local_network_id", id)?;
            if let Some(name) = sc.view.info.local_networks.get(id as usize) {
                t.raw_set("local_network_name", name.as_str())?;
            }
        }
    }
    if !details {
        return Ok(t);
    }
    t.raw_set("iface_index", sc.ifid())?;
    t.raw_set("observation_point_id", 0)?;
    t.raw_set("serialize_by_mac", false)?;
    t.raw_set("names", lua.create_table()?)?;
    t.raw_set("os_detail", "")?;
    t.raw_set("latitude", 0.0)?;
    t.raw_set("longitude", 0.0)?;
    t.raw_set("host_services_bitmap", 0)?;
    let ratio = |a: u64, b: u64| if a + b == 0 { 0.0 } else { (a as f64 - b as f64) / (a + b) as f64 };
    t.raw_set("bytes_ratio", ratio(h.sent.bytes, h.rcvd.bytes))?;
    t.raw_set("pkts_ratio", ratio(h.sent.packets, h.rcvd.packets))?;
    for k in ["bytes.sent", "bytes.rcvd", "packets.sent", "packets.rcvd"] {
        t.raw_set(format!("{k}.anomaly_index"), 0)?;
    }
    t.raw_set("total_activity_time", duration(h.first_seen_ns, h.last_seen_ns))?;
    t.raw_set("alerted_flows.as_client", 0)?;
    t.raw_set("alerted_flows.as_server", 0)?;
    t.raw_set("active_alerted_flows", 0)?;
    t.raw_set("total_alerts", 0)?;
    t.raw_set("num_flow_alerts", 0)?;
    t.raw_set("unreachable_flows.as_client", 0)?;
    t.raw_set("unreachable_flows.as_server", 0)?;
    let empty = HostFlowStats::default();
    let fs = fs.unwrap_or(&empty);
    t.raw_set("tcpPacketStats.sent", tcp_packet_stats(lua, &fs.tcp_sent)?)?;
    t.raw_set("tcpPacketStats.rcvd", tcp_packet_stats(lua, &fs.tcp_rcvd)?)?;
    t.raw_set("dscp", dscp_table(lua, h.dscp.iter().map(|(c, d)| (*c, *d)))?)?;
    let l7 = host_l7(h);
    t.raw_set("ndpi", ndpi_table(lua, sc, &l7)?)?;
    t.raw_set("ndpi_categories", categories_table(lua, sc, &categories_of(sc, &l7))?)?;
    t.raw_set("bytes.ndpi.unknown", l7.get(&0).map_or(0, |a| a.sent.bytes + a.rcvd.bytes))?;
    for (proto, name) in [(6u8, "tcp"), (17, "udp"), (1, "icmp")] {
        let a = fs.l4.get(&proto).copied().unwrap_or_default();
        set_dir(&t, &format!("{name}."), &a.sent, &a.rcvd)?;
    }
    let mut other = ProtoAcc::default();
    for (p, a) in &fs.l4 {
        if ![6u8, 17, 1].contains(p) {
            other.sent.merge(&a.sent);
            other.rcvd.merge(&a.rcvd);
        }
    }
    set_dir(&t, "other_ip.", &other.sent, &other.rcvd)?;
    t.raw_set("contacts.as_client", fs.peers_as_client.len())?;
    t.raw_set("contacts.as_server", fs.peers_as_server.len())?;
    let ports = lua.create_table()?;
    ports.raw_set("local_server_ports", string_map(lua, &fs.server_ports)?)?;
    ports.raw_set("remote_contacted_ports", string_map(lua, &fs.contacted_ports)?)?;
    t.raw_set("used_ports", ports)?;
    Ok(t)
}

/// `Flow::lua` (the detailed level; the always-present keys first).
pub(super) fn flow_table(lua: &Lua, sc: &Scope, f: &FlowRecord) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let (cli, cport) = f.client;
    let (srv, sport) = f.server;
    t.raw_set("cli.ip", cli.to_string())?;
    t.raw_set("srv.ip", srv.to_string())?;
    t.raw_set("cli.key", ipkey(&cli))?;
    t.raw_set("srv.key", ipkey(&srv))?;
    t.raw_set("cli.port", cport)?;
    t.raw_set("srv.port", sport)?;
    if f.vlan != 0 {
        t.raw_set("cli.vlan", f.vlan)?;
        t.raw_set("srv.vlan", f.vlan)?;
    }
    t.raw_set("cli.broadmulticast", cli.is_broad_multicast())?;
    t.raw_set("srv.broadmulticast", srv.is_broad_multicast())?;
    t.raw_set("vlan", f.vlan)?;
    t.raw_set("iface_index", sc.ifid())?;
    let bytes = f.cli2srv.bytes + f.srv2cli.bytes;
    let packets = f.cli2srv.packets + f.srv2cli.packets;
    t.raw_set("bytes", bytes)?;
    t.raw_set("goodput_bytes", f.goodput_bytes())?;
    t.raw_set("bytes.last", 0)?;
    t.raw_set("flow.idle", false)?;
    t.raw_set("flow.status", 0)?;
    t.raw_set("proto.ndpi", flow_l7_name(sc, f))?;
    let confidence = f.classification.as_ref().map_or(0, |c| c.confidence);
    t.raw_set(
        "proto.ndpi_confidence",
        sc.names.map_or_else(|| "Unknown".to_string(), |n| n.confidence(confidence).to_string()),
    )?;
    t.raw_set("confidence", confidence)?;
    t.raw_set("ntopng.key", f.ntopng_key)?;
    t.raw_set("hash_entry_id", f.hash_id)?;
    // detailed
    t.raw_set("flow_swapped", f.swapped)?;
    t.raw_set("flow_source", 0)?;
    for (side, a, mac) in [("cli", &cli, &f.cli_mac), ("srv", &srv, &f.srv_mac)] {
        t.raw_set(format!("{side}.host"), a.to_string())?;
        t.raw_set(format!("{side}.localhost"), sc.is_local_host(a))?;
        t.raw_set(format!("{side}.private"), is_private(a.to_ip()))?;
        t.raw_set(format!("{side}.systemhost"), false)?;
        t.raw_set(format!("{side}.blacklisted"), false)?;
        t.raw_set(format!("{side}.broadcast_domain_host"), sc.in_bcast_domain(a))?;
        t.raw_set(format!("{side}.dhcpHost"), false)?;
        t.raw_set(format!("{side}.mac"), mac_string(mac))?;
        t.raw_set(format!("{side}.network_id"), sc.network_of(a).map_or(-1, i32::from))?;
        t.raw_set(format!("{side}.pool_id"), 0)?;
        t.raw_set(format!("{side}.asn"), 0)?;
        t.raw_set(format!("{side}.country"), "")?;
        t.raw_set(format!("{side}.os"), 0)?;
        t.raw_set(format!("{side}.allowed_host"), true)?;
        t.raw_set(format!("{side}.serialize_by_mac"), false)?;
    }
    t.raw_set("observation_point_id", 0)?;
    t.raw_set("proto.l4_id", f.l4_proto)?;
    t.raw_set("proto.l4", l4_name(f.l4_proto))?;
    match &f.classification {
        Some(c) => {
            t.raw_set("proto.ndpi_id", c.counted_protocol())?;
            t.raw_set("proto.master_ndpi_id", c.master_protocol)?;
            t.raw_set("proto.ndpi_app_id", c.app_protocol)?;
            t.raw_set("proto.ndpi_breed", sc.breed(c.counted_protocol()))?;
            t.raw_set("proto.ndpi_cat_id", c.category)?;
            t.raw_set("proto.ndpi_cat", sc.category_name(c.category))?;
            if let Some(h) = c.host_name() {
                t.raw_set("host_server_name", h)?;
                t.raw_set("info", h)?;
            }
        }
        None => {
            t.raw_set("proto.ndpi_id", -1)?;
            t.raw_set("proto.master_ndpi_id", -1)?;
            t.raw_set("proto.ndpi_breed", "Unrated")?;
            t.raw_set("proto.ndpi_cat_id", 0)?;
            t.raw_set("proto.ndpi_cat", sc.category_name(0))?;
        }
    }
    t.raw_set("packets", packets)?;
    t.raw_set("packets.sent", f.cli2srv.packets)?;
    t.raw_set("packets.rcvd", f.srv2cli.packets)?;
    t.raw_set("packets.last", 0)?;
    t.raw_set("seen.first", secs(f.first_seen_ns))?;
    t.raw_set("seen.last", secs(f.last_seen_ns))?;
    let dur = duration(f.first_seen_ns, f.last_seen_ns);
    t.raw_set("duration", dur)?;
    for (dir, c, goodput) in [("cli2srv", &f.cli2srv, f.cli2srv_goodput), ("srv2cli", &f.srv2cli, f.srv2cli_goodput)] {
        t.raw_set(format!("{dir}.bytes"), c.bytes)?;
        t.raw_set(format!("{dir}.goodput_bytes"), goodput)?;
        t.raw_set(format!("{dir}.packets"), c.packets)?;
        t.raw_set(format!("{dir}.last"), 0)?;
        t.raw_set(format!("{dir}.throughput_bps"), 0.0)?;
        t.raw_set(format!("{dir}.throughput_pps"), 0.0)?;
    }
    for (dir, s) in [("cli2srv", &f.cli2srv_tcp), ("srv2cli", &f.srv2cli_tcp)] {
        t.raw_set(format!("{dir}.retransmissions"), s.retransmissions)?;
        t.raw_set(format!("{dir}.out_of_order"), s.out_of_order)?;
        t.raw_set(format!("{dir}.lost"), s.lost)?;
        t.raw_set(format!("{dir}.keep_alive"), s.keep_alive)?;
    }
    if f.l4_proto == 6 {
        use ntopng_engine::flow::tcp_flags::{ACK, FIN, RST, SYN};
        t.raw_set("cli2srv.tcp_flags", f.cli2srv_flags)?;
        t.raw_set("srv2cli.tcp_flags", f.srv2cli_flags)?;
        let all = f.cli2srv_flags | f.srv2cli_flags;
        let established = f.cli2srv_flags & SYN != 0 && f.srv2cli_flags & (SYN | ACK) == SYN | ACK;
        let closed = (f.cli2srv_flags & f.srv2cli_flags & FIN) != 0;
        let reset = all & RST != 0;
        t.raw_set("tcp_established", established && !closed && !reset)?;
        t.raw_set("tcp_connecting", all & SYN != 0 && !established && !reset)?;
        t.raw_set("tcp_closed", closed)?;
        t.raw_set("tcp_reset", reset)?;
        let issues = |s: &TcpStats| s.retransmissions + s.out_of_order + s.lost;
        t.raw_set("tcp.seq_problems", issues(&f.cli2srv_tcp) + issues(&f.srv2cli_tcp) > 0)?;
        t.raw_set("tcp.nw_latency.client", 0.0)?;
        t.raw_set("tcp.nw_latency.server", 0.0)?;
        t.raw_set("tcp.appl_latency", 0.0)?;
    }
    // ntopng's flow score: the sum of its alerts' scores, split between client and server.
    let score = lua.create_table()?;
    score.raw_set("flow_score", f.score.total())?;
    let sides = lua.create_table()?;
    sides.raw_set("client_score", f.score.client)?;
    sides.raw_set("server_score", f.score.server)?;
    score.raw_set("host_score_total", sides)?;
    t.raw_set("score", score)?;
    let tos = lua.create_table()?;
    for (side, dscp) in [("client", f.cli2srv_dscp), ("server", f.srv2cli_dscp)] {
        let d = lua.create_table()?;
        d.raw_set("DSCP", dscp)?;
        // TODO(engine): ECN bits are not kept.
        d.raw_set("ECN", 0)?;
        tos.raw_set(side, d)?;
    }
    t.raw_set("tos", tos)?;
    t.raw_set("average_throughput_bps", bytes as f64 / dur as f64)?;
    t.raw_set("average_throughput_pps", packets as f64 / dur as f64)?;
    for k in ["throughput_bps", "throughput_pps", "top_throughput_bps", "top_throughput_pps"] {
        t.raw_set(k, 0.0)?;
    }
    t.raw_set("throughput_trend_bps", 0)?;
    t.raw_set("throughput_trend_pps", 0)?;
    t.raw_set("verdict.pass", true)?;
    t.raw_set("moreinfo.json", "{}")?;
    Ok(t)
}

/// `Mac::lua`.
pub(super) fn mac_table(lua: &Lua, m: &Mac, num_hosts: usize) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("mac", mac_string(&m.addr))?;
    set_dir(&t, "", &m.sent, &m.rcvd)?;
    t.raw_set("seen.first", secs(m.first_seen_ns))?;
    t.raw_set("seen.last", secs(m.last_seen_ns))?;
    t.raw_set("duration", duration(m.first_seen_ns, m.last_seen_ns))?;
    t.raw_set("num_hosts", num_hosts)?;
    t.raw_set("source_mac", m.sent.packets > 0)?;
    t.raw_set("special_mac", m.addr[0] & 1 != 0)?;
    t.raw_set("manufacturer", "")?;
    t.raw_set("devtype", 0)?;
    t.raw_set("location", "unknown")?;
    t.raw_set("pool", 0)?;
    t.raw_set("throughput_bps", 0.0)?;
    t.raw_set("throughput_pps", 0.0)?;
    t.raw_set("arp_requests.sent", 0)?;
    t.raw_set("arp_requests.rcvd", 0)?;
    t.raw_set("arp_replies.sent", 0)?;
    t.raw_set("arp_replies.rcvd", 0)?;
    Ok(t)
}
