//! ntopng's alert store: flow and host alerts in an SQLite database per interface, with ntopng's
//! tables and columns ([`schema`]), written by a thread off the packet path ([`writer`]) from the
//! flows the engine's alert tap hands over, and read back for the REST API ([`store`], [`request`]).
//!
//! Flow alerts are historical as soon as they are raised (ntopng stores them when triggered); host
//! alerts are engaged in memory ([`engaged`]) until released, then stored.

pub mod api;
pub mod clause_query;
pub mod engaged;
pub mod flow_row;
pub mod host_row;
pub mod notify;
pub mod request;
pub mod schema;
pub mod store;
pub mod writer;

pub use api::{answer, AlertOp, ApiError};
pub use flow_row::FlowAlertRow;
pub use host_row::HostAlertRow;
pub use request::{AlertRequest, RequestError, StatusFilter};
pub use schema::db_path;
pub use engaged::{Engaged, EngagedKey, Refresh};
pub use store::{AlertPage, AlertRow, AlertStore, CounterKind, Retention, StoreError};
pub use writer::{spawn_flow_writer, spawn_writer, FlowEventHook, WriterStats};
pub use notify::{EndpointSpec, Notifications};
