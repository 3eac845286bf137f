//! Stored (historical) flows, ntopng's `-F` flow database, embedded: ended flows arrive through the
//! engine's sink queue ([`FlowDbSink`]), are written in batched SQLite transactions into a `flows` table
//! with ntopng's column names ([`schema`]), and are read back only through allow-listed queries ([`query`]).
//!
//! * [`FlowStore`]: the store behind one trait; [`SqliteStore`] is the backend (`<data dir>/flows.db`,
//!   WAL journal). A row is acknowledged once its transaction commits; a `kill -9` loses no acknowledged row.
//! * [`FlowDbSink`]: never blocks the sink thread. Rows go to a writer thread through a bounded channel;
//!   when the channel is full they are appended to a bounded spool file (`flows.spool`) that the writer
//!   replays, also after a restart.
//! * [`query`]: the clauses of `get/db/flows.lua` and `get/db/topk_flows.lua` parsed into a tree of
//!   `flows` columns, operators and a few functions, and turned into SQL with bind parameters. The query
//!   connection is read-only and an SQLite authorizer lets it read the `flows` table and call the listed
//!   functions, nothing else.

pub mod clickhouse;
pub mod query;
mod row;
pub mod schema;
mod sink;
mod spool;
mod store;

pub use clickhouse::{ClickHouseSpec, ClickHouseStore};
pub use query::{FlowQuery, QueryError, Statement, TopkQuery};
pub use row::FlowRow;
pub use sink::{FlowDbSink, SinkConfig, WriterStats};
pub use store::{FlowStore, QueryRows, SqliteStore};
