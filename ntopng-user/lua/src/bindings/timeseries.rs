//! `ntop.tsQuery` and `ntop.tsStoredSchemas`: extensions of this build (ntopng reads its RRD files from
//! Lua); the `get/timeseries/*` REST scripts are written over them.

use mlua::{Lua, Table, Value};

use super::{string_array, Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::json::{to_lua, DecodeOptions};
use crate::timeseries::{TimeseriesProvider, TsQuery};

fn provider<'c>(ctx: &'c Ctx, a: &Args) -> BResult<&'c dyn TimeseriesProvider> {
    ctx.timeseries.as_deref().ok_or_else(|| a.fail("no timeseries store (the daemon writes them with the web server on)"))
}

fn epoch(a: &Args, i: usize, what: &str) -> BResult<u64> {
    let v = a.int(i, what)?;
    u64::try_from(v).map_err(|_| a.fail(format!("{what}: {v} is not an epoch")))
}

/// `ts_query` pairs from a Lua string `tag:value,...`.
fn pairs(s: &str) -> Vec<(String, String)> {
    s.split(',').filter_map(|p| p.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect()
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    let c = ctx.clone();
    // ntop.tsQuery(schema, ts_query, epoch_begin, epoch_end [, limit]) -> rsp table; JSON nulls (missing
    // points, undefined statistics) are NaN, as in ntopng's Lua, and encode back to null.
    r.add("ntop", "tsQuery", move |lua, a| {
        let q = TsQuery {
            schema: a.string(1, "schema")?,
            ts_query: a.string(2, "ts_query")?,
            epoch_begin: epoch(a, 3, "epoch_begin")?,
            epoch_end: epoch(a, 4, "epoch_end")?,
            limit: a.opt_int(5, "limit")?.unwrap_or(60).clamp(1, 100_000) as usize,
        };
        let rsp = provider(&c, a)?.query(&q).map_err(|e| a.fail(e))?;
        let opts = DecodeOptions { object_mt: None, array_mt: None, null: Value::Number(f64::NAN) };
        Ok(to_lua(lua, &rsp, &opts, 0)?)
    })?;
    let c = ctx.clone();
    // ntop.tsStoredSchemas(family, ts_query, epoch_begin, epoch_end) -> { {schema, metrics, step, counter,
    // top_tag?, top_values?}, ... }
    r.add("ntop", "tsStoredSchemas", move |lua, a| {
        let family = a.string(1, "family")?;
        let tags = pairs(&a.string(2, "ts_query")?);
        let (begin, end) = (epoch(a, 3, "epoch_begin")?, epoch(a, 4, "epoch_end")?);
        let stored = provider(&c, a)?.stored(&family, &tags, begin, end).map_err(|e| a.fail(e))?;
        let out: Table = lua.create_table()?;
        for (i, s) in stored.into_iter().enumerate() {
            let t = stored_table(lua, s)?;
            out.raw_set(i + 1, t)?;
        }
        Ok(out)
    })?;
    Ok(())
}

fn stored_table(lua: &Lua, s: crate::timeseries::StoredSchema) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("schema", s.schema)?;
    t.raw_set("metrics", string_array(lua, s.metrics)?)?;
    t.raw_set("step", s.step)?;
    t.raw_set("counter", s.counter)?;
    if let Some((tag, values)) = s.top {
        t.raw_set("top_tag", tag)?;
        t.raw_set("top_values", string_array(lua, values)?)?;
    }
    Ok(t)
}
