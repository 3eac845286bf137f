//! What the daemon writes from one view of an interface: the points of every interface schema (every
//! step of theirs) and of the local-host schemas (every 300 s), ntopng's default "light" host set.

use crate::schema::{schema, Schema};
use crate::store::{Fill, Point, Result, TsStore, MAX_METRICS};
use ndpi::ProtocolNames;
use ntopng_engine::host::HostKey;
use ntopng_engine::step_samples::{HostSample, MergedStep, StepCounters};
use ntopng_engine::worker::L7Totals;
use ntopng_engine::Snapshot;
use std::collections::{BTreeMap, HashMap};

fn sc(name: &str) -> &'static Schema {
    schema(name).unwrap_or_else(|| panic!("schema {name}"))
}

fn vals(v: &[f64]) -> [f64; MAX_METRICS] {
    let mut out = [0.0; MAX_METRICS];
    out[..v.len()].copy_from_slice(v);
    out
}

/// Which points are due at a time: each schema family at its own step.
pub struct Recorder {
    ifid: i32,
    names: Option<std::sync::Arc<ProtocolNames>>,
    /// Last time (aligned to the step) each step was written.
    last: HashMap<u64, u64>,
    fill: Fill,
    /// Also `host:ndpi` (ntopng's `hosts_ts_creation=full` with host L7 series).
    pub host_ndpi: bool,
}

impl Recorder {
    pub fn new(ifid: i32, names: Option<std::sync::Arc<ProtocolNames>>, fill: Fill) -> Recorder {
        Recorder { ifid, names, last: HashMap::new(), fill, host_ndpi: false }
    }

    /// True if the host schemas are due at `t` (a view with hosts is then needed).
    pub fn hosts_due(&self, t: u64) -> bool {
        self.due(300, t)
    }

    /// True if anything needing hosts is due at `t` (`iface:hosts` every minute, the host schemas).
    pub fn needs_hosts(&self, t: u64) -> bool {
        self.due(60, t) || self.hosts_due(t)
    }

    fn due(&self, step: u64, t: u64) -> bool {
        self.last.get(&step).is_none_or(|l| t / step * step > *l)
    }

    /// Writes what is due at `t` from `s` (hosts only if `s` has them). Returns the rows written.
    pub fn record(&mut self, store: &TsStore, t: u64, s: &Snapshot, has_hosts: bool) -> Result<usize> {
        let mut points = Points::new(self.ifid);
        let i = &s.iface;
        let mut c = StepCounters::of_iface(i, s.active_flows as u64);
        let due1 = self.due(1, t);
        let due60 = self.due(60, t);
        if due1 {
            points.iface_1s(&c);
        }
        if due60 {
            let counts = has_hosts.then(|| (s.hosts.len() as u64, s.hosts.values().filter(|h| h.local).count() as u64));
            if let Some((n, local)) = counts {
                (c.hosts, c.local_hosts) = (n, local);
            }
            points.iface_60s(&c, counts.is_some(), &s.l7, self.names.as_deref());
        }
        let hosts = has_hosts && self.hosts_due(t);
        if hosts {
            for h in s.hosts.values().filter(|h| h.local) {
                let key = host_tag(&h.key);
                points.host(&key, &HostSample::of(h));
                if self.host_ndpi {
                    if let Some(names) = &self.names {
                        for (id, l7) in &h.l7 {
                            let name = names.protocol(*id);
                            if !name.contains(['/', '\\']) {
                                points.p("host:ndpi", &[&key, name], &[l7.sent.bytes as f64, l7.rcvd.bytes as f64]);
                            }
                        }
                    }
                }
            }
        }
        let rows = store.write(t, &points.v, self.fill)?;
        for (step, due) in [(1, due1), (60, due60), (300, hosts)] {
            if due {
                self.last.insert(step, t / step * step);
            }
        }
        Ok(rows)
    }

    /// Writes the schemas of step `step` (1, 60 or 300 s) at boundary `t` from packet-time samples merged
    /// over the workers (capture files). `host:ndpi` is not sampled. Returns the rows written.
    pub fn record_step(&mut self, store: &TsStore, step: u64, t: u64, m: &MergedStep) -> Result<usize> {
        let mut points = Points::new(self.ifid);
        match step {
            1 => points.iface_1s(&m.counters),
            60 => points.iface_60s(&m.counters, true, &m.l7, self.names.as_deref()),
            _ => {
                for (k, h) in &m.hosts {
                    points.host(&host_tag(k), h);
                }
            }
        }
        let rows = store.write(t, &points.v, self.fill)?;
        self.last.insert(step, t / step * step);
        Ok(rows)
    }
}

/// A host's `host` tag: its address, `@vlan` when tagged.
fn host_tag(k: &HostKey) -> String {
    if k.vlan == 0 {
        k.addr.to_string()
    } else {
        format!("{}@{}", k.addr, k.vlan)
    }
}

/// The points of one write, per schema family.
struct Points {
    ifid: String,
    v: Vec<Point>,
}

impl Points {
    fn new(ifid: i32) -> Points {
        Points { ifid: ifid.to_string(), v: Vec::new() }
    }

    fn p(&mut self, name: &str, extra: &[&str], v: &[f64]) {
        let mut tags = vec![self.ifid.clone()];
        tags.extend(extra.iter().map(|x| x.to_string()));
        self.v.push(Point { schema: sc(name), tags, values: vals(v) });
    }

    /// The 1 s interface schemas.
    fn iface_1s(&mut self, c: &StepCounters) {
        self.p("iface:traffic", &[], &[c.total.bytes as f64]);
        self.p("iface:traffic_ip", &[], &[c.ipv4_bytes as f64, c.ipv6_bytes as f64]);
        self.p("iface:packets_vs_drops", &[], &[c.total.packets as f64, c.capture_drops as f64]);
    }

    /// The 60 s interface schemas (`iface:hosts`, `iface:local_hosts` only when the counts are there).
    fn iface_60s(&mut self, c: &StepCounters, host_counts: bool, l7: &BTreeMap<u16, L7Totals>, names: Option<&ProtocolNames>) {
        self.p("iface:score", &[], &[0.0, 0.0]);
        self.p("iface:flows", &[], &[c.active_flows as f64]);
        self.p("iface:new_flows", &[], &[c.flows_created as f64]);
        if host_counts {
            self.p("iface:hosts", &[], &[c.hosts as f64]);
            self.p("iface:local_hosts", &[], &[c.local_hosts as f64]);
        }
        self.p("iface:local2remote", &[], &[c.local2remote as f64]);
        self.p("iface:remote2local", &[], &[c.remote2local as f64]);
        self.p("iface:tcp_retransmissions", &[], &[c.tcp.retransmissions as f64]);
        self.p("iface:tcp_out_of_order", &[], &[c.tcp.out_of_order as f64]);
        self.p("iface:tcp_lost", &[], &[c.tcp.lost as f64]);
        self.p("iface:tcp_keep_alive", &[], &[c.tcp.keep_alive as f64]);
        for ((_, name), bytes) in StepCounters::L4.iter().zip(c.l4_bytes) {
            if bytes > 0 {
                self.p("iface:l4protos", &[name], &[bytes as f64]);
            }
        }
        if let Some(names) = names {
            for (id, t) in l7 {
                let name = names.protocol(*id);
                if t.bytes > 0 && !name.contains(['/', '\\']) {
                    self.p("iface:ndpi", &[name], &[t.bytes as f64]);
                    self.p("iface:ndpi_flows", &[name], &[t.flows as f64]);
                }
            }
        }
    }

    /// The host schemas of one local host (`host:ndpi` apart).
    fn host(&mut self, key: &str, h: &HostSample) {
        self.p("host:traffic", &[key], &[h.sent.bytes as f64, h.rcvd.bytes as f64]);
        self.p("host:score", &[key], &[h.score_as_client as f64, h.score_as_server as f64]);
        self.p("host:active_flows", &[key], &[h.active_flows_as_client as f64, h.active_flows_as_server as f64]);
        self.p("host:total_flows", &[key], &[h.total_flows_as_client as f64, h.total_flows_as_server as f64]);
    }
}
