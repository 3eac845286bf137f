//! Alert bindings: `interface.getAlerts` over the daemon's [`AlertProvider`](crate::alert_view::AlertProvider),
//! and the flow alert definitions of `ntop.*` over the checks registry.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use mlua::{Lua, Table, Value};
use ntopng_checks::{Family, Registry};

use super::interface::selected_info;
use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::alert_view::AlertError;
use crate::json::{to_lua, DecodeOptions};

fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(Registry::ntopng)
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    r.add("ntop", "getFlowAlertScore", |_, a| {
        let id = a.int(1, "alert_id")?;
        Ok(registry().all().iter().find(|c| c.family == Family::Flow && c.alert_id as i64 == id).map_or(0, |c| c.score as i64))
    })?;
    r.add("ntop", "getFlowAlertRisk", |_, a| {
        let id = a.int(1, "alert_id")?;
        Ok(registry()
            .all()
            .iter()
            .find(|c| c.family == Family::Flow && c.alert_id as i64 == id)
            .and_then(|c| c.risk)
            .map_or(0, |r| r as i64))
    })?;
    let c = ctx.clone();
    // params_table: the REST request's parameters, plus `action` (list, type_counters, severity_counters,
    // acknowledge, delete; default list) and `family` (flow, host; default flow). Answers
    // {status = "ok"|"invalid_args"|"internal_error", rsp = <result>, message = <error text>}.
    r.add("interface", "getAlerts", move |lua, a| {
        let mut params = params_of(a, &a.table(1, "params_table")?)?;
        let op = params.remove("action").unwrap_or_else(|| "list".into());
        let family = params.remove("family").unwrap_or_else(|| "flow".into());
        query(lua, &c, a, &op, &family, &params)
    })?;
    Ok(())
}

/// A Lua table of request parameters as strings (other keys and values are skipped).
pub(super) fn params_of(a: &Args, t: &Table) -> BResult<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    for pair in t.pairs::<Value, Value>() {
        let (k, v) = pair.map_err(|e| a.fail(e))?;
        let key = match k {
            Value::String(s) => s.to_str().map_err(|e| a.fail(e))?.to_string(),
            _ => continue,
        };
        let val = match v {
            Value::String(s) => s.to_str().map_err(|e| a.fail(e))?.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Number(n) => crate::json::lua_number_string(n),
            Value::Boolean(b) => b.to_string(),
            _ => continue,
        };
        params.insert(key, val);
    }
    Ok(params)
}

/// Runs an alert store request on the selected interface: `{status, rsp, message}`.
pub(super) fn query(
    lua: &Lua,
    c: &Ctx,
    a: &Args,
    op: &str,
    family: &str,
    params: &BTreeMap<String, String>,
) -> BResult<Table> {
    let provider = c.alerts.as_ref().ok_or_else(|| a.fail("no alert store in this process"))?;
    let ifid = selected_info(c, a)?.ifid;
    let res = provider.alerts(ifid, op, family, params).ok_or_else(|| a.fail(format!("interface {ifid} has no alert store")))?;
    let out = lua.create_table()?;
    match res {
        Ok(v) => {
            out.raw_set("status", "ok")?;
            out.raw_set("rsp", to_lua(lua, &v, &DecodeOptions { object_mt: None, array_mt: None, null: Value::Nil }, 0)?)?;
        }
        Err(AlertError::InvalidArgs(m)) => {
            out.raw_set("status", "invalid_args")?;
            out.raw_set("message", m)?;
        }
        Err(AlertError::Internal(m)) => {
            out.raw_set("status", "internal_error")?;
            out.raw_set("message", m)?;
        }
    }
    Ok(out)
}
