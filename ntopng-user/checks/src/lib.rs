//! ntopng's checks: which exist ([`registry`]), how each is configured at run time ([`config`]), the
//! score → severity map ([`severity`]) and the checks that raise flow alerts from nDPI risks
//! ([`flow_risk`], over ntopng's risk → alert mapping in [`risk_map`]) and from what the engine saw
//! of a flow ([`flow`]: unexpected servers, insecure protocols, blacklists, TCP issues, long-lived
//! and elephant flows).
//!
//! The host checks are in [`host`] (one module each; the daemon runs them every minute).
//!
//! `doc/checks.md` is generated from the registry by `tests/doc.rs` (implemented vs pending).

pub mod config;
pub mod flow;
pub mod flow_risk;
pub mod host;
pub mod registry;
pub mod risk_map;
pub mod severity;

pub use config::{CheckConf, Checks, ConfigError, CONFIGSET_KEY};
pub use flow::{ActiveChecks, Blacklist, FlowContext};
pub use flow_risk::{evaluate, FlowAlerts, RaisedAlert};
pub use host::{HostWindow, RaisedHostAlert};
pub use registry::{AlertCategory, CheckDef, Family, Registry, Status};
pub use severity::Severity;
