//! `tcp_no_data_exchanged`: at its end, a unicast TCP flow (server neither broadcast nor multicast)
//! that carried no L4 payload byte in either direction (a handshake, a refused or idle connection).

use super::{FlowCheck, FlowContext, Raised, Wants, PROTO_TCP};
use crate::config::CheckConf;
use ntopng_engine::sink::FlowRecord;

/// The check's rule on a flow record.
pub fn no_data_exchanged(rec: &FlowRecord) -> bool {
    rec.l4_proto == PROTO_TCP
        && rec.goodput_complete()
        && rec.goodput_bytes() == 0
        && !rec.server.0.is_broad_multicast()
        && !rec.client.0.is_broad_multicast()
}

struct NoData;

pub(super) fn build(_: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(NoData)
}

impl FlowCheck for NoData {
    fn key(&self) -> &'static str {
        "tcp_no_data_exchanged"
    }

    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.ended_no_data = true;
    }

    fn on_end(&self, rec: &FlowRecord, _ctx: &FlowContext) -> Option<Raised> {
        no_data_exchanged(rec).then_some(Raised::DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::test_record;
    use ntopng_engine::flow::marks;
    use ntopng_wire::Addr;

    #[test]
    fn tcp_without_payload_both_ways() {
        // SYN, SYN+ACK, ACK, FIN/ACK x2: 5 packets of headers only.
        let mut r = test_record(PROTO_TCP, 0x13, 0x13, [(3, 180, 0), (2, 120, 0)]);
        assert!(no_data_exchanged(&r));
        r.srv2cli_goodput = 1;
        assert!(!no_data_exchanged(&r));
        r.srv2cli_goodput = 0;
        r.marks = marks::PAYLOAD_PARTIAL;
        assert!(!no_data_exchanged(&r));
        r.marks = 0;
        r.server.0 = Addr::from_v4([224, 0, 0, 251]);
        assert!(!no_data_exchanged(&r));
        let u = test_record(17, 0, 0, [(1, 60, 0), (0, 0, 0)]);
        assert!(!no_data_exchanged(&u));
    }
}
