//! An alert list/acknowledge/delete request as ntopng's alert store reads it (history.md §2.4,
//! rest_v2.md §4.22), turned into SQL conditions. User values only ever reach SQLite as bound
//! parameters; field names, operators and sort columns come from allow-lists.

use ntopng_checks::Family;
use rusqlite::types::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// `alert_status = 0` (the default).
    Historical,
    /// `alert_status = 1`.
    Acknowledged,
    /// Either.
    Any,
    /// In-memory alerts, not in the database.
    Engaged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Neq,
    Lt,
    Gt,
    Gte,
    Lte,
    In,
    Nin,
}

impl Op {
    /// ntopng: an unknown operator is `eq`.
    fn parse(s: &str) -> Op {
        match s {
            "neq" => Op::Neq,
            "lt" => Op::Lt,
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "lte" => Op::Lte,
            "in" => Op::In,
            "nin" => Op::Nin,
            _ => Op::Eq,
        }
    }
    fn negative(self) -> bool {
        matches!(self, Op::Neq | Op::Nin)
    }
    fn sql(self) -> &'static str {
        match self {
            Op::Eq | Op::In => "=",
            Op::Neq | Op::Nin => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lte => "<=",
        }
    }
}

/// How a filter field's value is compared.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int(&'static str),
    Text(&'static str),
    /// `ip[@vlan]` against an address column.
    Ip(&'static str),
    /// A flow's client or server address.
    EitherIp,
    /// nDPI risk bit set in `flow_risk_bitmap`.
    RiskBit,
    /// Substring of the JSON document.
    JsonLike,
}

/// Filter fields common to every family (name → column).
fn common_field(name: &str) -> Option<Kind> {
    Some(match name {
        "alert_id" | "alert_type" => Kind::Int("alert_id"),
        "alert_category" => Kind::Int("alert_category"),
        "severity" | "alert_severity" => Kind::Int("severity"),
        "score" => Kind::Int("score"),
        "row_id" => Kind::Int("rowid"),
        "tstamp" => Kind::Int("tstamp"),
        "description" => Kind::JsonLike,
        _ => return None,
    })
}

fn family_field(family: Family, name: &str) -> Option<Kind> {
    if let Some(k) = common_field(name) {
        return Some(k);
    }
    Some(match (family, name) {
        (Family::Flow, "ip") => Kind::EitherIp,
        (Family::Flow, "cli_ip") => Kind::Ip("cli_ip"),
        (Family::Flow, "srv_ip") => Kind::Ip("srv_ip"),
        (Family::Flow, "cli_port") => Kind::Int("cli_port"),
        (Family::Flow, "srv_port") => Kind::Int("srv_port"),
        (Family::Flow, "cli_name") => Kind::Text("cli_name"),
        (Family::Flow, "srv_name") => Kind::Text("srv_name"),
        (Family::Flow, "l7proto") => Kind::Int("l7_proto"),
        (Family::Flow, "l4proto") => Kind::Int("proto"),
        (Family::Flow, "flow_risk") => Kind::RiskBit,
        (Family::Flow, "community_id") => Kind::Text("community_id"),
        (Family::Flow, "info") => Kind::Text("info"),
        (Family::Flow, "cli2srv_bytes") => Kind::Int("cli2srv_bytes"),
        (Family::Flow, "srv2cli_bytes") => Kind::Int("srv2cli_bytes"),
        (Family::Flow, "cli_country") => Kind::Text("cli_country"),
        (Family::Flow, "srv_country") => Kind::Text("srv_country"),
        (Family::Flow, "cli_host_pool_id") => Kind::Int("cli_host_pool_id"),
        (Family::Flow, "srv_host_pool_id") => Kind::Int("srv_host_pool_id"),
        (Family::Flow, "cli_network") => Kind::Int("cli_network"),
        (Family::Flow, "srv_network") => Kind::Int("srv_network"),
        (Family::Flow, "probe_ip") => Kind::Text("probe_ip"),
        (Family::Host, "ip") => Kind::Ip("ip"),
        (Family::Host, "name") => Kind::Text("name"),
        (Family::Host, "host_pool_id") => Kind::Int("host_pool_id"),
        (Family::Host, "network") => Kind::Int("network"),
        (Family::Network, "network_id") => Kind::Int("local_network_id"),
        (Family::Network, "network") => Kind::Int("local_network_id"),
        (Family::Network, "network_name") => Kind::Text("name"),
        (Family::Network, "name") => Kind::Text("name"),
        (Family::Network, "alias") => Kind::Text("alias"),
        (_, "vlan_id") => Kind::Int("vlan_id"),
        (_, "ip_version") => Kind::Int("ip_version"),
        _ => return None,
    })
}

/// Columns a request may sort by (besides the computed `duration` and, for flows, `total_bytes`).
fn sortable(family: Family, col: &str) -> bool {
    const COMMON: &[&str] = &["rowid", "alert_id", "alert_status", "tstamp", "tstamp_end", "severity", "score",
        "counter", "alert_category", "ip_version", "vlan_id", "duration"];
    const FLOW: &[&str] = &["cli_ip", "srv_ip", "cli_port", "srv_port", "proto", "l7_proto", "l7_master_proto",
        "l7_cat", "cli_name", "srv_name", "cli2srv_bytes", "srv2cli_bytes", "cli2srv_pkts", "srv2cli_pkts",
        "first_seen", "flow_risk_bitmap", "info", "total_bytes", "community_id"];
    const HOST: &[&str] = &["ip", "name", "is_attacker", "is_victim", "is_client", "is_server", "granularity"];
    const NETWORK: &[&str] = &["local_network_id", "name", "alias", "granularity"];
    COMMON.contains(&col) || match family {
        Family::Flow => FLOW.contains(&col),
        Family::Host => HOST.contains(&col),
        Family::Network => NETWORK.contains(&col),
    }
}

/// Parameters that are not filters (and are not errors when present).
const KNOWN_PARAMS: &[&str] = &["ifid", "status", "epoch_begin", "epoch_end", "start", "length", "sort", "order",
    "format", "draw", "telemetry", "query_preset", "visible_columns", "totalRows", "label", "alert_family",
    "group_by", "order_by", "group_by_clause", "order_by_clause", "maxhits_clause", "select_clause", "where_clause",
    "begin_time_clause", "end_time_clause", "csrf", "action", "traffic_direction", "role", "role_cli_srv", "_"];

#[derive(Debug, PartialEq, Eq)]
pub struct RequestError(pub String);

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for RequestError {}

/// One filter field with its `value;op` list.
#[derive(Debug, Clone)]
struct Filter {
    kind: Kind,
    and: bool,
    terms: Vec<(Op, String)>,
}

#[derive(Debug, Clone)]
pub struct AlertRequest {
    pub family: Family,
    pub status: StatusFilter,
    pub epoch_begin: Option<i64>,
    pub epoch_end: Option<i64>,
    pub start: Option<u64>,
    pub length: Option<u64>,
    /// An allow-listed column.
    pub sort: Option<&'static str>,
    pub descending: bool,
    filters: Vec<Filter>,
}

fn int_param(params: &BTreeMap<String, String>, name: &str) -> Result<Option<i64>, RequestError> {
    match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| RequestError(format!("{name}: not an integer: {v}"))),
    }
}

impl AlertRequest {
    /// Reads ntopng's request parameters. Unknown parameters are ignored (as a lenient ntopng would).
    pub fn parse(family: Family, params: &BTreeMap<String, String>) -> Result<AlertRequest, RequestError> {
        let status = match params.get("status").map(String::as_str) {
            None | Some("") | Some("historical") => StatusFilter::Historical,
            Some("acknowledged") => StatusFilter::Acknowledged,
            Some("any") => StatusFilter::Any,
            Some("engaged") => StatusFilter::Engaged,
            Some(s) => return Err(RequestError(format!("status: unknown value {s}"))),
        };
        let nonneg = |name| -> Result<Option<u64>, RequestError> {
            match int_param(params, name)? {
                Some(v) if v < 0 => Err(RequestError(format!("{name}: negative"))),
                v => Ok(v.map(|v| v as u64)),
            }
        };
        // ntopng's client sends order_by_clause; ntopng itself reads sort.
        let sort_name = params.get("sort").or_else(|| params.get("order_by")).or_else(|| params.get("order_by_clause"));
        let sort = match sort_name.map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => {
                let mut it = s.split_whitespace();
                let col = it.next().unwrap_or_default();
                if !sortable(family, col) {
                    return Err(RequestError(format!("sort: unknown column {col}")));
                }
                Some(col_static(family, col))
            }
        };
        let descending = match params.get("order").map(|s| s.to_ascii_lowercase()) {
            Some(o) if o == "desc" => true,
            Some(o) if o == "asc" || o.is_empty() => false,
            None => sort_name.is_some_and(|s| s.to_ascii_lowercase().ends_with(" desc")),
            Some(o) => return Err(RequestError(format!("order: expected asc or desc, got {o}"))),
        };
        let mut filters = Vec::new();
        for (name, value) in params {
            if KNOWN_PARAMS.contains(&name.as_str()) || value.is_empty() {
                continue;
            }
            let Some(kind) = family_field(family, name) else { continue };
            let mut terms = Vec::new();
            for item in value.split(',').filter(|s| !s.is_empty()) {
                let (v, op) = item.rsplit_once(';').unwrap_or((item, "eq"));
                terms.push((Op::parse(op), v.to_string()));
            }
            let and = name == "score" || terms.iter().all(|(op, _)| op.negative());
            filters.push(Filter { kind, and, terms });
        }
        Ok(AlertRequest {
            family,
            status,
            epoch_begin: int_param(params, "epoch_begin")?,
            epoch_end: int_param(params, "epoch_end")?,
            start: nonneg("start")?,
            length: nonneg("length")?,
            sort,
            descending,
            filters,
        })
    }

    /// The WHERE body and its bound values. The status condition comes first, as ntopng writes it.
    pub fn conditions(&self) -> Result<(String, Vec<Value>), RequestError> {
        let mut parts = vec![match self.status {
            StatusFilter::Historical => "alert_status = 0".to_string(),
            StatusFilter::Engaged => "alert_status = 2".to_string(),
            StatusFilter::Acknowledged => "alert_status = 1".to_string(),
            StatusFilter::Any => "((alert_status = 0) OR (alert_status = 1))".to_string(),
        }];
        let mut binds = Vec::new();
        // Engaged alerts are current: ntopng lists them whatever the time range.
        let ranged = self.status != StatusFilter::Engaged;
        if let Some(b) = self.epoch_begin.filter(|_| ranged) {
            parts.push("tstamp >= ?".into());
            binds.push(Value::Integer(b));
        }
        if let Some(e) = self.epoch_end.filter(|_| ranged) {
            parts.push("tstamp <= ?".into());
            binds.push(Value::Integer(e));
        }
        for f in &self.filters {
            let mut terms = Vec::new();
            for (op, v) in &f.terms {
                terms.push(term(f.kind, *op, v, &mut binds)?);
            }
            let joiner = if f.and { " AND " } else { " OR " };
            parts.push(format!("({})", terms.join(joiner)));
        }
        Ok((parts.join(" AND "), binds))
    }
}

/// A sort column as a static string (the allow-list is what reaches SQL).
fn col_static(family: Family, col: &str) -> &'static str {
    const ALL: &[&str] = &["rowid", "alert_id", "alert_status", "tstamp", "tstamp_end", "severity", "score", "counter",
        "alert_category", "ip_version", "vlan_id", "duration", "cli_ip", "srv_ip", "cli_port", "srv_port", "proto",
        "l7_proto", "l7_master_proto", "l7_cat", "cli_name", "srv_name", "cli2srv_bytes", "srv2cli_bytes",
        "cli2srv_pkts", "srv2cli_pkts", "first_seen", "flow_risk_bitmap", "info", "total_bytes", "community_id", "ip",
        "name", "is_attacker", "is_victim", "is_client", "is_server", "granularity", "local_network_id", "alias"];
    debug_assert!(sortable(family, col));
    ALL.iter().copied().find(|c| *c == col).unwrap_or("rowid")
}

fn term(kind: Kind, op: Op, v: &str, binds: &mut Vec<Value>) -> Result<String, RequestError> {
    let int = |v: &str| v.trim().parse::<i64>().map_err(|_| RequestError(format!("filter value not an integer: {v}")));
    Ok(match kind {
        Kind::Int(col) => {
            binds.push(Value::Integer(int(v)?));
            format!("{col} {} ?", op.sql())
        }
        Kind::Text(col) => match op {
            Op::In | Op::Nin => {
                binds.push(Value::Text(format!("%{}%", v)));
                format!("{col} {}LIKE ?", if op == Op::Nin { "NOT " } else { "" })
            }
            _ => {
                binds.push(Value::Text(v.to_string()));
                format!("{col} {} ?", op.sql())
            }
        },
        Kind::Ip(col) => ip_term(col, op, v, binds)?,
        Kind::EitherIp => {
            let c = ip_term("cli_ip", op, v, binds)?;
            let s = ip_term("srv_ip", op, v, binds)?;
            if op.negative() { format!("({c} AND {s})") } else { format!("({c} OR {s})") }
        }
        Kind::RiskBit => {
            let bit = int(v)?;
            if !(0..64).contains(&bit) {
                return Err(RequestError(format!("flow_risk: no such risk {bit}")));
            }
            binds.push(Value::Integer(1i64 << bit));
            format!("(flow_risk_bitmap & ?) {} 0", if op.negative() { "=" } else { "!=" })
        }
        Kind::JsonLike => {
            binds.push(Value::Text(format!("%{}%", v)));
            format!("json {}LIKE ?", if op.negative() { "NOT " } else { "" })
        }
    })
}

/// `ip[@vlan]`: the address compared with `op`, and the VLAN when given.
fn ip_term(col: &str, op: Op, v: &str, binds: &mut Vec<Value>) -> Result<String, RequestError> {
    let (ip, vlan) = match v.split_once('@') {
        Some((ip, vlan)) => {
            let vlan: i64 = vlan.parse().map_err(|_| RequestError(format!("bad VLAN in {v}")))?;
            (ip, Some(vlan))
        }
        None => (v, None),
    };
    if ip.parse::<std::net::IpAddr>().is_err() {
        return Err(RequestError(format!("not an IP address: {ip}")));
    }
    binds.push(Value::Text(ip.to_string()));
    let cmp = if op.negative() { "!=" } else { "=" };
    Ok(match vlan {
        Some(vlan) => {
            binds.push(Value::Integer(vlan));
            if op.negative() { format!("({col} != ? OR vlan_id != ?)") } else { format!("({col} = ? AND vlan_id = ?)") }
        }
        None => format!("{col} {cmp} ?"),
    })
}
