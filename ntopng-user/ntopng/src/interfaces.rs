//! The monitored interfaces as the control plane sees them: ids in `-i` order, names, and views of their
//! state through each interface's [`Publisher`]. Lua bindings ask for a view with what they need; the
//! publisher answers from a recent enough merged view or asks the workers for a fresh one.

use ndpi::ProtocolNames;
use ntopng_engine::publish::{Publisher, Want};
use ntopng_engine::host::HostKey;
use ntopng_engine::step_samples::StepMerger;
use ntopng_engine::Snapshot;
use ntopng_lua::{EngagedSummary, IfaceInfo, IfaceView, InterfaceProvider, ViewNeeds};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How old a merged view may be before workers are asked again: REST pages refreshed by many clients
/// share one copy, and ntopng itself refreshes its interface stats every few seconds.
const MAX_AGE: Duration = Duration::from_millis(500);
/// Workers spend at most 1/STALL_DUTY of their time copying views for readers: a view whose share took a
/// worker d in all (over several batches, a few ms at a time) is reused for at least STALL_DUTY × d (so
/// 100k flows on one worker, ~0.45 s to copy, refresh every ~9 s; counters-only views cost microseconds
/// and stay at MAX_AGE).
const STALL_DUTY: u32 = 20;
/// How long a request waits for busy workers (who copy a large share over several batches, a few ms at
/// a time) before using their previous share.
const TIMEOUT: Duration = Duration::from_secs(2);

struct Monitored {
    info: IfaceInfo,
    publisher: Arc<Publisher>,
    running: AtomicBool,
    /// The host check runner's round, shared with this interface's workers (EngineConfig::host_check_round).
    host_check_round: Arc<AtomicU32>,
    /// Hosts with engaged host alerts, as the runner last left them (views carry it to the bindings).
    engaged: Mutex<Arc<BTreeMap<HostKey, EngagedSummary>>>,
}

pub struct Interfaces {
    list: Vec<Monitored>,
    names: Option<Arc<ProtocolNames>>,
}

impl Interfaces {
    pub fn new(names: Option<Arc<ProtocolNames>>) -> Interfaces {
        Interfaces { list: Vec::new(), names }
    }

    /// Registers the next interface (ids follow `-i` order, from 0, as ntopng numbers them).
    pub fn add(&mut self, name: &str, pcap_dump: bool, local_networks: Vec<String>, publisher: Arc<Publisher>) -> i32 {
        let ifid = self.list.len() as i32;
        let info = IfaceInfo {
            ifid,
            name: name.to_string(),
            pcap_dump,
            // ntopng reports 1000 Mbit/s for capture files and for NICs it cannot query.
            speed_mbit: if pcap_dump { 1000 } else { link_speed_mbit(name).unwrap_or(1000) },
            local_networks,
            running: true,
        };
        self.list.push(Monitored {
            info,
            publisher,
            running: AtomicBool::new(true),
            host_check_round: Arc::default(),
            engaged: Mutex::default(),
        });
        ifid
    }

    /// The host check round counter of `ifid`, to hand to its workers.
    pub fn host_check_round(&self, ifid: i32) -> Arc<AtomicU32> {
        self.list[ifid as usize].host_check_round.clone()
    }

    /// The runner's new engaged host alerts of `ifid`.
    pub fn set_engaged(&self, ifid: i32, engaged: BTreeMap<HostKey, EngagedSummary>) {
        if let Some(m) = self.list.get(ifid as usize) {
            *m.engaged.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(engaged);
        }
    }

    /// The capture of `ifid` ended (file read): its state stays queryable.
    pub fn mark_done(&self, ifid: i32) {
        if let Some(m) = self.list.get(ifid as usize) {
            m.running.store(false, Ordering::Relaxed);
        }
    }

    /// Logs, per interface, what serving views to the control plane cost its workers.
    pub fn log_stalls(&self) {
        for m in &self.list {
            let stats = m.publisher.stall_stats();
            let serves: u64 = stats.iter().map(|s| s.serves).sum();
            if serves == 0 {
                continue;
            }
            let worst = stats.iter().map(|s| s.max).max().unwrap_or_default();
            let total: Duration = stats.iter().map(|s| s.total).sum();
            log::info!(
                "{}: {serves} views served to the control plane; worker stall worst {:.1} ms, total {:.1} ms",
                m.info.name,
                worst.as_secs_f64() * 1e3,
                total.as_secs_f64() * 1e3
            );
        }
    }

    fn info(m: &Monitored) -> IfaceInfo {
        IfaceInfo { running: m.running.load(Ordering::Relaxed), ..m.info.clone() }
    }
}

impl Interfaces {
    /// A view for a periodic background reader (the timeseries writer): workers copy only `needs`, and
    /// the view REST pages share stays cached ([`Publisher::view_background`]).
    pub fn background_view(&self, ifid: i32, needs: ViewNeeds) -> Option<Arc<IfaceView>> {
        let m = self.list.iter().find(|m| m.info.ifid == ifid)?;
        let want = Want { hosts: needs.hosts, flows: needs.flows, macs: needs.macs };
        let (snapshot, _fresh) = m.publisher.view_background(want, max_age(&m.publisher), TIMEOUT);
        Some(Interfaces::wrap(m, snapshot))
    }

    /// The workers of `ifid` if they sample their counters at packet-time boundaries (capture files).
    pub fn step_sampling(&self, ifid: i32) -> Option<usize> {
        self.list.iter().find(|m| m.info.ifid == ifid)?.publisher.step_sampling()
    }

    /// Moves `ifid`'s queued packet-time samples into `merger`.
    pub fn receive_step_samples(&self, ifid: i32, merger: &mut StepMerger) -> bool {
        self.list.iter().find(|m| m.info.ifid == ifid).is_some_and(|m| m.publisher.receive_step_samples(merger))
    }

    /// No more samples of `ifid` will be read.
    pub fn close_step_samples(&self, ifid: i32) {
        if let Some(m) = self.list.iter().find(|m| m.info.ifid == ifid) {
            m.publisher.close_step_samples();
        }
    }

    fn wrap(m: &Monitored, snapshot: Arc<Snapshot>) -> Arc<IfaceView> {
        let info = Interfaces::info(m);
        let epoch = if info.pcap_dump { last_packet_epoch(&snapshot).unwrap_or_else(now_epoch) } else { now_epoch() };
        let engaged = m.engaged.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Arc::new(IfaceView { info, snapshot, epoch, engaged })
    }
}

impl InterfaceProvider for Interfaces {
    fn interfaces(&self) -> Vec<IfaceInfo> {
        self.list.iter().map(Interfaces::info).collect()
    }

    fn view(&self, ifid: i32, needs: ViewNeeds) -> Option<Arc<IfaceView>> {
        let m = self.list.iter().find(|m| m.info.ifid == ifid)?;
        let want = Want { hosts: needs.hosts, flows: needs.flows, macs: needs.macs };
        let (snapshot, _fresh) = m.publisher.view(want, max_age(&m.publisher), TIMEOUT);
        Some(Interfaces::wrap(m, snapshot))
    }

    fn protocol_names(&self) -> Option<Arc<ProtocolNames>> {
        self.names.clone()
    }
}

/// How old a reused view may be for this interface: MAX_AGE, stretched to keep the copy cost within the
/// duty budget given what the last share cost the busiest worker.
fn max_age(p: &Publisher) -> Duration {
    let last = p.stall_stats().iter().map(|s| s.last_share).max().unwrap_or_default();
    MAX_AGE.max(last * STALL_DUTY)
}

/// A capture file's clock is its packets' time.
fn last_packet_epoch(s: &Snapshot) -> Option<u64> {
    let ns = s.iface.last_packet_ns;
    (ns > 0).then_some(ns / 1_000_000_000)
}

fn now_epoch() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The NIC's speed as the kernel reports it (`/sys/class/net/<if>/speed`; -1 or absent for virtual links).
fn link_speed_mbit(ifname: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/sys/class/net/{ifname}/speed")).ok()?;
    s.trim().parse::<i64>().ok().filter(|v| *v > 0).map(|v| v as u64)
}
