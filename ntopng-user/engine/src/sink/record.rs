//! An ended flow, owned, as the sinks receive it.

use crate::flow::{Counters, Flow};
use crate::tcp_seq::TcpStats;
use ndpi::Classification;
use ntopng_wire::Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// No packet for the idle timeout (packet time).
    Idle,
    /// Both FINs or a RST, then idle.
    TcpClosed,
    /// The daemon stopped or the capture ended with `--shutdown-when-done`.
    Shutdown,
}

#[derive(Debug, Clone)]
pub struct FlowRecord {
    pub client: (Addr, u16),
    pub server: (Addr, u16),
    pub cli_mac: [u8; 6],
    pub srv_mac: [u8; 6],
    pub vlan: u16,
    pub l4_proto: u8,
    pub ip_version: u8,
    pub cli2srv: Counters,
    pub srv2cli: Counters,
    pub cli2srv_flags: u8,
    pub srv2cli_flags: u8,
    /// [`crate::flow::marks`] bits (zero windows seen, payload counted in part).
    pub marks: u8,
    /// L4 payload ("goodput") bytes per direction (see [`Flow::cli2srv_goodput`]).
    pub cli2srv_goodput: u64,
    pub srv2cli_goodput: u64,
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
    /// `None` when DPI is disabled.
    pub classification: Option<Classification>,
    pub swapped: bool,
    pub ntopng_key: u32,
    /// Stable id of the flow on its interface (see [`Flow::hash_id`]).
    pub hash_id: u64,
    /// TCP sequence problems per direction (zero for other protocols).
    pub cli2srv_tcp: TcpStats,
    pub srv2cli_tcp: TcpStats,
    /// DSCP of the latest packet in each direction.
    pub cli2srv_dscp: u8,
    pub srv2cli_dscp: u8,
    /// Why the flow ended; `None` for a flow still active (state snapshots).
    pub end_reason: Option<EndReason>,
    /// The flow's score (sum of its alerts' scores), client and server sides.
    pub score: crate::flow::FlowScore,
}

impl FlowRecord {
    /// L4 payload bytes, both directions.
    pub fn goodput_bytes(&self) -> u64 {
        self.cli2srv_goodput + self.srv2cli_goodput
    }

    /// Whether the goodput counters cover every packet of the flow (not when the kernel counted some).
    pub fn goodput_complete(&self) -> bool {
        self.marks & crate::flow::marks::PAYLOAD_PARTIAL == 0
    }

    /// The record of flow `f` of worker `worker`.
    pub fn from_flow(
        f: &Flow,
        worker: usize,
        classification: Option<Classification>,
        end_reason: Option<EndReason>,
    ) -> FlowRecord {
        let (cli2srv_tcp, srv2cli_tcp) = f.tcp_stats();
        FlowRecord {
            client: f.client(),
            server: f.server(),
            cli_mac: f.cli_mac,
            srv_mac: f.srv_mac,
            vlan: f.key.vlan,
            l4_proto: f.key.l4_proto,
            ip_version: f.key.ip_version,
            cli2srv: f.cli2srv,
            srv2cli: f.srv2cli,
            cli2srv_flags: f.cli2srv_flags,
            srv2cli_flags: f.srv2cli_flags,
            marks: f.marks,
            cli2srv_goodput: f.cli2srv_goodput,
            srv2cli_goodput: f.srv2cli_goodput,
            first_seen_ns: f.first_seen_ns,
            last_seen_ns: f.last_seen_ns,
            classification,
            swapped: f.swapped,
            ntopng_key: f.key.ntopng_key(),
            hash_id: f.hash_id(worker),
            cli2srv_tcp,
            srv2cli_tcp,
            cli2srv_dscp: f.cli2srv_dscp,
            srv2cli_dscp: f.srv2cli_dscp,
            score: f.score,
            end_reason,
        }
    }
}
