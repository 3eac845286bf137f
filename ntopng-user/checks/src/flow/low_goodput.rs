//! `low_goodput`: an established TCP flow (three-way handshake seen) of more than 3 packets whose
//! L4 payload bytes are at most 60 % of its bytes (both directions), except for the chatty
//! interactive and messaging protocols ntopng leaves out. Judged at the end of the flow; the rule is
//! [`is_low_goodput`], which can be evaluated on any record (active flows too).

use super::{has_protocol, tcp_established, FlowCheck, FlowContext, Raised, Wants, PROTO_TCP};
use crate::config::CheckConf;
use ntopng_engine::sink::FlowRecord;

/// A flow whose payload is at most this share of its bytes (percent) has a low goodput.
pub const MAX_RATIO_PCT: u64 = 60;
/// A flow needs more packets than this to be judged.
pub const MIN_PACKETS: u64 = 3;

/// nDPI 4.2 ids of the protocols left out: MDNS, ntop, Signal, WhatsApp Call, QQ, IRC, Telnet,
/// SSH, WhatsApp, Telegram, KakaoTalk, KakaoTalk Voice, WeChat, WhatsApp Files.
pub const EXCLUDED: [u16; 14] = [8, 26, 39, 45, 48, 65, 77, 92, 142, 185, 193, 194, 197, 242];

/// Payload bytes × 100 / bytes, `None` for a flow without bytes.
pub fn goodput_ratio_pct(rec: &FlowRecord) -> Option<u64> {
    let bytes = rec.cli2srv.bytes + rec.srv2cli.bytes;
    (bytes != 0).then(|| rec.goodput_bytes() * 100 / bytes)
}

/// The check's rule on a flow record, at any time of the flow's life.
pub fn is_low_goodput(rec: &FlowRecord) -> bool {
    let bytes = rec.cli2srv.bytes + rec.srv2cli.bytes;
    rec.l4_proto == PROTO_TCP
        && rec.goodput_complete()
        && tcp_established(rec)
        && rec.cli2srv.packets + rec.srv2cli.packets > MIN_PACKETS
        // ratio ≤ 60 %, without rounding
        && rec.goodput_bytes() * 100 <= bytes * MAX_RATIO_PCT
        && !has_protocol(rec, &EXCLUDED)
}

struct LowGoodput;

pub(super) fn build(_: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(LowGoodput)
}

impl FlowCheck for LowGoodput {
    fn key(&self) -> &'static str {
        "low_goodput"
    }

    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.ended_low_goodput = true;
    }

    fn on_end(&self, rec: &FlowRecord, _ctx: &FlowContext) -> Option<Raised> {
        is_low_goodput(rec).then_some(Raised::DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::test_record;
    use ntopng_engine::flow::marks;

    #[test]
    fn ratio_threshold_packets_handshake_and_exclusions() {
        // 4 packets, 200 bytes, 120 payload bytes: 60 % exactly is low.
        let mut r = test_record(PROTO_TCP, 0x12, 0x12, [(2, 100, 60), (2, 100, 60)]);
        assert_eq!(goodput_ratio_pct(&r), Some(60));
        assert!(is_low_goodput(&r));
        // One more payload byte: 121 × 100 = 12100 > 12000.
        r.srv2cli_goodput = 61;
        assert!(!is_low_goodput(&r));
        r.srv2cli_goodput = 60;
        // 3 packets are not enough.
        r.srv2cli.packets = 1;
        assert!(!is_low_goodput(&r));
        r.srv2cli.packets = 2;
        // No SYN+ACK from the server: no handshake.
        r.srv2cli_flags = 0x10;
        assert!(!is_low_goodput(&r));
        r.srv2cli_flags = 0x12;
        // SSH (92) and WhatsApp Files (242) are left out, as master or application.
        r.classification = Some(ndpi::Classification { master_protocol: 92, ..Default::default() });
        assert!(!is_low_goodput(&r));
        r.classification = Some(ndpi::Classification { master_protocol: 91, app_protocol: 242, ..Default::default() });
        assert!(!is_low_goodput(&r));
        // TLS (91) is judged.
        r.classification = Some(ndpi::Classification { master_protocol: 91, ..Default::default() });
        assert!(is_low_goodput(&r));
        // Payload counted in part (kernel bypass): not judged.
        r.marks = marks::PAYLOAD_PARTIAL;
        assert!(!is_low_goodput(&r));
        // UDP never.
        let u = test_record(17, 0, 0, [(2, 100, 10), (2, 100, 10)]);
        assert!(!is_low_goodput(&u));
    }
}

#[cfg(test)]
mod names {
    /// The excluded ids are the protocols ntopng names, in nDPI 4.2's own table.
    #[test]
    fn excluded_ids_are_the_named_protocols() {
        let det = ndpi::Detector::new(&ndpi::DetectorConfig::default()).unwrap();
        let names: Vec<String> = super::EXCLUDED.iter().map(|&id| det.protocol_name(id)).collect();
        assert_eq!(names, EXPECTED);
    }
    /// ntopng's list (checks.md §2.1), by nDPI 4.2's names.
    const EXPECTED: [&str; 14] = [
        "MDNS",
        "ntop",
        "Signal",
        "WhatsAppCall",
        "QQ",
        "IRC",
        "Telnet",
        "SSH",
        "WhatsApp",
        "Telegram",
        "KakaoTalk",
        "KakaoTalk_Voice",
        "WeChat",
        "WhatsAppFiles",
    ];
}
