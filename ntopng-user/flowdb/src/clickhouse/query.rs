//! A query [`Plan`] rendered as ClickHouse SQL, with SQLite's answers.
//!
//! The two stores must answer a request identically, so the rendering carries SQLite's semantics over:
//! * the rows of the interface and time range are read through a subquery that turns every integer column
//!   into `Int64` under its own name (SQLite integers are signed 64-bit: `a - b` never wraps, DateTime
//!   columns are Unix seconds);
//! * `/` of two integer expressions is integer division, and `/` or `%` by zero is NULL;
//! * `LIKE` is ASCII case-insensitive and compares text (`toString`);
//! * `SUM`/`MAX`/`MIN`/`AVG` over no rows are NULL (ClickHouse gives 0; 18.16 has no `-OrNull`);
//! * NULLs sort first ascending, last descending;
//! * a string literal compared with an integer becomes a number, a number compared with text a string
//!   (SQLite's column affinity);
//! * floats are printed by the caller as Rust prints the `f64` SQLite returns.
//!
//! Literals are `?` placeholders bound by the client library (which escapes them); names are the schema's
//! constants. 18.16 has no server-side query parameters.

use crate::query::ast::{BinOp, Expr, Func};
use crate::query::render::{Dialect, Sql};
use crate::query::Plan;
use crate::schema::{Column, Kind, COLUMNS, TABLE};

/// A literal bound to a `?` of the generated text.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i64),
    Real(f64),
    Str(String),
}

/// SQL text with `?` placeholders and their values, in order.
#[derive(Debug, Clone)]
pub struct ChStatement {
    pub sql: String,
    pub params: Vec<Literal>,
    pub names: Vec<String>,
}

/// Renders `plan` against the flow table of database `db`.
pub fn statement(plan: &Plan, db: &str) -> ChStatement {
    let mut g = Gen::new("SELECT ");
    g.select_items(plan);
    let inner: Vec<String> = COLUMNS
        .iter()
        .map(|c| match c.kind {
            Kind::Int | Kind::Ipv4 | Kind::DateTime => format!("toInt64({0}) AS {0}", c.name),
            Kind::Ipv6 | Kind::Text => c.name.to_string(),
        })
        .collect();
    g.push(&format!(
        " FROM (SELECT {} FROM {db}.{TABLE} WHERE INTERFACE_ID = ? AND FIRST_SEEN >= ? AND LAST_SEEN <= ?)",
        inner.join(", ")
    ));
    g.params.extend([Literal::Int(plan.ifid), Literal::Int(plan.begin), Literal::Int(plan.end)]);
    if let Some(f) = &plan.filter {
        g.wrapped(" WHERE ", f, "");
    }
    g.group_order_limit(plan, " ASC NULLS FIRST", " DESC NULLS LAST", Literal::Int(plan.limit as i64));
    ChStatement { sql: g.sql, params: g.params, names: plan.names() }
}

/// Whether SQLite computes `e` as an integer (only integer columns, integer literals and integer-preserving
/// operators and aggregates).
fn is_int(e: &Expr) -> bool {
    match e {
        Expr::Col(c) => matches!(c.kind, Kind::Int | Kind::Ipv4 | Kind::DateTime),
        Expr::Int(_) => true,
        Expr::Real(_) | Expr::Str(_) => false,
        Expr::Neg(a) => is_int(a),
        Expr::Bin(op, a, b) => match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => is_int(a) && is_int(b),
            // SQLite's % works on integers (reals are cast).
            BinOp::Rem => true,
            _ => true,
        },
        Expr::Not(_) | Expr::In { .. } | Expr::Like { .. } | Expr::Between { .. } => true,
        Expr::Call(Func::Sum | Func::Max | Func::Min, a) => is_int(a),
        Expr::Call(Func::Count, _) | Expr::CountStar | Expr::CountDistinct(_) => true,
        Expr::Call(Func::Avg | Func::Ipv4NumToString, _) => false,
    }
}

fn is_text(e: &Expr) -> bool {
    matches!(e, Expr::Col(c) if matches!(c.kind, Kind::Text | Kind::Ipv6)) || matches!(e, Expr::Str(_))
}

/// A literal compared with `other`, converted as SQLite's affinity would.
fn compared(lit: &Expr, other: &Expr) -> Expr {
    match lit {
        Expr::Str(s) if !is_text(other) && is_int(other) => {
            let t = s.trim();
            if let Ok(v) = t.parse::<i64>() {
                Expr::Int(v)
            } else if let Ok(v) = t.parse::<f64>() {
                Expr::Real(v)
            } else {
                lit.clone()
            }
        }
        Expr::Int(v) if is_text(other) && !matches!(other, Expr::Str(_)) => Expr::Str(v.to_string()),
        Expr::Real(v) if is_text(other) && !matches!(other, Expr::Str(_)) => Expr::Str(v.to_string()),
        _ => lit.clone(),
    }
}

/// ClickHouse's way of writing names, literals, and the nodes whose SQLite semantics need another shape.
struct ClickHouse;

type Gen = Sql<ClickHouse>;

/// `name(args)`, NULL when the aggregate saw no row.
fn aggregate(g: &mut Gen, name: &str, a: &Expr) {
    g.push("if(count() = 0, NULL, ");
    g.push(name);
    g.wrapped("(", a, "))");
}

impl Dialect for ClickHouse {
    type Param = Literal;

    fn param(lit: &Expr) -> Literal {
        match lit {
            Expr::Int(v) => Literal::Int(*v),
            Expr::Real(v) => Literal::Real(*v),
            Expr::Str(s) => Literal::Str(s.clone()),
            e => unreachable!("not a literal: {e:?}"),
        }
    }

    fn column(out: &mut Gen, c: &Column) {
        out.push(c.name);
    }

    fn dotted_ipv4(out: &mut Gen, c: &Column) {
        out.push(&format!("IPv4NumToString(toUInt32({}))", c.name));
    }

    fn call(f: Func) -> &'static str {
        match f {
            Func::Sum => "sum(",
            Func::Count => "count(",
            Func::Max => "max(",
            Func::Min => "min(",
            Func::Avg => "avg(",
            Func::Ipv4NumToString => "IPv4NumToString(",
        }
    }

    const COUNT_STAR: &'static str = "count()";

    fn special(g: &mut Gen, e: &Expr) -> bool {
        match e {
            Expr::Bin(op @ (BinOp::Div | BinOp::Rem), a, b) => {
                // The divisor is rendered twice: ClickHouse evaluates both branches of if().
                g.wrapped("if(", b, " = 0, NULL, ");
                match op {
                    BinOp::Div if is_int(a) && is_int(b) => {
                        g.push("intDivOrZero(");
                        g.list([&**a, &**b]);
                        g.push(")");
                    }
                    BinOp::Div => {
                        g.wrapped("(", a, " / ");
                        g.wrapped("", b, ")");
                    }
                    _ => {
                        g.wrapped("(toInt64(", a, ") % if(");
                        g.wrapped("", b, " = 0, 1, toInt64(");
                        g.wrapped("", b, ")))");
                    }
                }
                g.push(")");
            }
            Expr::Like { e, pattern, negated } => {
                g.wrapped(
                    "(lower(toString(",
                    e,
                    if *negated { ")) NOT LIKE lower(toString(" } else { ")) LIKE lower(toString(" },
                );
                g.wrapped("", pattern, ")))");
            }
            Expr::Call(Func::Sum, a) => aggregate(g, "sum", a),
            Expr::Call(Func::Max, a) => aggregate(g, "max", a),
            Expr::Call(Func::Min, a) => aggregate(g, "min", a),
            Expr::Call(Func::Avg, a) => aggregate(g, "avg", a),
            Expr::Call(Func::Ipv4NumToString, a) => g.wrapped("IPv4NumToString(toUInt32(", a, "))"),
            _ => return false,
        }
        true
    }

    fn operand(lit: &Expr, other: &Expr) -> Expr {
        compared(lit, other)
    }
}

/// Rows of a `TabSeparatedWithNamesAndTypes` answer, as SQLite's store returns them: NULL as "", floats
/// printed from their `f64`.
pub fn parse_tsv(body: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("ClickHouse answer is not UTF-8: {e}"))?;
    let mut lines = text.split_terminator('\n');
    let _names = lines.next().ok_or("ClickHouse answer without a header")?;
    let types: Vec<&str> = lines.next().ok_or("ClickHouse answer without types")?.split('\t').collect();
    let float: Vec<bool> = types.iter().map(|t| t.contains("Float")).collect();
    let mut rows = Vec::new();
    for line in lines {
        let mut row = Vec::with_capacity(types.len());
        for (i, field) in line.split('\t').enumerate() {
            let v = if field == "\\N" {
                String::new()
            } else if float.get(i).copied().unwrap_or(false) {
                match field {
                    "nan" | "-nan" => String::new(),
                    f => f.parse::<f64>().map(|v| v.to_string()).unwrap_or_else(|_| f.to_string()),
                }
            } else {
                unescape(field)
            };
            row.push(v);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// TabSeparated escapes: `\t \n \r \0 \b \f \\ \'`.
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{flows_plan, FlowQuery};

    #[test]
    fn sqlite_semantics_carried_over() {
        let p = flows_plan(&FlowQuery {
            end: 100,
            select: Some(
                "IPv4NumToString(IPV4_DST_ADDR) AS D, SUM(TOTAL_BYTES) AS b, SUM(TOTAL_BYTES) / 2 AS h".into(),
            ),
            where_: Some("INFO LIKE '%x''?%' AND L7_PROTO = '7' AND IPV4_SRC_ADDR = ('1.2.3.4')".into()),
            group_by: Some("D".into()),
            order_by: Some("b DESC".into()),
            ..Default::default()
        })
        .unwrap();
        let s = statement(&p, "ntopng");
        assert!(
            s.sql.contains("FROM ntopng.flows") && s.sql.contains("toInt64(FIRST_SEEN) AS FIRST_SEEN"),
            "{}",
            s.sql
        );
        assert!(s.sql.contains("intDivOrZero(if(count() = 0, NULL, sum(TOTAL_BYTES)), ?)"), "{}", s.sql);
        assert!(s.sql.contains("lower(toString(INFO)) LIKE lower(toString(?))"), "{}", s.sql);
        assert!(s.sql.contains("if(count() = 0, NULL, sum(TOTAL_BYTES)) DESC NULLS LAST"), "{}", s.sql);
        assert!(!s.sql.contains('\'') && !s.sql.contains("1.2.3.4"), "{}", s.sql);
        assert!(s.params.contains(&Literal::Int(7)) && s.params.contains(&Literal::Int(0x01020304)));
        assert!(s.params.contains(&Literal::Str("%x'?%".into())));
        assert_eq!(s.names, ["D", "b", "h"]);
    }

    #[test]
    fn tsv_answers() {
        let rows = parse_tsv(b"a\tb\tc\nString\tFloat64\tNullable(Int64)\nx\\ty\t2.5\t\\N\n\\\\\t3\t4\n").unwrap();
        assert_eq!(rows, [["x\ty", "2.5", ""], ["\\", "3", "4"]]);
    }
}
