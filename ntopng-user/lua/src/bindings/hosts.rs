//! `interface.*` host listings and lookups: `getHostsInfo` and its local/remote/... variants (filters,
//! sorting and paging done on the engine's hosts before any Lua table is built), `getHostInfo`, `findHost`,
//! batched listings.

use std::collections::HashSet;

use ipnet::IpNet;
use mlua::{Lua, Table, Value};
use ntopng_engine::host::{Host, HostKey};

use super::interface::{opt_params, with_scope};
use super::shapes::{self, Scope};
use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::iface_view::ViewNeeds;

/// Which hosts a listing covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Location {
    All,
    Local,
    Remote,
    BroadcastDomain,
    BroadcastMulticast,
    Public,
    LocalNoTx,
    RemoteNoTx,
}

impl Location {
    fn from_mode(mode: &str) -> Option<Location> {
        Some(match mode {
            "" | "all" => Location::All,
            "local" => Location::Local,
            "remote" => Location::Remote,
            "broadcast_domain" => Location::BroadcastDomain,
            "broadcast_multicast" => Location::BroadcastMulticast,
            "public" => Location::Public,
            _ => return None,
        })
    }
}

/// A listing request: ntopng's positional arguments or the seeds' params table, parsed.
#[derive(Debug)]
struct HostQuery {
    details: bool,
    sort: String,
    a2z: bool,
    max_hits: Option<u64>,
    skip: u64,
    location: Location,
    host: Option<String>,
    country: Option<String>,
    os: Option<i64>,
    vlan: Option<i64>,
    asn: Option<i64>,
    network: Option<i64>,
    mac: Option<[u8; 6]>,
    pool: Option<i64>,
    ipver: Option<i64>,
    traffic_type: Option<i64>,
    blacklisted: bool,
    anomalous: bool,
    dhcp: bool,
    cidr: Option<IpNet>,
}

impl HostQuery {
    fn new(location: Location) -> Self {
        HostQuery {
            details: false,
            sort: "ip".into(),
            a2z: true,
            max_hits: None,
            skip: 0,
            location,
            host: None,
            country: None,
            os: None,
            vlan: None,
            asn: None,
            network: None,
            mac: None,
            pool: None,
            ipver: None,
            traffic_type: None,
            blacklisted: false,
            anomalous: false,
            dhcp: false,
            cidr: None,
        }
    }
}

/// A field of a params table, checked: integers (or numeric strings), strings, booleans.
pub(super) struct Fields<'a> {
    a: &'a Args<'a>,
    t: Table,
}

impl<'a> Fields<'a> {
    pub fn new(a: &'a Args<'a>, t: Table) -> Self {
        Fields { a, t }
    }

    fn bad(&self, key: &str, expected: &str, got: &Value) -> crate::args::BindError {
        self.a.fail(format!("bad field '{key}' in params: {expected} expected, got {}", got.type_name()))
    }

    pub fn int(&self, key: &str) -> BResult<Option<i64>> {
        let v: Value = self.t.get(key)?;
        match &v {
            Value::Nil => Ok(None),
            Value::Integer(n) => Ok(Some(*n)),
            Value::Number(x) if x.fract() == 0.0 => Ok(Some(*x as i64)),
            Value::String(s) if s.to_string_lossy().trim().is_empty() => Ok(None),
            Value::String(s) => {
                s.to_string_lossy().trim().parse::<i64>().map(Some).map_err(|_| self.bad(key, "integer", &v))
            }
            _ => Err(self.bad(key, "integer", &v)),
        }
    }

    pub fn string(&self, key: &str) -> BResult<Option<String>> {
        let v: Value = self.t.get(key)?;
        match &v {
            Value::Nil => Ok(None),
            Value::String(s) => Ok(Some(s.to_string_lossy())),
            Value::Integer(n) => Ok(Some(n.to_string())),
            Value::Number(x) => Ok(Some(x.to_string())),
            _ => Err(self.bad(key, "string", &v)),
        }
    }

    pub fn boolean(&self, key: &str) -> BResult<Option<bool>> {
        let v: Value = self.t.get(key)?;
        match &v {
            Value::Nil => Ok(None),
            Value::Boolean(b) => Ok(Some(*b)),
            Value::String(s) => match s.to_string_lossy().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" | "" => Ok(Some(false)),
                _ => Err(self.bad(key, "boolean", &v)),
            },
            _ => Err(self.bad(key, "boolean", &v)),
        }
    }
}

fn parse_mac_arg(a: &Args, s: &str) -> BResult<[u8; 6]> {
    shapes::parse_mac(s).ok_or_else(|| a.fail(format!("invalid MAC address '{s}'")))
}

fn parse_cidr_arg(a: &Args, s: &str) -> BResult<IpNet> {
    shapes::parse_net(s).ok_or_else(|| a.fail(format!("invalid network '{s}'")))
}

/// `(details, sortColumn, maxHits, toSkip, a2zSortOrder, country, os, vlan, asn, network, mac, pool, ipver,
/// proto, traffic_type, filtered, blacklisted, anomalous, dhcp, cidr)` or `{params}`.
fn parse_query(a: &Args, location: Location) -> BResult<HostQuery> {
    let mut q = HostQuery::new(location);
    if let Some(t) = opt_params_or_positional(a)? {
        let f = Fields::new(a, t);
        q.details = f.boolean("details")?.or(f.boolean("show_details")?).unwrap_or(false);
        if let Some(s) = f.string("sortColumn")? {
            q.sort = s;
        }
        q.a2z = match (f.string("sortOrder")?, f.boolean("a2zSortOrder")?) {
            (Some(o), _) => o != "desc",
            (None, Some(b)) => b,
            (None, None) => true,
        };
        q.max_hits = f.int("perPage")?.or(f.int("maxHits")?).map(|n| n.max(0) as u64);
        let page = f.int("currentPage")?.unwrap_or(1).max(1) as u64;
        q.skip = match f.int("toSkip")? {
            Some(n) => n.max(0) as u64,
            None => q.max_hits.map_or(0, |pp| (page - 1) * pp),
        };
        if let Some(mode) = f.string("mode")? {
            let loc = Location::from_mode(&mode).ok_or_else(|| a.fail(format!("unknown host mode '{mode}'")))?;
            if location == Location::All {
                q.location = loc;
            }
        }
        q.host = f.string("host")?.filter(|s| !s.is_empty());
        q.country = f.string("country")?.filter(|s| !s.is_empty());
        q.os = f.int("os")?;
        q.vlan = f.int("vlan")?.or(f.int("vlan_id")?);
        q.asn = f.int("asn")?;
        q.network = f.int("network")?;
        q.mac = f.string("mac")?.filter(|s| !s.is_empty()).map(|s| parse_mac_arg(a, &s)).transpose()?;
        q.pool = f.int("pool")?;
        q.ipver = f.int("ipver")?.or(f.int("version")?);
        q.traffic_type = f.int("traffic_type")?;
        q.blacklisted = f.boolean("blacklisted")?.unwrap_or(false);
        q.anomalous = f.boolean("anomalous")?.unwrap_or(false);
        q.dhcp = f.boolean("dhcp")?.unwrap_or(false);
        q.cidr = f
            .string("cidr")?
            .or(f.string("network_cidr")?)
            .filter(|s| !s.is_empty())
            .map(|s| parse_cidr_arg(a, &s))
            .transpose()?;
        return Ok(q);
    }
    q.details = a.opt_boolean(1, "show_details")?.unwrap_or(false);
    if let Some(s) = a.opt_string(2, "sortColumn")? {
        q.sort = s;
    }
    q.max_hits = a.opt_uint(3, "maxHits")?;
    q.skip = a.opt_uint(4, "toSkip")?.unwrap_or(0);
    q.a2z = a.opt_boolean(5, "a2zSortOrder")?.unwrap_or(true);
    q.country = a.opt_string(6, "country")?;
    q.os = a.opt_int(7, "os")?;
    q.vlan = a.opt_int(8, "vlan")?;
    q.asn = a.opt_int(9, "asn")?;
    q.network = a.opt_int(10, "network")?;
    q.mac = a.opt_string(11, "mac")?.map(|s| parse_mac_arg(a, &s)).transpose()?;
    q.pool = a.opt_int(12, "pool")?;
    q.ipver = a.opt_int(13, "ipver")?;
    let _proto = a.opt_int(14, "proto")?;
    q.traffic_type = a.opt_int(15, "traffic_type")?;
    let _filtered = a.opt_boolean(16, "filtered")?;
    q.blacklisted = a.opt_boolean(17, "blacklisted")?.unwrap_or(false);
    q.anomalous = a.opt_boolean(18, "anomalous")?.unwrap_or(false);
    q.dhcp = a.opt_boolean(19, "dhcp")?.unwrap_or(false);
    q.cidr = a.opt_string(20, "cidr")?.map(|s| parse_cidr_arg(a, &s)).transpose()?;
    Ok(q)
}

/// Argument 1 as a params table; `None` for the positional form (argument 1 nil or a boolean).
fn opt_params_or_positional(a: &Args) -> BResult<Option<Table>> {
    match a.value(1) {
        Value::Boolean(_) => Ok(None),
        _ => opt_params(a, 1),
    }
}

fn matches(sc: &Scope, q: &HostQuery, h: &Host) -> bool {
    let addr = &h.key.addr;
    let ip = addr.to_ip();
    let local = sc.is_local_host(addr);
    let ok_loc = match q.location {
        Location::All => true,
        Location::Local => local,
        Location::Remote => !local,
        Location::BroadcastDomain => sc.in_bcast_domain(addr),
        Location::BroadcastMulticast => shapes::is_multicast(ip) || sc.is_broadcast(addr),
        Location::Public => !shapes::is_private(ip),
        Location::LocalNoTx => local && h.sent.packets == 0,
        Location::RemoteNoTx => !local && h.sent.packets == 0,
    };
    // GeoIP, OS, ASN, pools, blacklists, DHCP and anomalies are not known: only their neutral values match.
    ok_loc
        && q.host.as_ref().is_none_or(|s| shapes::host_key(&h.key).contains(s.as_str()))
        && q.country.is_none()
        && q.os.is_none_or(|o| o == 0)
        && q.vlan.is_none_or(|v| v == i64::from(h.key.vlan))
        && q.asn.is_none_or(|n| n == 0)
        && q.network.is_none_or(|n| sc.network_of(addr).map(i64::from) == Some(n) && local)
        && q.mac.is_none_or(|m| m == h.mac)
        && q.pool.is_none_or(|p| p == 0)
        && q.ipver.is_none_or(|v| v == 0 || v == if addr.is_v4() { 4 } else { 6 })
        && match q.traffic_type {
            Some(1) => h.sent.packets == 0 || h.rcvd.packets == 0,
            Some(2) => h.sent.packets > 0 && h.rcvd.packets > 0,
            _ => true,
        }
        && !q.blacklisted
        && !q.anomalous
        && !q.dhcp
        && q.cidr.is_none_or(|n| n.contains(&ip))
}

/// Sorts hosts by a ntopng column (`column_` prefix optional); unknown columns sort by IP, as ntopng does.
fn sort_hosts(sc: &Scope, hosts: &mut [&Host], column: &str, a2z: bool) {
    let col = column.strip_prefix("column_").unwrap_or(column);
    let key_order = |x: &&Host, y: &&Host| x.key.cmp(&y.key);
    match col {
        "name" => hosts.sort_by_cached_key(|h| shapes::host_key(&h.key)),
        "since" | "first_seen" => hosts.sort_by(|x, y| x.first_seen_ns.cmp(&y.first_seen_ns).then(key_order(x, y))),
        "last" | "last_seen" => hosts.sort_by(|x, y| x.last_seen_ns.cmp(&y.last_seen_ns).then(key_order(x, y))),
        "vlan" => hosts.sort_by(|x, y| x.key.vlan.cmp(&y.key.vlan).then(key_order(x, y))),
        "num_flows" | "flows" => hosts.sort_by(|x, y| x.active_flows().cmp(&y.active_flows()).then(key_order(x, y))),
        "traffic" | "bytes" => hosts
            .sort_by(|x, y| (x.sent.bytes + x.rcvd.bytes).cmp(&(y.sent.bytes + y.rcvd.bytes)).then(key_order(x, y))),
        "bytes.sent" | "sent" | "uploaders" => {
            hosts.sort_by(|x, y| x.sent.bytes.cmp(&y.sent.bytes).then(key_order(x, y)))
        }
        "bytes.rcvd" | "rcvd" | "downloaders" => {
            hosts.sort_by(|x, y| x.rcvd.bytes.cmp(&y.rcvd.bytes).then(key_order(x, y)))
        }
        "packets" => hosts.sort_by(|x, y| {
            (x.sent.packets + x.rcvd.packets).cmp(&(y.sent.packets + y.rcvd.packets)).then(key_order(x, y))
        }),
        "mac" => hosts.sort_by(|x, y| x.mac.cmp(&y.mac).then(key_order(x, y))),
        "local_network_id" | "network" => {
            hosts.sort_by(|x, y| sc.network_of(&x.key.addr).cmp(&sc.network_of(&y.key.addr)).then(key_order(x, y)))
        }
        // alerts, score, thpt, country, asn, os, queries: all neutral today, so IP order.
        _ => hosts.sort_by(key_order),
    }
    if !a2z {
        hosts.reverse();
    }
}

/// Filters, sorts, pages, then converts only the page: `{hosts = {[key] = ...}, numHosts = N}`.
fn hosts_info(lua: &Lua, sc: &Scope, q: &HostQuery) -> mlua::Result<Table> {
    let mut list: Vec<&Host> = sc.snap().hosts.values().filter(|h| matches(sc, q, h)).collect();
    let total = list.len();
    sort_hosts(sc, &mut list, &q.sort, q.a2z);
    let page: Vec<&Host> =
        list.into_iter().skip(q.skip as usize).take(q.max_hits.map_or(usize::MAX, |n| n as usize)).collect();
    let stats = if q.details {
        let wanted: HashSet<HostKey> = page.iter().map(|h| h.key).collect();
        Some(shapes::host_flow_stats(sc, Some(&wanted)))
    } else {
        None
    };
    let hosts = lua.create_table()?;
    for h in page {
        let fs = stats.as_ref().and_then(|s| s.get(&h.key));
        hosts.raw_set(shapes::host_key(&h.key), shapes::host_table(lua, sc, h, q.details, fs)?)?;
    }
    let t = lua.create_table()?;
    t.raw_set("hosts", hosts)?;
    t.raw_set("numHosts", total)?;
    Ok(t)
}

fn host_arg(a: &Args) -> BResult<Option<HostKey>> {
    let host = a.string(1, "host")?;
    let vlan = match a.value(2) {
        Value::Nil => None,
        Value::String(s) if s.to_string_lossy().is_empty() => None,
        _ => Some(a.uint(2, "vlan")?),
    };
    if vlan.is_some_and(|v| v > 4095) {
        return Err(a.bad_value(2, "vlan", "must be between 0 and 4095"));
    }
    Ok(shapes::parse_host(&host, vlan.map(|v| v as u16)))
}

/// The full `Host::lua` of one host, or nil.
fn host_info(lua: &Lua, sc: &Scope, key: HostKey) -> mlua::Result<Value> {
    let Some(h) = sc.snap().hosts.get(&key) else { return Ok(Value::Nil) };
    let wanted = [key].into_iter().collect();
    let stats = shapes::host_flow_stats(sc, Some(&wanted));
    Ok(Value::Table(shapes::host_table(lua, sc, h, true, stats.get(&key))?))
}

/// `{hosts = {[key] = ...}, nextSlot = N}` for `count` hosts from position `cursor` (nextSlot absent at the end).
fn batched(lua: &Lua, sc: &Scope, a: &Args, location: Location) -> BResult<Table> {
    let cursor = a.uint(1, "cursor")? as usize;
    let count = a.uint(2, "count")? as usize;
    let q = HostQuery::new(location);
    let all: Vec<&Host> = sc.snap().hosts.values().filter(|h| matches(sc, &q, h)).collect();
    let hosts = lua.create_table()?;
    for h in all.iter().skip(cursor).take(count) {
        hosts.raw_set(shapes::host_key(&h.key), shapes::host_table(lua, sc, h, false, None)?)?;
    }
    let t = lua.create_table()?;
    t.raw_set("hosts", hosts)?;
    if cursor + count < all.len() {
        t.raw_set("nextSlot", cursor + count)?;
    }
    Ok(t)
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    for (name, location) in [
        ("getHostsInfo", Location::All),
        ("getLocalHostsInfo", Location::Local),
        ("getRemoteHostsInfo", Location::Remote),
        ("getBroadcastDomainHostsInfo", Location::BroadcastDomain),
        ("getBroadcastMulticastHostsInfo", Location::BroadcastMulticast),
        ("getPublicHostsInfo", Location::Public),
        ("getLocalHostsInfoNoTX", Location::LocalNoTx),
        ("getRemoteHostsInfoNoTX", Location::RemoteNoTx),
    ] {
        let c = ctx.clone();
        r.add("interface", name, move |lua, a| {
            let q = parse_query(a, location)?;
            let needs = if q.details { ViewNeeds::HOSTS_FLOWS } else { ViewNeeds::HOSTS };
            with_scope(&c, a, needs, |sc| Ok(hosts_info(lua, sc, &q)?))
        })?;
    }
    for (name, location) in [
        ("getBatchedHostsInfo", Location::All),
        ("getBatchedLocalHostsInfo", Location::Local),
        ("getBatchedRemoteHostsInfo", Location::Remote),
    ] {
        let c = ctx.clone();
        r.add("interface", name, move |lua, a| {
            with_scope(&c, a, ViewNeeds::HOSTS, |sc| batched(lua, sc, a, location))
        })?;
    }
    let c = ctx.clone();
    r.add("interface", "getHostInfo", move |lua, a| {
        let Some(key) = host_arg(a)? else { return Ok(Value::Nil) };
        with_scope(&c, a, ViewNeeds::HOSTS_FLOWS, |sc| Ok(host_info(lua, sc, key)?))
    })?;
    for name in ["getHostMinInfo", "findHost"] {
        let c = ctx.clone();
        r.add("interface", name, move |lua, a| {
            let Some(key) = host_arg(a)? else { return Ok(Value::Nil) };
            with_scope(&c, a, ViewNeeds::HOSTS, |sc| match sc.snap().hosts.get(&key) {
                Some(h) => Ok(Value::Table(shapes::host_table(lua, sc, h, false, None)?)),
                None => Ok(Value::Nil),
            })
        })?;
    }
    let c = ctx.clone();
    r.add("interface", "isHostActive", move |_, a| {
        let Some(key) = host_arg(a)? else { return Ok(false) };
        with_scope(&c, a, ViewNeeds::HOSTS, |sc| Ok(sc.snap().hosts.contains_key(&key)))
    })?;
    let c = ctx.clone();
    r.add("interface", "getnDPIHostStats", move |lua, a| {
        let Some(key) = host_arg(a)? else { return Ok(Value::Nil) };
        with_scope(&c, a, ViewNeeds::HOSTS, |sc| match sc.snap().hosts.get(&key) {
            None => Ok(Value::Nil),
            Some(h) => {
                let l7 = shapes::host_l7(h);
                Ok(Value::Table(super::interface::ndpi_stats(lua, sc, &l7, &shapes::categories_of(sc, &l7))?))
            }
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "getInterfaceHosts", move |lua, a| {
        let details = a.opt_boolean(1, "include_details")?.unwrap_or(false);
        let needs = if details { ViewNeeds::HOSTS_FLOWS } else { ViewNeeds::HOSTS };
        with_scope(&c, a, needs, |sc| {
            let stats = details.then(|| shapes::host_flow_stats(sc, None));
            let t = lua.create_table()?;
            for (i, h) in sc.snap().hosts.values().enumerate() {
                let fs = stats.as_ref().and_then(|s| s.get(&h.key));
                t.raw_set(i + 1, shapes::host_table(lua, sc, h, details, fs)?)?;
            }
            Ok(t)
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "getMacHosts", move |lua, a| {
        let s = a.string(1, "mac")?;
        let mac = shapes::parse_mac(&s).ok_or_else(|| a.bad_value(1, "mac", format!("invalid MAC address '{s}'")))?;
        with_scope(&c, a, ViewNeeds::HOSTS, |sc| {
            let t = lua.create_table()?;
            for h in sc.snap().hosts.values().filter(|h| h.mac == mac) {
                t.raw_set(shapes::host_key(&h.key), shapes::host_table(lua, sc, h, false, None)?)?;
            }
            Ok(t)
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "findHostByMac", move |lua, a| {
        let s = a.string(1, "mac")?;
        let mac = shapes::parse_mac(&s).ok_or_else(|| a.bad_value(1, "mac", format!("invalid MAC address '{s}'")))?;
        with_scope(&c, a, ViewNeeds::HOSTS, |sc| match sc.snap().hosts.values().find(|h| h.mac == mac) {
            Some(h) => Ok(Value::Table(shapes::host_table(lua, sc, h, false, None)?)),
            None => Ok(Value::Nil),
        })
    })?;
    Ok(())
}
