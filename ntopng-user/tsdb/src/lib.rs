//! ntopng's timeseries: the schemas ([`schema`]), an embedded SQLite store of their points with
//! ntopng's steps, rollups and retention ([`store`]), what the daemon writes from an interface view
//! ([`recorder`]), and the `ts.lua` query pipeline and answer ([`query`]).

pub mod query;
pub mod recorder;
pub mod schema;
pub mod store;

pub use query::{parse_ts_query, ts_query, TsRequest};
pub use recorder::Recorder;
pub use schema::{schema, Schema, SCHEMAS};
pub use store::{Fetched, Fill, Point, TsStore};
