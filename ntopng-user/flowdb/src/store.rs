//! The flow store: one trait, an SQLite backend.

use crate::query::{self, FlowQuery, QueryError, Statement, TopkQuery};
use crate::row::{FlowRow, INSERT_COLUMNS};
use crate::schema::{self, TABLE};
use rusqlite::functions::FunctionFlags;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::{params_from_iter, Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Rows of a query: every value as a string (NULL as ""), as ntopng's SQL bindings return them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryRows {
    pub names: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Where stored flows live.
pub trait FlowStore: Send + Sync {
    /// The backend and where it is, for logs (no secrets).
    fn describe(&self) -> String;
    /// Stores `rows` in one transaction; when this returns Ok, they are acknowledged (durable against a
    /// crash of the process). `spool_offset` is recorded in the same transaction (see the spool).
    fn insert(&self, rows: &[FlowRow], spool_offset: Option<u64>) -> Result<(), String>;
    /// The spool offset the last transaction recorded.
    fn spool_offset(&self) -> Result<u64, String>;
    /// Answers a `get/db/flows.lua` request.
    fn flows(&self, q: &FlowQuery) -> Result<QueryRows, QueryError>;
    /// Answers a `get/db/topk_flows.lua` request.
    fn topk(&self, q: &TopkQuery) -> Result<QueryRows, QueryError>;
    /// Rows stored.
    fn count(&self) -> Result<u64, String>;
}

/// `<data dir>/flows.db`: a writer connection and a read-only query connection.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

/// The functions a query may call (the SQL names [`query`] generates; SQLite runs `LIKE` as a function).
const QUERY_FUNCTIONS: [&str; 7] = ["sum", "count", "max", "min", "avg", "ntop_ipv4_ntoa", "like"];

fn ipv4_ntoa(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "ntop_ipv4_ntoa",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let v: Option<i64> = ctx.get(0)?;
            Ok(v.map(|n| std::net::Ipv4Addr::from(n as u32).to_string()))
        },
    )
}

/// What a query statement may do: read columns of the flow table, call the listed functions.
fn authorize(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Select => Authorization::Allow,
        AuthAction::Read { table_name, .. } if table_name == TABLE => Authorization::Allow,
        AuthAction::Function { function_name }
            if QUERY_FUNCTIONS.iter().any(|f| f.eq_ignore_ascii_case(function_name)) =>
        {
            Authorization::Allow
        }
        _ => Authorization::Deny,
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<SqliteStore, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join("flows.db");
        let err = |e: rusqlite::Error| format!("{}: {e}", path.display());
        let writer = Connection::open(&path).map_err(err)?;
        // WAL: readers never block the writer. synchronous=NORMAL: a committed transaction survives a
        // crash of the process (not necessarily a power loss).
        writer.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        writer.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        writer.busy_timeout(std::time::Duration::from_secs(5)).map_err(err)?;
        writer.execute_batch(&schema::create_statements()).map_err(err)?;
        let reader =
            Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(err)?;
        reader.busy_timeout(std::time::Duration::from_secs(5)).map_err(err)?;
        ipv4_ntoa(&reader).map_err(err)?;
        reader.authorizer(Some(authorize));
        Ok(SqliteStore { path, writer: Mutex::new(writer), reader: Mutex::new(reader) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs a generated statement on the read-only connection (the authorizer applies to it too).
    pub fn run_statement(&self, st: Statement) -> Result<QueryRows, QueryError> {
        let conn = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let store_err = |e: rusqlite::Error| QueryError::Store(format!("flow query failed: {e}"));
        let mut stmt = conn.prepare(&st.sql).map_err(|e| match e {
            // The authorizer refused something: the tree let through what it should not have.
            rusqlite::Error::SqliteFailure(f, m)
                if f.code == rusqlite::ErrorCode::AuthorizationForStatementDenied
                    || m.as_deref().is_some_and(|m| m.contains("not authorized")) =>
            {
                QueryError::Invalid(format!("query not authorized: {}", m.unwrap_or_default()))
            }
            e => store_err(e),
        })?;
        if !stmt.readonly() {
            return Err(QueryError::Invalid("only queries are allowed".into()));
        }
        let n = stmt.column_count();
        let mut rows = stmt.query(params_from_iter(st.params.iter())).map_err(store_err)?;
        let mut out = QueryRows { names: st.names, rows: Vec::new() };
        while let Some(r) = rows.next().map_err(store_err)? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef;
                vals.push(match r.get_ref(i).map_err(store_err)? {
                    ValueRef::Null => String::new(),
                    ValueRef::Integer(v) => v.to_string(),
                    ValueRef::Real(v) => v.to_string(),
                    ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
                });
            }
            out.rows.push(vals);
        }
        Ok(out)
    }
}

impl FlowStore for SqliteStore {
    fn describe(&self) -> String {
        format!("sqlite;{}", self.path.display())
    }

    fn insert(&self, rows: &[FlowRow], spool_offset: Option<u64>) -> Result<(), String> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let err = |e: rusqlite::Error| format!("flow store insert: {e}");
        let tx = conn.transaction().map_err(err)?;
        {
            let placeholders = vec!["?"; INSERT_COLUMNS.len()].join(",");
            let mut stmt = tx
                .prepare_cached(&format!("INSERT INTO {TABLE} ({}) VALUES ({placeholders})", INSERT_COLUMNS.join(",")))
                .map_err(err)?;
            for r in rows {
                stmt.execute(params_from_iter(r.values().iter())).map_err(err)?;
            }
            if let Some(off) = spool_offset {
                tx.execute("INSERT OR REPLACE INTO flowdb_meta (key, value) VALUES ('spool_offset', ?1)", [off as i64])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    fn spool_offset(&self) -> Result<u64, String> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row("SELECT value FROM flowdb_meta WHERE key = 'spool_offset'", [], |r| r.get::<_, i64>(0))
            .map(|v| v as u64)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(0),
                e => Err(format!("flow store: {e}")),
            })
    }

    fn flows(&self, q: &FlowQuery) -> Result<QueryRows, QueryError> {
        self.run_statement(query::flows_statement(q)?)
    }

    fn topk(&self, q: &TopkQuery) -> Result<QueryRows, QueryError> {
        self.run_statement(query::topk_statement(q)?)
    }

    fn count(&self) -> Result<u64, String> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row(&format!("SELECT COUNT(*) FROM {TABLE}"), [], |r| r.get::<_, i64>(0))
            .map(|v| v as u64)
            .map_err(|e| format!("flow store: {e}"))
    }
}
