//! The host check runner: a thread that, every minute of wall-clock time (ntopng's `min` hook), takes a
//! background view of each interface's hosts, runs the host checks (`ntopng_checks::host`) on what each
//! host did since the previous run, engages the alerts they raise, and releases (stores) the ones no longer
//! raised. Workers only count (`engine::host_counters`); nothing here touches the packet path.
//!
//! A capture file is read at full speed, so its hosts are not checked while it is read; its final state
//! stays in memory afterwards and is checked as live hosts are: the first run after the file is read
//! raises what the file held, the next one releases it (no new activity). Alert times are wall clock, as ntopng's periodic host checks stamp them.
//!
//! The period is ntopng's 60 s; tests shorten it with the environment variable
//! `NTOPNG_TEST_HOST_CHECK_PERIOD_MS` (nothing else reads it).

use crate::alerts::Alerting;
use crate::interfaces::Interfaces;
use ntopng_alerts::{Engaged, EngagedKey, HostAlertRow, Refresh};
use ntopng_checks::Family;
use ntopng_engine::host::HostKey;
use ntopng_engine::host_counters::{PacketRates, ServerKind, SynCounters};
use ntopng_lua::{EngagedSummary, InterfaceProvider, ViewNeeds};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// ntopng runs its `min` host checks every 60 s.
pub const PERIOD: Duration = Duration::from_secs(60);
/// Test-only override of [`PERIOD`], in milliseconds.
pub const PERIOD_ENV: &str = "NTOPNG_TEST_HOST_CHECK_PERIOD_MS";

/// The period: ntopng's, unless a test set [`PERIOD_ENV`].
pub fn period() -> Duration {
    match std::env::var(PERIOD_ENV).ok().and_then(|v| v.parse::<u64>().ok()).filter(|ms| *ms > 0) {
        Some(ms) => {
            log::warn!("host checks every {ms} ms ({PERIOD_ENV}; ntopng's period is 60 s)");
            Duration::from_millis(ms)
        }
        None => PERIOD,
    }
}

pub struct HostCheckRunner {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HostCheckRunner {
    pub fn start(
        interfaces: Arc<Interfaces>,
        alerting: Arc<Alerting>,
        period: Duration,
    ) -> Result<HostCheckRunner, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::Builder::new()
            .name("host-checks".into())
            .spawn(move || run(&interfaces, &alerting, period, &s))
            .map_err(|e| e.to_string())?;
        Ok(HostCheckRunner { stop, thread: Some(thread) })
    }

    /// Stops the runner; every engaged alert is released and stored.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What the runner remembers of one interface between runs.
#[derive(Default)]
struct IfaceRuns {
    /// Each host's SYN counters at the previous run (hosts that went away are dropped).
    syn_before: HashMap<HostKey, SynCounters>,
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn run(ifaces: &Interfaces, alerting: &Alerting, period: Duration, stop: &AtomicBool) {
    let mut state: BTreeMap<i32, IfaceRuns> = BTreeMap::new();
    let mut next = Instant::now() + period;
    while !stop.load(Ordering::Relaxed) {
        if Instant::now() < next {
            std::thread::sleep(Duration::from_millis(50).min(period));
            continue;
        }
        next += period;
        // A script may have just changed the configuration: the run uses what is stored now.
        alerting.checks().reload_if_changed();
        for info in ifaces.interfaces() {
            // A capture file being read at full speed has no minutes yet: its hosts are checked once read.
            if info.pcap_dump && info.running {
                continue;
            }
            let runs = state.entry(info.ifid).or_default();
            check_interface(ifaces, alerting, info.ifid, runs);
        }
    }
    // Shutdown: what is engaged is released and stored (ntopng stores host alerts when released).
    alerting.release_all_engaged();
    for info in ifaces.interfaces() {
        ifaces.set_engaged(info.ifid, BTreeMap::new());
    }
}

/// One run on one interface.
fn check_interface(ifaces: &Interfaces, alerting: &Alerting, ifid: i32, runs: &mut IfaceRuns) {
    if alerting.store(ifid).is_none() {
        return;
    }
    let checks = alerting.checks();
    let round_counter = ifaces.host_check_round(ifid);
    // The round of the view: new-flow rates counted in it are "since the previous run".
    let round = round_counter.load(Ordering::Relaxed);
    let Some(view) = ifaces.background_view(ifid, ViewNeeds::HOSTS) else { return };
    // From here, workers count new flows in the next round.
    round_counter.store(round.wrapping_add(1), Ordering::Relaxed);
    let now = now_secs();
    let ours_ids = ntopng_checks::host::alert_ids(checks.registry());
    let mut raised = Vec::new();
    let mut syn_now = HashMap::with_capacity(view.snapshot.hosts.len());
    for (key, h) in &view.snapshot.hosts {
        let before = runs.syn_before.get(key).copied().unwrap_or_default();
        syn_now.insert(*key, h.syn);
        let (flows_cli, flows_srv) = h.new_flows.max_in_round(round);
        let rates = h.rates.max_in_round(round);
        let contacts = h.contacts.as_ref().map_or([0; 3], |c| c.counts_in_round(round));
        let (s, b) = (&h.syn, &before);
        let opened = s.tcp_opened.wrapping_sub(b.tcp_opened);
        let answered = s.tcp_answered.wrapping_sub(b.tcp_answered);
        let w = ntopng_checks::HostWindow {
            syn_sent: s.syn_sent.saturating_sub(b.syn_sent),
            synack_rcvd: s.synack_rcvd.saturating_sub(b.synack_rcvd),
            syn_rcvd: s.syn_rcvd.saturating_sub(b.syn_rcvd),
            synack_sent: s.synack_sent.saturating_sub(b.synack_sent),
            new_flows_per_sec_as_client: flows_cli,
            new_flows_per_sec_as_server: flows_srv,
            score_as_client: h.score.as_client,
            score_as_server: h.score.as_server,
            ip: Some(key.addr.to_ip()),
            syn_sent_per_sec: rates[PacketRates::SYN_SENT],
            syn_rcvd_per_sec: rates[PacketRates::SYN_RCVD],
            fin_sent: u64::from(s.fin_sent.wrapping_sub(b.fin_sent)),
            fin_rcvd: u64::from(s.fin_rcvd.wrapping_sub(b.fin_rcvd)),
            rst_sent: u64::from(s.rst_sent.wrapping_sub(b.rst_sent)),
            rst_rcvd: u64::from(s.rst_rcvd.wrapping_sub(b.rst_rcvd)),
            icmp_sent_per_sec: rates[PacketRates::ICMP_SENT],
            icmp_rcvd_per_sec: rates[PacketRates::ICMP_RCVD],
            // Answers to flows opened before the previous run may outnumber this run's openings.
            incomplete_flows: u64::from(opened.saturating_sub(answered)),
            dns_servers: contacts[ServerKind::Dns as usize],
            ntp_servers: contacts[ServerKind::Ntp as usize],
            smtp_servers: contacts[ServerKind::Smtp as usize],
            dns_server: h.contacts.as_ref().is_some_and(|c| c.dns_server),
        };
        for a in ntopng_checks::host::run(checks, &w) {
            raised.push(HostAlertRow::raised(ifid, key.addr.to_ip(), key.vlan, h.network_id, &a, now));
        }
    }
    runs.syn_before = syn_now;
    // Engage (or refresh) what was raised; release what these checks no longer raise.
    let summary = alerting.with_engaged(ifid, |store, engaged| {
        let mut seen = HashSet::new();
        for r in &raised {
            let entity = if r.vlan_id == 0 { r.ip.clone() } else { format!("{}@{}", r.ip, r.vlan_id) };
            let key = EngagedKey { family: Family::Host, alert_id: r.alert_id, entity, subtype: String::new() };
            let refresh = Refresh { score: i64::from(r.score), severity: i64::from(r.severity), json: &r.json, now };
            if let Err(e) = engaged.trigger(store, key.clone(), &r.to_row(), &refresh) {
                log::error!("interface {ifid}: engaging a host alert: {e}");
            }
            seen.insert(key);
        }
        let ours = |k: &EngagedKey| k.family == Family::Host && ours_ids.contains(&k.alert_id);
        match engaged.release_unseen(store, ours, &seen, now) {
            Ok(0) => {}
            Ok(n) => log::debug!("interface {ifid}: {n} host alerts released"),
            Err(e) => log::error!("interface {ifid}: releasing host alerts: {e}"),
        }
        engaged_summary(engaged)
    });
    // What the views show from now on: the engaged alerts' count and score per host.
    if let Some(summary) = summary {
        ifaces.set_engaged(ifid, summary);
    }
}

/// The engaged host alerts per host, every source counted (Lua user checks too): count and score.
pub fn engaged_summary(engaged: &Engaged) -> BTreeMap<HostKey, EngagedSummary> {
    let mut out = BTreeMap::new();
    for (entity, (alerts, score)) in engaged.per_entity(Family::Host) {
        let (ip, vlan) = match entity.rsplit_once('@') {
            Some((ip, v)) => (ip, v.parse().unwrap_or(0)),
            None => (entity.as_str(), 0),
        };
        let Ok(ip) = ip.parse::<std::net::IpAddr>() else { continue };
        let key = HostKey { addr: ntopng_wire::Addr::from_ip(ip), vlan };
        out.insert(key, EngagedSummary { alerts, score: score.clamp(0, i64::from(u32::MAX)) as u32 });
    }
    out
}
