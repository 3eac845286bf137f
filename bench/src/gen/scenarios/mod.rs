//! Scenario captures: small, hand-designed traffic that exercises one engine behaviour each,
//! returned with a [`Description`] computed while generating (an independent reference).
//!
//! Every scenario is a function `fn(&mut dyn RecordSink, ..) -> io::Result<Description>` that
//! streams its records; [`Capture::of`] collects one in memory for tests.
//! Records are written in timestamp order; each scenario's cases follow one another in time
//! (where cases overlap, their packets are interleaved step by step).

mod flow_cap;
mod fragments;
mod handshake;
mod host_attacks;
mod host_probes;
mod idle;
mod ipv6_ext;
mod local_hosts;
mod sample;
mod truncated;
mod vlan;

pub use flow_cap::{flow_cap, FlowCapParams};
pub use fragments::fragments;
pub use handshake::handshake;
pub use host_attacks::{host_attacks, HostAttackParams, HostAttacks, SynCounts};
pub use host_probes::{host_probes, HostProbeParams, HostProbes};
pub use idle::{idle, IDLE_TIMEOUT_S};
pub use ipv6_ext::ipv6_ext;
pub use local_hosts::{local_hosts, LocalHostsParams};
pub use sample::sample;
pub use truncated::{truncated, SNAPLEN_FLOW};
pub use vlan::vlan;

use super::describe::Description;
use super::pcap_writer::{write_pcap, write_pcapng, MemorySink, Record, RecordSink};
use std::io;

/// Time of the first packet of every scenario: 2024-01-01T00:00:00Z.
pub const BASE_TS_NS: u64 = 1_704_067_200 * SEC;
pub const SEC: u64 = 1_000_000_000;
pub const MS: u64 = 1_000_000;
pub const US: u64 = 1_000;

/// A scenario held in memory.
#[derive(Debug, Clone)]
pub struct Capture {
    pub records: Vec<Record>,
    pub description: Description,
}

impl Capture {
    /// Runs a scenario into memory, e.g. `Capture::of(scenarios::vlan)`.
    pub fn of(scenario: impl FnOnce(&mut dyn RecordSink) -> io::Result<Description>) -> Capture {
        let mut sink = MemorySink::default();
        let description = scenario(&mut sink).expect("writing to memory cannot fail");
        Capture { records: sink.records, description }
    }
    /// The capture as a classic pcap file.
    pub fn to_pcap(&self) -> Vec<u8> {
        write_pcap(Vec::new(), &self.records).expect("in memory")
    }
    /// The capture as a pcapng file.
    pub fn to_pcapng(&self) -> Vec<u8> {
        write_pcapng(Vec::new(), &self.records).expect("in memory")
    }
}
