//! The clauses of ntopng's historical flow endpoints (`get/db/flows.lua`, `get/db/topk_flows.lua`) parsed
//! into an allow-listed tree ([`ast`]) and gathered into a backend-neutral [`Plan`]; each store renders the
//! plan in its own SQL dialect (SQLite here, ClickHouse in `crate::clickhouse::query`) with every literal a
//! bind parameter. Whatever the tree cannot express is refused with [`QueryError::Invalid`], which the REST
//! layer answers with 400 and ntopng's envelope.

pub(crate) mod ast;
mod lex;
pub(crate) mod render;

use crate::schema::{self, TABLE};
use ast::{Expr, Func, Item, Parser};
use rusqlite::types::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// The request is not acceptable (a 4xx for the caller); the message says why.
    Invalid(String),
    /// The store failed.
    Store(String),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Invalid(m) | QueryError::Store(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for QueryError {}

/// Rows returned by default and at most.
pub const DEFAULT_MAXHITS: u64 = 10;
pub const MAX_MAXHITS: u64 = 100_000;

/// The parameters of `get/db/flows.lua`. Empty strings count as absent.
#[derive(Debug, Clone, Default)]
pub struct FlowQuery {
    pub ifid: i64,
    /// `begin_time_clause` / `epoch_begin`: flows with `FIRST_SEEN >= begin` ...
    pub begin: i64,
    /// ... and `LAST_SEEN <= end`.
    pub end: i64,
    /// Default `*`.
    pub select: Option<String>,
    pub where_: Option<String>,
    pub group_by: Option<String>,
    pub order_by: Option<String>,
    /// Default 10.
    pub maxhits: Option<u64>,
}

/// The parameters of `get/db/topk_flows.lua`.
#[derive(Debug, Clone, Default)]
pub struct TopkQuery {
    pub ifid: i64,
    pub begin: i64,
    pub end: i64,
    /// Default `IPV4_SRC_ADDR,IPV4_DST_ADDR,L7_PROTO`.
    pub keys: Option<String>,
    /// Default `BYTES` (ntopng's name for `TOTAL_BYTES`).
    pub values: Option<String>,
    /// `SUM` (default), `COUNT`, `MAX`, `MIN` or `AVG`.
    pub topk: Option<String>,
    pub where_: Option<String>,
    pub maxhits: Option<u64>,
}

/// A generated statement: SQL text with `?` placeholders, their values, and the names of the result columns.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Value>,
    pub names: Vec<String>,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn maxhits(m: Option<u64>) -> Result<u64, QueryError> {
    match m.unwrap_or(DEFAULT_MAXHITS) {
        0 => Err(QueryError::Invalid("maxhits_clause: must be at least 1".into())),
        n if n > MAX_MAXHITS => Err(QueryError::Invalid(format!("maxhits_clause: at most {MAX_MAXHITS}"))),
        n => Ok(n),
    }
}

fn where_clause(w: Option<&str>) -> Result<Option<Expr>, QueryError> {
    let Some(w) = w else { return Ok(None) };
    let mut p = Parser::new(w, "where_clause", &[])?;
    let e = p.expr()?;
    p.expect_end()?;
    if e.has_aggregate() {
        return Err(QueryError::Invalid("where_clause: aggregate functions are not allowed here".into()));
    }
    Ok(Some(e))
}

/// One parsed request, before any dialect: `SELECT items FROM flows WHERE <interface and time range>
/// [AND filter] [GROUP BY group] [ORDER BY order] LIMIT limit`.
#[derive(Debug, Clone)]
pub struct Plan {
    pub ifid: i64,
    pub begin: i64,
    pub end: i64,
    pub(crate) items: Vec<Item>,
    pub(crate) filter: Option<Expr>,
    pub(crate) group: Vec<Expr>,
    /// Expression, descending.
    pub(crate) order: Vec<(Expr, bool)>,
    pub limit: u64,
}

impl Plan {
    /// Names of the answer's columns.
    pub fn names(&self) -> Vec<String> {
        self.items.iter().map(|i| i.name.clone()).collect()
    }
}

/// The statement of a `get/db/flows.lua` request.
pub fn flows_statement(q: &FlowQuery) -> Result<Statement, QueryError> {
    Ok(sqlite_statement(&flows_plan(q)?))
}

/// The statement of a `get/db/topk_flows.lua` request.
pub fn topk_statement(q: &TopkQuery) -> Result<Statement, QueryError> {
    Ok(sqlite_statement(&topk_plan(q)?))
}

/// The plan of a `get/db/flows.lua` request.
pub fn flows_plan(q: &FlowQuery) -> Result<Plan, QueryError> {
    let items = {
        let mut p = Parser::new(given(&q.select).unwrap_or("*"), "select_clause", &[])?;
        let items = p.select_list()?;
        p.expect_end()?;
        items
    };
    let filter = where_clause(given(&q.where_))?;
    let group = match given(&q.group_by) {
        Some(g) => {
            let mut p = Parser::new(g, "group_by_clause", &items)?;
            let l = p.expr_list()?;
            p.expect_end()?;
            if l.iter().any(Expr::has_aggregate) {
                return Err(QueryError::Invalid("group_by_clause: aggregate functions are not allowed here".into()));
            }
            l
        }
        None => Vec::new(),
    };
    let order = match given(&q.order_by) {
        Some(o) => {
            let mut p = Parser::new(o, "order_by_clause", &items)?;
            let l = p.order_list()?;
            p.expect_end()?;
            l
        }
        None => Vec::new(),
    };
    let plan = Plan { ifid: q.ifid, begin: q.begin, end: q.end, items, filter, group, order, limit: maxhits(q.maxhits)? };
    plan.check_grouping()?;
    Ok(plan)
}

/// Whether `e` has one value per group of `group`: it is grouped itself, or reads columns only inside
/// aggregates or grouped subexpressions.
fn per_group(e: &Expr, group: &[Expr]) -> bool {
    if group.contains(e) {
        return true;
    }
    let ok = |x: &Expr| per_group(x, group);
    match e {
        Expr::Col(_) => false,
        Expr::Int(_) | Expr::Real(_) | Expr::Str(_) | Expr::CountStar | Expr::CountDistinct(_) => true,
        Expr::Call(f, a) => f.is_aggregate() || ok(a),
        Expr::Neg(a) | Expr::Not(a) => ok(a),
        Expr::Bin(_, a, b) => ok(a) && ok(b),
        Expr::In { e, list, .. } => ok(e) && list.iter().all(ok),
        Expr::Like { e, pattern, .. } => ok(e) && ok(pattern),
        Expr::Between { e, lo, hi, .. } => ok(e) && ok(lo) && ok(hi),
    }
}

impl Plan {
    /// In a query that aggregates, every selected and ordering expression must have one value per group
    /// (ClickHouse, ntopng's flow store, refuses the rest; SQLite would show an arbitrary row's value).
    fn check_grouping(&self) -> Result<(), QueryError> {
        let aggregates = !self.group.is_empty()
            || self.items.iter().any(|i| i.expr.has_aggregate())
            || self.order.iter().any(|(e, _)| e.has_aggregate());
        if !aggregates {
            return Ok(());
        }
        if let Some(i) = self.items.iter().find(|i| !per_group(&i.expr, &self.group)) {
            return Err(QueryError::Invalid(format!(
                "select_clause: '{}' is neither in group_by_clause nor inside an aggregate function",
                i.name
            )));
        }
        if self.order.iter().any(|(e, _)| !per_group(e, &self.group)) {
            return Err(QueryError::Invalid(
                "order_by_clause: in a grouped query, order by grouped columns or aggregates".into(),
            ));
        }
        Ok(())
    }
}

/// The plan of a `get/db/topk_flows.lua` request: the keys, `topk(value)` per value, grouped by the
/// keys, largest first.
pub fn topk_plan(q: &TopkQuery) -> Result<Plan, QueryError> {
    let keys = {
        let mut p =
            Parser::new(given(&q.keys).unwrap_or("IPV4_SRC_ADDR,IPV4_DST_ADDR,L7_PROTO"), "select_keys_clause", &[])?;
        let k = p.select_list()?;
        p.expect_end()?;
        k
    };
    if keys.iter().any(|k| k.expr.has_aggregate()) {
        return Err(QueryError::Invalid("select_keys_clause: aggregate functions are not allowed here".into()));
    }
    let func = match given(&q.topk).unwrap_or("SUM").to_ascii_uppercase().as_str() {
        "SUM" => Func::Sum,
        "COUNT" => Func::Count,
        "MAX" => Func::Max,
        "MIN" => Func::Min,
        "AVG" => Func::Avg,
        other => {
            return Err(QueryError::Invalid(format!(
                "topk_clause: \"{other}\" is not one of SUM, COUNT, MAX, MIN, AVG"
            )))
        }
    };
    let values_src = given(&q.values).unwrap_or("BYTES");
    // `BYTES` is the older name ntopng's defaults still use.
    let mut values = Vec::new();
    for v in values_src.split(',') {
        let name = v.trim().to_string();
        let col = if name.eq_ignore_ascii_case("BYTES") { "TOTAL_BYTES" } else { name.as_str() };
        let mut p = Parser::new(col, "select_values_clause", &[])?;
        let e = p.expr()?;
        p.expect_end()?;
        if e.has_aggregate() {
            return Err(QueryError::Invalid(
                "select_values_clause: name columns, the topk_clause aggregates them".into(),
            ));
        }
        values.push(Item { expr: Expr::Call(func, Box::new(e)), name });
    }
    let group: Vec<Expr> = keys.iter().map(|k| k.expr.clone()).collect();
    let order = vec![(values[0].expr.clone(), true)];
    let mut items = keys;
    items.extend(values);
    let filter = where_clause(given(&q.where_))?;
    Ok(Plan { ifid: q.ifid, begin: q.begin, end: q.end, items, filter, group, order, limit: maxhits(q.maxhits)? })
}

/// The plan as one SQLite statement.
pub fn sqlite_statement(p: &Plan) -> Statement {
    let mut g = Gen::new("SELECT ");
    g.select_items(p);
    g.push(&format!(" FROM \"{TABLE}\" WHERE \"INTERFACE_ID\" = ? AND \"FIRST_SEEN\" >= ? AND \"LAST_SEEN\" <= ?"));
    g.params.extend([Value::Integer(p.ifid), Value::Integer(p.begin), Value::Integer(p.end)]);
    if let Some(f) = p.filter.as_ref() {
        g.wrapped(" AND (", f, ")");
    }
    g.group_order_limit(p, " ASC", " DESC", Value::Integer(p.limit as i64));
    Statement { sql: g.sql, params: g.params, names: p.names() }
}

/// SQLite's way of writing names and literals.
pub(crate) struct Sqlite;

impl render::Dialect for Sqlite {
    type Param = Value;

    fn param(lit: &Expr) -> Value {
        match lit {
            Expr::Int(v) => Value::Integer(*v),
            Expr::Real(v) => Value::Real(*v),
            Expr::Str(s) => Value::Text(s.clone()),
            e => unreachable!("not a literal: {e:?}"),
        }
    }

    fn column(out: &mut Gen, c: &schema::Column) {
        out.push("\"");
        out.push(c.name);
        out.push("\"");
    }

    fn dotted_ipv4(out: &mut Gen, c: &schema::Column) {
        out.push(&format!("ntop_ipv4_ntoa(\"{}\")", c.name));
    }

    fn call(f: Func) -> &'static str {
        match f {
            Func::Sum => "SUM(",
            Func::Count => "COUNT(",
            Func::Max => "MAX(",
            Func::Min => "MIN(",
            Func::Avg => "AVG(",
            Func::Ipv4NumToString => "ntop_ipv4_ntoa(",
        }
    }

    const COUNT_STAR: &'static str = "COUNT(*)";
}

/// SQLite text from the tree.
type Gen = render::Sql<Sqlite>;

/// A piece of SQL with its bound values.
#[derive(Debug, Clone, Default)]
pub struct Fragment {
    pub sql: String,
    pub params: Vec<Value>,
}

/// The clauses of a request over another table (the alert store's), parsed with the same grammar and
/// allow-list as the flow queries, rendered for SQLite: the caller assembles the statement around them.
#[derive(Debug, Clone)]
pub struct TableClauses {
    /// The select list, `*` expanded to every column.
    pub select: Fragment,
    /// Result column names, in order.
    pub names: Vec<String>,
    pub filter: Option<Fragment>,
    /// Without the `GROUP BY` / `ORDER BY` keywords.
    pub group: Option<Fragment>,
    pub order: Option<Fragment>,
}

/// Parses `select` (default `*`), `where_`, `group_by`, `order_by` over `columns` of `table`: names are
/// those columns or select aliases, a few aggregate functions, literals only as bound values.
pub fn table_clauses(
    columns: &'static [schema::Column],
    table: &'static str,
    aliases: &[(&str, &str)],
    select: Option<&str>,
    where_: Option<&str>,
    group_by: Option<&str>,
    order_by: Option<&str>,
) -> Result<TableClauses, QueryError> {
    fn nonempty(s: Option<&str>) -> Option<&str> {
        s.map(str::trim).filter(|s| !s.is_empty())
    }
    let items = {
        let mut p = Parser::over(nonempty(select).unwrap_or("*"), "select_clause", &[], columns, table)?;
        let items = p.select_list()?;
        p.expect_end()?;
        items
    };
    // Other names of columns, usable beside the columns and the select aliases (not in the select list).
    let alias_items: Vec<Item> = aliases
        .iter()
        .filter_map(|(name, col)| {
            let c = columns.iter().find(|c| c.name == *col)?;
            Some(Item { expr: Expr::Col(c), name: name.to_string() })
        })
        .collect();
    let named: Vec<Item> = items.iter().cloned().chain(alias_items.iter().cloned()).collect();
    let filter = match nonempty(where_) {
        Some(w) => {
            let mut p = Parser::over(w, "where_clause", &alias_items, columns, table)?;
            let e = p.expr()?;
            p.expect_end()?;
            if e.has_aggregate() {
                return Err(QueryError::Invalid("where_clause: aggregate functions are not allowed here".into()));
            }
            Some(e)
        }
        None => None,
    };
    let group = match nonempty(group_by) {
        Some(g) => {
            let mut p = Parser::over(g, "group_by_clause", &named, columns, table)?;
            let l = p.expr_list()?;
            p.expect_end()?;
            if l.iter().any(Expr::has_aggregate) {
                return Err(QueryError::Invalid("group_by_clause: aggregate functions are not allowed here".into()));
            }
            l
        }
        None => Vec::new(),
    };
    let order = match nonempty(order_by) {
        Some(o) => {
            let mut p = Parser::over(o, "order_by_clause", &named, columns, table)?;
            let l = p.order_list()?;
            p.expect_end()?;
            l
        }
        None => Vec::new(),
    };
    let frag = |f: &dyn Fn(&mut Gen)| {
        let mut g = Gen::new("");
        f(&mut g);
        Fragment { sql: g.sql, params: g.params }
    };
    let list = |g: &mut Gen, es: &mut dyn Iterator<Item = (&Expr, Option<bool>)>| {
        for (i, (e, desc)) in es.enumerate() {
            if i > 0 {
                g.sql.push_str(", ");
            }
            g.expr(e);
            match desc {
                Some(true) => g.sql.push_str(" DESC"),
                Some(false) => g.sql.push_str(" ASC"),
                None => {}
            }
        }
    };
    Ok(TableClauses {
        select: frag(&|g| list(g, &mut items.iter().map(|i| (&i.expr, None)))),
        names: items.iter().map(|i| i.name.clone()).collect(),
        filter: filter.as_ref().map(|e| frag(&|g| g.expr(e))),
        group: (!group.is_empty()).then(|| frag(&|g| list(g, &mut group.iter().map(|e| (e, None))))),
        order: (!order.is_empty()).then(|| frag(&|g| list(g, &mut order.iter().map(|(e, d)| (e, Some(*d)))))),
    })
}

/// `maxhits_clause`: default 10, between 1 and [`MAX_MAXHITS`].
pub fn maxhits_or_default(m: Option<u64>) -> Result<u64, QueryError> {
    maxhits(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(select: &str, where_: &str, group: &str, order: &str) -> Result<Statement, QueryError> {
        flows_statement(&FlowQuery {
            ifid: 0,
            begin: 0,
            end: 100,
            select: Some(select.into()),
            where_: Some(where_.into()),
            group_by: Some(group.into()),
            order_by: Some(order.into()),
            maxhits: None,
        })
    }

    #[test]
    fn literals_are_parameters() {
        let s = q(
            "IPv4NumToString(IPV4_DST_ADDR) AS IPV4_DST_ADDR_FORMATTED, SUM(TOTAL_BYTES) AS bytes",
            "IPV4_SRC_ADDR = ('192.168.1.1') AND INFO LIKE '%x''y%' AND L7_PROTO IN (5, 7)",
            "IPV4_DST_ADDR_FORMATTED",
            "bytes DESC",
        )
        .unwrap();
        assert!(!s.sql.contains("192") && !s.sql.contains("x'y") && !s.sql.contains('\''), "{}", s.sql);
        assert_eq!(s.names, ["IPV4_DST_ADDR_FORMATTED", "bytes"]);
        assert!(s.params.contains(&Value::Integer(0xC0A80101)));
        assert!(s.params.contains(&Value::Text("%x'y%".into())));
        assert!(
            s.sql.ends_with("GROUP BY ntop_ipv4_ntoa(\"IPV4_DST_ADDR\") ORDER BY SUM(\"TOTAL_BYTES\") DESC LIMIT ?"),
            "{}",
            s.sql
        );
    }

    #[test]
    fn refusals() {
        let cases = [
            ("*", "1=1; DROP TABLE flows", "", ""),
            ("*", "1=1 UNION SELECT * FROM sqlite_master", "", ""),
            ("*", "FLOW_ID IN (SELECT rowid FROM flowdb_meta)", "", ""),
            ("name FROM sqlite_master", "", "", ""),
            ("*", "load_extension('x')", "", ""),
            ("*", "sqlite_version() = 1", "", ""),
            ("*", "", "", "randomblob(10)"),
            ("*", "IPV4_SRC_ADDR = 'not an ip'", "", ""),
            ("*", "SUM(TOTAL_BYTES) > 1", "", ""),
            ("SUM(SUM(TOTAL_BYTES))", "", "", ""),
            ("*", "", "SUM(PACKETS)", ""),
            ("*", "ATTACH", "", ""),
            ("*", "", "", "1 PRAGMA"),
            ("*", "INFO = 'a' -- comment", "", ""),
            ("*", "x'41' = INFO", "", ""),
            // Grouped queries: a bare column beside an aggregate, an ordering neither grouped nor aggregated.
            ("L7_PROTO, SUM(TOTAL_BYTES)", "", "", ""),
            ("L7_PROTO, PROTOCOL, COUNT(*)", "", "L7_PROTO", ""),
            ("L7_PROTO, COUNT(*)", "", "L7_PROTO", "PROTOCOL"),
        ];
        for (s, w, g, o) in cases {
            let r = q(s, w, g, o);
            assert!(matches!(r, Err(QueryError::Invalid(_))), "{s} | {w} | {g} | {o}: {r:?}");
        }
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        assert!(q("*", &deep, "", "").is_err());
    }

    #[test]
    fn topk_defaults() {
        let s = topk_statement(&TopkQuery { end: 10, ..Default::default() }).unwrap();
        assert_eq!(s.names, ["IPV4_SRC_ADDR", "IPV4_DST_ADDR", "L7_PROTO", "BYTES"]);
        assert!(s.sql.contains("SUM(\"TOTAL_BYTES\")") && s.sql.contains("GROUP BY"), "{}", s.sql);
        assert!(topk_statement(&TopkQuery { topk: Some("RANDOM".into()), ..Default::default() }).is_err());
    }
}
