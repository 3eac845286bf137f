//! Name tables built once from a detector, so threads without a module (sinks, REST) can
//! print protocols, categories, breeds and confidences.

use crate::{Classification, Detector};
use ndpi_sys as ffi;

#[derive(Debug, Clone)]
pub struct ProtocolNames {
    protocols: Vec<String>,
    breeds: Vec<(u32, String)>,
    categories: Vec<String>,
    /// Default category of each protocol id.
    protocol_categories: Vec<u32>,
    confidences: Vec<String>,
}

impl ProtocolNames {
    pub fn new(det: &Detector) -> ProtocolNames {
        let n = det.num_protocols();
        let protocols = (0..=n).map(|id| det.protocol_name(id)).collect();
        let breeds = (0..=n).map(|id| det.breed(id)).collect();
        let categories = (0..ffi::NDPI_PROTOCOL_NUM_CATEGORIES).map(|c| det.category_name(c)).collect();
        let protocol_categories = (0..=n).map(|id| det.protocol_category(id)).collect();
        let confidences = (0..ffi::NDPI_CONFIDENCE_MAX)
            // SAFETY: static strings.
            .map(|c| crate::detector::cstr(unsafe { ffi::ndpi_confidence_get_name(c) }).unwrap_or_default())
            .collect();
        ProtocolNames { protocols, breeds, categories, protocol_categories, confidences }
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

    /// Ids and names of every category, in id order.
    pub fn categories(&self) -> impl Iterator<Item = (u32, &str)> {
        self.categories.iter().enumerate().map(|(i, n)| (i as u32, n.as_str()))
    }

    /// Default category id of a protocol (0, unspecified, for unknown ids).
    pub fn protocol_category(&self, proto: u16) -> u32 {
        self.protocol_categories.get(proto as usize).copied().unwrap_or(0)
    }

    /// Id of a protocol name (case-insensitive, as nDPI matches names).
    pub fn protocol_id(&self, name: &str) -> Option<u16> {
        self.protocols.iter().position(|p| p.eq_ignore_ascii_case(name)).map(|i| i as u16)
    }

    /// Id of a category name (case-insensitive).
    pub fn category_id(&self, name: &str) -> Option<u32> {
        self.categories.iter().position(|c| !c.is_empty() && c.eq_ignore_ascii_case(name)).map(|i| i as u32)
    }

    /// nDPI's breed id of a protocol (`ndpi_protocol_breed_t`; 7, unrated, for unknown ids).
    pub fn breed_id(&self, proto: u16) -> u32 {
        self.breeds.get(proto as usize).map_or(ndpi_sys::NDPI_PROTOCOL_UNRATED, |b| b.0)
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
