//! ntopng's timeseries schemas as this build writes them: name, tags, metrics, step, counter or gauge,
//! consolidation, and the resolutions kept (history.md §1.1–1.5).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A monotonic counter, stored as a per-second rate (RRD DERIVE).
    Counter,
    Gauge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    Mean,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    pub name: &'static str,
    pub tags: &'static [&'static str],
    pub metrics: &'static [&'static str],
    /// Seconds between points.
    pub step: u64,
    pub kind: Kind,
    pub aggregation: Aggregation,
}

impl Schema {
    /// `(resolution s, points kept)`, finest first: ntopng's RRAs for this step.
    pub fn resolutions(&self) -> &'static [(u64, u64)] {
        match self.step {
            1 => &[(1, 86400), (60, 43200), (3600, 2400)],
            60 => &[(60, 1440), (3600, 2400), (86400, 365)],
            _ => &[(300, 288), (3600, 2400), (86400, 365)],
        }
    }

    pub fn metric_index(&self, m: &str) -> Option<usize> {
        self.metrics.iter().position(|x| *x == m)
    }

    /// The schema's family, the part before `:` (`iface`, `host`).
    pub fn family(&self) -> &'static str {
        self.name.split(':').next().unwrap_or(self.name)
    }
}

const IFACE: &[&str] = &["ifid"];
const IFACE_PROTO: &[&str] = &["ifid", "protocol"];
const IFACE_L4: &[&str] = &["ifid", "l4proto"];
const HOST: &[&str] = &["ifid", "host"];
const HOST_PROTO: &[&str] = &["ifid", "host", "protocol"];

const fn s(name: &'static str, tags: &'static [&'static str], metrics: &'static [&'static str], step: u64, kind: Kind) -> Schema {
    Schema { name, tags, metrics, step, kind, aggregation: Aggregation::Mean }
}

const fn max(sc: Schema) -> Schema {
    Schema { aggregation: Aggregation::Max, ..sc }
}

use Kind::{Counter, Gauge};

/// Every schema written, in the order of history.md §1.2–1.3.
pub const SCHEMAS: &[Schema] = &[
    s("iface:traffic", IFACE, &["bytes"], 1, Counter),
    s("iface:traffic_rxtx", IFACE, &["bytes_sent", "bytes_rcvd"], 1, Counter),
    s("iface:traffic_ip", IFACE, &["bytes_ipv4", "bytes_ipv6"], 1, Counter),
    max(s("iface:throughput_bps", IFACE, &["bps"], 1, Gauge)),
    max(s("iface:throughput_pps", IFACE, &["pps"], 1, Gauge)),
    s("iface:packets_vs_drops", IFACE, &["packets", "drops"], 1, Counter),
    s("iface:packets", IFACE, &["packets"], 1, Counter),
    s("iface:score", IFACE, &["cli_score", "srv_score"], 60, Gauge),
    s("iface:flows", IFACE, &["num_flows"], 60, Gauge),
    s("iface:new_flows", IFACE, &["new_flows"], 60, Counter),
    s("iface:hosts", IFACE, &["num_hosts"], 60, Gauge),
    s("iface:local_hosts", IFACE, &["num_hosts"], 60, Gauge),
    s("iface:devices", IFACE, &["num_devices"], 60, Gauge),
    s("iface:local2remote", IFACE, &["bytes"], 60, Counter),
    s("iface:remote2local", IFACE, &["bytes"], 60, Counter),
    s("iface:l4protos", IFACE_L4, &["bytes"], 60, Counter),
    s("iface:ndpi", IFACE_PROTO, &["bytes"], 60, Counter),
    s("iface:ndpi_flows", IFACE_PROTO, &["num_flows"], 60, Counter),
    s("iface:tcp_retransmissions", IFACE, &["packets"], 60, Counter),
    s("iface:tcp_out_of_order", IFACE, &["packets"], 60, Counter),
    s("iface:tcp_lost", IFACE, &["packets"], 60, Counter),
    s("iface:tcp_keep_alive", IFACE, &["packets"], 60, Counter),
    s("host:traffic", HOST, &["bytes_sent", "bytes_rcvd"], 300, Counter),
    s("host:score", HOST, &["score_as_cli", "score_as_srv"], 300, Gauge),
    s("host:active_flows", HOST, &["flows_as_client", "flows_as_server"], 300, Gauge),
    s("host:total_flows", HOST, &["flows_as_client", "flows_as_server"], 300, Counter),
    s("host:contacts", HOST, &["num_as_client", "num_as_server"], 300, Gauge),
    s("host:ndpi", HOST_PROTO, &["bytes_sent", "bytes_rcvd"], 300, Counter),
];

pub fn schema(name: &str) -> Option<&'static Schema> {
    SCHEMAS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_ntopng_rules() {
        for s in SCHEMAS {
            let (family, what) = s.name.split_once(':').expect("family:what");
            assert!(s.name.len() <= 19 + family.len() + 1 && !what.is_empty(), "{}", s.name);
            assert_eq!(s.tags[0], "ifid", "{}: ifid first", s.name);
            assert!(s.metrics.len() <= crate::store::MAX_METRICS, "{}", s.name);
            assert_eq!(s.resolutions()[0].0, s.step, "{}: finest resolution is the step", s.name);
        }
        assert_eq!(schema("host:traffic").unwrap().step, 300);
        assert_eq!(schema("iface:traffic").unwrap().step, 1);
        assert!(schema("iface:bogus").is_none());
    }
}
