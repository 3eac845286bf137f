//! The host checks (checks.md §3): run by the daemon's host check runner every minute (ntopng's `min`
//! hook) on what each host did since the previous run ([`HostWindow`]). One module per check; each
//! says whether its condition holds and with which values; [`run`] applies the configuration (on/off,
//! `script_conf.threshold`) and the registry's identity (alert id, score). doc/host-checks.md says what
//! each one counts.

pub mod dns_contacts;
pub mod fin_scan;
pub mod flow_flood;
pub mod icmp_flood;
pub mod ntp_contacts;
pub mod rst_scan;
pub mod scan_detection;
pub mod score_threshold;
pub mod smtp_contacts;
pub mod syn_flood;
pub mod syn_scan;

use crate::config::Checks;
use crate::registry::{AlertCategory, Family};
use crate::severity::Severity;
use serde_json::{json, Value};
use std::net::IpAddr;

/// One host's activity since the previous run of the checks (counts are differences between runs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostWindow {
    /// SYNs (without ACK) sent and SYN-ACKs received: connection attempts made and answered.
    pub syn_sent: u64,
    pub synack_rcvd: u64,
    /// SYNs received and SYN-ACKs sent: connection attempts received and answered.
    pub syn_rcvd: u64,
    pub synack_sent: u64,
    /// Most new flows started in one second (packet time), as client and as server.
    pub new_flows_per_sec_as_client: u32,
    pub new_flows_per_sec_as_server: u32,
    /// The host's score now (not a difference): its active flows' shares.
    pub score_as_client: u32,
    pub score_as_server: u32,
    /// The host's address (for the descriptions).
    pub ip: Option<IpAddr>,
    /// Most SYNs (without ACK) sent / received in one second (packet time).
    pub syn_sent_per_sec: u32,
    pub syn_rcvd_per_sec: u32,
    /// FINs without ACK sent / received.
    pub fin_sent: u64,
    pub fin_rcvd: u64,
    /// RSTs sent / received.
    pub rst_sent: u64,
    pub rst_rcvd: u64,
    /// Most ICMP (and ICMPv6) packets sent / received in one second (packet time).
    pub icmp_sent_per_sec: u32,
    pub icmp_rcvd_per_sec: u32,
    /// TCP flows the host opened with a SYN, minus those its servers answered with a SYN-ACK.
    pub incomplete_flows: u64,
    /// Distinct DNS, NTP and SMTP servers the host contacted as client.
    pub dns_servers: u32,
    pub ntp_servers: u32,
    pub smtp_servers: u32,
    /// The host was the server of a DNS flow (ever).
    pub dns_server: bool,
}

impl HostWindow {
    /// The host's address in words ("the host" when unknown).
    pub fn who(&self) -> String {
        self.ip.map_or_else(|| "the host".to_string(), |ip| ip.to_string())
    }
}

/// The server contact checks: `value` distinct `what` servers, above the threshold.
pub(crate) fn contacts(w: &HostWindow, what: &str, value: u64, threshold: u64) -> Option<(Hit, String)> {
    (value > threshold).then(|| {
        (
            Hit { value, threshold, as_attacker: true },
            format!(
                "{} contacted {value} distinct {what} servers since the previous check (threshold {threshold})",
                w.who()
            ),
        )
    })
}

/// The attacker side when it is above the threshold, else the victim side when it is: (value, attacker).
pub(crate) fn attacker_or_victim(attacker: u64, victim: u64, threshold: u64) -> Option<(u64, bool)> {
    if attacker > threshold {
        Some((attacker, true))
    } else if victim > threshold {
        Some((victim, false))
    } else {
        None
    }
}

/// A condition that holds: the value that crossed the threshold and the side that crossed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub value: u64,
    pub threshold: u64,
    /// The host did it (attacker, as client) rather than had it done to it (victim, as server).
    pub as_attacker: bool,
}

/// A host alert a check raised on one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RaisedHostAlert {
    pub key: &'static str,
    pub alert_id: u16,
    pub category: AlertCategory,
    /// The check's fixed alert score (ntopng's host alert scores do not depend on the values).
    pub score: u16,
    pub hit: Hit,
    /// Why, in words, with the values.
    pub description: String,
}

impl RaisedHostAlert {
    pub fn severity(&self) -> Severity {
        Severity::from_score(self.score as u32)
    }
    pub fn is_attacker(&self) -> bool {
        self.hit.as_attacker
    }
    pub fn is_victim(&self) -> bool {
        !self.hit.as_attacker
    }
    /// The alert's check-specific JSON (the `json` column).
    pub fn json(&self) -> Value {
        json!({
            "alert_generation": {"script_key": self.key, "subdir": "host", "confset_id": 0},
            "value": self.hit.value,
            "threshold": self.hit.threshold,
            "is_attacker": self.is_attacker(),
            "is_victim": self.is_victim(),
        })
    }
}

type Evaluate = fn(&HostWindow, u64) -> Option<(Hit, String)>;

/// The implemented host checks, by key.
const HOST_CHECKS: &[(&str, Evaluate)] = &[
    ("syn_scan", syn_scan::evaluate),
    ("flow_flood", flow_flood::evaluate),
    ("score_threshold", score_threshold::evaluate),
    ("syn_flood", syn_flood::evaluate),
    ("fin_scan", fin_scan::evaluate),
    ("rst_scan", rst_scan::evaluate),
    ("icmp_flood", icmp_flood::evaluate),
    ("scan_detection", scan_detection::evaluate),
    ("dns_contacts", dns_contacts::evaluate),
    ("ntp_contacts", ntp_contacts::evaluate),
    ("smtp_contacts", smtp_contacts::evaluate),
];

/// The alert ids of the checks in [`HOST_CHECKS`] (what the daemon's runner engages and releases).
pub fn alert_ids(registry: &crate::registry::Registry) -> Vec<u16> {
    HOST_CHECKS.iter().filter_map(|(key, _)| registry.get(Family::Host, key)).map(|d| d.alert_id).collect()
}

/// Runs every enabled host check on one host's window.
pub fn run(checks: &Checks, w: &HostWindow) -> Vec<RaisedHostAlert> {
    let registry = checks.registry();
    let mut out = Vec::new();
    for (key, evaluate) in HOST_CHECKS {
        let Some(def) = registry.get(Family::Host, key) else { continue };
        if !checks.is_enabled(Family::Host, key) {
            continue;
        }
        let threshold = checks.threshold(Family::Host, key).or(def.default_threshold).unwrap_or(u64::MAX);
        if let Some((hit, description)) = evaluate(w, threshold) {
            out.push(RaisedHostAlert {
                key: def.key,
                alert_id: def.alert_id,
                category: def.category,
                score: def.score,
                hit,
                description,
            });
        }
    }
    out
}
