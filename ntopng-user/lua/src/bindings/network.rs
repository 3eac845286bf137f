//! `network.*`: the local network a request selected (`select`, `checkContext`), its statistics, and the
//! per-network value cache of network check scripts.

use std::time::Duration;

use mlua::Value;

use super::interface::{network_table, selected_info, with_scope};
use super::shapes::parse_net;
use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
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
    Ok(())
}
