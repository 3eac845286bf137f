//! `zero_tcp_window`: a TCP flow in which a peer announced a zero receive window on a segment that
//! carried neither RST nor FIN (the worker marks the flow per direction). Judged at the end of the
//! flow.

use super::{FlowCheck, FlowContext, Raised, Wants, PROTO_TCP};
use crate::config::CheckConf;
use ntopng_engine::flow::marks;
use ntopng_engine::sink::FlowRecord;

/// The check's rule on a flow record.
pub fn zero_window_seen(rec: &FlowRecord) -> bool {
    rec.l4_proto == PROTO_TCP && rec.marks & marks::ZERO_WINDOW != 0
}

struct ZeroWindow;

pub(super) fn build(_: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(ZeroWindow)
}

impl FlowCheck for ZeroWindow {
    fn key(&self) -> &'static str {
        "zero_tcp_window"
    }

    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.ended_zero_window = true;
    }

    fn on_end(&self, rec: &FlowRecord, _ctx: &FlowContext) -> Option<Raised> {
        zero_window_seen(rec).then_some(Raised::DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::test_record;

    #[test]
    fn either_direction() {
        let mut r = test_record(PROTO_TCP, 0x12, 0x12, [(3, 300, 100), (3, 300, 100)]);
        assert!(!zero_window_seen(&r));
        r.marks = marks::ZERO_WINDOW_SRV2CLI;
        assert!(zero_window_seen(&r));
        r.marks = marks::ZERO_WINDOW_CLI2SRV | marks::PAYLOAD_PARTIAL;
        assert!(zero_window_seen(&r));
        r.marks = marks::PAYLOAD_PARTIAL;
        assert!(!zero_window_seen(&r));
    }
}
