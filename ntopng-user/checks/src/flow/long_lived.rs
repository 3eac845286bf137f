//! `long_lived_flows`: a flow that lasted longer than `script_conf.min_duration` seconds (first to
//! last packet), judged when it ends. ntopng's check is a Pro one that also runs periodically; its
//! definition is not public, so the key and its default (one day) are this build's.

use super::{conf_u64, FlowCheck, FlowContext, Raised, Wants};
use crate::config::CheckConf;
use ntopng_engine::sink::FlowRecord;
use serde_json::{json, Value};

pub const DEFAULT_MIN_DURATION: u64 = 86_400;

pub(super) fn default_conf() -> Value {
    json!({ "min_duration": DEFAULT_MIN_DURATION })
}

struct LongLived {
    min_duration_ns: u64,
}

pub(super) fn build(conf: &CheckConf) -> Box<dyn FlowCheck> {
    let secs = conf_u64(conf.script_conf.get("min_duration")).unwrap_or(DEFAULT_MIN_DURATION);
    Box::new(LongLived { min_duration_ns: secs.saturating_mul(1_000_000_000) })
}

impl FlowCheck for LongLived {
    fn key(&self) -> &'static str {
        "long_lived_flows"
    }

    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.ended_min_duration_ns =
            Some(w.ended_min_duration_ns.map_or(self.min_duration_ns, |d| d.min(self.min_duration_ns)));
    }

    fn on_end(&self, rec: &FlowRecord, _ctx: &FlowContext) -> Option<Raised> {
        (rec.last_seen_ns.saturating_sub(rec.first_seen_ns) > self.min_duration_ns).then_some(Raised::DEFAULT)
    }
}
