//! `remote_to_local_insecure_flow`: a remote client talks to a local server over a protocol nDPI
//! rates Unsafe, Potentially Dangerous or Dangerous, or whose category is Malware or Banned site.
//! Only protocols detected by DPI (not guessed) count, and a TCP flow must have completed its
//! handshake. The client takes 90 % of the score for an Unsafe protocol, 10 % otherwise.

use super::{detected_protocol, tcp_established, FlowCheck, FlowContext, Raised, PROTO_TCP};
use crate::config::CheckConf;
use ndpi_sys as ffi;
use ntopng_engine::sink::FlowRecord;

struct Insecure;

pub(super) fn build(_: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(Insecure)
}

impl FlowCheck for Insecure {
    fn key(&self) -> &'static str {
        "remote_to_local_insecure_flow"
    }

    fn on_classified(&self, rec: &FlowRecord, ctx: &FlowContext) -> Option<Raised> {
        let c = rec.classification.as_ref()?;
        if c.guessed || ctx.is_local(&rec.client.0) || !ctx.is_local(&rec.server.0) {
            return None;
        }
        if rec.l4_proto == PROTO_TCP && !tcp_established(rec) {
            return None;
        }
        let breed = ctx.names.as_ref()?.breed_id(detected_protocol(rec)?);
        let client_pct = match breed {
            b if b == ffi::NDPI_PROTOCOL_UNSAFE => 90,
            b if b == ffi::NDPI_PROTOCOL_POTENTIALLY_DANGEROUS || b == ffi::NDPI_PROTOCOL_DANGEROUS => 10,
            _ if c.category == ffi::CUSTOM_CATEGORY_MALWARE || c.category == ffi::CUSTOM_CATEGORY_BANNED_SITE => 10,
            _ => return None,
        };
        Some(Raised { score: None, client_pct: Some(client_pct) })
    }
}
