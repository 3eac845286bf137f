//! What a finished dissection leaves behind: small, owned, and independent of nDPI's memory.

/// The outcome of feeding one packet.
#[derive(Debug)]
pub enum Verdict {
    /// nDPI wants more packets.
    InProgress,
    /// Detection is final; the flow's nDPI state can be freed.
    Done(Classification),
}

/// A flow's classification. Kept small: the rare strings live behind one pointer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classification {
    pub master_protocol: u16,
    pub app_protocol: u16,
    pub category: u32,
    /// `ndpi_confidence_t` (0 unknown, 1 match by port, ..., 6 DPI ...).
    pub confidence: u8,
    /// The protocol came from `ndpi_detection_giveup`'s guess.
    pub guessed: bool,
    /// Bitmap of `ndpi_risk_enum` bits.
    pub risk: u64,
    pub extra: Option<Box<Metadata>>,
}

/// Strings nDPI extracted from the payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// HTTP Host, TLS/QUIC SNI, DNS query name.
    pub host_name: Option<Box<str>>,
    pub ja3_client: Option<Box<str>>,
    pub ja3_server: Option<Box<str>>,
}

impl Classification {
    /// The id ndpiReader counts a flow under: the application if known, else the master.
    pub fn counted_protocol(&self) -> u16 {
        if self.app_protocol != 0 {
            self.app_protocol
        } else {
            self.master_protocol
        }
    }

    pub fn host_name(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.host_name.as_deref())
    }
    pub fn ja3_client(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.ja3_client.as_deref())
    }
    pub fn ja3_server(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.ja3_server.as_deref())
    }
}
