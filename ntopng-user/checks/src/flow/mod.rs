//! ntopng's C++ flow checks that need no nDPI risk: each reads a flow record when the flow is
//! classified or when it ends (checks.md §2.1), off the packet path, in the alert writer.
//!
//! One module per check. A [`FlowCheck`] is built from its current configuration (`script_conf`) for
//! each batch of flow events ([`ActiveChecks::prepare`]) and answers with a [`Raised`] score split;
//! [`ActiveChecks::run`] combines what the checks raise with the flow's nDPI risk alerts into one
//! [`FlowAlerts`] (predominant alert, alerts map, total score), as ntopng stores one row per flow.

mod blacklist;
mod elephant;
mod insecure;
mod long_lived;
mod low_goodput;
mod no_data;
mod tcp_issues;
mod tcp_reset;
mod unexpected_server;
mod zero_window;

pub use blacklist::Blacklist;
pub use low_goodput::{goodput_ratio_pct, is_low_goodput};
pub use no_data::no_data_exchanged;
pub use zero_window::zero_window_seen;

use crate::config::{CheckConf, Checks};
use crate::flow_risk::{risk_alerts, FlowAlerts, RaisedAlert};
use crate::registry::{CheckDef, Family};
use ndpi::ProtocolNames;
use ntopng_engine::alert_tap::{AddressFilter, EventWants, FlowEventKind, CATEGORY_WORDS, PROTOCOL_WORDS};
use ntopng_engine::sink::FlowRecord;
use ntopng_engine::LocalNetworks;
use ntopng_wire::Addr;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// What the flow checks know beyond the flow: the interface's local networks (`-m`), nDPI's
/// protocol table (breeds) and the IP blacklist.
#[derive(Debug, Clone, Default)]
pub struct FlowContext {
    pub local_networks: LocalNetworks,
    /// `None` when DPI is off: the checks that need breeds raise nothing.
    pub names: Option<Arc<ProtocolNames>>,
    /// `None` when no blacklist file is configured.
    pub blacklist: Option<Arc<Blacklist>>,
}

impl FlowContext {
    pub fn is_local(&self, a: &Addr) -> bool {
        self.local_networks.is_local(a)
    }
    pub fn cli_blacklisted(&self, rec: &FlowRecord) -> bool {
        self.blacklist.as_ref().is_some_and(|b| b.contains(&rec.client.0))
    }
    pub fn srv_blacklisted(&self, rec: &FlowRecord) -> bool {
        self.blacklist.as_ref().is_some_and(|b| b.contains(&rec.server.0))
    }

    /// Gives the taps what they test flows against (the blacklist); once per tap filter set.
    pub fn install(&self, into: &EventWants) {
        if let Some(b) = &self.blacklist {
            let filter: Arc<dyn AddressFilter> = b.clone();
            if into.address_filter.set(filter).is_err() {
                log::warn!(
                    "flow checks: the taps' address filter was already set; the new blacklist applies to alerts only"
                );
            }
        }
    }
}

/// What a check raised on a flow: the alert's score (the type's default unless the check sets it)
/// split with a client share (the check's default unless set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Raised {
    pub score: Option<u16>,
    pub client_pct: Option<u8>,
}

impl Raised {
    pub const DEFAULT: Raised = Raised { score: None, client_pct: None };
}

/// When a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// nDPI's detection is complete (ntopng's `protocolDetected`).
    Classified,
    /// The flow ended (ntopng's `flowEnd`).
    Ended,
}

/// One flow check with its configuration applied.
pub trait FlowCheck: Send + Sync {
    /// ntopng's `script_key`.
    fn key(&self) -> &'static str;
    fn on_classified(&self, _rec: &FlowRecord, _ctx: &FlowContext) -> Option<Raised> {
        None
    }
    fn on_end(&self, _rec: &FlowRecord, _ctx: &FlowContext) -> Option<Raised> {
        None
    }
    /// Whether the check also runs on the periodic events of live flows (ntopng's `periodicUpdate`, every
    /// 60 s), with [`FlowCheck::on_end`] on the flow as it is then. An alert it raised periodically is not
    /// raised again for the same flow (later periodic events, end).
    fn periodic(&self) -> bool {
        false
    }
    /// Adds the flow events the check needs to `w` (no more than it can raise alerts on).
    fn wants(&self, ctx: &FlowContext, w: &mut Wants);
}

/// A check's key, hook, whether it can raise anything in a context, and its constructor.
struct Entry {
    key: &'static str,
    hook: Hook,
    /// Whether the check can raise anything at all with this context (a blacklist check without a
    /// blacklist asks for no events).
    useful: fn(&FlowContext) -> bool,
    build: fn(&CheckConf) -> Box<dyn FlowCheck>,
}

fn always(_: &FlowContext) -> bool {
    true
}

fn with_blacklist(ctx: &FlowContext) -> bool {
    ctx.blacklist.is_some()
}

fn with_names(ctx: &FlowContext) -> bool {
    ctx.names.is_some()
}

/// Every flow check implemented here, in the order their alerts are listed on a flow.
const ENTRIES: &[Entry] = &[
    Entry { key: "unexpected_dns", hook: Hook::Classified, useful: always, build: unexpected_server::dns },
    Entry { key: "unexpected_dhcp", hook: Hook::Classified, useful: always, build: unexpected_server::dhcp },
    Entry { key: "unexpected_ntp", hook: Hook::Classified, useful: always, build: unexpected_server::ntp },
    Entry { key: "unexpected_smtp", hook: Hook::Classified, useful: always, build: unexpected_server::smtp },
    Entry { key: "remote_to_local_insecure_flow", hook: Hook::Classified, useful: with_names, build: insecure::build },
    Entry { key: "blacklisted", hook: Hook::Classified, useful: always, build: blacklist::flow },
    Entry {
        key: "blacklisted_client_contact",
        hook: Hook::Classified,
        useful: with_blacklist,
        build: blacklist::client_contact,
    },
    Entry {
        key: "blacklisted_server_contact",
        hook: Hook::Classified,
        useful: with_blacklist,
        build: blacklist::server_contact,
    },
    Entry { key: "tcp_packets_issues", hook: Hook::Ended, useful: always, build: tcp_issues::build },
    Entry { key: "tcp_flow_reset", hook: Hook::Ended, useful: always, build: tcp_reset::build },
    Entry { key: "long_lived_flows", hook: Hook::Ended, useful: always, build: long_lived::build },
    Entry { key: "elephant_flows", hook: Hook::Ended, useful: always, build: elephant::build },
    Entry { key: "low_goodput", hook: Hook::Ended, useful: always, build: low_goodput::build },
    Entry { key: "tcp_no_data_exchanged", hook: Hook::Ended, useful: always, build: no_data::build },
    Entry { key: "zero_tcp_window", hook: Hook::Ended, useful: always, build: zero_window::build },
];

/// The keys of the flow checks implemented by this module.
pub fn implemented_keys() -> impl Iterator<Item = &'static str> {
    ENTRIES.iter().map(|e| e.key)
}

/// The `script_conf` a check starts with (beyond `threshold`), as ntopng's definitions default it.
pub fn default_script_conf(key: &str) -> Map<String, Value> {
    let v = match key {
        "unexpected_dns" | "unexpected_dhcp" | "unexpected_ntp" | "unexpected_smtp" => {
            unexpected_server::default_conf()
        }
        "tcp_packets_issues" => tcp_issues::default_conf(),
        "long_lived_flows" => long_lived::default_conf(),
        "elephant_flows" => elephant::default_conf(),
        _ => return Map::new(),
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Which flow events the enabled checks need from the engine, as narrow as each check allows (so
/// that the workers copy as few flows as possible).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wants {
    /// Every classified flow.
    pub classified: bool,
    /// Classified flows of these nDPI protocols (master or application).
    pub protocols: BTreeSet<u16>,
    /// Classified flows of these nDPI categories.
    pub categories: BTreeSet<u32>,
    /// Classified flows with a peer in the blacklist.
    pub addresses: bool,
    /// Every ended flow.
    pub ended: bool,
    /// Ended TCP flows with sequence issues.
    pub ended_tcp_issues: bool,
    /// Ended TCP flows closed by a RST and no FIN.
    pub ended_tcp_reset: bool,
    /// Ended TCP flows with a low payload ratio (`low_goodput`).
    pub ended_low_goodput: bool,
    /// Ended TCP flows with no payload (`tcp_no_data_exchanged`).
    pub ended_no_data: bool,
    /// Ended TCP flows with a zero window (`zero_tcp_window`).
    pub ended_zero_window: bool,
    /// Ended flows longer than this (ns).
    pub ended_min_duration_ns: Option<u64>,
    /// Ended flows with more bytes than this in one direction.
    pub ended_min_bytes: Option<u64>,
    /// Periodic events of live flows past the `ended_*` filters (a check with [`FlowCheck::periodic`]).
    pub periodic: bool,
}

impl Wants {
    pub fn any_classified(&self) -> bool {
        self.classified || self.addresses || !self.protocols.is_empty() || !self.categories.is_empty()
    }

    pub fn any_ended(&self) -> bool {
        self.ended
            || self.ended_tcp_issues
            || self.ended_tcp_reset
            || self.ended_low_goodput
            || self.ended_no_data
            || self.ended_zero_window
            || self.ended_min_duration_ns.is_some()
            || self.ended_min_bytes.is_some()
    }

    /// Sets the taps' filters; `all`: someone else (the user's Lua flow checks) wants every event.
    pub fn store(&self, all: bool, into: &EventWants) {
        let mut classified_all = all || self.classified;
        let mut protocols = [0u64; PROTOCOL_WORDS];
        for &p in &self.protocols {
            match protocols.get_mut(p as usize / 64) {
                Some(w) => *w |= 1 << (p % 64),
                None => classified_all = true,
            }
        }
        let mut categories = [0u64; CATEGORY_WORDS];
        for &c in &self.categories {
            match categories.get_mut(c as usize / 64) {
                Some(w) => *w |= 1 << (c % 64),
                None => classified_all = true,
            }
        }
        for (a, v) in into.protocols.iter().zip(protocols) {
            a.store(v, Ordering::Relaxed);
        }
        for (a, v) in into.categories.iter().zip(categories) {
            a.store(v, Ordering::Relaxed);
        }
        into.some_classified.store(protocols.iter().chain(&categories).any(|w| *w != 0), Ordering::Relaxed);
        into.some_addresses.store(self.addresses, Ordering::Relaxed);
        into.all_classified.store(classified_all, Ordering::Relaxed);
        let ended_all = all || self.ended;
        into.ended_tcp_issues.store(self.ended_tcp_issues, Ordering::Relaxed);
        into.ended_tcp_reset.store(self.ended_tcp_reset, Ordering::Relaxed);
        into.ended_low_goodput.store(self.ended_low_goodput, Ordering::Relaxed);
        into.ended_no_data.store(self.ended_no_data, Ordering::Relaxed);
        into.ended_zero_window.store(self.ended_zero_window, Ordering::Relaxed);
        into.ended_min_duration_ns.store(self.ended_min_duration_ns.map_or(0, |d| d.max(1)), Ordering::Relaxed);
        into.ended_min_bytes.store(self.ended_min_bytes.map_or(0, |b| b.max(1)), Ordering::Relaxed);
        into.some_ended.store(self.any_ended(), Ordering::Relaxed);
        into.ended.store(ended_all, Ordering::Relaxed);
    }
}

/// The events the enabled flow checks need in `ctx`.
pub fn wants(checks: &Checks, ctx: &FlowContext) -> Wants {
    let mut w = Wants::default();
    for e in ENTRIES {
        if !(e.useful)(ctx) {
            continue;
        }
        if let Some(conf) = checks.conf(Family::Flow, e.key).filter(|c| c.enabled) {
            let check = (e.build)(&conf);
            check.wants(ctx, &mut w);
            w.periodic |= check.periodic() && e.hook == Hook::Ended;
        }
    }
    w
}

/// The enabled flow checks, configured, for one batch of events.
pub struct ActiveChecks<'a> {
    checks: &'a Checks,
    classified: Vec<(usize, Box<dyn FlowCheck>)>,
    ended: Vec<(usize, Box<dyn FlowCheck>)>,
}

impl<'a> ActiveChecks<'a> {
    /// Reads the current configuration of every implemented flow check.
    pub fn prepare(checks: &'a Checks, ctx: &FlowContext) -> ActiveChecks<'a> {
        let mut active = ActiveChecks { checks, classified: Vec::new(), ended: Vec::new() };
        let registry = checks.registry();
        for e in ENTRIES {
            let Some(pos) = registry.position(Family::Flow, e.key) else { continue };
            if !registry.all()[pos].implemented() || !(e.useful)(ctx) {
                continue;
            }
            let Some(conf) = checks.conf(Family::Flow, e.key).filter(|c| c.enabled) else { continue };
            let check = (e.build)(&conf);
            match e.hook {
                Hook::Classified => active.classified.push((pos, check)),
                Hook::Ended => active.ended.push((pos, check)),
            }
        }
        active
    }

    /// Whether any check runs at `hook`.
    pub fn any(&self, hook: Hook) -> bool {
        match hook {
            Hook::Classified => !self.classified.is_empty(),
            Hook::Ended => !self.ended.is_empty(),
        }
    }

    /// The alerts of a flow event: at classification, the enabled nDPI risk checks and the
    /// classification checks; at the end, the end checks, and when they raise something, the
    /// flow's classification alerts again so that the row carries the flow's whole score and
    /// alerts map (ntopng's `replace_alert`). `None` when nothing is raised.
    pub fn run(&self, kind: FlowEventKind, rec: &FlowRecord, ctx: &FlowContext) -> Option<FlowAlerts> {
        self.run_skipping(kind, rec, ctx, &[])
    }

    /// [`ActiveChecks::run`] where the end checks at registry positions `skip` (raised already on the
    /// flow's periodic events) raise nothing. A periodic event runs the end checks that declare
    /// [`FlowCheck::periodic`], and its row carries the classification alerts as the end's does.
    pub fn run_skipping(&self, kind: FlowEventKind, rec: &FlowRecord, ctx: &FlowContext, skip: &[usize]) -> Option<FlowAlerts> {
        let mut alerts = Vec::new();
        match kind {
            FlowEventKind::Classified => self.classified_alerts(rec, ctx, &mut alerts),
            FlowEventKind::Ended | FlowEventKind::Periodic => {
                let periodic = kind == FlowEventKind::Periodic;
                for (pos, c) in &self.ended {
                    if skip.contains(pos) || (periodic && !c.periodic()) {
                        continue;
                    }
                    if let Some(r) = c.on_end(rec, ctx) {
                        alerts.push(self.raised(*pos, r));
                    }
                }
                if alerts.is_empty() {
                    return None;
                }
                let mut all = Vec::new();
                self.classified_alerts(rec, ctx, &mut all);
                all.append(&mut alerts);
                alerts = all;
            }
        }
        FlowAlerts::combine(alerts)
    }

    fn classified_alerts(&self, rec: &FlowRecord, ctx: &FlowContext, out: &mut Vec<RaisedAlert>) {
        let risk = rec.classification.as_ref().map_or(0, |c| c.risk);
        if risk != 0 {
            out.extend(risk_alerts(self.checks, risk));
        }
        for (pos, c) in &self.classified {
            if let Some(r) = c.on_classified(rec, ctx) {
                out.push(self.raised(*pos, r));
            }
        }
    }

    fn raised(&self, pos: usize, r: Raised) -> RaisedAlert {
        let def: &CheckDef = &self.checks.registry().all()[pos];
        let score = r.score.unwrap_or(def.score);
        let pct = r.client_pct.unwrap_or(def.client_pct).min(100);
        let cli_score = (score as u32 * pct as u32 / 100) as u16;
        RaisedAlert {
            check: pos,
            key: def.key,
            alert_id: def.alert_id,
            category: def.category,
            risk: 0,
            cli_score,
            srv_score: score - cli_score,
        }
    }
}

/// nDPI's protocol of a flow as ntopng reads it for checks: the application if any, else the master.
pub(crate) fn detected_protocol(rec: &FlowRecord) -> Option<u16> {
    let c = rec.classification.as_ref()?;
    Some(if c.app_protocol != 0 { c.app_protocol } else { c.master_protocol })
}

/// Whether the flow's master or application protocol is one of `ids`.
pub(crate) fn has_protocol(rec: &FlowRecord, ids: &[u16]) -> bool {
    rec.classification.as_ref().is_some_and(|c| ids.contains(&c.master_protocol) || ids.contains(&c.app_protocol))
}

/// TCP three-way handshake seen: SYN and ACK from the client, SYN+ACK from the server.
pub(crate) fn tcp_established(rec: &FlowRecord) -> bool {
    use ntopng_engine::flow::tcp_flags::{ACK, SYN};
    rec.cli2srv_flags & (SYN | ACK) == SYN | ACK && rec.srv2cli_flags & (SYN | ACK) == SYN | ACK
}

/// A `script_conf` number (ntopng's GUI stores numbers, some versions as strings).
pub(crate) fn conf_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) const PROTO_TCP: u8 = 6;
pub(crate) const PROTO_ICMP: u8 = 1;
pub(crate) const PROTO_ICMPV6: u8 = 58;

/// A flow record for the checks' unit tests: 10.0.0.1:40000 → 10.0.0.2:443, with flags and
/// (packets, bytes, payload bytes) per direction (client to server first); no classification.
#[cfg(test)]
pub(crate) fn test_record(l4_proto: u8, cli_flags: u8, srv_flags: u8, dirs: [(u64, u64, u64); 2]) -> FlowRecord {
    use ntopng_engine::flow::Counters;
    let c = |d: (u64, u64, u64)| Counters { packets: d.0, bytes: d.1 };
    FlowRecord {
        client: (Addr::from_v4([10, 0, 0, 1]), 40000),
        server: (Addr::from_v4([10, 0, 0, 2]), 443),
        cli_mac: [0; 6],
        srv_mac: [0; 6],
        vlan: 0,
        l4_proto,
        ip_version: 4,
        cli2srv: c(dirs[0]),
        srv2cli: c(dirs[1]),
        cli2srv_flags: cli_flags,
        srv2cli_flags: srv_flags,
        marks: 0,
        cli2srv_goodput: dirs[0].2,
        srv2cli_goodput: dirs[1].2,
        first_seen_ns: 0,
        last_seen_ns: 1_000_000_000,
        classification: None,
        swapped: false,
        ntopng_key: 0,
        hash_id: 0,
        cli2srv_tcp: Default::default(),
        srv2cli_tcp: Default::default(),
        cli2srv_dscp: 0,
        srv2cli_dscp: 0,
        end_reason: None,
        score: Default::default(),
    }
}
