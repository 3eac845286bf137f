//! The answers of the REST alert endpoints (rest_v2.md §4.21-4.22, history.md §2.1/§2.4-2.5), built
//! from the store: what the daemon's Lua binding hands to the REST scripts as JSON.

use crate::request::{AlertRequest, StatusFilter};
use crate::store::{AlertStore, CounterKind, StoreError, TopAlertType};
use ntopng_checks::{Checks, Family, Severity};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What a REST script asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertOp {
    List,
    TypeCounters,
    SeverityCounters,
    Acknowledge,
    Delete,
    /// `get/alert/list/alerts.lua`: clauses over one family's table.
    Query,
    /// `get/alert/top.lua`: the most frequent and the most severe alert types of every family.
    Top,
}

impl AlertOp {
    pub fn parse(s: &str) -> Option<AlertOp> {
        Some(match s {
            "list" => AlertOp::List,
            "type_counters" => AlertOp::TypeCounters,
            "severity_counters" => AlertOp::SeverityCounters,
            "acknowledge" => AlertOp::Acknowledge,
            "delete" => AlertOp::Delete,
            "query" => AlertOp::Query,
            "top" => AlertOp::Top,
            _ => return None,
        })
    }
}

#[derive(Debug)]
pub enum ApiError {
    /// Bad parameters: INVALID_ARGUMENTS.
    InvalidArgs(String),
    /// The database failed: INTERNAL_ERROR.
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Request(r) => ApiError::InvalidArgs(r.0),
            e => ApiError::Internal(e.to_string()),
        }
    }
}

/// Items of each `get/alert/top.lua` list, and the length of their labels (ntopng's `max_ui_strlen`).
const TOP_ALERTS: usize = 10;
const TOP_LABEL_CHARS: usize = 24;

/// `s` cut to `max` characters, an ellipsis marking the cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max).chain(std::iter::once('…')).collect()
    }
}

fn entity_label(entity_id: u8) -> &'static str {
    match entity_id {
        0 => "Interface",
        1 => "Host",
        2 => "Network",
        4 => "Flow",
        5 => "Mac",
        _ => "Other",
    }
}

fn family_of_entity(entity_id: u8) -> Option<Family> {
    match entity_id {
        4 => Some(Family::Flow),
        1 => Some(Family::Host),
        2 => Some(Family::Network),
        _ => None,
    }
}

/// Runs `op`. `family` names the alert family of list/acknowledge/delete (`flow`, `host`); `params`
/// are the request's parameters as given. `now` (seconds) stamps acknowledgements. Engaged alerts
/// (`status=engaged`) are the store's rows with `alert_status = 2`.
pub fn answer(
    store: &AlertStore,
    checks: &Checks,
    op: AlertOp,
    family: &str,
    params: &BTreeMap<String, String>,
    now: i64,
) -> Result<Value, ApiError> {
    let fam = || Family::from_subdir(family).ok_or_else(|| ApiError::InvalidArgs(format!("unknown alert family {family}")));
    match op {
        AlertOp::TypeCounters | AlertOp::SeverityCounters => {
            // Status absent: historical and acknowledged both count (ntopng's counters).
            let mut p = params.clone();
            p.entry("status".into()).or_insert_with(|| "any".into());
            let req = AlertRequest::parse(Family::Flow, &p).map_err(|e| ApiError::InvalidArgs(e.0))?;
            let kind = if op == AlertOp::TypeCounters { CounterKind::AlertType } else { CounterKind::Severity };
            let rows = store.counters(kind, Some(&req))?;
            Ok(Value::Array(
                rows.into_iter()
                    .map(|(entity, key, count)| {
                        let mut m = json!({"count": count, "entity_id": entity, "entity_label": entity_label(entity)});
                        if kind == CounterKind::AlertType {
                            let name = family_of_entity(entity)
                                .and_then(|f| checks.registry().alert_name(f, key as u16))
                                .map_or_else(|| key.to_string(), str::to_string);
                            m["alert_id"] = json!(key);
                            m["name"] = json!(name);
                        } else {
                            m["name"] = json!(Severity::from_id(key).map_or("Unknown", |s| s.title()));
                        }
                        m
                    })
                    .collect(),
            ))
        }
        AlertOp::List => {
            let req = AlertRequest::parse(fam()?, params).map_err(|e| ApiError::InvalidArgs(e.0))?;
            let page = store.list(&req)?;
            let plain = params.get("format").is_some_and(|f| f == "json");
            let records: Vec<Value> = page.records.iter().map(|r| record(checks, req.family, r, plain)).collect();
            let stats = if req.status == StatusFilter::Engaged {
                json!([])
            } else {
                let n = page.records.len();
                let rate = if page.duration_ms > 0.0 { n as f64 * 1000.0 / page.duration_ms } else { 0.0 };
                json!({"query": page.query, "query_duration_msec": page.duration_ms,
                       "num_records_processed": format!("Processed {n} records [{rate:.0} records/sec]")})
            };
            Ok(json!({"records": records, "stats": stats, "recordsFiltered": page.filtered, "recordsTotal": page.filtered}))
        }
        AlertOp::Acknowledge => {
            let req = AlertRequest::parse(fam()?, params).map_err(|e| ApiError::InvalidArgs(e.0))?;
            let label = params.get("label").map_or("", String::as_str);
            Ok(json!({"changed": store.acknowledge(&req, label, now)?}))
        }
        AlertOp::Delete => {
            let req = AlertRequest::parse(fam()?, params).map_err(|e| ApiError::InvalidArgs(e.0))?;
            Ok(json!({"changed": store.delete(&req)?}))
        }
        AlertOp::Query => crate::clause_query::answer(store, params),
        AlertOp::Top => {
            let mut p = params.clone();
            p.insert("status".into(), "any".into());
            let req = AlertRequest::parse(Family::Flow, &p).map_err(|e| ApiError::InvalidArgs(e.0))?;
            let top = store.top_alert_types(&req, TOP_ALERTS)?;
            let item = |t: &TopAlertType| {
                let title = family_of_entity(t.entity_id)
                    .and_then(|f| checks.registry().alert_name(f, t.alert_id as u16))
                    .map_or_else(|| t.alert_id.to_string(), str::to_string);
                json!({"key": "alert_id", "value": t.alert_id, "label": shorten(&title, TOP_LABEL_CHARS), "title": title})
            };
            let by_count: Vec<Value> = top
                .by_count
                .iter()
                .map(|t| {
                    let mut v = item(t);
                    // A percentage of every stored alert, rounded down (ntopng's "count").
                    v["count"] = json!((t.count * 100).checked_div(top.total).unwrap_or(0));
                    v
                })
                .collect();
            let by_severity: Vec<Value> = top
                .by_severity
                .iter()
                .map(|t| {
                    let mut v = item(t);
                    v["severity"] = json!(t.severity.to_string());
                    v["severity_label"] = json!(Severity::from_id(t.severity).map_or("Unknown", |s| s.title()));
                    v
                })
                .collect();
            Ok(json!([
                {"name": "top_alerts_by_count", "label": "Top Alerts by Count",
                 "tooltip": "The alert types raised most often", "value": by_count},
                {"name": "top_alerts_by_severity", "label": "Top Alerts by Severity",
                 "tooltip": "The alert types of the highest severity", "value": by_severity},
            ]))
        }
    }
}

/// One list record: plain column values (`format=json`), or ntopng's GUI shape (value/label objects).
fn record(checks: &Checks, family: Family, r: &Map<String, Value>, plain: bool) -> Value {
    let int = |k: &str| r.get(k).and_then(Value::as_i64).unwrap_or(0);
    let text = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let alert_id = int("alert_id");
    let def = checks.registry().all().iter().find(|c| c.family == family && c.alert_id as i64 == alert_id);
    let name = def.map_or_else(|| alert_id.to_string(), |d| d.name.clone());
    let script_key = def.map_or("", |d| d.key);
    if plain {
        let mut m = r.clone();
        m.insert("family".into(), json!(family.subdir()));
        m.insert("alert_name".into(), json!(name));
        m.insert("script_key".into(), json!(script_key));
        return Value::Object(m);
    }
    let score = int("score");
    let sev = Severity::from_id(int("severity")).unwrap_or(Severity::None);
    let cat = def.map_or(ntopng_checks::AlertCategory::Other, |d| d.category);
    let mut m = json!({
        "row_id": int("rowid").to_string(),
        "family": family.subdir(),
        "alert_id": {"value": alert_id.to_string(), "label": name},
        "alert_name": name,
        "script_key": script_key,
        "alert_category": {"value": cat.id().to_string(), "label": cat.label()},
        "score": {"value": score, "label": score.to_string(), "color": Severity::from_score(score as u32).color()},
        "severity": {"value": sev.id(), "label": sev.title(), "color": sev.color()},
        "tstamp": {"value": int("tstamp")},
        "duration": int("duration"),
        "count": int("counter").max(1),
        "vlan_id": {"value": int("vlan_id"), "label": "", "title": ""},
        "msg": {"name": name, "value": alert_id, "description": text("description"), "fullname": name},
    });
    match family {
        Family::Flow => {
            let ip = |side: &str| {
                let ip = text(&format!("{side}_ip"));
                json!({"value": ip, "ip": ip, "label": ip, "name": text(&format!("{side}_name")),
                       "blacklisted": int(&format!("{side}_blacklisted")).to_string()})
            };
            m["cli_ip"] = ip("cli");
            m["srv_ip"] = ip("srv");
            m["cli_port"] = json!({"value": int("cli_port").to_string()});
            m["srv_port"] = json!({"value": int("srv_port").to_string()});
            m["proto"] = json!({"value": int("proto").to_string(), "label": l4_name(int("proto"))});
            m["l7_proto"] = json!({"value": int("l7_proto").to_string(), "master": int("l7_master_proto").to_string()});
            m["info"] = json!({"value": text("info"), "label": text("info")});
            m["community_id"] = json!({"value": text("community_id"), "name": text("community_id")});
            m["total_bytes"] = json!({"bytes_sent": int("cli2srv_bytes"), "bytes_rcvd": int("srv2cli_bytes"),
                "total_bytes": int("total_bytes"), "total_packets": int("cli2srv_pkts") + int("srv2cli_pkts")});
        }
        Family::Host => {
            m["ip"] = json!({"value": text("ip"), "label": text("ip")});
            m["description"] = json!(text("description"));
            let role = if int("is_attacker") != 0 { "attacker" } else if int("is_victim") != 0 { "victim" } else { "none" };
            m["role"] = json!({"value": role, "label": match role { "attacker" => "Is Attacker", "victim" => "Is Victim", _ => "" }});
            let side = if int("is_client") != 0 { "client" } else { "server" };
            m["role_cli_srv"] = json!({"value": side, "label": if side == "client" { "Client" } else { "Server" }});
        }
        Family::Network => {
            let label = if text("alias").is_empty() { text("name") } else { text("alias") };
            m["network"] = json!({"value": int("local_network_id"), "label": label, "name": text("name")});
            m["description"] = json!(text("description"));
        }
    }
    m
}

fn l4_name(p: i64) -> &'static str {
    match p {
        1 => "ICMP",
        6 => "TCP",
        17 => "UDP",
        58 => "IPv6-ICMP",
        _ => "Other",
    }
}
