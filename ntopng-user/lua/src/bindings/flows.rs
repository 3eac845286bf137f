//! `interface.*` flow listings and lookups: `getFlowsInfo` (filters, sorting and paging on the engine's flow
//! records, then only the page becomes Lua tables), `findFlowByKeyAndHashId`, `findFlowByTuple`, `getFlowKey`.

use std::cmp::Ordering;
use std::net::IpAddr;

use mlua::{Lua, Table, Value};
use ntopng_engine::flow_key::FlowKey;
use ntopng_engine::host::HostKey;
use ntopng_engine::sink::FlowRecord;
use ntopng_wire::Addr;

use super::hosts::Fields;
use super::interface::with_scope;
use super::shapes::{self, Scope};
use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::iface_view::ViewNeeds;

#[derive(Debug)]
struct FlowQuery {
    host: Option<HostKey>,
    sort: String,
    a2z: bool,
    max_hits: Option<u64>,
    skip: u64,
    l7: Option<L7Filter>,
    l4: Option<u8>,
    vlan: Option<u16>,
    port: Option<u16>,
    network: Option<i64>,
    ipver: Option<u8>,
}

#[derive(Debug)]
enum L7Filter {
    Id(u16),
    /// A name: the application alone (`TLS`) or `master.app` (`TLS.Facebook`).
    Name(String),
}

fn parse_host_value(a: &Args, s: &str, vlan: Option<u16>) -> BResult<HostKey> {
    shapes::parse_host(s, vlan).ok_or_else(|| a.fail(format!("invalid host '{s}'")))
}

fn l7_filter(v: String) -> L7Filter {
    match v.parse::<u16>() {
        Ok(id) => L7Filter::Id(id),
        Err(_) => L7Filter::Name(v),
    }
}

/// `getFlowsInfo(host, pageinfo)` (ntopng) or `getFlowsInfo({params})` (the seed's form).
fn parse_query(a: &Args) -> BResult<FlowQuery> {
    let mut q = FlowQuery {
        host: None,
        sort: "bytes".into(),
        a2z: true,
        max_hits: None,
        skip: 0,
        l7: None,
        l4: None,
        vlan: None,
        port: None,
        network: None,
        ipver: None,
    };
    let (params, seed_form) = match (a.value(1), a.value(2)) {
        (Value::Table(t), _) => (Some(t), true),
        (Value::Nil, Value::Nil) => (None, false),
        (Value::String(_) | Value::Nil, p) => {
            if let Some(h) = a.opt_string(1, "host")?.filter(|s| !s.is_empty()) {
                q.host = Some(parse_host_value(a, &h, None)?);
            }
            match p {
                Value::Nil => (None, false),
                Value::Table(t) => (Some(t), false),
                other => return Err(a.bad_value(2, "pageinfo", format!("table expected, got {}", other.type_name()))),
            }
        }
        (other, _) => {
            return Err(a.bad_value(1, "host", format!("string or params table expected, got {}", other.type_name())))
        }
    };
    let Some(t) = params else { return Ok(q) };
    let f = Fields::new(a, t);
    if let Some(s) = f.string("sortColumn")? {
        q.sort = s;
    }
    q.a2z = match (f.string("sortOrder")?, f.boolean("a2zSortOrder")?) {
        (Some(o), _) => o == "asc",
        (None, Some(b)) => b,
        (None, None) => !seed_form,
    };
    q.max_hits = f.int("maxHits")?.or(f.int("perPage")?).map(|n| n.max(0) as u64);
    let page = f.int("currentPage")?.unwrap_or(1).max(1) as u64;
    q.skip = match f.int("toSkip")? {
        Some(n) => n.max(0) as u64,
        None => q.max_hits.map_or(0, |pp| (page - 1) * pp),
    };
    let vlan = f.int("vlanIdFilter")?.or(f.int("vlan")?);
    if let Some(v) = vlan {
        q.vlan = Some(u16::try_from(v).map_err(|_| a.fail(format!("invalid VLAN {v}")))?);
    }
    if q.host.is_none() {
        if let Some(h) = f.string("host")?.or(f.string("hostFilter")?).filter(|s| !s.is_empty()) {
            q.host = Some(parse_host_value(a, &h, None)?);
        }
    }
    if let Some(l7) = f.string("l7protoFilter")?.or(f.string("application")?).filter(|s| !s.is_empty()) {
        q.l7 = Some(l7_filter(l7));
    }
    if let Some(l4) = f.string("l4protoFilter")?.or(f.string("l4proto")?).filter(|s| !s.is_empty()) {
        q.l4 = Some(shapes::l4_id(&l4).ok_or_else(|| a.fail(format!("unknown L4 protocol '{l4}'")))?);
    }
    if let Some(p) = f.int("portFilter")?.or(f.int("port")?) {
        q.port = Some(u16::try_from(p).map_err(|_| a.fail(format!("invalid port {p}")))?);
    }
    q.network = f.int("LocalNetworkFilter")?.or(f.int("network")?);
    q.ipver = f.int("ipVersion")?.or(f.int("version")?).filter(|v| *v == 4 || *v == 6).map(|v| v as u8);
    Ok(q)
}

fn matches(sc: &Scope, q: &FlowQuery, f: &FlowRecord) -> bool {
    let involves = |h: &HostKey| h.vlan == f.vlan && (f.client.0 == h.addr || f.server.0 == h.addr);
    q.host.as_ref().is_none_or(involves)
        && q.vlan.is_none_or(|v| v == f.vlan)
        && q.l4.is_none_or(|p| p == f.l4_proto)
        && q.port.is_none_or(|p| f.client.1 == p || f.server.1 == p)
        && q.ipver.is_none_or(|v| v == f.ip_version)
        && q.network.is_none_or(|n| [f.client.0, f.server.0].iter().any(|a| sc.network_of(a).map(i64::from) == Some(n)))
        && match &q.l7 {
            None => true,
            Some(L7Filter::Id(id)) => {
                f.classification.as_ref().is_some_and(|c| c.app_protocol == *id || c.master_protocol == *id)
                    || (*id == 0 && f.classification.as_ref().is_none_or(|c| c.counted_protocol() == 0))
            }
            Some(L7Filter::Name(n)) => {
                let full = shapes::flow_l7_name(sc, f);
                full.eq_ignore_ascii_case(n) || full.rsplit('.').next().is_some_and(|app| app.eq_ignore_ascii_case(n))
            }
        }
}

/// Orders `flows` by `column` (ntopng's names, `column_` prefix optional; bytes by default), ascending when
/// `a2z`, so that its first `needed` entries are the first `needed` of the full order: a page near the top
/// of a large table costs a partial selection, not a full sort.
fn sort_flows(sc: &Scope, flows: &mut [&FlowRecord], column: &str, a2z: bool, needed: usize) {
    let col = column.strip_prefix("column_").unwrap_or(column);
    let tie = |x: &FlowRecord, y: &FlowRecord| {
        x.ntopng_key.cmp(&y.ntopng_key).then(x.first_seen_ns.cmp(&y.first_seen_ns)).then(x.client.cmp(&y.client))
    };
    let bytes = |f: &FlowRecord| f.cli2srv.bytes + f.srv2cli.bytes;
    fn info(f: &FlowRecord) -> Option<&str> {
        f.classification.as_ref().and_then(|c| c.host_name())
    }
    let key: &dyn Fn(&FlowRecord, &FlowRecord) -> Ordering = match col {
        "client" => &|x, y| x.client.cmp(&y.client),
        "server" => &|x, y| x.server.cmp(&y.server),
        "vlan" => &|x, y| x.vlan.cmp(&y.vlan),
        "proto_l4" => &|x, y| shapes::l4_name(x.l4_proto).cmp(shapes::l4_name(y.l4_proto)),
        "ndpi" | "protocol" | "application" => {
            // Names are built once per flow, then the whole list is sorted on them.
            let mut named: Vec<(String, &FlowRecord)> =
                flows.iter().map(|f| (shapes::flow_l7_name(sc, f), *f)).collect();
            named.sort_by(|(a, x), (b, y)| {
                let o = a.cmp(b).then_with(|| tie(x, y));
                if a2z { o } else { o.reverse() }
            });
            for (slot, (_, f)) in flows.iter_mut().zip(named) {
                *slot = f;
            }
            return;
        }
        "duration" => &|x, y| {
            shapes::duration(x.first_seen_ns, x.last_seen_ns).cmp(&shapes::duration(y.first_seen_ns, y.last_seen_ns))
        },
        "first_seen" => &|x, y| x.first_seen_ns.cmp(&y.first_seen_ns),
        "last_seen" => &|x, y| x.last_seen_ns.cmp(&y.last_seen_ns),
        "packets" => &|x, y| (x.cli2srv.packets + x.srv2cli.packets).cmp(&(y.cli2srv.packets + y.srv2cli.packets)),
        "info" => &|x, y| info(x).cmp(&info(y)),
        "key" => &|_, _| Ordering::Equal,
        "score" => &|x, y| x.score.total().cmp(&y.score.total()),
        // bytes, the default (empty or unknown column); thpt and latencies are neutral today.
        _ => &|x, y| bytes(x).cmp(&bytes(y)),
    };
    let order = |x: &&FlowRecord, y: &&FlowRecord| {
        let o = key(x, y).then_with(|| tie(x, y));
        if a2z {
            o
        } else {
            o.reverse()
        }
    };
    if needed < flows.len() / 2 {
        if needed > 0 {
            flows.select_nth_unstable_by(needed - 1, order);
            flows[..needed].sort_by(order);
        }
    } else {
        flows.sort_by(order);
    }
}

/// `{numFlows = N, flows = {page...}}`.
fn flows_info(lua: &Lua, sc: &Scope, q: &FlowQuery) -> mlua::Result<Table> {
    let mut list: Vec<&FlowRecord> = sc.snap().flows.iter().filter(|f| matches(sc, q, f)).collect();
    let total = list.len();
    let needed = q.max_hits.map_or(total, |n| (q.skip as usize).saturating_add(n as usize)).min(total);
    sort_flows(sc, &mut list, &q.sort, q.a2z, needed);
    let flows = lua.create_table()?;
    let page = list.into_iter().skip(q.skip as usize).take(q.max_hits.map_or(usize::MAX, |n| n as usize));
    for (i, f) in page.enumerate() {
        flows.raw_set(i + 1, shapes::flow_table(lua, sc, f)?)?;
    }
    let t = lua.create_table()?;
    t.raw_set("numFlows", total)?;
    t.raw_set("flows", flows)?;
    Ok(t)
}

/// `(src_ip, src_port, dst_ip, dst_port, proto[, vlan])`.
/// Source and destination endpoints, L4 protocol, VLAN.
type Tuple = ((Addr, u16), (Addr, u16), u8, u16);

fn tuple(a: &Args) -> BResult<Tuple> {
    let ip = |i: usize, what: &str| -> BResult<Addr> {
        let s = a.string(i, what)?;
        s.trim()
            .parse::<IpAddr>()
            .map(Addr::from_ip)
            .map_err(|_| a.bad_value(i, what, format!("invalid IP address '{s}'")))
    };
    let port = |i: usize, what: &str| -> BResult<u16> {
        let p = a.uint(i, what)?;
        u16::try_from(p).map_err(|_| a.bad_value(i, what, format!("must be between 0 and 65535 (got {p})")))
    };
    let src = (ip(1, "src_ip")?, port(2, "src_port")?);
    let dst = (ip(3, "dst_ip")?, port(4, "dst_port")?);
    let proto = match a.value(5) {
        Value::String(s) => {
            let s = s.to_string_lossy();
            shapes::l4_id(&s).ok_or_else(|| a.bad_value(5, "proto", format!("unknown L4 protocol '{s}'")))?
        }
        _ => {
            let p = a.uint(5, "proto")?;
            u8::try_from(p).map_err(|_| a.bad_value(5, "proto", format!("must be between 0 and 255 (got {p})")))?
        }
    };
    let vlan = a.opt_uint(6, "vlan")?.unwrap_or(0);
    let vlan = u16::try_from(vlan).map_err(|_| a.bad_value(6, "vlan", "must be between 0 and 4095"))?;
    if src.0.is_v4() != dst.0.is_v4() {
        return Err(a.fail("source and destination are not of the same IP version"));
    }
    Ok((src, dst, proto, vlan))
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    let c = ctx.clone();
    r.add("interface", "getFlowsInfo", move |lua, a| {
        let q = parse_query(a)?;
        with_scope(&c, a, ViewNeeds::FLOWS, |sc| Ok(flows_info(lua, sc, &q)?))
    })?;
    let c = ctx.clone();
    r.add("interface", "findFlowByKeyAndHashId", move |lua, a| {
        let key = a.uint(1, "key")?;
        let hash_id = a.opt_uint(2, "hash_id")?;
        with_scope(&c, a, ViewNeeds::FLOWS, |sc| {
            let found = sc
                .snap()
                .flows
                .iter()
                .find(|f| u64::from(f.ntopng_key) == key && hash_id.is_none_or(|h| f.hash_id == h));
            Ok(match found {
                Some(f) => Value::Table(shapes::flow_table(lua, sc, f)?),
                None => Value::Nil,
            })
        })
    })?;
    let c = ctx.clone();
    r.add("interface", "findFlowByTuple", move |lua, a| {
        let (src, dst, proto, vlan) = tuple(a)?;
        with_scope(&c, a, ViewNeeds::FLOWS, |sc| {
            let found = sc.snap().flows.iter().find(|f| {
                f.l4_proto == proto
                    && f.vlan == vlan
                    && ((f.client == src && f.server == dst) || (f.client == dst && f.server == src))
            });
            Ok(match found {
                Some(f) => Value::Table(shapes::flow_table(lua, sc, f)?),
                None => Value::Nil,
            })
        })
    })?;
    r.add("interface", "getFlowKey", move |_, a| {
        let (src, dst, proto, vlan) = tuple(a)?;
        let (lo, hi) = if src <= dst { (src, dst) } else { (dst, src) };
        let key = FlowKey {
            lo: lo.0,
            hi: hi.0,
            lo_port: lo.1,
            hi_port: hi.1,
            vlan,
            l4_proto: proto,
            ip_version: if src.0.is_v4() { 4 } else { 6 },
        };
        Ok(key.ntopng_key())
    })?;
    Ok(())
}
