//! The blacklist checks and their list.
//! * `blacklisted_client_contact`: a blacklisted remote client contacts a local server; 50 points
//!   (10 when the server never answered), shared equally.
//! * `blacklisted_server_contact`: a local client contacts a blacklisted remote server; 200 points
//!   (10 for ICMP), 90 % on the client.
//! * `blacklisted`: nDPI put the flow in the Malware category (from the category lists loaded with
//!   `-p`) while neither peer is in the blacklist.
//!
//! The list is a file of IP addresses and CIDRs (one per line, `#` comments, blank lines), given
//! with `--blacklist-file`. ntopng instead downloads category lists (Malware IPs among them) into
//! nDPI; here one static list plays that part.

use super::{FlowCheck, FlowContext, Raised, Wants, PROTO_ICMP, PROTO_ICMPV6};
use crate::config::CheckConf;
use ipnet::IpNet;
use ndpi_sys as ffi;
use ntopng_engine::sink::FlowRecord;
use ntopng_wire::Addr;
use std::net::IpAddr;
use std::path::Path;

/// Blacklisted addresses and networks.
#[derive(Debug, Clone, Default)]
pub struct Blacklist {
    nets: Vec<IpNet>,
}

impl Blacklist {
    /// Parses a list: one IP or CIDR per line (anything after `#` ignored, also `ip,comment` and
    /// `ip<space>comment` forms keep only the first field).
    pub fn parse(text: &str) -> Result<Blacklist, String> {
        let mut nets = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some(item) = line.split([',', ' ', '\t', ';']).find(|s| !s.is_empty()) else { continue };
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("line {}: {item:?} is not an IP address or CIDR", n + 1))?;
            nets.push(net.trunc());
        }
        nets.sort();
        nets.dedup();
        Ok(Blacklist { nets })
    }

    pub fn load(path: &Path) -> Result<Blacklist, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Blacklist::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn len(&self) -> usize {
        self.nets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    pub fn contains(&self, a: &Addr) -> bool {
        let ip = a.to_ip();
        self.nets.iter().any(|n| n.contains(&ip))
    }
}

struct ClientContact;
struct ServerContact;
struct MalwareFlow;

pub(super) fn client_contact(_: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(ClientContact)
}
pub(super) fn server_contact(_: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(ServerContact)
}
pub(super) fn flow(_: &CheckConf) -> Box<dyn FlowCheck> {
    Box::new(MalwareFlow)
}

impl FlowCheck for ClientContact {
    fn key(&self) -> &'static str {
        "blacklisted_client_contact"
    }
    /// Any flow may have a listed peer: every classified flow (only while a list is loaded).
    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.classified = true;
    }
    fn on_classified(&self, rec: &FlowRecord, ctx: &FlowContext) -> Option<Raised> {
        if !ctx.cli_blacklisted(rec) || ctx.is_local(&rec.client.0) || !ctx.is_local(&rec.server.0) {
            return None;
        }
        let score = if rec.srv2cli.packets == 0 { 10 } else { 50 };
        Some(Raised { score: Some(score), client_pct: None })
    }
}

impl FlowCheck for ServerContact {
    fn key(&self) -> &'static str {
        "blacklisted_server_contact"
    }
    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.classified = true;
    }
    fn on_classified(&self, rec: &FlowRecord, ctx: &FlowContext) -> Option<Raised> {
        if !ctx.srv_blacklisted(rec) || !ctx.is_local(&rec.client.0) || ctx.is_local(&rec.server.0) {
            return None;
        }
        let icmp = rec.l4_proto == PROTO_ICMP || rec.l4_proto == PROTO_ICMPV6;
        Some(Raised { score: icmp.then_some(10), client_pct: None })
    }
}

impl FlowCheck for MalwareFlow {
    fn key(&self) -> &'static str {
        "blacklisted"
    }
    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.categories.insert(ffi::CUSTOM_CATEGORY_MALWARE);
    }
    fn on_classified(&self, rec: &FlowRecord, ctx: &FlowContext) -> Option<Raised> {
        let c = rec.classification.as_ref()?;
        if c.category != ffi::CUSTOM_CATEGORY_MALWARE || ctx.cli_blacklisted(rec) || ctx.srv_blacklisted(rec) {
            return None;
        }
        Some(Raised::DEFAULT)
    }
}
