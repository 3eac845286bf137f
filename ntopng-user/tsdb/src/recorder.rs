//! What the daemon writes from one view of an interface: the points of every interface schema (every
//! step of theirs) and of the local-host schemas (every 300 s), ntopng's default "light" host set.

use crate::schema::{schema, Schema};
use crate::store::{Fill, Point, Result, TsStore, MAX_METRICS};
use ndpi::ProtocolNames;
use ntopng_engine::Snapshot;
use std::collections::HashMap;

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
        let ifid = self.ifid.to_string();
        let mut points = Vec::new();
        let mut p = |name: &str, extra: &[&str], v: &[f64]| {
            let mut tags = vec![ifid.clone()];
            tags.extend(extra.iter().map(|x| x.to_string()));
            points.push(Point { schema: sc(name), tags, values: vals(v) });
        };
        let i = &s.iface;
        let due1 = self.due(1, t);
        let due60 = self.due(60, t);
        if due1 {
            p("iface:traffic", &[], &[i.total.bytes as f64]);
            p("iface:traffic_ip", &[], &[i.ipv4.bytes as f64, i.ipv6.bytes as f64]);
            p("iface:packets_vs_drops", &[], &[i.total.packets as f64, i.capture_drops as f64]);
        }
        if due60 {
            let local = s.hosts.values().filter(|h| h.local).count();
            p("iface:score", &[], &[0.0, 0.0]);
            p("iface:flows", &[], &[s.active_flows as f64]);
            p("iface:new_flows", &[], &[i.flows_created as f64]);
            if has_hosts {
                p("iface:hosts", &[], &[s.hosts.len() as f64]);
                p("iface:local_hosts", &[], &[local as f64]);
            }
            p("iface:local2remote", &[], &[i.localstats.bytes.local2remote as f64]);
            p("iface:remote2local", &[], &[i.localstats.bytes.remote2local as f64]);
            p("iface:tcp_retransmissions", &[], &[i.tcp.retransmissions as f64]);
            p("iface:tcp_out_of_order", &[], &[i.tcp.out_of_order as f64]);
            p("iface:tcp_lost", &[], &[i.tcp.lost as f64]);
            p("iface:tcp_keep_alive", &[], &[i.tcp.keep_alive as f64]);
            for (proto, name) in [(6usize, "tcp"), (17, "udp"), (1, "icmp"), (58, "ipv6-icmp")] {
                if i.l4[proto].bytes > 0 {
                    p("iface:l4protos", &[name], &[i.l4[proto].bytes as f64]);
                }
            }
            if let Some(names) = &self.names {
                for (id, l7) in &s.l7 {
                    let name = names.protocol(*id);
                    if l7.bytes > 0 && !name.contains(['/', '\\']) {
                        p("iface:ndpi", &[name], &[l7.bytes as f64]);
                        p("iface:ndpi_flows", &[name], &[l7.flows as f64]);
                    }
                }
            }
        }
        let hosts = has_hosts && self.hosts_due(t);
        if hosts {
            for h in s.hosts.values().filter(|h| h.local) {
                let key = if h.key.vlan == 0 { h.key.addr.to_string() } else { format!("{}@{}", h.key.addr, h.key.vlan) };
                let k = key.as_str();
                p("host:traffic", &[k], &[h.sent.bytes as f64, h.rcvd.bytes as f64]);
                p("host:score", &[k], &[h.score.as_client as f64, h.score.as_server as f64]);
                p("host:active_flows", &[k], &[h.active_flows_as_client as f64, h.active_flows_as_server as f64]);
                p("host:total_flows", &[k], &[h.total_flows_as_client as f64, h.total_flows_as_server as f64]);
                if self.host_ndpi {
                    if let Some(names) = &self.names {
                        for (id, l7) in &h.l7 {
                            let name = names.protocol(*id);
                            if !name.contains(['/', '\\']) {
                                p("host:ndpi", &[k, name], &[l7.sent.bytes as f64, l7.rcvd.bytes as f64]);
                            }
                        }
                    }
                }
            }
        }
        let rows = store.write(t, &points, self.fill)?;
        for (step, due) in [(1, due1), (60, due60), (300, hosts)] {
            if due {
                self.last.insert(step, t / step * step);
            }
        }
        Ok(rows)
    }
}
