//! `get/alert/list/alerts.lua` (history.md §2.2): a family's stored alerts selected by the clauses the
//! official Python client sends (`select_clause`, `where_clause`, `group_by[_clause]`,
//! `order_by[_clause]`, `maxhits_clause`) within `epoch_begin`..`epoch_end`. ntopng pastes these into
//! SQL; here they are parsed by the stored flows' allow-listed parser over the family table's columns
//! and every literal is a bound value, so a request can read that table only.

use crate::api::ApiError;
use crate::store::AlertStore;
use ntopng_flowdb::query::{maxhits_or_default, table_clauses, QueryError};
use ntopng_flowdb::schema::{Column, Kind};
use rusqlite::types::Value;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

const fn c(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}
use Kind::{Int, Text};

/// The names the Python client and ntopng's other alert tables use for the time columns
/// (`Historical.self_test` orders by `epoch_begin`).
const EPOCH_ALIASES: &[(&str, &str)] = &[("epoch_begin", "tstamp"), ("epoch_end", "tstamp_end")];

/// `flow_alerts` columns (schema.rs), the BLOB `alerts_map` read as text.
pub const FLOW_COLUMNS: &[Column] = &[
    c("rowid", Int), c("alert_id", Int), c("alert_status", Int), c("interface_id", Int), c("tstamp", Int),
    c("tstamp_end", Int), c("severity", Int), c("score", Int), c("counter", Int), c("json", Text),
    c("user_label", Text), c("user_label_tstamp", Int), c("alert_category", Int), c("ip_version", Int),
    c("cli_ip", Text), c("srv_ip", Text), c("cli_port", Int), c("srv_port", Int), c("vlan_id", Int),
    c("is_cli_attacker", Int), c("is_cli_victim", Int), c("is_srv_attacker", Int), c("is_srv_victim", Int),
    c("proto", Int), c("l7_proto", Int), c("l7_master_proto", Int), c("l7_cat", Int), c("cli_name", Text),
    c("srv_name", Text), c("cli_country", Text), c("srv_country", Text), c("cli_blacklisted", Int),
    c("srv_blacklisted", Int), c("cli2srv_bytes", Int), c("srv2cli_bytes", Int), c("cli2srv_pkts", Int),
    c("srv2cli_pkts", Int), c("first_seen", Int), c("community_id", Text), c("alerts_map", Text),
    c("flow_risk_bitmap", Int), c("output_snmp", Int), c("input_snmp", Int), c("probe_ip", Text),
    c("cli_location", Int), c("srv_location", Int), c("info", Text), c("cli_host_pool_id", Int),
    c("srv_host_pool_id", Int), c("cli_network", Int), c("srv_network", Int),
];

pub const HOST_COLUMNS: &[Column] = &[
    c("rowid", Int), c("alert_id", Int), c("alert_status", Int), c("interface_id", Int), c("tstamp", Int),
    c("tstamp_end", Int), c("severity", Int), c("score", Int), c("counter", Int), c("json", Text),
    c("user_label", Text), c("user_label_tstamp", Int), c("alert_category", Int), c("granularity", Int),
    c("description", Text), c("ip_version", Int), c("ip", Text), c("vlan_id", Int), c("name", Text),
    c("is_attacker", Int), c("is_victim", Int), c("is_client", Int), c("is_server", Int), c("host_pool_id", Int),
    c("network", Int), c("country", Text),
];

pub const NETWORK_COLUMNS: &[Column] = &[
    c("rowid", Int), c("alert_id", Int), c("alert_status", Int), c("interface_id", Int), c("tstamp", Int),
    c("tstamp_end", Int), c("severity", Int), c("score", Int), c("counter", Int), c("json", Text),
    c("user_label", Text), c("user_label_tstamp", Int), c("alert_category", Int), c("granularity", Int),
    c("description", Text), c("local_network_id", Int), c("name", Text), c("alias", Text),
];

/// ntopng's `alert_family` values; only flow, host and network have tables here (the others answer `[]`,
/// as ntopng does when a family stores nothing).
const FAMILIES: &[&str] =
    &["active_monitoring", "flow", "host", "interface", "mac", "network", "snmp", "system", "user"];

fn table_of(family: &str) -> Option<(&'static str, &'static [Column])> {
    Some(match family {
        "flow" => ("flow_alerts", FLOW_COLUMNS),
        "host" => ("host_alerts", HOST_COLUMNS),
        "network" => ("network_alerts", NETWORK_COLUMNS),
        _ => return None,
    })
}

fn invalid(m: impl Into<String>) -> ApiError {
    ApiError::InvalidArgs(m.into())
}

fn param<'a>(p: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    p.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn int(p: &BTreeMap<String, String>, name: &str) -> Result<Option<i64>, ApiError> {
    param(p, name).map(|v| v.parse::<i64>().map_err(|_| invalid(format!("{name}: not an integer: {v}")))).transpose()
}

/// The statement and its values for a request (exposed for tests).
pub fn statement(params: &BTreeMap<String, String>) -> Result<Option<(String, Vec<Value>, Vec<String>)>, ApiError> {
    let family = param(params, "alert_family").ok_or_else(|| invalid("alert_family: missing"))?;
    if !FAMILIES.contains(&family) {
        return Err(invalid(format!("alert_family: unknown family {family}")));
    }
    let begin = int(params, "epoch_begin")?.ok_or_else(|| invalid("epoch_begin: missing"))?;
    let end = int(params, "epoch_end")?.ok_or_else(|| invalid("epoch_end: missing"))?;
    let ifid = int(params, "ifid")?.unwrap_or(0);
    let maxhits = match int(params, "maxhits_clause")? {
        Some(m) if m < 1 => return Err(invalid("maxhits_clause: must be at least 1")),
        m => maxhits_or_default(m.map(|m| m as u64)).map_err(query_error)?,
    };
    // The names ntopng's script reads first, then those its client sends.
    let group = param(params, "group_by").or_else(|| param(params, "group_by_clause"));
    let order = param(params, "order_by").or_else(|| param(params, "order_by_clause"));
    let Some((table, columns)) = table_of(family) else { return Ok(None) };
    let cl = table_clauses(
        columns,
        table,
        EPOCH_ALIASES,
        param(params, "select_clause"),
        param(params, "where_clause"),
        group,
        order,
    )
    .map_err(query_error)?;
    // Engaged rows (alert_status 2) are ntopng's in-memory alerts: not in its tables, so not here.
    let mut sql = format!(
        "SELECT {} FROM `{table}` WHERE (tstamp >= ?) AND (tstamp_end <= ?) AND (interface_id = ?) AND (alert_status <> 2)",
        cl.select.sql
    );
    let mut binds = cl.select.params;
    binds.extend([Value::Integer(begin), Value::Integer(end), Value::Integer(ifid)]);
    if let Some(f) = cl.filter {
        sql += &format!(" AND ({})", f.sql);
        binds.extend(f.params);
    }
    if let Some(g) = cl.group {
        sql += &format!(" GROUP BY {}", g.sql);
        binds.extend(g.params);
    }
    if let Some(o) = cl.order {
        sql += &format!(" ORDER BY {}", o.sql);
        binds.extend(o.params);
    }
    sql += " LIMIT ?";
    binds.push(Value::Integer(maxhits as i64));
    Ok(Some((sql, binds, cl.names)))
}

fn query_error(e: QueryError) -> ApiError {
    match e {
        QueryError::Invalid(m) => ApiError::InvalidArgs(m),
        QueryError::Store(m) => ApiError::Internal(m),
    }
}

/// ntopng's answer: one object per row, every value a string, NULLs left out.
pub fn answer(store: &AlertStore, params: &BTreeMap<String, String>) -> Result<Json, ApiError> {
    let Some((sql, binds, names)) = statement(params)? else { return Ok(Json::Array(Vec::new())) };
    let rows = store.select_rows(&sql, &binds).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json::Array(
        rows.into_iter()
            .map(|row| {
                let mut m = Map::new();
                for (name, v) in names.iter().zip(row) {
                    let s = match v {
                        Value::Null => continue,
                        Value::Integer(i) => i.to_string(),
                        Value::Real(f) => f.to_string(),
                        Value::Text(t) => t,
                        Value::Blob(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
                    };
                    m.insert(name.clone(), Json::String(s));
                }
                Json::Object(m)
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn clauses_become_bound_statements() {
        let (sql, binds, names) = statement(&p(&[
            ("ifid", "0"), ("alert_family", "flow"), ("epoch_begin", "10"), ("epoch_end", "20"),
            ("select_clause", "alert_id, COUNT(*) AS n"), ("where_clause", "cli_ip = '10.0.0.1' AND score > 50"),
            ("group_by_clause", "alert_id"), ("order_by_clause", "n DESC"), ("maxhits_clause", "5"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(names, ["alert_id", "n"]);
        assert!(!sql.contains("10.0.0.1") && !sql.contains('\''), "{sql}");
        assert!(sql.ends_with("GROUP BY \"alert_id\" ORDER BY COUNT(*) DESC LIMIT ?"), "{sql}");
        assert_eq!(binds.len(), 3 + 2 + 1);
        assert!(binds.contains(&Value::Text("10.0.0.1".into())));
    }

    #[test]
    fn epoch_names_are_the_time_columns() {
        // The Python client's Historical.self_test orders the alert lists by epoch_begin.
        let (sql, _, names) = statement(&p(&[
            ("ifid", "0"), ("alert_family", "host"), ("epoch_begin", "10"), ("epoch_end", "20"),
            ("select_clause", "*"), ("where_clause", "epoch_end > 0"), ("order_by_clause", "epoch_begin"),
        ]))
        .unwrap()
        .unwrap();
        assert!(sql.ends_with("ORDER BY \"tstamp\" ASC LIMIT ?"), "{sql}");
        assert!(sql.contains("(\"tstamp_end\" > ?)"), "{sql}");
        assert!(!names.iter().any(|n| n.starts_with("epoch")), "{names:?}");
    }

    #[test]
    fn refusals() {
        let base = [("ifid", "0"), ("alert_family", "flow"), ("epoch_begin", "0"), ("epoch_end", "9")];
        let with = |k: &'static str, v: &'static str| {
            let mut m = p(&base);
            m.insert(k.into(), v.into());
            m
        };
        for bad in [
            with("where_clause", "1=1; DROP TABLE flow_alerts"),
            with("where_clause", "alert_id IN (SELECT rowid FROM planted)"),
            with("where_clause", "1=1 UNION SELECT * FROM sqlite_master"),
            with("select_clause", "secret FROM planted"),
            with("where_clause", "host_pool_id = 1"), // a host_alerts column, not flow_alerts'
            with("group_by_clause", "load_extension('x')"),
            with("order_by_clause", "random()"),
            with("alert_family", "planted"),
            with("epoch_begin", "yesterday"),
            with("maxhits_clause", "0"),
            p(&[("alert_family", "flow"), ("epoch_end", "9")]),
        ] {
            assert!(matches!(statement(&bad), Err(ApiError::InvalidArgs(_))), "{bad:?}");
        }
        assert!(statement(&with("alert_family", "snmp")).unwrap().is_none());
    }
}
