//! `remote_to_local_insecure_flow`: a remote client talks to a local server over a protocol nDPI
//! rates Unsafe, Potentially Dangerous or Dangerous, or whose category is Malware or Banned site.
//! Only protocols detected by DPI (not guessed) count, and a TCP flow must have completed its
//! handshake. The client takes 90 % of the score for an Unsafe protocol, 10 % otherwise.

use super::{detected_protocol, tcp_established, FlowCheck, FlowContext, Raised, Wants, PROTO_TCP};
use crate::config::CheckConf;
use ndpi_sys as ffi;
use ntopng_engine::sink::FlowRecord;

struct Insecure;

/// The client's share of the score for an insecure breed; `None` for the others.
fn insecure_breed(breed: u32) -> Option<u8> {
    match breed {
        ffi::NDPI_PROTOCOL_UNSAFE => Some(90),
        ffi::NDPI_PROTOCOL_POTENTIALLY_DANGEROUS | ffi::NDPI_PROTOCOL_DANGEROUS => Some(10),
        _ => None,
    }
}

pub(super) fn build(_: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(Insecure)
}

impl FlowCheck for Insecure {
    fn key(&self) -> &'static str {
        "remote_to_local_insecure_flow"
    }

    /// Flows of the protocols nDPI rates unsafe or dangerous, and of the Malware/Banned categories.
    fn wants(&self, ctx: &FlowContext, w: &mut Wants) {
        let Some(names) = &ctx.names else { return };
        for (id, _) in names.protocols() {
            if insecure_breed(names.breed_id(id)).is_some() {
                w.protocols.insert(id);
            }
        }
        w.categories.extend([ffi::CUSTOM_CATEGORY_MALWARE, ffi::CUSTOM_CATEGORY_BANNED_SITE]);
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
        let client_pct = match insecure_breed(breed) {
            Some(pct) => pct,
            None if c.category == ffi::CUSTOM_CATEGORY_MALWARE || c.category == ffi::CUSTOM_CATEGORY_BANNED_SITE => 10,
            None => return None,
        };
        Some(Raised { score: None, client_pct: Some(client_pct) })
    }
}
