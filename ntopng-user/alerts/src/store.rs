//! One interface's alert database: inserts from the writer, and the reads, acknowledgements,
//! deletions and counters the REST API asks for.

use crate::flow_row::FlowAlertRow;
use crate::host_row::HostAlertRow;
use crate::request::{AlertRequest, RequestError, StatusFilter};
use crate::schema::{schema, STATUS_ACKNOWLEDGED, STATUS_ENGAGED, STATUS_HISTORICAL};
use ntopng_checks::Family;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, params_from_iter, Connection};
use serde_json::{Map, Value as Json};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug)]
pub enum StoreError {
    Sql(rusqlite::Error),
    Request(RequestError),
    Io(std::io::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sql(e) => write!(f, "alert database: {e}"),
            StoreError::Request(e) => write!(f, "{e}"),
            StoreError::Io(e) => write!(f, "alert database: {e}"),
        }
    }
}
impl std::error::Error for StoreError {}
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sql(e)
    }
}
impl From<RequestError> for StoreError {
    fn from(e: RequestError) -> Self {
        StoreError::Request(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How long and how many alerts are kept (per table).
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub max_rows: u64,
    pub max_age_secs: u64,
}

impl Default for Retention {
    /// ntopng's defaults: `max_num_flow_alerts`-like count cap, 30 days (`flows_and_alerts_data_retention_days`).
    fn default() -> Self {
        Retention { max_rows: 1_000_000, max_age_secs: 30 * 86400 }
    }
}

/// A page of alerts.
#[derive(Debug, Clone)]
pub struct AlertPage {
    /// Rows as column → value (ntopng's column names, plus `entity_id`, `duration`, ...).
    pub records: Vec<Map<String, Json>>,
    /// Rows matching before paging (`recordsFiltered`).
    pub filtered: u64,
    /// The statement run (with `?` placeholders) and its duration, for `stats`.
    pub query: String,
    pub duration_ms: f64,
}

/// One alert type of one entity in [`AlertStore::top_alert_types`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopAlertType {
    pub entity_id: u8,
    pub alert_id: i64,
    /// The highest severity it was stored with.
    pub severity: i64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopAlertTypes {
    /// Stored alerts of the range, every type.
    pub total: u64,
    pub by_count: Vec<TopAlertType>,
    pub by_severity: Vec<TopAlertType>,
}

/// What a counter groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterKind {
    AlertType,
    Severity,
}

pub struct AlertStore {
    conn: Mutex<Connection>,
}

fn table(family: Family) -> &'static str {
    match family {
        Family::Flow => "flow_alerts",
        Family::Host => "host_alerts",
        Family::Network => "network_alerts",
    }
}

/// A host or network alert as column values (names from this crate, never from a request).
#[derive(Debug, Clone)]
pub struct AlertRow {
    pub family: Family,
    pub cols: Vec<(&'static str, Value)>,
}

impl AlertRow {
    pub fn new(family: Family) -> AlertRow {
        AlertRow { family, cols: Vec::new() }
    }

    pub fn set(mut self, col: &'static str, v: impl Into<Value>) -> AlertRow {
        self.cols.push((col, v.into()));
        self
    }
}

impl AlertStore {
    /// Opens (creating) the database file and its tables.
    pub fn open(path: &Path) -> Result<AlertStore> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(StoreError::Io)?;
        }
        let conn = Connection::open(path)?;
        // Another process may hold the file (two daemons on one data directory): wait, do not fail.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::init(conn)
    }

    /// A private in-memory database (tests).
    pub fn in_memory() -> Result<AlertStore> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<AlertStore> {
        conn.execute_batch(&schema())?;
        Ok(AlertStore { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores flow alerts as historical, in one transaction.
    pub fn insert_flow_alerts(&self, rows: &[FlowAlertRow]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO flow_alerts (alert_id, alert_status, interface_id, tstamp, tstamp_end, severity, score, \
                 counter, json, alert_category, ip_version, cli_ip, srv_ip, cli_port, srv_port, vlan_id, \
                 is_cli_attacker, is_cli_victim, is_srv_attacker, is_srv_victim, proto, l7_proto, l7_master_proto, \
                 l7_cat, cli2srv_bytes, srv2cli_bytes, cli2srv_pkts, srv2cli_pkts, first_seen, alerts_map, \
                 flow_risk_bitmap, info, cli_blacklisted, srv_blacklisted) \
                 VALUES (?,0,?,?,?,?,?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            )?;
            for r in rows {
                st.execute(params![
                    r.alert_id, r.interface_id, r.tstamp, r.tstamp_end, r.severity, r.score, r.json,
                    r.alert_category, r.ip_version, r.cli_ip, r.srv_ip, r.cli_port, r.srv_port, r.vlan_id,
                    r.is_cli_attacker, r.is_cli_victim, r.is_srv_attacker, r.is_srv_victim, r.proto, r.l7_proto,
                    r.l7_master_proto, r.l7_cat, r.cli2srv_bytes as i64, r.srv2cli_bytes as i64,
                    r.cli2srv_pkts as i64, r.srv2cli_pkts as i64, r.first_seen, &r.alerts_map[..],
                    r.flow_risk_bitmap as i64, r.info, r.cli_blacklisted, r.srv_blacklisted,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores released host alerts as historical, in one transaction.
    pub fn insert_host_alerts(&self, rows: &[HostAlertRow]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO host_alerts (alert_id, alert_status, interface_id, tstamp, tstamp_end, severity, score, \
                 counter, json, alert_category, granularity, description, ip_version, ip, vlan_id, is_attacker, \
                 is_victim, is_client, is_server, network) VALUES (?,0,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?)",
            )?;
            for r in rows {
                st.execute(params![
                    r.alert_id, r.interface_id, r.tstamp, r.tstamp_end, r.severity, r.score, r.counter as i64, r.json,
                    r.alert_category, r.description, r.ip_version, r.ip, r.vlan_id, r.is_attacker, r.is_victim,
                    r.is_client, r.is_server, r.network,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Inserts a host or network alert with `status` (engaged or historical); its rowid.
    pub fn insert_row(&self, row: &AlertRow, status: i64) -> Result<i64> {
        let cols: Vec<&str> = row.cols.iter().map(|(c, _)| *c).collect();
        let marks = vec!["?"; cols.len()].join(",");
        let sql = format!(
            "INSERT INTO `{}` (alert_status, counter, {}) VALUES (?, 1, {marks})",
            table(row.family),
            cols.join(", ")
        );
        let mut binds = vec![Value::Integer(status)];
        binds.extend(row.cols.iter().map(|(_, v)| v.clone()));
        let conn = self.conn();
        conn.execute(&sql, params_from_iter(binds.iter()))?;
        Ok(conn.last_insert_rowid())
    }

    /// An engaged alert triggered again: its latest score, severity, JSON and time; one more hit.
    pub fn update_engaged(&self, family: Family, rowid: i64, score: i64, severity: i64, json: &str, now: i64) -> Result<()> {
        let sql = format!(
            "UPDATE `{}` SET score = ?, severity = ?, json = ?, tstamp_end = ?, counter = counter + 1 \
             WHERE rowid = ? AND alert_status = {STATUS_ENGAGED}",
            table(family)
        );
        self.conn().execute(&sql, params![score, severity, json, now, rowid])?;
        Ok(())
    }

    /// Releases an engaged alert: it becomes historical, ending at `now`.
    pub fn release(&self, family: Family, rowid: i64, now: i64) -> Result<()> {
        let sql = format!(
            "UPDATE `{}` SET alert_status = {STATUS_HISTORICAL}, tstamp_end = MAX(tstamp, ?) \
             WHERE rowid = ? AND alert_status = {STATUS_ENGAGED}",
            table(family)
        );
        self.conn().execute(&sql, params![now, rowid])?;
        Ok(())
    }

    /// Releases every engaged alert (at startup: those a previous run left engaged; at shutdown).
    pub fn release_all_engaged(&self, now: i64) -> Result<usize> {
        let conn = self.conn();
        let mut n = 0;
        for t in ["host_alerts", "network_alerts"] {
            n += conn.execute(
                &format!(
                    "UPDATE `{t}` SET alert_status = {STATUS_HISTORICAL}, tstamp_end = MAX(tstamp, tstamp_end, ?) \
                     WHERE alert_status = {STATUS_ENGAGED}"
                ),
                params![now],
            )?;
        }
        Ok(n)
    }

    /// A page of alerts (ntopng's statement shape, history.md §2.4). Engaged alerts are rows with
    /// `alert_status = 2` until they are released.
    pub fn list(&self, req: &AlertRequest) -> Result<AlertPage> {
        let started = Instant::now();
        let (cond, binds) = req.conditions()?;
        let t = table(req.family);
        let extra = match req.family {
            Family::Flow => ", (srv2cli_bytes + cli2srv_bytes) total_bytes, hex(alerts_map) alerts_map",
            Family::Host | Family::Network => "",
        };
        let mut sql = format!(
            " SELECT {} entity_id, (tstamp_end - tstamp) duration, *{extra} FROM `{t}` WHERE ( {cond} ) ",
            req.family.entity_id()
        );
        if let Some(col) = req.sort {
            sql += &format!(" ORDER BY {col} {}", if req.descending { "DESC" } else { "ASC" });
        }
        let mut page_binds = binds.clone();
        if let Some(len) = req.length {
            sql += " LIMIT ? OFFSET ?";
            page_binds.push(Value::Integer(len as i64));
            page_binds.push(Value::Integer(req.start.unwrap_or(0) as i64));
        }
        let conn = self.conn();
        let filtered: i64 =
            conn.query_row(&format!("SELECT COUNT(*) FROM `{t}` WHERE ( {cond} )"), params_from_iter(binds.iter()), |r| r.get(0))?;
        let mut st = conn.prepare(&sql)?;
        let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows = st.query(params_from_iter(page_binds.iter()))?;
        let mut records = Vec::new();
        while let Some(row) = rows.next()? {
            let mut m = Map::new();
            for (i, name) in names.iter().enumerate() {
                m.insert(name.clone(), to_json(row.get_ref(i)?));
            }
            records.push(m);
        }
        Ok(AlertPage { records, filtered: filtered as u64, query: sql, duration_ms: started.elapsed().as_secs_f64() * 1e3 })
    }

    /// Counts by (entity, alert type) or (entity, severity), largest first. Unlike ntopng, the
    /// request's status and time range apply (status absent: historical and acknowledged both count).
    pub fn counters(&self, kind: CounterKind, req: Option<&AlertRequest>) -> Result<Vec<(u8, i64, u64)>> {
        let col = match kind {
            CounterKind::AlertType => "alert_id",
            CounterKind::Severity => "severity",
        };
        let mut cond = vec!["1 = 1".to_string()];
        let mut binds = Vec::new();
        match req.map(|r| r.status) {
            Some(StatusFilter::Historical) => cond.push("alert_status = 0".into()),
            Some(StatusFilter::Acknowledged) => cond.push("alert_status = 1".into()),
            Some(StatusFilter::Engaged) => cond.push(format!("alert_status = {STATUS_ENGAGED}")),
            Some(StatusFilter::Any) | None => cond.push(format!("alert_status <> {STATUS_ENGAGED}")),
        }
        if let Some(r) = req {
            if let Some(b) = r.epoch_begin {
                cond.push("tstamp >= ?".into());
                binds.push(Value::Integer(b));
            }
            if let Some(e) = r.epoch_end {
                cond.push("tstamp <= ?".into());
                binds.push(Value::Integer(e));
            }
        }
        let sql = format!(
            "SELECT entity_id, {col}, COUNT(*) count FROM all_alerts WHERE {} GROUP BY entity_id, {col} \
             ORDER BY count DESC, entity_id, {col}",
            cond.join(" AND ")
        );
        let conn = self.conn();
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map(params_from_iter(binds.iter()), |r| Ok((r.get::<_, i64>(0)? as u8, r.get(1)?, r.get::<_, i64>(2)? as u64)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The `limit` alert types (per entity) stored most often and of the highest severity, among the stored
    /// (not engaged) alerts of `req`'s time range, with the number of those alerts.
    pub fn top_alert_types(&self, req: &AlertRequest, limit: usize) -> Result<TopAlertTypes> {
        let mut cond = vec![format!("alert_status <> {STATUS_ENGAGED}")];
        let mut binds = Vec::new();
        if let Some(b) = req.epoch_begin {
            cond.push("tstamp >= ?".into());
            binds.push(Value::Integer(b));
        }
        if let Some(e) = req.epoch_end {
            cond.push("tstamp <= ?".into());
            binds.push(Value::Integer(e));
        }
        let cond = cond.join(" AND ");
        let conn = self.conn();
        let total: i64 =
            conn.query_row(&format!("SELECT COUNT(*) FROM all_alerts WHERE {cond}"), params_from_iter(binds.iter()), |r| r.get(0))?;
        let top = |order: &str| -> Result<Vec<TopAlertType>> {
            let sql = format!(
                "SELECT entity_id, alert_id, MAX(severity) severity, COUNT(*) count FROM all_alerts WHERE {cond} \
                 GROUP BY entity_id, alert_id ORDER BY {order}, entity_id, alert_id LIMIT {limit}"
            );
            let mut st = conn.prepare(&sql)?;
            let rows = st.query_map(params_from_iter(binds.iter()), |r| {
                Ok(TopAlertType {
                    entity_id: r.get::<_, i64>(0)? as u8,
                    alert_id: r.get(1)?,
                    severity: r.get(2)?,
                    count: r.get::<_, i64>(3)? as u64,
                })
            })?;
            Ok(rows.collect::<std::result::Result<_, _>>()?)
        };
        let by_count = top("count DESC")?;
        let by_severity = top("severity DESC, count DESC")?;
        Ok(TopAlertTypes { total: total as u64, by_count, by_severity })
    }

    /// Marks the selected alerts acknowledged with `label`; returns how many.
    pub fn acknowledge(&self, req: &AlertRequest, label: &str, now: i64) -> Result<usize> {
        let (cond, mut binds) = req.conditions()?;
        let sql = format!(
            "UPDATE `{}` SET alert_status = {STATUS_ACKNOWLEDGED}, user_label = ?, user_label_tstamp = ? WHERE ( {cond} )",
            table(req.family)
        );
        binds.insert(0, Value::Integer(now));
        binds.insert(0, Value::Text(label.to_string()));
        Ok(self.conn().execute(&sql, params_from_iter(binds.iter()))?)
    }

    /// Deletes the selected alerts; returns how many.
    pub fn delete(&self, req: &AlertRequest) -> Result<usize> {
        let (cond, binds) = req.conditions()?;
        let sql = format!("DELETE FROM `{}` WHERE ( {cond} )", table(req.family));
        Ok(self.conn().execute(&sql, params_from_iter(binds.iter()))?)
    }

    /// Drops alerts older than the retention age and the oldest ones beyond the row cap, in every
    /// table; returns how many went. Age counts back from `now` or from the newest alert if that is
    /// older (alert times are packet times: a capture file's alerts age with the capture's clock).
    pub fn apply_retention(&self, r: &Retention, now: i64) -> Result<usize> {
        let conn = self.conn();
        let mut n = 0;
        // Engaged alerts are current: never aged out.
        let keep = format!("alert_status <> {STATUS_ENGAGED}");
        for t in ["flow_alerts", "host_alerts", "network_alerts"] {
            let newest: Option<i64> = conn.query_row(&format!("SELECT MAX(tstamp) FROM `{t}`"), [], |row| row.get(0))?;
            let reference = newest.map_or(now, |m| m.min(now));
            n += conn.execute(&format!("DELETE FROM `{t}` WHERE tstamp < ? AND {keep}"), params![reference - r.max_age_secs as i64])?;
            n += conn.execute(
                &format!("DELETE FROM `{t}` WHERE {keep} AND rowid <= (SELECT rowid FROM `{t}` ORDER BY rowid DESC LIMIT 1 OFFSET ?)"),
                params![r.max_rows as i64],
            )?;
        }
        Ok(n)
    }

    /// Runs a statement built by [`crate::clause_query`] (allow-listed names, bound values) with the
    /// connection read-only for its duration; the rows' values.
    pub(crate) fn select_rows(&self, sql: &str, binds: &[Value]) -> Result<Vec<Vec<Value>>> {
        let conn = self.conn();
        conn.pragma_update(None, "query_only", true)?;
        let run = || -> Result<Vec<Vec<Value>>> {
            let mut st = conn.prepare(sql)?;
            let n = st.column_count();
            let mut rows = st.query(params_from_iter(binds.iter()))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push((0..n).map(|i| row.get::<_, Value>(i)).collect::<std::result::Result<_, _>>()?);
            }
            Ok(out)
        };
        let r = run();
        conn.pragma_update(None, "query_only", false)?;
        r
    }

    /// One alert's columns by rowid (what notifications of host/network alerts carry).
    pub fn row(&self, family: Family, rowid: i64) -> Result<Option<Map<String, Json>>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!("SELECT * FROM `{}` WHERE rowid = ?", table(family)))?;
        let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows = st.query(params![rowid])?;
        let Some(row) = rows.next()? else { return Ok(None) };
        let mut m = Map::new();
        for (i, name) in names.iter().enumerate() {
            m.insert(name.clone(), to_json(row.get_ref(i)?));
        }
        Ok(Some(m))
    }

    /// Rows per table (flow, host).
    pub fn count(&self, family: Family) -> Result<u64> {
        let n: i64 = self.conn().query_row(&format!("SELECT COUNT(*) FROM `{}`", table(family)), [], |r| r.get(0))?;
        Ok(n as u64)
    }
}

fn to_json(v: ValueRef<'_>) -> Json {
    match v {
        ValueRef::Null => Json::Null,
        ValueRef::Integer(i) => Json::from(i),
        ValueRef::Real(f) => Json::from(f),
        ValueRef::Text(t) => Json::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Json::from(b.iter().map(|x| format!("{x:02X}")).collect::<String>()),
    }
}
