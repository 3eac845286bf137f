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
use ntopng_engine::alert_tap::AddressFilter;
use ntopng_engine::sink::FlowRecord;
use ntopng_wire::Addr;
use std::net::IpAddr;
use std::path::Path;

/// Blacklisted addresses and networks, as merged sorted ranges (a lookup is a binary search: the
/// workers test both peers of every classified flow against it while a blacklist check is on).
#[derive(Debug, Clone, Default)]
pub struct Blacklist {
    entries: usize,
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

/// Sorts and merges overlapping or adjacent ranges.
fn merge<T: Ord + Copy>(mut r: Vec<(T, T)>, next: impl Fn(T) -> Option<T>) -> Vec<(T, T)> {
    r.sort();
    let mut out: Vec<(T, T)> = Vec::with_capacity(r.len());
    for (a, b) in r {
        match out.last_mut() {
            Some(last) if next(last.1).is_none_or(|n| a <= n) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn find<T: Ord + Copy>(ranges: &[(T, T)], x: T) -> bool {
    let i = ranges.partition_point(|r| r.0 <= x);
    i > 0 && x <= ranges[i - 1].1
}

impl Blacklist {
    /// Parses a list: one IP or CIDR per line (anything after `#` ignored, also `ip,comment` and
    /// `ip<space>comment` forms keep only the first field).
    pub fn parse(text: &str) -> Result<Blacklist, String> {
        let (mut v4, mut v6, mut entries) = (Vec::new(), Vec::new(), 0);
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some(item) = line.split([',', ' ', '\t', ';']).find(|s| !s.is_empty()) else { continue };
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("line {}: {item:?} is not an IP address or CIDR", n + 1))?;
            entries += 1;
            match net.trunc() {
                IpNet::V4(n) => v4.push((u32::from(n.network()), u32::from(n.broadcast()))),
                IpNet::V6(n) => v6.push((u128::from(n.network()), u128::from(n.broadcast()))),
            }
        }
        Ok(Blacklist { entries, v4: merge(v4, |x: u32| x.checked_add(1)), v6: merge(v6, |x: u128| x.checked_add(1)) })
    }

    pub fn load(path: &Path) -> Result<Blacklist, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Blacklist::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Entries read from the list.
    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    pub fn contains(&self, a: &Addr) -> bool {
        match a.to_ip() {
            IpAddr::V4(v4) => find(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => find(&self.v6, u128::from(v6)),
        }
    }
}

impl AddressFilter for Blacklist {
    fn contains(&self, a: &Addr) -> bool {
        Blacklist::contains(self, a)
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
    /// Classified flows with a listed peer (the workers test the list).
    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.addresses = true;
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
        w.addresses = true;
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
