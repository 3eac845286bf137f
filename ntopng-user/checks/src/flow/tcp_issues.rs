//! `tcp_packets_issues`: at the end of a TCP flow, the retransmissions, out-of-order and lost
//! segments of either direction as a percentage of that direction's packets, each compared with its
//! own threshold (`script_conf.{retransmissions,out_of_orders,packet_loss}.{threshold,enabled}`,
//! 15 % by default). A direction is judged only once it has carried at least 10 packets, so that a
//! single retransmitted SYN of a 3-packet flow is no "issue".

use super::{conf_u64, FlowCheck, FlowContext, Raised, Wants, PROTO_TCP};
use crate::config::CheckConf;
use ntopng_engine::sink::FlowRecord;
use ntopng_engine::tcp_seq::TcpStats;
use serde_json::{json, Value};

const DEFAULT_PCT: u64 = 15;
/// Packets a direction needs before its percentages mean something.
pub const MIN_PACKETS: u64 = 10;

pub(super) fn default_conf() -> Value {
    let m = json!({ "threshold": DEFAULT_PCT, "enabled": true });
    json!({ "retransmissions": m, "out_of_orders": m, "packet_loss": m })
}

struct TcpIssues {
    /// Per metric: the threshold in percent, `None` when the metric is off.
    retransmissions: Option<u64>,
    out_of_order: Option<u64>,
    lost: Option<u64>,
}

fn metric(conf: &CheckConf, name: &str) -> Option<u64> {
    match conf.script_conf.get(name) {
        Some(Value::Object(m)) => {
            if m.get("enabled").and_then(Value::as_bool) == Some(false) {
                return None;
            }
            Some(conf_u64(m.get("threshold")).unwrap_or(DEFAULT_PCT))
        }
        // A flat `threshold` (this build's registry default) applies to every metric.
        _ => Some(conf_u64(conf.script_conf.get("threshold")).unwrap_or(DEFAULT_PCT)),
    }
}

pub(super) fn build(conf: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(TcpIssues {
        retransmissions: metric(conf, "retransmissions"),
        out_of_order: metric(conf, "out_of_orders"),
        lost: metric(conf, "packet_loss"),
    })
}

impl TcpIssues {
    fn direction(&self, packets: u64, s: &TcpStats) -> bool {
        if packets < MIN_PACKETS {
            return false;
        }
        let over = |n: u64, t: Option<u64>| t.is_some_and(|t| n * 100 / packets > t);
        over(s.retransmissions, self.retransmissions)
            || over(s.out_of_order, self.out_of_order)
            || over(s.lost, self.lost)
    }
}

impl FlowCheck for TcpIssues {
    fn key(&self) -> &'static str {
        "tcp_packets_issues"
    }

    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.ended_tcp_issues |= self.retransmissions.is_some() || self.out_of_order.is_some() || self.lost.is_some();
    }

    /// ntopng runs it in `periodicUpdate` too.
    fn periodic(&self) -> bool {
        true
    }

    fn on_end(&self, rec: &FlowRecord, _ctx: &FlowContext) -> Option<Raised> {
        if rec.l4_proto != PROTO_TCP {
            return None;
        }
        let hit = self.direction(rec.cli2srv.packets, &rec.cli2srv_tcp)
            || self.direction(rec.srv2cli.packets, &rec.srv2cli_tcp);
        hit.then_some(Raised::DEFAULT)
    }
}
