//! The points, in one SQLite database in the data dir. A series is a schema and its tag values; a point
//! is a series, a resolution, a time (the end of the interval it covers, as RRD) and up to three metric
//! values. Counters are stored as per-second rates over the interval (RRD DERIVE), gauges as they were.
//! Coarser resolutions are filled by [`TsStore::maintain`] from the finer ones (ntopng's RRAs); points
//! older than the retention are deleted.

use crate::schema::{Aggregation, Kind, Schema};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const MAX_METRICS: usize = 3;
pub const FILE_NAME: &str = "timeseries.sqlite";

/// One series' values at one moment: tag values in the schema's tag order; counters as totals since the
/// start (the store derives rates), gauges as they are.
#[derive(Debug, Clone)]
pub struct Point {
    pub schema: &'static Schema,
    pub tags: Vec<String>,
    pub values: [f64; MAX_METRICS],
}

/// Empty steps written as zero points between two packet-time samples; a longer gap keeps only its ends.
const AT_END_GAP_FILL: u64 = 60;

/// How a counter's increase since its previous point is spread over the steps in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Evenly (RRD's interpolation): samples taken on a clock that may skip a tick.
    Spread,
    /// All in the last step, the steps before it at 0: samples taken when packet time crossed a step
    /// boundary, where a skipped boundary means no packet in between. A new series starts with a zero
    /// point at the step before its first.
    AtEnd,
}

/// Points as read: `values[i][m]` is metric `m` at `start + (i + 1) * resolution`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub start: u64,
    pub resolution: u64,
    pub values: Vec<[Option<f64>; MAX_METRICS]>,
}

#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// What the writer remembers of a series: its id, last point time and values.
struct SeriesState {
    id: i64,
    last_t: u64,
    last: [f64; MAX_METRICS],
    /// Wall-clock time of the last write (what retention goes by: a capture file's points carry packet
    /// time, possibly years old, and stay while they are still being written or were written recently).
    written: u64,
}

pub struct TsStore {
    conn: Mutex<Connection>,
    series: Mutex<HashMap<(&'static str, String), SeriesState>>,
    path: PathBuf,
    retention_days: u64,
}

fn wall_clock() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The key of a series in the `series` table: `tag=value` pairs in the schema's order.
fn tag_key(schema: &Schema, values: &[String]) -> String {
    schema.tags.iter().zip(values).map(|(t, v)| format!("{t}={v}")).collect::<Vec<_>>().join(",")
}

impl TsStore {
    /// Opens (creates) `<dir>/timeseries.sqlite`. `retention_days`: ntopng's
    /// `ts_and_stats_data_retention_days` (30 by default).
    pub fn open(dir: &Path, retention_days: u64) -> Result<TsStore> {
        std::fs::create_dir_all(dir).map_err(|e| Error(format!("{}: {e}", dir.display())))?;
        let path = dir.join(FILE_NAME);
        let conn = Connection::open(&path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, schema TEXT NOT NULL, tags TEXT NOT NULL,
                 step INTEGER NOT NULL, max_agg INTEGER NOT NULL, last_t INTEGER NOT NULL DEFAULT 0,
                 written INTEGER NOT NULL DEFAULT 0,
                 UNIQUE(schema, tags));
             CREATE TABLE IF NOT EXISTS points(series INTEGER NOT NULL, res INTEGER NOT NULL, t INTEGER NOT NULL,
                 v0 REAL, v1 REAL, v2 REAL, PRIMARY KEY(series, res, t)) WITHOUT ROWID;",
        )?;
        Ok(TsStore { conn: Mutex::new(conn), series: Mutex::new(HashMap::new()), path, retention_days })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `points` at time `t` (seconds; aligned down to each schema's step) in one transaction.
    /// Points not newer than their series' last point are skipped, as RRD does. Returns the rows written.
    pub fn write(&self, t: u64, points: &[Point], fill: Fill) -> Result<usize> {
        let mut conn = self.conn.lock().expect("tsdb connection");
        let mut series = self.series.lock().expect("tsdb series");
        let tx = conn.transaction()?;
        let mut rows = 0;
        let now = wall_clock();
        {
            let mut ins_series = tx.prepare_cached(
                "INSERT OR IGNORE INTO series(schema, tags, step, max_agg) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut get_series = tx.prepare_cached("SELECT id, last_t FROM series WHERE schema = ?1 AND tags = ?2")?;
            let mut set_last = tx.prepare_cached("UPDATE series SET last_t = ?2, written = ?3 WHERE id = ?1")?;
            let mut ins_point = tx.prepare_cached(
                "INSERT OR REPLACE INTO points(series, res, t, v0, v1, v2) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for p in points {
                let sc = p.schema;
                let t = t / sc.step * sc.step;
                let key = (sc.name, tag_key(sc, &p.tags));
                if !series.contains_key(&key) {
                    ins_series.execute(params![sc.name, key.1, sc.step as i64, (sc.aggregation == Aggregation::Max) as i64])?;
                    let (id, last_t): (i64, i64) = get_series.query_row(params![sc.name, key.1], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    // After a restart the counters start again from 0.
                    series.insert(key.clone(), SeriesState { id, last_t: last_t as u64, last: [0.0; MAX_METRICS], written: now });
                }
                let st = series.get_mut(&key).expect("series state");
                if st.last_t >= t && st.last_t != 0 {
                    continue;
                }
                let n = sc.metrics.len();
                // Steps since the previous point (a new series: just this one), at most one day of them.
                // A new series of packet-time samples also gets a zero point at the step before: nothing
                // was there before the first packet (and a series needs two points to be drawn).
                let new = st.last_t == 0;
                let steps = match (new, fill) {
                    (true, Fill::AtEnd) if t >= sc.step => 2,
                    (true, _) => 1,
                    (false, _) => ((t - st.last_t) / sc.step).max(1),
                };
                let steps = steps.min(sc.resolutions()[0].1);
                let mut at_end = [None; MAX_METRICS];
                let mut before = [None; MAX_METRICS];
                for m in 0..n {
                    match sc.kind {
                        Kind::Gauge => {
                            at_end[m] = Some(p.values[m]);
                            before[m] = Some(if new { 0.0 } else { p.values[m] });
                        }
                        Kind::Counter => {
                            // A counter that went down was reset (a host purged and seen again).
                            let delta = if p.values[m] >= st.last[m] { p.values[m] - st.last[m] } else { p.values[m] };
                            match fill {
                                Fill::Spread => {
                                    let rate = delta / (steps * sc.step) as f64;
                                    at_end[m] = Some(rate);
                                    before[m] = Some(rate);
                                }
                                Fill::AtEnd => {
                                    at_end[m] = Some(delta / sc.step as f64);
                                    before[m] = Some(0.0);
                                }
                            }
                        }
                    }
                }
                for k in (0..steps).rev() {
                    // Packet time may jump (captures merged from months apart): a long run of empty
                    // steps keeps only its two ends at 0, the steps between stay missing (read as
                    // NaN), so a jump costs three rows, not a day of them.
                    if fill == Fill::AtEnd && !new && k > 1 && k + 1 < steps && steps > AT_END_GAP_FILL {
                        continue;
                    }
                    let pt = t - k * sc.step;
                    let v = if k == 0 { &at_end } else { &before };
                    ins_point.execute(params![st.id, sc.step as i64, pt as i64, v[0], v[1], v[2]])?;
                    rows += 1;
                }
                st.last_t = t;
                st.last = p.values;
                st.written = now;
                set_last.execute(params![st.id, t as i64, now as i64])?;
            }
        }
        tx.commit()?;
        Ok(rows)
    }

    fn series_id(conn: &Connection, schema: &Schema, tags: &[String]) -> Result<Option<(i64, u64)>> {
        Ok(conn
            .query_row(
                "SELECT id, last_t FROM series WHERE schema = ?1 AND tags = ?2",
                params![schema.name, tag_key(schema, tags)],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64)),
            )
            .optional()?)
    }

    /// The time of the series' last point, `None` for an unknown series.
    pub fn last_update(&self, schema: &Schema, tags: &[String]) -> Result<Option<u64>> {
        let conn = self.conn.lock().expect("tsdb connection");
        Ok(TsStore::series_id(&conn, schema, tags)?.map(|(_, t)| t))
    }

    /// The points of a series over `(start, end]` (RRD's fetch): at the finest resolution kept for `start`,
    /// `start` aligned down, `end` moved to the next boundary. `None` for an unknown series.
    pub fn fetch(&self, schema: &Schema, tags: &[String], start: u64, end: u64) -> Result<Option<Fetched>> {
        let conn = self.conn.lock().expect("tsdb connection");
        let Some((id, last_t)) = TsStore::series_id(&conn, schema, tags)? else { return Ok(None) };
        let res = schema
            .resolutions()
            .iter()
            .find(|(r, rows)| start + r * rows >= last_t)
            .or(schema.resolutions().last())
            .map(|(r, _)| *r)
            .unwrap_or(schema.step);
        let start = start / res * res;
        // librrd moves the end to the next boundary, even from one.
        let end = (end.max(start) / res + 1) * res;
        let count = ((end - start) / res) as usize;
        let mut values = vec![[None; MAX_METRICS]; count];
        let mut q = conn.prepare_cached("SELECT t, v0, v1, v2 FROM points WHERE series = ?1 AND res = ?2 AND t > ?3 AND t <= ?4")?;
        let rows = q.query_map(params![id, res as i64, start as i64, end as i64], |r| {
            Ok((r.get::<_, i64>(0)? as u64, [r.get::<_, Option<f64>>(1)?, r.get(2)?, r.get(3)?]))
        })?;
        for row in rows {
            let (t, v) = row?;
            let i = ((t - start) / res) as usize;
            if (1..=count).contains(&i) && (t - start) % res == 0 {
                values[i - 1] = v;
            }
        }
        Ok(Some(Fetched { start, resolution: res, values }))
    }

    /// The values of the schema's last tag among the stored series whose other tags are `prefix`.
    pub fn last_tag_values(&self, schema: &Schema, prefix: &[String]) -> Result<Vec<String>> {
        let conn = self.conn.lock().expect("tsdb connection");
        let head = tag_key(schema, prefix);
        let last = schema.tags.last().copied().unwrap_or("");
        let like = format!("{head},{last}=");
        let mut q = conn.prepare_cached("SELECT tags FROM series WHERE schema = ?1 AND substr(tags, 1, ?2) = ?3")?;
        let rows = q.query_map(params![schema.name, like.len() as i64, like], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?[like.len()..].to_string());
        }
        Ok(out)
    }

    /// Rolls points past each resolution's span into the next (complete intervals only: mean, or max for
    /// MAX schemas) and deletes them; deletes points past the coarsest span and the retention, and series
    /// not written for the retention period (relative to `now`). Returns the point rows deleted.
    pub fn maintain(&self, now: u64) -> Result<usize> {
        let mut conn = self.conn.lock().expect("tsdb connection");
        let tx = conn.transaction()?;
        let mut deleted = 0;
        let retention = self.retention_days * 86400;
        for step in [1u64, 60, 300] {
            let probe = crate::schema::Schema { step, ..crate::schema::SCHEMAS[0] };
            let rr = probe.resolutions();
            for w in rr.windows(2) {
                let ((r0, rows0), (r1, _)) = (w[0], w[1]);
                for (max_agg, f) in [(0, "avg"), (1, "max")] {
                    tx.execute(
                        &format!(
                            "INSERT OR REPLACE INTO points(series, res, t, v0, v1, v2)
                             SELECT p.series, ?1, ((p.t + ?1 - 1) / ?1) * ?1 AS b, {f}(p.v0), {f}(p.v1), {f}(p.v2)
                             FROM points p JOIN series s ON s.id = p.series
                             WHERE s.step = ?2 AND s.max_agg = ?3 AND p.res = ?4 AND p.t <= ((s.last_t - ?5) / ?1) * ?1
                             GROUP BY p.series, b"
                        ),
                        params![r1 as i64, step as i64, max_agg, r0 as i64, (r0 * rows0) as i64],
                    )?;
                }
                deleted += tx.execute(
                    "DELETE FROM points WHERE res = ?1 AND (series, t) IN (SELECT p.series, p.t FROM points p
                       JOIN series s ON s.id = p.series WHERE s.step = ?2 AND p.res = ?1 AND p.t <= ((s.last_t - ?3) / ?4) * ?4)",
                    params![r0 as i64, step as i64, (r0 * rows0) as i64, r1 as i64],
                )?;
            }
            let (rl, rowsl) = *rr.last().expect("resolutions");
            let keep = (rl * rowsl).min(retention.max(rr[0].0 * rr[0].1));
            deleted += tx.execute(
                "DELETE FROM points WHERE (series, res, t) IN (SELECT p.series, p.res, p.t FROM points p
                   JOIN series s ON s.id = p.series WHERE s.step = ?1 AND p.t <= s.last_t - ?2)",
                params![step as i64, keep as i64],
            )?;
        }
        let old = now.saturating_sub(retention) as i64;
        deleted += tx.execute("DELETE FROM points WHERE series IN (SELECT id FROM series WHERE written < ?1)", params![old])?;
        tx.execute("DELETE FROM series WHERE written < ?1", params![old])?;
        tx.commit()?;
        // Forget writer state of deleted series.
        self.series.lock().expect("tsdb series").retain(|_, s| s.written >= old as u64);
        Ok(deleted)
    }

    /// Bytes on disk (database and write-ahead log).
    pub fn disk_bytes(&self) -> u64 {
        let wal = self.path.with_extension("sqlite-wal");
        [&self.path, &wal].iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
    }

    /// Folds the write-ahead log into the database.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn.lock().expect("tsdb connection").execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}
