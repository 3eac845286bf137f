//! SQL text from a [`Plan`] or an expression tree, shared by the stores: the structure (operators, lists,
//! the SELECT … GROUP BY … ORDER BY … LIMIT skeleton) is common; a [`Dialect`] says how names, literals
//! and the nodes whose semantics differ are written. Literals are always bind parameters.

use super::ast::{Expr, Func};
use super::Plan;
use crate::schema::{Column, Kind};

/// How one SQL dialect writes what differs between stores.
pub trait Dialect: Sized {
    /// A bound value of the store's client library.
    type Param;

    /// The value of a literal node (`Int`, `Real` or `Str`).
    fn param(lit: &Expr) -> Self::Param;

    /// A column reference.
    fn column(out: &mut Sql<Self>, c: &Column);

    /// A select item that is a bare IPv4 column: returned dotted, as ntopng's answers show addresses.
    fn dotted_ipv4(out: &mut Sql<Self>, c: &Column);

    /// The function name (with its opening parenthesis) of a call.
    fn call(f: Func) -> &'static str;

    /// `COUNT(*)` in this dialect.
    const COUNT_STAR: &'static str;

    /// Renders `e` itself when this dialect's semantics need another shape than the common one.
    fn special(_out: &mut Sql<Self>, _e: &Expr) -> bool {
        false
    }

    /// A literal compared with `other`, converted as the reference store (SQLite) would compare them.
    fn operand(lit: &Expr, _other: &Expr) -> Expr {
        lit.clone()
    }
}

/// SQL text being written, with its parameters in order.
pub struct Sql<D: Dialect> {
    pub sql: String,
    pub params: Vec<D::Param>,
}

impl<D: Dialect> Sql<D> {
    pub fn new(start: &str) -> Sql<D> {
        Sql { sql: start.to_string(), params: Vec::new() }
    }

    pub fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    pub fn bind(&mut self, v: D::Param) {
        self.sql.push('?');
        self.params.push(v);
    }

    /// Expressions separated by commas.
    pub fn list<'a>(&mut self, items: impl IntoIterator<Item = &'a Expr>) {
        for (i, e) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.expr(e);
        }
    }

    pub fn expr(&mut self, e: &Expr) {
        if D::special(self, e) {
            return;
        }
        match e {
            Expr::Col(c) => D::column(self, c),
            Expr::Int(_) | Expr::Real(_) | Expr::Str(_) => self.bind(D::param(e)),
            Expr::Neg(a) => self.wrapped("(-", a, ")"),
            Expr::Not(a) => self.wrapped("(NOT ", a, ")"),
            Expr::Bin(op, a, b) => {
                let (a, b) = if op.is_comparison() {
                    (D::operand(a, b), D::operand(b, a))
                } else {
                    ((**a).clone(), (**b).clone())
                };
                self.push("(");
                self.expr(&a);
                self.push(" ");
                self.push(op.sql());
                self.push(" ");
                self.expr(&b);
                self.push(")");
            }
            Expr::In { e, list, negated } => {
                self.push("(");
                self.expr(e);
                self.push(if *negated { " NOT IN (" } else { " IN (" });
                let list: Vec<Expr> = list.iter().map(|v| D::operand(v, e)).collect();
                self.list(&list);
                self.push("))");
            }
            Expr::Like { e, pattern, negated } => {
                self.push("(");
                self.expr(e);
                self.push(if *negated { " NOT LIKE " } else { " LIKE " });
                self.expr(pattern);
                self.push(")");
            }
            Expr::Between { e, lo, hi, negated } => {
                self.push("(");
                self.expr(e);
                self.push(if *negated { " NOT BETWEEN " } else { " BETWEEN " });
                self.expr(&D::operand(lo, e));
                self.push(" AND ");
                self.expr(&D::operand(hi, e));
                self.push(")");
            }
            Expr::Call(f, a) => self.wrapped(D::call(*f), a, ")"),
            Expr::CountStar => self.push(D::COUNT_STAR),
            Expr::CountDistinct(a) => {
                let open = D::call(Func::Count);
                self.push(open);
                self.push("DISTINCT ");
                self.expr(a);
                self.push(")");
            }
        }
    }

    pub fn wrapped(&mut self, open: &str, e: &Expr, close: &str) {
        self.push(open);
        self.expr(e);
        self.push(close);
    }

    /// The select list of `plan`.
    pub fn select_items(&mut self, plan: &Plan) {
        for (i, it) in plan.items.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            match &it.expr {
                Expr::Col(c) if c.kind == Kind::Ipv4 => D::dotted_ipv4(self, c),
                e => self.expr(e),
            }
        }
    }

    /// `GROUP BY`, `ORDER BY` (with the dialect's words for each direction) and `LIMIT` of `plan`.
    pub fn group_order_limit(&mut self, plan: &Plan, asc: &str, desc: &str, limit: D::Param) {
        for (i, e) in plan.group.iter().enumerate() {
            self.push(if i == 0 { " GROUP BY " } else { ", " });
            self.expr(e);
        }
        for (i, (e, is_desc)) in plan.order.iter().enumerate() {
            self.push(if i == 0 { " ORDER BY " } else { ", " });
            self.expr(e);
            self.push(if *is_desc { desc } else { asc });
        }
        self.push(" LIMIT ");
        self.bind(limit);
    }
}
