//! `tcp_flow_reset`: at its end, a TCP flow that a RST closed and no FIN did (either direction):
//! refused connections (SYN answered by RST), and connections aborted by either peer.

use super::{FlowCheck, FlowContext, Raised, Wants, PROTO_TCP};
use crate::config::CheckConf;
use ntopng_engine::flow::tcp_flags::{FIN, RST};
use ntopng_engine::sink::FlowRecord;

struct TcpReset;

pub(super) fn build(_: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(TcpReset)
}

/// Reset and not finished, by the flags seen in both directions.
pub fn reset_only(flags: u8) -> bool {
    flags & RST != 0 && flags & FIN == 0
}

impl FlowCheck for TcpReset {
    fn key(&self) -> &'static str {
        "tcp_flow_reset"
    }

    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.ended_tcp_reset = true;
    }

    fn on_end(&self, rec: &FlowRecord, _ctx: &FlowContext) -> Option<Raised> {
        (rec.l4_proto == PROTO_TCP && reset_only(rec.cli2srv_flags | rec.srv2cli_flags)).then_some(Raised::DEFAULT)
    }
}
