//! `ntop.*Cache`, preferences and the in-memory Lua cache, over the key-value store.
//!
//! Conventions (the seed's, with ntopng's where the seed says nothing):
//! * a missing key, field or element reads as `nil`;
//! * a TTL of 0 (or none) means no expiry;
//! * key and field listings are tables `{ [name] = "" }` (ntopng's shape), lists and set members are arrays;
//! * dumps are hex text, so they survive being stored in JSON or in another key;
//! * a store error (wrong type, Redis unreachable, ...) raises an error naming the function.

use std::time::Duration;

use mlua::{Lua, Table, Value};
use ntopng_store::StoreError;

use super::{name_set, string_array, Ctx, Registrar};
use crate::args::{Args, BResult, BindError};
use crate::luacache;

fn store_err(a: &Args, e: StoreError) -> BindError {
    a.fail(e)
}

/// An optional TTL argument in seconds: nil or 0 is "no expiry".
fn ttl_arg(a: &Args, i: usize) -> BResult<Option<Duration>> {
    Ok(match a.opt_uint(i, "ttl")? {
        None | Some(0) => None,
        Some(s) => Some(Duration::from_secs(s)),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    // ---- strings and keys ----
    let c = ctx.clone();
    r.add("ntop", "getCache", move |_, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_get");
        c.store.get(&key).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "setCache", move |_, a| {
        let (key, value, ttl) = (a.string(1, "key")?, a.string(2, "value")?, ttl_arg(a, 3)?);
        c.stats.inc("num_set");
        c.store.set(&key, &value, ttl).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "setnxCache", move |_, a| {
        let (key, value, ttl) = (a.string(1, "key")?, a.string(2, "value")?, ttl_arg(a, 3)?);
        c.stats.inc("num_set");
        c.store.setnx(&key, &value, ttl).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "delCache", move |_, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_del");
        c.store.del(&key).map(|_| ()).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "renameCache", move |_, a| {
        let (from, to) = (a.string(1, "old_key")?, a.string(2, "new_key")?);
        c.stats.inc("num_rename");
        match c.store.rename(&from, &to) {
            Ok(()) | Err(StoreError::NoSuchKey { .. }) => Ok(()),
            Err(e) => Err(store_err(a, e)),
        }
    })?;
    let c = ctx.clone();
    r.add("ntop", "incrCache", move |_, a| {
        let key = a.string(1, "key")?;
        let by = a.opt_int(2, "increment")?.unwrap_or(1);
        c.stats.inc("num_incr");
        c.store.incr_by(&key, by).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "flushCache", move |_, a| {
        if !c.run.lock().unwrap().session.is_administrator() {
            log::warn!(target: "ntopng::lua", "ntop.flushCache refused: the user is not an administrator");
            return Ok(false);
        }
        c.stats.inc("num_flush");
        c.store.flush().map(|_| true).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getKeysCache", move |lua, a| {
        let pattern = a.string(1, "pattern")?;
        c.stats.inc("num_keys");
        let keys = c.store.keys(&pattern).map_err(|e| store_err(a, e))?;
        Ok(name_set(lua, keys)?)
    })?;
    let c = ctx.clone();
    r.add("ntop", "getCacheStatus", move |lua, _| {
        let info = c.store.info();
        let t = lua.create_table()?;
        t.raw_set("backend", info.backend)?;
        t.raw_set("location", info.location)?;
        t.raw_set("connected", info.connected)?;
        t.raw_set("num_keys", info.keys)?;
        t.raw_set("memory", info.bytes)?;
        Ok(t)
    })?;
    let c = ctx.clone();
    r.add("ntop", "getCacheStats", move |lua, _| {
        let t = lua.create_table()?;
        for (name, n) in c.stats.snapshot() {
            t.raw_set(name, n)?;
        }
        Ok(t)
    })?;
    let c = ctx.clone();
    r.add("ntop", "hasDumpCache", move |_, a| {
        let key = a.string(1, "key")?;
        c.store.exists(&key).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "dumpCache", move |_, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_dump");
        Ok(c.store.dump(&key).map_err(|e| store_err(a, e))?.map(|d| hex(&d)))
    })?;
    let c = ctx.clone();
    r.add("ntop", "restoreCache", move |_, a| {
        let (key, dump) = (a.string(1, "key")?, a.string(2, "dump")?);
        c.stats.inc("num_restore");
        let Some(bytes) = unhex(&dump) else { return Ok(false) };
        match c.store.restore(&key, &bytes, None, true) {
            Ok(()) => Ok(true),
            Err(StoreError::BadDump { .. }) => Ok(false),
            Err(e) => Err(store_err(a, e)),
        }
    })?;

    // ---- hashes ----
    let c = ctx.clone();
    r.add("ntop", "getHashCache", move |_, a| {
        let (key, field) = (a.string(1, "key")?, a.string(2, "field")?);
        c.stats.inc("num_hget");
        c.store.hget(&key, &field).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "setHashCache", move |_, a| {
        let (key, field, value) = (a.string(1, "key")?, a.string(2, "field")?, a.string(3, "value")?);
        c.stats.inc("num_hset");
        c.store.hset(&key, &field, &value).map(|_| ()).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "delHashCache", move |_, a| {
        let (key, field) = (a.string(1, "key")?, a.string(2, "field")?);
        c.stats.inc("num_hdel");
        c.store.hdel(&key, &field).map(|_| ()).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getHashKeysCache", move |lua, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_hget");
        let fields = c.store.hkeys(&key).map_err(|e| store_err(a, e))?;
        Ok(name_set(lua, fields)?)
    })?;
    let c = ctx.clone();
    r.add("ntop", "getHashAllCache", move |lua, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_hget");
        let all = c.store.hgetall(&key).map_err(|e| store_err(a, e))?;
        let t = lua.create_table()?;
        for (f, v) in all {
            t.raw_set(f, v)?;
        }
        Ok(t)
    })?;

    // ---- lists ----
    let c = ctx.clone();
    r.add("ntop", "lpushCache", move |_, a| {
        let (key, value, trim) = (a.string(1, "key")?, a.string(2, "value")?, a.opt_uint(3, "trim_size")?);
        c.stats.inc("num_lpush_rpush");
        c.store.lpush(&key, &value).map_err(|e| store_err(a, e))?;
        if let Some(n) = trim.filter(|n| *n > 0) {
            // The newest elements are at the head: keep the first n.
            c.store.ltrim(&key, 0, n as i64 - 1).map_err(|e| store_err(a, e))?;
        }
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("ntop", "rpushCache", move |_, a| {
        let (key, value, trim) = (a.string(1, "key")?, a.string(2, "value")?, a.opt_uint(3, "trim_size")?);
        c.stats.inc("num_lpush_rpush");
        c.store.rpush(&key, &value).map_err(|e| store_err(a, e))?;
        if let Some(n) = trim.filter(|n| *n > 0) {
            // The newest elements are at the tail: keep the last n.
            c.store.ltrim(&key, -(n as i64), -1).map_err(|e| store_err(a, e))?;
        }
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("ntop", "lpopCache", move |_, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_lpop_rpop");
        c.store.lpop(&key).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "rpopCache", move |_, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_lpop_rpop");
        c.store.rpop(&key).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "lremCache", move |_, a| {
        let key = a.string(1, "key")?;
        // The seed's form is (key, count, value); (key, value) removes every occurrence.
        let (count, value) =
            if a.len() >= 3 { (a.int(2, "count")?, a.string(3, "value")?) } else { (0, a.string(2, "value")?) };
        c.stats.inc("num_lrange_ltrim_lrem");
        c.store.lrem(&key, count, &value).map(|_| ()).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "ltrimCache", move |_, a| {
        let (key, start, stop) = (a.string(1, "key")?, a.int(2, "start")?, a.int(3, "stop")?);
        c.stats.inc("num_lrange_ltrim_lrem");
        c.store.ltrim(&key, start, stop).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "lrangeCache", move |lua, a| {
        let key = a.string(1, "key")?;
        let start = a.opt_int(2, "start")?.unwrap_or(0);
        let stop = a.opt_int(3, "stop")?.unwrap_or(-1);
        c.stats.inc("num_lrange_ltrim_lrem");
        let items = c.store.lrange(&key, start, stop).map_err(|e| store_err(a, e))?;
        Ok(string_array(lua, items)?)
    })?;
    let c = ctx.clone();
    r.add("ntop", "llenCache", move |_, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_llen_lindex");
        c.store.llen(&key).map(|n| n as i64).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "listIndexCache", move |_, a| {
        let (key, index) = (a.string(1, "key")?, a.int(2, "index")?);
        c.stats.inc("num_llen_lindex");
        c.store.lindex(&key, index).map_err(|e| store_err(a, e))
    })?;

    // ---- sets ----
    let c = ctx.clone();
    r.add("ntop", "setMembersCache", move |_, a| {
        let (key, member) = (a.string(1, "key")?, a.string(2, "member")?);
        c.stats.inc("num_sadd_srem");
        c.store.sadd(&key, &member).map(|_| ()).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "delMembersCache", move |_, a| {
        let (key, member) = (a.string(1, "key")?, a.string(2, "member")?);
        c.stats.inc("num_sadd_srem");
        c.store.srem(&key, &member).map(|_| ()).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getMembersCache", move |lua, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_smembers");
        let members = c.store.smembers(&key).map_err(|e| store_err(a, e))?;
        Ok(string_array(lua, members)?)
    })?;

    // ---- preferences: full Redis keys, as in the seed's examples (`ntopng.prefs.x`) ----
    let c = ctx.clone();
    r.add("ntop", "setPref", move |_, a| {
        let (key, value) = (a.string(1, "key")?, a.string(2, "value")?);
        c.stats.inc("num_set");
        c.store.set(&key, &value, None).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getPref", move |_, a| {
        let key = a.string(1, "key")?;
        c.stats.inc("num_get");
        c.store.get(&key).map_err(|e| store_err(a, e))
    })?;

    // ---- in-memory Lua cache ----
    let c = ctx.clone();
    r.add("ntop", "getLuaCache", move |lua, a| {
        let key = a.string(1, "key")?;
        match c.lua_cache.get(&key) {
            Some(v) => Ok(luacache::to_lua(lua, &v)?),
            None => Ok(Value::Nil),
        }
    })?;
    let c = ctx.clone();
    r.add("ntop", "setLuaCache", move |_, a| {
        let key = a.string(1, "key")?;
        let value = luacache::from_lua(&a.value(2)).map_err(|e| a.bad_value(2, "value", e))?;
        let ttl = ttl_arg(a, 3)?;
        c.lua_cache.set(&key, value, ttl);
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("ntop", "dumpLuaCache", move |lua: &Lua, _| {
        let t: Table = lua.create_table()?;
        for (k, v) in c.lua_cache.dump() {
            t.raw_set(k, luacache::to_lua(lua, &v)?)?;
        }
        Ok(t)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_roundtrip() {
        let b: Vec<u8> = (0..=255).collect();
        assert_eq!(super::unhex(&super::hex(&b)).unwrap(), b);
        assert!(super::unhex("abc").is_none());
        assert!(super::unhex("zz").is_none());
    }
}
