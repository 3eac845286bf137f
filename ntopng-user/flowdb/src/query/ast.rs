//! The allow-listed expression tree and its parser. Every name is a `flows` column, an alias of the select
//! list, or one of [`Func`]; every literal becomes a bind parameter when SQL is generated.

use super::lex::{lex, Spanned, Tok};
use super::QueryError;
use crate::schema::{self, Column, Kind};
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Sum,
    Count,
    Max,
    Min,
    Avg,
    /// ClickHouse's `IPv4NumToString`: dotted text of an IPv4 number.
    Ipv4NumToString,
}

impl Func {
    pub fn is_aggregate(self) -> bool {
        !matches!(self, Func::Ipv4NumToString)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    pub fn sql(self) -> &'static str {
        match self {
            BinOp::Or => "OR",
            BinOp::And => "AND",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }
    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Col(&'static Column),
    Int(i64),
    Real(f64),
    Str(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    In { e: Box<Expr>, list: Vec<Expr>, negated: bool },
    Like { e: Box<Expr>, pattern: Box<Expr>, negated: bool },
    Between { e: Box<Expr>, lo: Box<Expr>, hi: Box<Expr>, negated: bool },
    Call(Func, Box<Expr>),
    CountStar,
    CountDistinct(Box<Expr>),
}

impl Expr {
    pub fn has_aggregate(&self) -> bool {
        match self {
            Expr::Col(_) | Expr::Int(_) | Expr::Real(_) | Expr::Str(_) => false,
            Expr::CountStar | Expr::CountDistinct(_) => true,
            Expr::Call(f, a) => f.is_aggregate() || a.has_aggregate(),
            Expr::Neg(e) | Expr::Not(e) => e.has_aggregate(),
            Expr::Bin(_, a, b) => a.has_aggregate() || b.has_aggregate(),
            Expr::In { e, list, .. } => e.has_aggregate() || list.iter().any(Expr::has_aggregate),
            Expr::Like { e, pattern, .. } => e.has_aggregate() || pattern.has_aggregate(),
            Expr::Between { e, lo, hi, .. } => e.has_aggregate() || lo.has_aggregate() || hi.has_aggregate(),
        }
    }
}

/// A select item: the expression and the name its values are returned under (the alias, else the text
/// as written).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub expr: Expr,
    pub name: String,
}

/// Nesting deeper than this is refused (keeps recursion bounded).
const MAX_DEPTH: usize = 32;
/// Longest clause accepted.
pub const MAX_CLAUSE: usize = 4096;

const KEYWORDS: [&str; 17] = [
    "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "AS", "AND", "OR", "NOT", "IN", "LIKE", "BETWEEN",
    "ASC", "DESC", "DISTINCT",
];

pub struct Parser<'a> {
    src: &'a str,
    what: &'a str,
    toks: Vec<Spanned>,
    pos: usize,
    depth: usize,
    /// Select aliases usable in GROUP BY and ORDER BY.
    aliases: &'a [Item],
    /// The columns names may refer to, and their table's name (for messages).
    columns: &'static [Column],
    table: &'static str,
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a str, what: &'a str, aliases: &'a [Item]) -> Result<Self, QueryError> {
        Self::over(src, what, aliases, schema::COLUMNS, "flows")
    }

    /// A parser over another table's `columns` (the same grammar and allow-list rules).
    pub fn over(
        src: &'a str,
        what: &'a str,
        aliases: &'a [Item],
        columns: &'static [Column],
        table: &'static str,
    ) -> Result<Self, QueryError> {
        if src.len() > MAX_CLAUSE {
            return Err(QueryError::Invalid(format!("{what}: longer than {MAX_CLAUSE} characters")));
        }
        Ok(Parser { src, what, toks: lex(src, what)?, pos: 0, depth: 0, aliases, columns, table })
    }

    fn err<T>(&self, msg: impl std::fmt::Display) -> Result<T, QueryError> {
        Err(QueryError::Invalid(format!("{}: {msg}", self.what)))
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|s| &s.tok)
    }

    fn near(&self) -> String {
        match self.toks.get(self.pos) {
            Some(s) => format!("near \"{}\"", &self.src[s.start..s.end]),
            None => "at the end".into(),
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        let yes = self.is_sym(s);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), QueryError> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            self.err(format!("expected '{s}' {}", self.near()))
        }
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub fn expect_end(&self) -> Result<(), QueryError> {
        if self.at_end() {
            Ok(())
        } else {
            self.err(format!("unexpected {}", self.near()))
        }
    }

    /// `item [, item]*` where item = `expr [AS name]`; `*` alone selects every column.
    pub fn select_list(&mut self) -> Result<Vec<Item>, QueryError> {
        if self.is_sym("*") && self.toks.len() == 1 {
            self.pos = 1;
            return Ok(self.columns.iter().map(|c| Item { expr: Expr::Col(c), name: c.name.to_string() }).collect());
        }
        let mut items = Vec::new();
        loop {
            let start = self.toks.get(self.pos).map(|s| s.start).unwrap_or(self.src.len());
            let expr = self.expr()?;
            let end = self.toks[self.pos - 1].end;
            let name = if self.eat_kw("AS") {
                self.alias_name()?
            } else {
                match &expr {
                    Expr::Col(c) => c.name.to_string(),
                    _ => self.src[start..end].to_string(),
                }
            };
            items.push(Item { expr, name });
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(items)
    }

    fn alias_name(&mut self) -> Result<String, QueryError> {
        match self.peek() {
            Some(Tok::Ident(s)) if s.len() <= 64 && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.err(format!("expected an alias name {}", self.near())),
        }
    }

    /// `expr [, expr]*` (GROUP BY).
    pub fn expr_list(&mut self) -> Result<Vec<Expr>, QueryError> {
        let mut out = vec![self.expr()?];
        while self.eat_sym(",") {
            out.push(self.expr()?);
        }
        Ok(out)
    }

    /// `expr [ASC|DESC] [, ...]*` (ORDER BY); true = descending.
    pub fn order_list(&mut self) -> Result<Vec<(Expr, bool)>, QueryError> {
        let mut out = Vec::new();
        loop {
            let e = self.expr()?;
            let desc = if self.eat_kw("DESC") {
                true
            } else {
                self.eat_kw("ASC");
                false
            };
            out.push((e, desc));
            if !self.eat_sym(",") {
                return Ok(out);
            }
        }
    }

    pub fn expr(&mut self) -> Result<Expr, QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let r = self.or_expr();
        self.depth -= 1;
        r
    }

    fn or_expr(&mut self) -> Result<Expr, QueryError> {
        let mut e = self.and_expr()?;
        while self.eat_kw("OR") {
            e = Expr::Bin(BinOp::Or, Box::new(e), Box::new(self.and_expr()?));
        }
        Ok(e)
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut e = self.not_expr()?;
        while self.eat_kw("AND") {
            e = Expr::Bin(BinOp::And, Box::new(e), Box::new(self.not_expr()?));
        }
        Ok(e)
    }

    fn not_expr(&mut self) -> Result<Expr, QueryError> {
        if self.eat_kw("NOT") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return self.err(format!("nested deeper than {MAX_DEPTH} levels"));
            }
            let e = self.not_expr()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let left = self.additive()?;
        let op = match self.peek() {
            Some(Tok::Sym("=")) | Some(Tok::Sym("==")) => Some(BinOp::Eq),
            Some(Tok::Sym("!=")) | Some(Tok::Sym("<>")) => Some(BinOp::Ne),
            Some(Tok::Sym("<")) => Some(BinOp::Lt),
            Some(Tok::Sym("<=")) => Some(BinOp::Le),
            Some(Tok::Sym(">")) => Some(BinOp::Gt),
            Some(Tok::Sym(">=")) => Some(BinOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.pos += 1;
            let right = self.additive()?;
            return Ok(coerce_ip(Expr::Bin(op, Box::new(left), Box::new(right)), self.what)?);
        }
        let negated = self.eat_kw("NOT");
        if self.eat_kw("IN") {
            self.expect_sym("(")?;
            if self.is_kw("SELECT") {
                return self.err("subqueries are not allowed");
            }
            let mut list = vec![self.additive()?];
            while self.eat_sym(",") {
                list.push(self.additive()?);
            }
            self.expect_sym(")")?;
            let list = list.into_iter().map(|v| coerce_literal(&left, v, self.what)).collect::<Result<_, _>>()?;
            return Ok(Expr::In { e: Box::new(left), list, negated });
        }
        if self.eat_kw("LIKE") {
            let pattern = self.additive()?;
            return Ok(Expr::Like { e: Box::new(left), pattern: Box::new(pattern), negated });
        }
        if self.eat_kw("BETWEEN") {
            let lo = self.additive()?;
            if !self.eat_kw("AND") {
                return self.err(format!("expected AND in BETWEEN {}", self.near()));
            }
            let hi = self.additive()?;
            let lo = coerce_literal(&left, lo, self.what)?;
            let hi = coerce_literal(&left, hi, self.what)?;
            return Ok(Expr::Between { e: Box::new(left), lo: Box::new(lo), hi: Box::new(hi), negated });
        }
        if negated {
            return self.err(format!("expected IN, LIKE or BETWEEN after NOT {}", self.near()));
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, QueryError> {
        let mut e = self.multiplicative()?;
        loop {
            let op = if self.eat_sym("+") {
                BinOp::Add
            } else if self.eat_sym("-") {
                BinOp::Sub
            } else {
                return Ok(e);
            };
            e = Expr::Bin(op, Box::new(e), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, QueryError> {
        let mut e = self.unary()?;
        loop {
            let op = if self.eat_sym("*") {
                BinOp::Mul
            } else if self.eat_sym("/") {
                BinOp::Div
            } else if self.eat_sym("%") {
                BinOp::Rem
            } else {
                return Ok(e);
            };
            e = Expr::Bin(op, Box::new(e), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.eat_sym("-") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return self.err(format!("nested deeper than {MAX_DEPTH} levels"));
            }
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(e)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let Some(tok) = self.peek().cloned() else {
            return self.err("unexpected end");
        };
        self.pos += 1;
        match tok {
            Tok::Int(v) => Ok(Expr::Int(v)),
            Tok::Real(v) => Ok(Expr::Real(v)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Sym("(") => {
                if self.is_kw("SELECT") {
                    return self.err("subqueries are not allowed");
                }
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Sym(s) => {
                self.pos -= 1;
                self.err(format!("unexpected '{s}' {}", self.near()))
            }
            Tok::Ident(name) => {
                if self.eat_sym("(") {
                    return self.call(&name);
                }
                if let Some(c) = self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(&name)) {
                    return Ok(Expr::Col(c));
                }
                if let Some(a) = self.aliases.iter().find(|a| a.name == name) {
                    return Ok(a.expr.clone());
                }
                if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(&name)) || name.eq_ignore_ascii_case("UNION") {
                    self.pos -= 1;
                    return self.err(format!("unexpected keyword {}", self.near()));
                }
                self.err(format!("unknown column \"{name}\" (columns of the {} table only)", self.table))
            }
        }
    }

    fn call(&mut self, name: &str) -> Result<Expr, QueryError> {
        let upper = name.to_ascii_uppercase();
        if upper == "COUNT" {
            if self.eat_sym("*") {
                self.expect_sym(")")?;
                return Ok(Expr::CountStar);
            }
            if self.eat_kw("DISTINCT") {
                let a = self.expr()?;
                self.expect_sym(")")?;
                return self.aggregate_arg(Expr::CountDistinct(Box::new(a)));
            }
        }
        let f = match upper.as_str() {
            "SUM" => Func::Sum,
            "COUNT" => Func::Count,
            "MAX" => Func::Max,
            "MIN" => Func::Min,
            "AVG" => Func::Avg,
            "IPV4NUMTOSTRING" => Func::Ipv4NumToString,
            "IPV4STRINGTONUM" | "IPV6STRINGTONUM" | "IPV6NUMTOSTRING" => return self.ip_helper(&upper),
            _ => {
                return self.err(format!(
                    "function {name}() is not allowed (allowed: SUM, COUNT, MAX, MIN, AVG, IPv4NumToString, \
                     IPv4StringToNum, IPv6NumToString, IPv6StringToNum)"
                ))
            }
        };
        let a = self.expr()?;
        if self.is_sym(",") {
            return self.err(format!("{name}() takes one argument"));
        }
        self.expect_sym(")")?;
        let e = Expr::Call(f, Box::new(a));
        if f.is_aggregate() {
            self.aggregate_arg(e)
        } else {
            Ok(e)
        }
    }

    fn aggregate_arg(&self, e: Expr) -> Result<Expr, QueryError> {
        let nested = match &e {
            Expr::Call(_, a) | Expr::CountDistinct(a) => a.has_aggregate(),
            _ => false,
        };
        if nested {
            return self.err("aggregate functions cannot be nested");
        }
        Ok(e)
    }

    /// The address helpers: literals are converted here; IPv6 addresses are stored as text already.
    fn ip_helper(&mut self, upper: &str) -> Result<Expr, QueryError> {
        let a = self.expr()?;
        self.expect_sym(")")?;
        match (upper, a) {
            ("IPV4STRINGTONUM", Expr::Str(s)) => Ok(Expr::Int(parse_v4(&s, self.what)? as i64)),
            ("IPV6STRINGTONUM", Expr::Str(s)) => Ok(Expr::Str(parse_v6(&s, self.what)?)),
            ("IPV6NUMTOSTRING", e @ Expr::Col(Column { kind: Kind::Ipv6, .. })) => Ok(e),
            (_, _) => {
                self.err(format!("{upper}: takes an address literal (StringToNum) or an IPv6 column (IPv6NumToString)"))
            }
        }
    }
}

fn parse_v4(s: &str, what: &str) -> Result<u32, QueryError> {
    s.trim()
        .parse::<Ipv4Addr>()
        .map(u32::from)
        .map_err(|_| QueryError::Invalid(format!("{what}: \"{s}\" is not an IPv4 address")))
}

fn parse_v6(s: &str, what: &str) -> Result<String, QueryError> {
    s.trim()
        .parse::<Ipv6Addr>()
        .map(|a| a.to_string())
        .map_err(|_| QueryError::Invalid(format!("{what}: \"{s}\" is not an IPv6 address")))
}

/// A string literal compared with an address column becomes the column's stored form
/// (ntopng's `IPV4_SRC_ADDR = ('1.2.3.4')` convention).
fn coerce_literal(col: &Expr, v: Expr, what: &str) -> Result<Expr, QueryError> {
    match (col, v) {
        (Expr::Col(Column { kind: Kind::Ipv4, .. }), Expr::Str(s)) => Ok(Expr::Int(parse_v4(&s, what)? as i64)),
        (Expr::Col(Column { kind: Kind::Ipv6, .. }), Expr::Str(s)) => Ok(Expr::Str(parse_v6(&s, what)?)),
        (_, v) => Ok(v),
    }
}

fn coerce_ip(e: Expr, what: &str) -> Result<Expr, QueryError> {
    match e {
        Expr::Bin(op, a, b) if op.is_comparison() => {
            let b = coerce_literal(&a, *b, what)?;
            let a = coerce_literal(&b, *a, what)?;
            Ok(Expr::Bin(op, Box::new(a), Box::new(b)))
        }
        e => Ok(e),
    }
}
