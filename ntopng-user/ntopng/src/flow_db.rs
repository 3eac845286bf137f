//! `-F sqlite[;<dir>]` (the embedded flow database) and `-F clickhouse[;...]` (a ClickHouse server). Ended
//! flows reach the store through the sink queue ([`FlowDbSink`]); the Lua VMs query it through
//! [`FlowDbQueries`] (`interface.execSQLQuery`, used by `/lua/pro/rest/v2/get/db/{flows,topk_flows}.lua`).

use ntopng_flowdb::{
    ClickHouseSpec, ClickHouseStore, FlowDbSink, FlowQuery, FlowStore, QueryError, SinkConfig, SqliteStore, TopkQuery,
};
use ntopng_lua::{FlowDbError, FlowDbProvider, FlowDbQueryKind, FlowDbRows};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Opens the store in `dir` (the data dir unless `-F sqlite;<dir>` named one) and starts its sink.
/// `blocking`: capture files only (the sink waits for the writer instead of spilling to the spool).
pub fn open(dir: Option<PathBuf>, data_dir: &Path, blocking: bool) -> Result<(Arc<dyn FlowStore>, FlowDbSink), String> {
    let dir = dir.unwrap_or_else(|| data_dir.to_path_buf());
    let store = Arc::new(SqliteStore::open(&dir).map_err(|e| format!("-F sqlite: {e}"))?);
    let mut cfg = SinkConfig::new(dir);
    cfg.blocking = blocking;
    let sink = FlowDbSink::start(store.clone(), cfg).map_err(|e| format!("-F sqlite: {e}"))?;
    log::info!("flow database: {} ({} stored flows)", store.path().display(), store.count().unwrap_or(0));
    Ok((store, sink))
}

/// Connects to the ClickHouse server of `-F clickhouse[;<rest>]` and starts its sink; the spool waits in
/// `<data dir>/clickhouse`. A malformed spec fails startup with a message naming it; an unreachable server
/// does not (rows are spooled until it answers).
pub fn open_clickhouse(
    rest: Option<&str>,
    data_dir: &Path,
    blocking: bool,
) -> Result<(Arc<dyn FlowStore>, FlowDbSink), String> {
    let spec = ClickHouseSpec::parse(rest)?;
    let dir = data_dir.join("clickhouse");
    let store = Arc::new(ClickHouseStore::open(spec, &dir)?);
    let mut cfg = SinkConfig::new(dir);
    cfg.blocking = blocking;
    let sink = FlowDbSink::start(store.clone(), cfg).map_err(|e| format!("-F clickhouse: {e}"))?;
    Ok((store, sink))
}

/// The queries the Lua VMs run.
pub struct FlowDbQueries(pub Arc<dyn FlowStore>);

fn int(params: &BTreeMap<String, String>, key: &str) -> Result<i64, FlowDbError> {
    let v = params.get(key).ok_or_else(|| FlowDbError::Invalid(format!("{key} is required")))?;
    v.trim().parse().map_err(|_| FlowDbError::Invalid(format!("{key}: \"{v}\" is not an integer")))
}

fn opt_uint(params: &BTreeMap<String, String>, key: &str) -> Result<Option<u64>, FlowDbError> {
    match params.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => {
            v.parse().map(Some).map_err(|_| FlowDbError::Invalid(format!("{key}: \"{v}\" is not a positive integer")))
        }
    }
}

fn convert(r: Result<ntopng_flowdb::QueryRows, QueryError>) -> Result<FlowDbRows, FlowDbError> {
    match r {
        Ok(r) => Ok(FlowDbRows { names: r.names, rows: r.rows }),
        Err(QueryError::Invalid(m)) => Err(FlowDbError::Invalid(m)),
        Err(QueryError::Store(m)) => Err(FlowDbError::Failed(m)),
    }
}

impl FlowDbProvider for FlowDbQueries {
    fn query(&self, kind: FlowDbQueryKind, p: &BTreeMap<String, String>) -> Result<FlowDbRows, FlowDbError> {
        let (ifid, begin, end) = (int(p, "ifid")?, int(p, "begin")?, int(p, "end")?);
        let s = |k: &str| p.get(k).cloned();
        match kind {
            FlowDbQueryKind::Flows => convert(self.0.flows(&FlowQuery {
                ifid,
                begin,
                end,
                select: s("select_clause"),
                where_: s("where_clause"),
                group_by: s("group_by_clause"),
                order_by: s("order_by_clause"),
                maxhits: opt_uint(p, "maxhits_clause")?,
            })),
            FlowDbQueryKind::Topk => convert(self.0.topk(&TopkQuery {
                ifid,
                begin,
                end,
                keys: s("select_keys_clause"),
                values: s("select_values_clause"),
                topk: s("topk_clause"),
                where_: s("where_clause"),
                maxhits: opt_uint(p, "maxhits_clause")?,
            })),
        }
    }
}
