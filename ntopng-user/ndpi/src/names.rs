//! Name tables built once from a detector, so threads without a module (sinks, REST) can
//! print protocols, categories, breeds and confidences.

use crate::{Classification, Detector};
use ndpi_sys as ffi;

#[derive(Debug, Clone)]
pub struct ProtocolNames {
    protocols: Vec<String>,
    breeds: Vec<(u32, String)>,
    categories: Vec<String>,
    confidences: Vec<String>,
}

impl ProtocolNames {
    pub fn new(det: &Detector) -> ProtocolNames {
        let n = det.num_protocols();
        let protocols = (0..=n).map(|id| det.protocol_name(id)).collect();
        let breeds = (0..=n).map(|id| det.breed(id)).collect();
        let categories = (0..ffi::NDPI_PROTOCOL_NUM_CATEGORIES).map(|c| det.category_name(c)).collect();
        let confidences = (0..ffi::NDPI_CONFIDENCE_MAX)
            // SAFETY: static strings.
            .map(|c| crate::detector::cstr(unsafe { ffi::ndpi_confidence_get_name(c) }).unwrap_or_default())
            .collect();
        ProtocolNames { protocols, breeds, categories, confidences }
    }

    pub fn protocol(&self, id: u16) -> &str {
        self.protocols.get(id as usize).map(String::as_str).unwrap_or("Unknown")
    }

    /// Ids and names of every protocol, in id order.
    pub fn protocols(&self) -> impl Iterator<Item = (u16, &str)> {
        self.protocols.iter().enumerate().map(|(i, n)| (i as u16, n.as_str()))
    }

    pub fn category(&self, id: u32) -> &str {
        self.categories.get(id as usize).map(String::as_str).unwrap_or("Unspecified")
    }

    pub fn breed(&self, proto: u16) -> &str {
        self.breeds.get(proto as usize).map(|b| b.1.as_str()).unwrap_or("Unrated")
    }

    pub fn confidence(&self, c: u8) -> &str {
        self.confidences.get(c as usize).map(String::as_str).unwrap_or("Unknown")
    }

    /// ntopng's L7 name: "TLS.Facebook" for master and app, "DNS" for one, "Unknown" for none.
    pub fn l7_name(&self, c: &Classification) -> String {
        match (c.master_protocol, c.app_protocol) {
            (0, 0) => self.protocol(0).to_string(),
            (m, a) if m != 0 && a != 0 && m != a => format!("{}.{}", self.protocol(m), self.protocol(a)),
            (m, 0) => self.protocol(m).to_string(),
            (_, a) => self.protocol(a).to_string(),
        }
    }
}
