//! `elephant_flows`: a flow between a local and a remote host that moved more than
//! `script_conf.l2r_bytes_value` bytes from the local to the remote host, or more than
//! `script_conf.r2l_bytes_value` bytes the other way, judged when it ends (ntopng's Pro check also
//! runs periodically). Defaults: 1 GiB each way (this build's; ntopng's Pro definition is not public).

use super::{conf_u64, FlowCheck, FlowContext, Raised, Wants};
use crate::config::CheckConf;
use ntopng_engine::sink::FlowRecord;
use serde_json::{json, Value};

pub const DEFAULT_BYTES: u64 = 1 << 30;

pub(super) fn default_conf() -> Value {
    json!({ "l2r_bytes_value": DEFAULT_BYTES, "r2l_bytes_value": DEFAULT_BYTES })
}

struct Elephant {
    l2r: u64,
    r2l: u64,
}

pub(super) fn build(conf: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(Elephant {
        l2r: conf_u64(conf.script_conf.get("l2r_bytes_value")).unwrap_or(DEFAULT_BYTES),
        r2l: conf_u64(conf.script_conf.get("r2l_bytes_value")).unwrap_or(DEFAULT_BYTES),
    })
}

impl FlowCheck for Elephant {
    fn key(&self) -> &'static str {
        "elephant_flows"
    }

    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        let min = self.l2r.min(self.r2l);
        w.ended_min_bytes = Some(w.ended_min_bytes.map_or(min, |b| b.min(min)));
    }

    fn on_end(&self, rec: &FlowRecord, ctx: &FlowContext) -> Option<Raised> {
        let (cli_local, srv_local) = (ctx.is_local(&rec.client.0), ctx.is_local(&rec.server.0));
        let (l2r, r2l) = match (cli_local, srv_local) {
            (true, false) => (rec.cli2srv.bytes, rec.srv2cli.bytes),
            (false, true) => (rec.srv2cli.bytes, rec.cli2srv.bytes),
            _ => return None,
        };
        (l2r > self.l2r || r2l > self.r2l).then_some(Raised::DEFAULT)
    }
}
