//! `interface.execSQLQuery`: queries of the stored flows (see [`crate::flowdb_view`]).

use std::collections::BTreeMap;

use mlua::{Lua, Value};

use super::{Ctx, Registrar};
use crate::args::Args;
use crate::flowdb_view::{FlowDbError, FlowDbQueryKind};

pub(crate) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    let c = ctx.clone();
    // interface.execSQLQuery({kind = "flows"|"topk", ifid, begin, end, <clauses>}) -> rows. A refused query
    // raises "interface.execSQLQuery: invalid query: <why>", a store failure "...: query failed: <why>".
    // A SQL string is refused: queries are made of allow-listed clauses.
    r.add("interface", "execSQLQuery", move |lua: &Lua, a: &Args| {
        let Some(db) = c.flowdb.as_ref() else {
            return Err(a.fail("no flow database: start ntopng with -F sqlite"));
        };
        let t = match a.value(1) {
            Value::Table(t) => t,
            Value::String(_) => {
                return Err(a.fail(
                    "raw SQL is not accepted; pass a table {kind = \"flows\"|\"topk\", ifid, begin, end, select_clause, where_clause, ...}",
                ))
            }
            _ => return Err(a.fail("expects a table of query clauses")),
        };
        let mut params = BTreeMap::new();
        for pair in t.pairs::<String, Value>() {
            let (k, v) = pair.map_err(|e| a.fail(e))?;
            let s = match v {
                Value::String(s) => s.to_str().map_err(|e| a.fail(e))?.to_string(),
                Value::Integer(i) => i.to_string(),
                Value::Number(n) if n.fract() == 0.0 => (n as i64).to_string(),
                Value::Number(n) => n.to_string(),
                Value::Boolean(b) => b.to_string(),
                _ => return Err(a.fail(format!("query field {k}: expects a string or a number"))),
            };
            params.insert(k, s);
        }
        let kind = match params.get("kind").map(String::as_str) {
            Some("flows") | None => FlowDbQueryKind::Flows,
            Some("topk") => FlowDbQueryKind::Topk,
            Some(other) => return Err(a.fail(format!("unknown query kind \"{other}\" (flows or topk)"))),
        };
        match db.query(kind, &params) {
            Ok(rows) => {
                let list = lua.create_table()?;
                for (i, row) in rows.rows.iter().enumerate() {
                    let r = lua.create_table()?;
                    for (n, v) in rows.names.iter().zip(row) {
                        r.raw_set(n.as_str(), v.as_str())?;
                    }
                    list.raw_set(i + 1, r)?;
                }
                Ok(list)
            }
            Err(FlowDbError::Invalid(m)) => Err(a.fail(format!("invalid query: {m}"))),
            Err(FlowDbError::Failed(m)) => Err(a.fail(format!("query failed: {m}"))),
        }
    })
}
