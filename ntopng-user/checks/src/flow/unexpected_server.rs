//! `unexpected_dns`, `unexpected_dhcp`, `unexpected_ntp`, `unexpected_smtp`: a flow of the protocol
//! whose server is not in the check's `script_conf.items` (IP addresses or CIDRs). An empty list
//! allows no server, so every such flow is alerted (as ntopng does with no list configured).
//! Broadcast and multicast servers are ignored; a DHCP server must answer on port 67.

use super::{has_protocol, FlowCheck, FlowContext, Raised, Wants};
use crate::config::CheckConf;
use ipnet::IpNet;
use ndpi_sys as ffi;
use ntopng_engine::sink::FlowRecord;
use serde_json::{json, Value};
use std::net::IpAddr;

struct UnexpectedServer {
    key: &'static str,
    protocols: &'static [u16],
    /// DHCP: the server must be the one answering on the DHCP server port.
    server_port: Option<u16>,
    allowed: Vec<IpNet>,
}

const DNS: &[u16] = &[ffi::NDPI_PROTOCOL_DNS as u16];
const DHCP: &[u16] = &[ffi::NDPI_PROTOCOL_DHCP as u16];
const NTP: &[u16] = &[ffi::NDPI_PROTOCOL_NTP as u16];
const SMTP: &[u16] = &[ffi::NDPI_PROTOCOL_MAIL_SMTP as u16, ffi::NDPI_PROTOCOL_MAIL_SMTPS as u16];

pub(super) fn default_conf() -> Value {
    json!({ "items": [] })
}

/// The allowed servers of `script_conf.items`: a list (or a comma-separated string) of IPs/CIDRs;
/// entries that are neither are skipped with a log line.
fn allowed(conf: &CheckConf, key: &str) -> Vec<IpNet> {
    let items: Vec<String> = match conf.script_conf.get("items") {
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    };
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .filter_map(|s| match s.parse::<IpNet>().or_else(|_| s.parse::<IpAddr>().map(IpNet::from)) {
            Ok(n) => Some(n.trunc()),
            Err(_) => {
                log::warn!("flow check {key}: item {s:?} is not an IP address or CIDR: ignored");
                None
            }
        })
        .collect()
}

fn build(
    conf: &CheckConf,
    key: &'static str,
    protocols: &'static [u16],
    server_port: Option<u16>,
) -> Box<dyn FlowCheck> {
    Box::new(UnexpectedServer { key, protocols, server_port, allowed: allowed(conf, key) })
}

pub(super) fn dns(conf: &CheckConf) -> Box<dyn FlowCheck> {
    build(conf, "unexpected_dns", DNS, None)
}
pub(super) fn dhcp(conf: &CheckConf) -> Box<dyn FlowCheck> {
    build(conf, "unexpected_dhcp", DHCP, Some(67))
}
pub(super) fn ntp(conf: &CheckConf) -> Box<dyn FlowCheck> {
    build(conf, "unexpected_ntp", NTP, None)
}
pub(super) fn smtp(conf: &CheckConf) -> Box<dyn FlowCheck> {
    build(conf, "unexpected_smtp", SMTP, None)
}

impl FlowCheck for UnexpectedServer {
    fn key(&self) -> &'static str {
        self.key
    }

    fn wants(&self, _ctx: &FlowContext, w: &mut Wants) {
        w.protocols.extend(self.protocols);
    }

    fn on_classified(&self, rec: &FlowRecord, _ctx: &FlowContext) -> Option<Raised> {
        if !has_protocol(rec, self.protocols) {
            return None;
        }
        let (server, port) = rec.server;
        if server.is_broad_multicast() || self.server_port.is_some_and(|p| p != port) {
            return None;
        }
        let ip = server.to_ip();
        if ip.is_unspecified() || self.allowed.iter().any(|n| n.contains(&ip)) {
            return None;
        }
        Some(Raised::DEFAULT)
    }
}
