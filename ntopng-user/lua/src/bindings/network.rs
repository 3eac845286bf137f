//! `network.*`: the local network a request selected (`select`, `checkContext`), its statistics, and the
//! per-network value cache of network check scripts.

use std::time::Duration;

use mlua::{Table, Value};

use super::interface::{network_table, selected_info, with_scope};
use super::shapes::parse_net;
use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::checks::{NetworkAlert, NetworkAlertOp};
use crate::iface_view::ViewNeeds;
use crate::luacache::CachedValue;

/// Cached alert values live this long without being set again (a day covers every periodicity).
const CACHED_VALUE_TTL: Duration = Duration::from_secs(2 * 86_400);

fn selected_network(ctx: &Ctx, a: &Args) -> BResult<Option<(u16, String)>> {
    let info = selected_info(ctx, a)?;
    let id = ctx.run.lock().unwrap().iface.network;
    Ok(id.and_then(|id| info.local_networks.get(id as usize).map(|n| (id, n.clone()))))
}

/// The in-memory cache key of a network's value: interface, network, periodicity, key.
fn cache_key(ctx: &Ctx, a: &Args, key: &str, periodicity: i64) -> BResult<String> {
    let info = selected_info(ctx, a)?;
    let (_, cidr) = selected_network(ctx, a)?.ok_or_else(|| a.fail("no local network selected (network.select)"))?;
    Ok(format!("ntopng.network_cache.ifid_{}.{cidr}.{periodicity}.{key}", info.ifid))
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    let c = ctx.clone();
    r.add("network", "select", move |_, a| {
        let id = match a.value(1) {
            Value::Nil => None,
            _ => Some(a.int(1, "network_id")?),
        };
        let info = selected_info(&c, a)?;
        let id = id.and_then(|id| u16::try_from(id).ok()).filter(|id| (*id as usize) < info.local_networks.len());
        c.run.lock().unwrap().iface.network = id;
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("network", "checkContext", move |_, a| {
        let cidr = a.string(1, "cidr")?;
        let info = selected_info(&c, a)?;
        let wanted = parse_net(&cidr);
        let id = info.local_networks.iter().position(|n| *n == cidr || (wanted.is_some() && parse_net(n) == wanted));
        c.run.lock().unwrap().iface.network = id.map(|i| i as u16);
        Ok(id.is_some())
    })?;
    let c = ctx.clone();
    r.add("network", "getNetworkStats", move |lua, a| {
        let Some((id, _)) = selected_network(&c, a)? else { return Ok(Value::Nil) };
        with_scope(&c, a, ViewNeeds::HOSTS_FLOWS, |sc| Ok(network_table(lua, sc, id)?.map_or(Value::Nil, Value::Table)))
    })?;
    let c = ctx.clone();
    r.add("network", "resetTrafficBetweenNets", move |_, a| {
        // A Pro feature: a no-op in the community edition, as in ntopng.
        selected_info(&c, a)?;
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("network", "getCachedAlertValue", move |_, a| {
        let key = a.string(1, "key")?;
        let periodicity = a.int(2, "periodicity")?;
        let k = cache_key(&c, a, &key, periodicity)?;
        Ok(match c.lua_cache.get(&k) {
            Some(CachedValue::Str(s)) => String::from_utf8_lossy(&s).into_owned(),
            _ => String::new(),
        })
    })?;
    let c = ctx.clone();
    r.add("network", "setCachedAlertValue", move |_, a| {
        let key = a.string(1, "key")?;
        let value = a.bytes(2, "value")?;
        let periodicity = a.int(3, "periodicity")?;
        let k = cache_key(&c, a, &key, periodicity)?;
        c.lua_cache.set(&k, Some(CachedValue::Str(value)), Some(CACHED_VALUE_TTL));
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("network", "getAlerts", move |lua, a| {
        let mut params = match a.value(1) {
            Value::Nil => Default::default(),
            _ => super::alerts::params_of(a, &a.table(1, "params_table")?)?,
        };
        let Some((id, _)) = selected_network(&c, a)? else { return Err(a.fail("no local network selected (network.select)")) };
        params.insert("network_id".into(), format!("{id};eq"));
        let op = params.remove("action").unwrap_or_else(|| "list".into());
        super::alerts::query(lua, &c, a, &op, "network", &params)
    })?;
    for (name, store) in [("storeTriggeredAlert", true), ("releaseTriggeredAlert", false)] {
        let c = ctx.clone();
        r.add("network", name, move |_, a| {
            let t = a.table(1, "alert_table")?;
            let mut run = c.run.lock().unwrap();
            let Some((id, cidr)) = run.check.network.clone() else {
                return Err(a.fail("only network check scripts can store or release network alerts in this build"));
            };
            let alert = alert_of(a, &t, id, cidr, run.check.module.as_deref().unwrap_or("").to_string())?;
            run.check.network_ops.push(if store { NetworkAlertOp::Store(alert) } else { NetworkAlertOp::Release(alert) });
            Ok(())
        })?;
    }
    Ok(())
}

/// An alert id from `alert_type`: an `alert_consts.alert_types` entry (`meta.alert_key`) or a number.
fn id_field(a: &Args, t: &Table, field: &str, inner: &[&str]) -> BResult<Option<i64>> {
    match t.raw_get::<Value>(field)? {
        Value::Nil => Ok(None),
        Value::Integer(i) => Ok(Some(i)),
        Value::Number(n) => Ok(Some(n as i64)),
        Value::Table(mut x) => {
            for (i, k) in inner.iter().enumerate() {
                match x.raw_get::<Value>(*k)? {
                    Value::Table(y) if i + 1 < inner.len() => x = y,
                    Value::Integer(v) if i + 1 == inner.len() => return Ok(Some(v)),
                    Value::Number(v) if i + 1 == inner.len() => return Ok(Some(v as i64)),
                    _ => break,
                }
            }
            Err(a.fail(format!("{field}: a table without {}", inner.join("."))))
        }
        _ => Err(a.fail(format!("{field}: expected a table or a number"))),
    }
}

fn alert_of(a: &Args, t: &Table, network_id: u16, cidr: String, check: String) -> BResult<NetworkAlert> {
    let alert_id = id_field(a, t, "alert_type", &["meta", "alert_key"])?
        .ok_or_else(|| a.fail("alert_type is required (an alert_consts.alert_types entry or an alert id)"))?;
    let severity = id_field(a, t, "alert_severity", &["severity_id"])?;
    let num = |k: &str| -> BResult<Option<i64>> {
        Ok(match t.raw_get::<Value>(k)? {
            Value::Integer(i) => Some(i),
            Value::Number(n) => Some(n as i64),
            _ => None,
        })
    };
    let score = num("alert_score")?.or(num("score")?).unwrap_or(0);
    let granularity = num("alert_granularity")?.unwrap_or(60);
    let subtype = match t.raw_get::<Value>("alert_subtype")? {
        Value::String(s) => s.to_string_lossy(),
        Value::Integer(i) => i.to_string(),
        _ => String::new(),
    };
    let json = match t.raw_get::<Value>("alert_type_params")? {
        Value::Nil => "{}".to_string(),
        v => crate::json::encode(&v, None, &Default::default()).map_err(|e| a.fail(format!("alert_type_params: {}", e.0)))?,
    };
    Ok(NetworkAlert { network_id, cidr, check, alert_id, subtype, severity, score, granularity, json })
}
