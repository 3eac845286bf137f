//! Every ntopng flow and host check this monitor knows, with ntopng's identity and defaults
//! (checks.md §2-§3), and whether it is implemented here.

use crate::risk_map::RISKS;
use crate::severity::Severity;
use std::collections::BTreeMap;

/// The subdirectory ntopng files a check under (`check_subdir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Flow,
    Host,
    /// Local networks: only user (Lua) network checks raise these here.
    Network,
}

impl Family {
    pub fn subdir(self) -> &'static str {
        match self {
            Family::Flow => "flow",
            Family::Host => "host",
            Family::Network => "network",
        }
    }
    pub fn from_subdir(s: &str) -> Option<Family> {
        match s {
            "flow" => Some(Family::Flow),
            "host" => Some(Family::Host),
            "network" => Some(Family::Network),
            _ => None,
        }
    }
    /// ntopng's alert entity id (alert_entities.lua).
    pub fn entity_id(self) -> u8 {
        match self {
            Family::Flow => 4,
            Family::Host => 1,
            Family::Network => 2,
        }
    }
    /// The hook ntopng stores the check's configuration under.
    pub fn hook(self) -> &'static str {
        match self {
            Family::Flow => "all",
            Family::Host | Family::Network => "min",
        }
    }
}

/// ntopng's alert categories (`AlertCategory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertCategory {
    Other = 0,
    Security = 1,
    Internals = 2,
    Network = 3,
}

impl AlertCategory {
    pub fn id(self) -> u8 {
        self as u8
    }
    pub fn label(self) -> &'static str {
        match self {
            AlertCategory::Other => "Other",
            AlertCategory::Security => "Cybersecurity",
            AlertCategory::Internals => "Internals",
            AlertCategory::Network => "Network",
        }
    }
}

/// Whether the check raises alerts here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Implemented,
    /// Not yet, and why.
    Pending(&'static str),
}

/// One check.
#[derive(Debug, Clone)]
pub struct CheckDef {
    /// ntopng's `script_key`.
    pub key: &'static str,
    pub family: Family,
    /// Alert type id (flow or host alert ids; they overlap across families).
    pub alert_id: u16,
    /// Name of the alert type.
    pub name: String,
    pub category: AlertCategory,
    /// Score of one alert (client + server).
    pub score: u16,
    /// Client share of the score, in percent.
    pub client_pct: u8,
    pub default_enabled: bool,
    /// Default `script_conf.threshold`, for checks that have one.
    pub default_threshold: Option<u64>,
    /// The nDPI risk bit that raises it (risk checks).
    pub risk: Option<u32>,
    pub status: Status,
}

impl CheckDef {
    pub fn severity(&self) -> Severity {
        Severity::from_score(self.score as u32)
    }
    pub fn implemented(&self) -> bool {
        self.status == Status::Implemented
    }
}

/// The checks by family and key.
#[derive(Debug)]
pub struct Registry {
    checks: Vec<CheckDef>,
    index: BTreeMap<(Family, &'static str), usize>,
    /// Index of the check of each risk bit.
    by_risk: [Option<usize>; 64],
}

impl Registry {
    /// ntopng's community checks, scored by the linked nDPI.
    pub fn ntopng() -> Registry {
        let mut checks = Vec::new();
        for r in RISKS {
            let known = r.risk < ndpi::MAX_RISK;
            let s = ndpi::risk_score(r.risk);
            let name = if known { ndpi::risk_name(r.risk) } else { r.key.to_string() };
            checks.push(CheckDef {
                key: r.key,
                family: Family::Flow,
                alert_id: r.alert_id,
                name,
                category: r.category,
                score: s.total,
                client_pct: if s.total == 0 { 0 } else { (s.client as u32 * 100 / s.total as u32) as u8 },
                default_enabled: true,
                default_threshold: None,
                risk: Some(r.risk),
                status: if known {
                    Status::Implemented
                } else {
                    Status::Pending("risk unknown to nDPI 4.2 (added by later nDPI releases)")
                },
            });
        }
        for f in FLOW_CHECKS {
            checks.push(f.def(Family::Flow));
        }
        for h in HOST_CHECKS {
            checks.push(h.def(Family::Host));
        }
        for n in NETWORK_CHECKS {
            checks.push(n.def(Family::Network));
        }
        let index = checks.iter().enumerate().map(|(i, c)| ((c.family, c.key), i)).collect();
        let mut by_risk = [None; 64];
        for (i, c) in checks.iter().enumerate() {
            if let (Some(bit), true) = (c.risk, c.implemented()) {
                by_risk[bit as usize] = Some(i);
            }
        }
        Registry { checks, index, by_risk }
    }

    pub fn all(&self) -> &[CheckDef] {
        &self.checks
    }

    pub fn get(&self, family: Family, key: &str) -> Option<&CheckDef> {
        self.index.get(&(family, key)).map(|&i| &self.checks[i])
    }

    /// Position of a check in [`Registry::all`].
    pub fn position(&self, family: Family, key: &str) -> Option<usize> {
        self.index.get(&(family, key)).copied()
    }

    /// The implemented check raised by risk bit `bit`.
    pub fn risk_check(&self, bit: u32) -> Option<(usize, &CheckDef)> {
        let i = (*self.by_risk.get(bit as usize)?)?;
        Some((i, &self.checks[i]))
    }

    /// Flow alert type name by id (for the alert lists and counters).
    pub fn alert_name(&self, family: Family, alert_id: u16) -> Option<&str> {
        self.checks.iter().find(|c| c.family == family && c.alert_id == alert_id).map(|c| c.name.as_str())
    }
}

/// A non-risk check as checks.md lists it.
struct Plain {
    key: &'static str,
    alert_id: u16,
    name: &'static str,
    category: AlertCategory,
    score: u16,
    client_pct: u8,
    enabled: bool,
    threshold: Option<u64>,
    pending: &'static str,
}

impl Plain {
    fn def(&self, family: Family) -> CheckDef {
        CheckDef {
            key: self.key,
            family,
            alert_id: self.alert_id,
            name: self.name.to_string(),
            category: self.category,
            score: self.score,
            client_pct: self.client_pct,
            default_enabled: self.enabled,
            default_threshold: self.threshold,
            risk: None,
            status: if self.pending == IMPLEMENTED { Status::Implemented } else { Status::Pending(self.pending) },
        }
    }
}

const fn p(
    key: &'static str,
    alert_id: u16,
    name: &'static str,
    category: AlertCategory,
    score: u16,
    client_pct: u8,
    enabled: bool,
    threshold: Option<u64>,
    pending: &'static str,
) -> Plain {
    Plain { key, alert_id, name, category, score, client_pct, enabled, threshold, pending }
}

use AlertCategory::{Internals as I, Network as N, Other as O, Security as S};

const NEEDS_HOST_HOOK: &str = "needs the periodic host check hook";
/// In place of a pending reason: the check runs (crate::host).
const IMPLEMENTED: &str = "";

const FLOW_CHECKS: &[Plain] = &[
    p("blacklisted", 1, "Blacklisted Flow", S, 200, 90, true, None, ""),
    p("blacklisted_client_contact", 9, "Blacklisted Client Contact", S, 50, 50, true, None, ""),
    p("blacklisted_server_contact", 13, "Blacklisted Server Contact", S, 200, 90, true, None, ""),
    p("country_check", 2, "Blacklisted Country", S, 100, 50, false, None, "needs geolocation"),
    p("broadcast_non_udp_traffic", 67, "Broadcast Non-UDP Traffic", N, 100, 90, true, None, "needs the flow-begin hook"),
    // On by default here (off in ntopng): a user check runs because the user dropped its file in flow_checks/.
    p("custom_lua_script", 87, "Custom Script Alert", O, 100, 50, true, None, ""),
    p("device_protocol_not_allowed", 5, "Device Protocol Not Allowed", S, 100, 90, true, None, "needs device-type protocol policies"),
    p("external_alert_check", 10, "External Alert", S, 100, 50, true, None, "needs external (syslog/ZMQ) alerts"),
    p("low_goodput", 12, "Low Goodput Ratio", N, 10, 50, true, None, ""),
    p("not_purged", 14, "Internals: Flow Not Purged", I, 50, 50, true, None, "an internal consistency check of ntopng's flow purging (flows here end when they are purged)"),
    p("rare_destination", 92, "Rare Destination", N, 10, 50, true, None, "ntopng's detection is stubbed out (never fires)"),
    p("remote_access", 57, "Remote Access", S, 10, 50, true, None, "needs custom categories (RemoteAccess/VPN) per flow"),
    p("remote_to_local_insecure_flow", 38, "Remote to Local Insecure Protocol", S, 100, 90, true, None, ""),
    p("remote_to_remote", 16, "Remote to Remote Flow", N, 10, 50, false, None, "needs the locality of both peers at classification"),
    p("tcp_flow_reset", 100, "TCP Flow Reset", N, 10, 90, false, None, ""),
    p("tcp_no_data_exchanged", 56, "TCP No Data Exchanged", N, 10, 90, true, None, ""),
    p("tcp_packets_issues", 19, "TCP Packets Issues", N, 100, 50, false, None, ""),
    p("zero_tcp_window", 36, "TCP Zero Window", N, 10, 90, true, None, ""),
    p("unexpected_dhcp", 32, "Unexpected DHCP Server", S, 100, 90, false, None, ""),
    p("unexpected_dns", 33, "Unexpected DNS Server", S, 100, 90, false, None, ""),
    p("unexpected_ntp", 35, "Unexpected NTP Server", S, 100, 90, false, None, ""),
    p("unexpected_smtp", 34, "Unexpected SMTP Server", S, 100, 90, false, None, ""),
    p("vlan_bidirectional_traffic", 91, "VLAN Bidirectional Traffic", N, 100, 90, false, None, "needs the VLAN list configuration"),
    p("web_mining", 27, "Web Mining Detected", S, 50, 90, true, None, "needs the custom Mining category"),
    p("elephant_flows", 8, "Elephant Flow", N, 50, 50, false, None, ""),
    p("long_lived_flows", 11, "Long-Lived Flow", N, 10, 50, false, None, ""),
];

const FLOW_HOOK_HOST: &str = NEEDS_HOST_HOOK;

const HOST_CHECKS: &[Plain] = &[
    p("countries_contacts", 16, "Countries Contacts", N, 10, 50, false, Some(100), "needs geolocation"),
    // On by default here (off in ntopng): a user check runs because the user dropped its file in host_checks/.
    p("custom_host_lua_script", 24, "Custom Host Script Alert", O, 0, 100, true, None, ""),
    p("dangerous_host", 14, "Dangerous Host", S, 100, 100, false, Some(1000), FLOW_HOOK_HOST),
    p("dns_contacts", 2, "DNS Server Contacts", N, 10, 100, false, Some(5), IMPLEMENTED),
    p("domain_names_contacts", 7, "Domain Names Contacts", N, 10, 50, false, Some(250), FLOW_HOOK_HOST),
    p("ntp_contacts", 3, "NTP Server Contacts", N, 10, 100, false, Some(5), IMPLEMENTED),
    p("smtp_contacts", 1, "SMTP Server Contacts", N, 10, 100, false, Some(5), IMPLEMENTED),
    p("flow_flood", 4, "Flow Flood", S, 50, 100, false, Some(256), IMPLEMENTED),
    p("syn_scan", 5, "TCP SYN Scan", S, 50, 100, false, Some(256), IMPLEMENTED),
    // Removed from ntopng in October 2024 (overlapping with syn_scan); kept for users of older releases.
    p("syn_flood", 6, "TCP SYN Flood", S, 250, 100, false, Some(256), IMPLEMENTED),
    p("fin_scan", 21, "TCP FIN Scan", S, 50, 100, false, Some(256), IMPLEMENTED),
    p("rst_scan", 25, "TCP RST Scan", S, 50, 100, false, Some(256), IMPLEMENTED),
    p("icmp_flood", 18, "ICMP Flood", S, 50, 100, false, Some(250), IMPLEMENTED),
    p("remote_connection", 12, "Remote Connection", S, 10, 50, false, None, "needs the remote_access flow check"),
    p("scan_detection", 20, "Scan Detected", S, 100, 100, false, Some(32), IMPLEMENTED),
    p("score_threshold", 17, "Score Threshold Exceeded", S, 150, 100, true, Some(5000), IMPLEMENTED),
    p("unexpected_gateway", 8, "Unexpected Gateway", S, 100, 100, false, None, "needs the gateway list configuration"),
];

const NEEDS_LUA_NETWORK: &str = "one of ntopng's Lua network checks, not shipped yet";

/// Network checks: ntopng's are Lua scripts (checks.md §4); user network checks raise their own types.
const NETWORK_CHECKS: &[Plain] = &[
    // This build's type for user network checks that store an alert of no ntopng type (the seeds'
    // example names `alert_consts.alert_types.alert_network_anomaly`, which ntopng does not define).
    p("custom_network_lua_script", 4400, "Network Anomaly", O, 0, 100, true, None, ""),
    p("flow_flood_victim", 4153, "Flow Flood Victim", S, 100, 100, false, Some(32768), NEEDS_LUA_NETWORK),
    p("syn_scan_victim", 4157, "TCP SYN Scan Victim", S, 100, 100, false, Some(32768), NEEDS_LUA_NETWORK),
    p("broadcast_domain_too_large", 4164, "Broadcast Domain Too Large", N, 50, 100, true, None, NEEDS_LUA_NETWORK),
    p("network_discovery", 4171, "Network Discovery Executed", N, 10, 100, true, None, NEEDS_LUA_NETWORK),
    p("network_issues", 4179, "Network Issues", N, 100, 100, false, Some(15), NEEDS_LUA_NETWORK),
];
