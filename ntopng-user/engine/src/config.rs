//! Engine settings, filled from the command line.

use crate::LocalNetworks;
use ndpi::DetectorConfig;
use ntopng_wire::DecodeOptions;

/// ntopng's defaults (MAX_NUM_INTERFACE_HOSTS, MAX_FLOW_IDLE, MAX_*_HOST_IDLE).
pub const DEFAULT_MAX_FLOWS: usize = 131_072;
pub const DEFAULT_MAX_HOSTS: usize = 131_072;
pub const FLOW_IDLE_NS: u64 = 60 * 1_000_000_000;
pub const LOCAL_HOST_IDLE_NS: u64 = 300 * 1_000_000_000;
pub const REMOTE_HOST_IDLE_NS: u64 = 60 * 1_000_000_000;
/// Idle flows are looked for once per second of packet time, 1/60 of the table per visit.
pub const PURGE_PERIOD_NS: u64 = 1_000_000_000;
pub const PURGE_FRACTION: usize = 60;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Worker threads per interface (>= 1).
    pub workers: usize,
    /// Cores to pin workers to, in order (ntopng `-g`); empty = no pinning.
    pub core_affinity: Vec<usize>,
    /// Flow cap per interface (`-X`); split evenly across workers.
    pub max_flows: usize,
    /// Host cap per interface (`-x`).
    pub max_hosts: usize,
    pub local_networks: LocalNetworks,
    pub decode: DecodeOptions,
    /// nDPI files; `None` disables DPI altogether (benchmarks).
    pub ndpi: Option<DetectorConfig>,
    /// Purge idle flows and hosts while reading a file (ntopng `--pcap-file-purge-flows`).
    pub purge_idle: bool,
    pub flow_idle_ns: u64,
    /// BPF filter (`-B`).
    pub bpf: Option<String>,
    /// Where classified flows with enabled risk checks go; `None`: no alerts.
    pub alerts: Option<std::sync::Arc<crate::alert_tap::AlertTap>>,
    /// nDPI risk bits whose check is on (owned by the checks configuration): a classified flow's score
    /// is the sum of these risks' scores. `None`: flows are not scored.
    pub scored_risks: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// The host check runner's round ([`crate::host_counters::NewFlowRate`]); read once per new flow.
    pub host_check_round: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            workers: 1,
            core_affinity: Vec::new(),
            max_flows: DEFAULT_MAX_FLOWS,
            max_hosts: DEFAULT_MAX_HOSTS,
            local_networks: LocalNetworks::ntopng_default(),
            decode: DecodeOptions::default(),
            ndpi: Some(DetectorConfig::default()),
            purge_idle: false,
            flow_idle_ns: FLOW_IDLE_NS,
            bpf: None,
            alerts: None,
            scored_risks: None,
            host_check_round: Default::default(),
        }
    }
}
