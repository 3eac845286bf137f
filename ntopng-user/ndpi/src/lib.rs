//! Safe wrapper over libndpi 4.2.
//!
//! * [`Detector`] owns one detection module. Since 4.2 the module holds per-packet parsing
//!   state, so it is `Send` but not `Sync`: one per worker thread.
//! * [`Dissection`] owns one flow's nDPI state (688 bytes plus side buffers in 4.2) at a fixed
//!   heap address, and frees it on drop: the engine drops it as soon as detection is final.
//! * [`Classification`] is what survives a dissection: ids, confidence, risk, names, JA3.
//! * [`ProtocolNames`] is a plain table of names, shareable across threads (sinks, REST).

mod classification;
mod detector;
mod dissection;
mod names;

pub use classification::{Classification, Metadata, Verdict};
pub use detector::{revision, Detector, DetectorConfig, DetectorError};
pub use dissection::Dissection;
pub use names::ProtocolNames;

/// nDPI's "unknown" protocol id.
pub const PROTOCOL_UNKNOWN: u16 = 0;

/// ndpiReader's dissection limits: a flow is given up after this many packets.
pub const MAX_TCP_DISSECTED_PACKETS: u32 = 80;
pub const MAX_UDP_DISSECTED_PACKETS: u32 = 24;

/// nDPI's description of one risk bit ("TLS Certificate Mismatch").
pub fn risk_name(bit: u32) -> String {
    // SAFETY: returns a static string for any value.
    detector::cstr(unsafe { ndpi_sys::ndpi_risk2str(bit as _) }).unwrap_or_default()
}

/// A risk's score as nDPI rates it alone, split between the flow's client and server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskScore {
    pub total: u16,
    pub client: u16,
    pub server: u16,
}

/// Risk bits nDPI 4.2 knows (`NDPI_MAX_RISK`): bits at or above are never set.
pub const MAX_RISK: u32 = ndpi_sys::NDPI_MAX_RISK as u32;

/// nDPI's score of risk bit `bit` on its own (`ndpi_risk2score` with that single bit).
pub fn risk_score(bit: u32) -> RiskScore {
    if bit == 0 || bit >= MAX_RISK {
        return RiskScore { total: 0, client: 0, server: 0 };
    }
    let (mut client, mut server) = (0u16, 0u16);
    // SAFETY: a pure table lookup over a valid risk bitmap; both outputs are valid pointers.
    let total = unsafe { ndpi_sys::ndpi_risk2score(1u64 << bit, &mut client, &mut server) };
    RiskScore { total, client, server }
}
