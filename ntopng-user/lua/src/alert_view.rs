//! What the daemon gives the alert bindings: its interfaces' alert stores, queried with a REST
//! request's parameters (the store parses them; nothing here builds SQL).

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertError {
    /// Bad request parameters (INVALID_ARGUMENTS).
    InvalidArgs(String),
    /// The store failed (INTERNAL_ERROR).
    Internal(String),
}

pub trait AlertProvider: Send + Sync {
    /// Runs `op` (`list`, `type_counters`, `severity_counters`, `acknowledge`, `delete`) on the alerts of
    /// `family` (`flow`, `host`) of interface `ifid`, with the request's parameters (`status`,
    /// `epoch_begin`, filters as `value;op`, ...). `None`: that interface has no alert store.
    fn alerts(
        &self,
        ifid: i32,
        op: &str,
        family: &str,
        params: &BTreeMap<String, String>,
    ) -> Option<Result<serde_json::Value, AlertError>>;
}
