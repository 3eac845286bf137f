//! The timeseries the daemon stores, as the Lua bindings see them: the `ts.lua` query and the series
//! stored for an entity. The daemon implements [`TimeseriesProvider`] over its store and gives it to the
//! pool through `PoolConfig::timeseries`.

/// A `ts.lua` query: `schema` (or `top:<schema>`), `ts_query` as sent (`tag:value,...`), the window in
/// epoch seconds, the target maximum of points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsQuery {
    pub schema: String,
    pub ts_query: String,
    pub epoch_begin: u64,
    pub epoch_end: u64,
    pub limit: usize,
}

/// One schema with stored series for an entity ([`TimeseriesProvider::stored`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSchema {
    pub schema: String,
    pub metrics: Vec<String>,
    /// Seconds between points.
    pub step: u64,
    /// Counters are rates (their total is a volume); gauges are levels.
    pub counter: bool,
    /// For a schema whose last tag the entity does not fix (`protocol` of `iface:ndpi`): that tag and its
    /// stored values with traffic in the window, largest first.
    pub top: Option<(String, Vec<String>)>,
}

pub trait TimeseriesProvider: Send + Sync {
    /// `ts.lua`'s `rsp`: ntopng 6.x keys and the legacy keys beside them; `{"metadata": []}` for an
    /// unknown schema, a missing tag or no data.
    fn query(&self, q: &TsQuery) -> Result<serde_json::Value, String>;

    /// The schemas of `family` (`iface`, `host`) with series stored for the entity `tags` (`ifid`, `host`)
    /// updated within `[epoch_begin, epoch_end]`, in schema order.
    fn stored(&self, family: &str, tags: &[(String, String)], epoch_begin: u64, epoch_end: u64)
        -> Result<Vec<StoredSchema>, String>;
}
