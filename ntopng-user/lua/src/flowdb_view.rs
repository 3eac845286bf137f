//! Stored flows as the daemon gives them to Lua: `interface.execSQLQuery` hands the clauses of ntopng's
//! historical flow endpoints to a [`FlowDbProvider`], which parses them against its allow-list. Raw SQL
//! never crosses this boundary.

use std::collections::BTreeMap;

/// Which endpoint's contract the clauses follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowDbQueryKind {
    /// `get/db/flows.lua`: `select_clause`, `where_clause`, `group_by_clause`, `order_by_clause`,
    /// `maxhits_clause`.
    Flows,
    /// `get/db/topk_flows.lua`: `select_keys_clause`, `select_values_clause`, `topk_clause`,
    /// `where_clause`, `maxhits_clause`.
    Topk,
}

/// Rows, every value a string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowDbRows {
    pub names: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowDbError {
    /// The request is not acceptable; the message says why (answered 400 INVALID_ARGUMENTS).
    Invalid(String),
    /// The store failed (answered 500 INTERNAL_ERROR).
    Failed(String),
}

pub trait FlowDbProvider: Send + Sync {
    /// `params` holds `ifid`, `begin` and `end` (epochs) and the clauses named as the endpoint names them.
    fn query(&self, kind: FlowDbQueryKind, params: &BTreeMap<String, String>) -> Result<FlowDbRows, FlowDbError>;
}
