//! `-F clickhouse[;...]`: the flow store in a ClickHouse server, through the official `clickhouse` crate
//! (HTTP; RowBinary inserts, TabSeparated answers; both understood by Debian's 18.16 server).
//!
//! * [`spec`]: ntopng's `-F` string. * [`schema`]: ntopng's `flows` table in 18.16's syntax.
//! * [`query`]: a query plan as ClickHouse SQL with SQLite's semantics, so both stores answer alike.
//!
//! The crate is async (tokio): each connection here owns a current-thread runtime that only the thread
//! calling the store drives (the flow writer thread for inserts, a Lua VM's thread for queries); nothing
//! runs on a packet worker. An unreachable server is not fatal: the store says so once, inserts fail, and
//! the sink keeps the rows in its spool until the server answers.

pub mod query;
pub mod schema;
pub mod spec;
pub mod test_server;

use crate::query::{flows_plan, topk_plan, FlowQuery, Plan, QueryError, TopkQuery};
use crate::row::FlowRow;
use crate::schema::TABLE;
use crate::store::{FlowStore, QueryRows};
use query::Literal;
use serde::Serialize;
pub use spec::ClickHouseSpec;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// A request that takes longer than this fails (the rows stay in the spool).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One HTTP client and the runtime that drives it (a pooled connection belongs to its runtime).
struct Conn {
    rt: tokio::runtime::Runtime,
    client: clickhouse::Client,
}

impl Conn {
    fn new(spec: &ClickHouseSpec, readonly: bool) -> Result<Conn, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("-F clickhouse: runtime: {e}"))?;
        let client = clickhouse::Client::default()
            .with_url(spec.url())
            .with_user(spec.user.clone())
            .with_password(spec.password.clone())
            .with_compression(clickhouse::Compression::None);
        // Queries: the crate adds readonly=1 to POSTs; GETs are read-only on the server's side already.
        let _ = readonly;
        Ok(Conn { rt, client })
    }

    fn run<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = clickhouse::error::Result<T>>,
    ) -> Result<T, String> {
        self.rt.block_on(async {
            match tokio::time::timeout(REQUEST_TIMEOUT, f).await {
                Ok(r) => r.map_err(|e| format!("{what}: {e}")),
                Err(_) => Err(format!("{what}: no answer in {} s", REQUEST_TIMEOUT.as_secs())),
            }
        })
    }
}

/// A `flows` row as RowBinary: ntopng's column names and widths (see [`schema`]).
#[derive(clickhouse::Row, Serialize)]
#[allow(non_snake_case)]
struct ChRow<'a> {
    FLOW_ID: u64,
    IP_PROTOCOL_VERSION: u8,
    FIRST_SEEN: u32,
    LAST_SEEN: u32,
    VLAN_ID: u16,
    PACKETS: u32,
    TOTAL_BYTES: u64,
    SRC2DST_BYTES: u64,
    DST2SRC_BYTES: u64,
    SRC2DST_PACKETS: u32,
    DST2SRC_PACKETS: u32,
    SRC2DST_DSCP: u8,
    DST2SRC_DSCP: u8,
    PROTOCOL: u8,
    IPV4_SRC_ADDR: u32,
    IPV4_DST_ADDR: u32,
    IPV6_SRC_ADDR: &'a str,
    IPV6_DST_ADDR: &'a str,
    IP_SRC_PORT: u16,
    IP_DST_PORT: u16,
    L7_PROTO: u16,
    L7_PROTO_MASTER: u16,
    L7_CATEGORY: u16,
    FLOW_RISK: u64,
    INFO: &'a str,
    INTERFACE_ID: u16,
    SRC_MAC: u64,
    DST_MAC: u64,
    SRC2DST_TCP_FLAGS: u8,
    DST2SRC_TCP_FLAGS: u8,
}

/// ntopng's UInt32 counters and DateTime seconds: values beyond the type saturate.
fn u32_sat(v: impl TryInto<u32>, max: u32) -> u32 {
    v.try_into().unwrap_or(max)
}

impl<'a> ChRow<'a> {
    fn new(r: &'a FlowRow) -> ChRow<'a> {
        ChRow {
            FLOW_ID: r.flow_id,
            IP_PROTOCOL_VERSION: r.ip_version,
            FIRST_SEEN: u32_sat(r.first_seen.max(0), u32::MAX),
            LAST_SEEN: u32_sat(r.last_seen.max(0), u32::MAX),
            VLAN_ID: r.vlan_id,
            PACKETS: u32_sat(r.src2dst_packets + r.dst2src_packets, u32::MAX),
            TOTAL_BYTES: r.src2dst_bytes + r.dst2src_bytes,
            SRC2DST_BYTES: r.src2dst_bytes,
            DST2SRC_BYTES: r.dst2src_bytes,
            SRC2DST_PACKETS: u32_sat(r.src2dst_packets, u32::MAX),
            DST2SRC_PACKETS: u32_sat(r.dst2src_packets, u32::MAX),
            SRC2DST_DSCP: r.src2dst_dscp,
            DST2SRC_DSCP: r.dst2src_dscp,
            PROTOCOL: r.protocol,
            IPV4_SRC_ADDR: r.ipv4_src,
            IPV4_DST_ADDR: r.ipv4_dst,
            IPV6_SRC_ADDR: &r.ipv6_src,
            IPV6_DST_ADDR: &r.ipv6_dst,
            IP_SRC_PORT: r.src_port,
            IP_DST_PORT: r.dst_port,
            L7_PROTO: r.l7_proto,
            L7_PROTO_MASTER: r.l7_proto_master,
            L7_CATEGORY: r.l7_category.try_into().unwrap_or(u16::MAX),
            FLOW_RISK: r.flow_risk,
            INFO: &r.info,
            INTERFACE_ID: r.interface_id,
            SRC_MAC: r.src_mac,
            DST_MAC: r.dst_mac,
            SRC2DST_TCP_FLAGS: r.src2dst_tcp_flags,
            DST2SRC_TCP_FLAGS: r.dst2src_tcp_flags,
        }
    }
}

/// The flow table in a ClickHouse server. The spool offset (which rows of the sink's spool are stored)
/// is kept in a file next to the spool. ClickHouse has no transaction to record it in, so a replayed chunk
/// is journaled: before its insert the file records the chunk's end and how many rows of the table equal
/// the chunk's last row ([`Pending`]); after the acknowledgement, the new offset alone. A crash between the
/// two leaves the intent, and the next start counts again: more rows than before means the insert (one
/// block, stored whole or not at all) landed, and the chunk is not replayed twice.
pub struct ClickHouseStore {
    spec: ClickHouseSpec,
    offset_path: PathBuf,
    writer: Mutex<Conn>,
    reader: Mutex<Conn>,
    schema_ready: AtomicBool,
}

impl ClickHouseStore {
    /// Connects to the server of `spec` and creates the database and table if needed; `dir` holds the
    /// sink's spool and the offset file. An unreachable server is logged, not fatal (see the module doc).
    pub fn open(spec: ClickHouseSpec, dir: &Path) -> Result<ClickHouseStore, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("-F clickhouse: {}: {e}", dir.display()))?;
        let store = ClickHouseStore {
            writer: Mutex::new(Conn::new(&spec, false)?),
            reader: Mutex::new(Conn::new(&spec, true)?),
            offset_path: dir.join("flows.spool.offset"),
            spec,
            schema_ready: AtomicBool::new(false),
        };
        if let Err(e) = store.ensure_schema() {
            log::error!(
                "-F clickhouse: {e}; ended flows are kept in the spool ({}) and stored once the server answers \
                 (replayed at the next start if the daemon stops first)",
                dir.join("flows.spool").display()
            );
        }
        Ok(store)
    }

    pub fn spec(&self) -> &ClickHouseSpec {
        &self.spec
    }

    fn insert_rows(&self, rows: &[FlowRow]) -> Result<(), String> {
        if rows.is_empty() {
            return Ok(());
        }
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let client = conn.client.clone().with_database(self.spec.database.clone());
        conn.run(&format!("flow store insert into ClickHouse {}", self.spec), async move {
            let mut ins = client.insert::<ChRow<'_>>(TABLE)?;
            for r in rows {
                ins.write(&ChRow::new(r)).await?;
            }
            ins.end().await
        })
    }

    /// Rows of the table equal to `r` in its identifying columns (the table's sort key first, so the
    /// server reads one granule range).
    fn count_equal(&self, r: &FlowRow) -> Result<u64, String> {
        let sql = format!(
            "SELECT count() FROM {}.{TABLE} WHERE IPV4_SRC_ADDR = ? AND IPV4_DST_ADDR = ? AND FIRST_SEEN = toDateTime(?) \
             AND LAST_SEEN = toDateTime(?) AND IPV6_SRC_ADDR = ? AND IPV6_DST_ADDR = ? AND IP_SRC_PORT = ? \
             AND IP_DST_PORT = ? AND INTERFACE_ID = ? AND FLOW_ID = ? AND SRC2DST_BYTES = ? AND DST2SRC_BYTES = ?",
            self.spec.database
        );
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let q = conn
            .client
            .query(&sql)
            .bind(r.ipv4_src)
            .bind(r.ipv4_dst)
            .bind(r.first_seen)
            .bind(r.last_seen)
            .bind(r.ipv6_src.as_str())
            .bind(r.ipv6_dst.as_str())
            .bind(r.src_port)
            .bind(r.dst_port)
            .bind(r.interface_id)
            .bind(r.flow_id)
            .bind(r.src2dst_bytes)
            .bind(r.dst2src_bytes);
        conn.run("flow spool bookkeeping (ClickHouse count)", q.fetch_one::<u64>())
    }

    fn read_offset(&self) -> Result<OffsetFile, String> {
        let path = &self.offset_path;
        match std::fs::read_to_string(path) {
            Ok(s) => OffsetFile::parse(&s).ok_or_else(|| format!("{}: not a spool offset", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(OffsetFile::Committed(0)),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    fn write_offset(&self, f: &OffsetFile) -> Result<(), String> {
        let tmp = self.offset_path.with_extension("offset.tmp");
        std::fs::write(&tmp, f.text())
            .and_then(|_| std::fs::File::open(&tmp)?.sync_all())
            .and_then(|_| std::fs::rename(&tmp, &self.offset_path))
            .map_err(|e| format!("flow spool offset {}: {e}", self.offset_path.display()))
    }

    /// Test hook: what a crash during a replayed chunk's insert leaves, the insert having `landed` or not:
    /// the intent in the offset file, not the new offset.
    #[doc(hidden)]
    pub fn insert_chunk_then_crash(&self, rows: &[FlowRow], end: u64, landed: bool) -> Result<(), String> {
        let last = rows.last().ok_or("no rows")?;
        let committed = self.spool_offset()?;
        let before = self.count_equal(last)?;
        self.write_offset(&OffsetFile::Pending(Pending { committed, end, before, last: last.clone() }))?;
        if landed {
            self.insert_rows(rows)?;
        }
        Ok(())
    }

    fn ensure_schema(&self) -> Result<(), String> {
        if self.schema_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for ddl in schema::create_statements(&self.spec.database) {
            conn.run(&format!("ClickHouse at {}", self.spec), conn.client.query(&ddl).execute())?;
        }
        self.schema_ready.store(true, Ordering::Release);
        log::info!("flow database: ClickHouse {} (table {}.{TABLE})", self.spec, self.spec.database);
        Ok(())
    }

    /// Runs a rendered plan on the query connection.
    fn run_plan(&self, plan: &Plan) -> Result<QueryRows, QueryError> {
        let st = query::statement(plan, &self.spec.database);
        let conn = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let mut q = conn.client.query(&st.sql);
        for p in st.params {
            q = match p {
                Literal::Int(v) => q.bind(v),
                Literal::Real(v) => q.bind(v),
                Literal::Str(s) => q.bind(s),
            };
        }
        let body = conn
            .run("flow query failed", async move {
                let mut cursor = q.fetch_bytes("TabSeparatedWithNamesAndTypes")?;
                cursor.collect().await
            })
            .map_err(|e| match e {
                // SQLite accepts a bare column beside aggregates (any row's value); ClickHouse refuses it.
                // The request is at fault: a 400 that says why, not a store failure.
                e if e.contains("Code: 215") => QueryError::Invalid(format!(
                    "select_clause: every column must be in group_by_clause or inside an aggregate ({e})"
                )),
                e => QueryError::Store(e),
            })?;
        let rows = query::parse_tsv(&body).map_err(QueryError::Store)?;
        Ok(QueryRows { names: st.names, rows })
    }
}

impl FlowStore for ClickHouseStore {
    fn describe(&self) -> String {
        self.spec.to_string()
    }

    fn insert(&self, rows: &[FlowRow], spool_offset: Option<u64>) -> Result<(), String> {
        self.ensure_schema()?;
        if let (Some(end), Some(last)) = (spool_offset, rows.last()) {
            let committed = self.spool_offset()?;
            let before = self.count_equal(last)?;
            self.write_offset(&OffsetFile::Pending(Pending { committed, end, before, last: last.clone() }))?;
        }
        self.insert_rows(rows)?;
        if let Some(end) = spool_offset {
            self.write_offset(&OffsetFile::Committed(end))?;
        }
        Ok(())
    }

    fn spool_offset(&self) -> Result<u64, String> {
        match self.read_offset()? {
            OffsetFile::Committed(off) => Ok(off),
            OffsetFile::Pending(p) => {
                // A crash between a chunk's insert and its bookkeeping: did the insert land?
                let now = self.count_equal(&p.last)?;
                let off = if now > p.before { p.end } else { p.committed };
                log::info!(
                    "flow spool: the chunk replayed before the last stop was {}stored; resuming at offset {off}",
                    if now > p.before { "" } else { "not " }
                );
                self.write_offset(&OffsetFile::Committed(off))?;
                Ok(off)
            }
        }
    }

    fn flows(&self, q: &FlowQuery) -> Result<QueryRows, QueryError> {
        self.run_plan(&flows_plan(q)?)
    }

    fn topk(&self, q: &TopkQuery) -> Result<QueryRows, QueryError> {
        self.run_plan(&topk_plan(q)?)
    }

    fn count(&self) -> Result<u64, String> {
        self.ensure_schema()?;
        let conn = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let sql = format!("SELECT count() FROM {}.{TABLE}", self.spec.database);
        conn.run("flow store count", conn.client.query(&sql).fetch_one::<u64>())
    }
}

/// A replayed chunk whose insert was sent but not yet acknowledged.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Pending {
    /// The offset before the chunk, and after it.
    committed: u64,
    end: u64,
    /// Rows equal to `last` before the insert.
    before: u64,
    last: FlowRow,
}

/// The offset file: a committed offset (a bare number), or a pending chunk (JSON).
#[derive(Debug, Clone, PartialEq)]
enum OffsetFile {
    Committed(u64),
    Pending(Pending),
}

impl OffsetFile {
    fn parse(s: &str) -> Option<OffsetFile> {
        let s = s.trim();
        match s.parse::<u64>() {
            Ok(off) => Some(OffsetFile::Committed(off)),
            Err(_) => serde_json::from_str(s).ok().map(OffsetFile::Pending),
        }
    }

    fn text(&self) -> String {
        match self {
            OffsetFile::Committed(off) => off.to_string(),
            OffsetFile::Pending(p) => serde_json::to_string(p).expect("a pending chunk serializes"),
        }
    }
}
