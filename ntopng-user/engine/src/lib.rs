//! The monitoring engine: packets in, flows/hosts/MACs/interface counters out.
//!
//! Layout (one concept per module):
//! * [`flow_key`]: the direction-free flow identity and the symmetric hash that steers both
//!   directions of a flow to one worker.
//! * [`flow`], [`flow_table`]: a worker's flows (slab + index, idle expiry).
//! * [`host`], [`mac`], [`iface`]: per-worker host, MAC and interface accounting, merged on read.
//! * [`host_counters`]: what the host checks read (SYN counters, new-flow rates) and host scores.
//! * [`worker`]: the per-core loop body: decode result -> flow -> nDPI -> hosts.
//! * [`offline`]: reads capture files at full speed, steering packets to N workers.
//! * [`online`]: live capture, one worker per source (AF_PACKET fanout member, AF_XDP queue).
//! * [`tcp_seq`]: per-direction TCP sequence checks (retransmission, out of order, lost, keep-alive).
//! * [`bcast_domains`]: broadcast domains inferred from ARP.
//! * [`offload`]: classified flows handed to the kernel (XDP bypass), counters folded back.
//! * [`alert_tap`]: classified flows with risks a check wants, queued for the alert writer.
//! * [`periodic`]: when a live flow's periodic event is due (ntopng's `periodicUpdate` hook).
//! * [`sink`]: where ended flows go (`-F jsonl;path`, ...), off the workers' path.
//! * [`snapshot`]: merged, owned view of the state for reading back.
//! * [`publish`]: views of the state while workers run, served between batches.
//! * [`step_samples`]: counters sampled at packet-time step boundaries (timeseries of capture files).

pub mod alert_tap;
pub mod bcast_domains;
pub mod config;
pub mod flow;
pub mod flow_key;
pub mod flow_table;
pub mod host;
pub mod host_counters;
pub mod iface;
pub mod local_nets;
pub mod mac;
pub mod offline;
pub mod offload;
pub mod periodic;
pub mod online;
pub mod publish;
pub mod sink;
pub mod snapshot;
pub mod step_samples;
pub mod tcp_seq;
pub mod worker;

pub use config::EngineConfig;
pub use local_nets::LocalNetworks;
pub use offline::{run_capture, run_capture_published, OfflineResult};
pub use online::{run_live, LiveResult};
pub use publish::{Publisher, Want};
pub use snapshot::Snapshot;
