//! `host.*`: the host a host check script runs on (the host seed). The check engine binds one host at a
//! time ([`HostSubject`], computed from the periodic view); outside a host check every function returns
//! nil (the address predicates: false) and `triggerAlert` does nothing.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use mlua::{Lua, Table, Value};
use ntopng_engine::host::{Host, HostKey};
use ntopng_wire::Addr;

use super::shapes::{host_l7, is_multicast, mac_string, Scope};
use super::{Ctx, Registrar};
use crate::args::BResult;

/// TCP/UDP contacts that got no reply, from the host's active flows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoReply {
    /// Distinct servers this host contacted as a client without an answer.
    pub peers_as_client: u64,
    /// Distinct clients that contacted this host as a server and got no answer.
    pub peers_as_server: u64,
    /// Distinct server ports contacted without an answer.
    pub server_ports: u64,
    /// Unanswered flows as client and as server.
    pub flows_as_client: u64,
    pub flows_as_server: u64,
}

impl NoReply {
    /// What is left once `base` (the counts at `host.resetHostContacts()`) is taken off.
    pub fn since(self, base: NoReply) -> NoReply {
        NoReply {
            peers_as_client: self.peers_as_client.saturating_sub(base.peers_as_client),
            peers_as_server: self.peers_as_server.saturating_sub(base.peers_as_server),
            server_ports: self.server_ports.saturating_sub(base.server_ports),
            flows_as_client: self.flows_as_client.saturating_sub(base.flows_as_client),
            flows_as_server: self.flows_as_server.saturating_sub(base.flows_as_server),
        }
    }
}

/// One pass over a view's flows: the unanswered TCP/UDP contacts of every host.
pub(crate) fn no_reply_contacts(sc: &Scope) -> HashMap<HostKey, NoReply> {
    #[derive(Default)]
    struct Sets {
        servers: HashSet<Addr>,
        clients: HashSet<Addr>,
        ports: HashSet<u16>,
        as_client: u64,
        as_server: u64,
    }
    let mut sets: HashMap<HostKey, Sets> = HashMap::new();
    for f in sc.snap().flows.iter().filter(|f| matches!(f.l4_proto, 6 | 17) && f.srv2cli.packets == 0) {
        let cli = sets.entry(HostKey { addr: f.client.0, vlan: f.vlan }).or_default();
        cli.servers.insert(f.server.0);
        cli.ports.insert(f.server.1);
        cli.as_client += 1;
        let srv = sets.entry(HostKey { addr: f.server.0, vlan: f.vlan }).or_default();
        srv.clients.insert(f.client.0);
        srv.as_server += 1;
    }
    sets.into_iter()
        .map(|(k, s)| {
            let n = NoReply {
                peers_as_client: s.servers.len() as u64,
                peers_as_server: s.clients.len() as u64,
                server_ports: s.ports.len() as u64,
                flows_as_client: s.as_client,
                flows_as_server: s.as_server,
            };
            (k, n)
        })
        .collect()
}

/// What `host.*` reads of the current host.
#[derive(Debug, Clone)]
pub(crate) struct HostSubject {
    pub key: HostKey,
    pub ip: String,
    pub mac: String,
    pub local: bool,
    pub multicast: bool,
    pub broadcast: bool,
    pub rx_only: bool,
    pub bytes_sent: u64,
    pub bytes_rcvd: u64,
    /// `(protocol name, bytes sent, bytes received, flows)`.
    pub l7: Vec<(String, u64, u64, u32)>,
    pub contacts: NoReply,
    pub score: u64,
    pub first_run: bool,
}

impl HostSubject {
    pub fn of(sc: &Scope, h: &Host, contacts: NoReply, score: u64, first_run: bool) -> HostSubject {
        let ip = h.key.addr.to_ip();
        let l7 = host_l7(h)
            .into_iter()
            .map(|(id, a)| (sc.proto_name(id), a.sent.bytes, a.rcvd.bytes, a.flows))
            .collect();
        HostSubject {
            key: h.key,
            ip: ip.to_string(),
            mac: mac_string(&h.mac),
            local: sc.is_local(&h.key.addr),
            multicast: is_multicast(ip),
            broadcast: sc.is_broadcast(&h.key.addr),
            rx_only: h.sent.packets == 0,
            bytes_sent: h.sent.bytes,
            bytes_rcvd: h.rcvd.bytes,
            l7,
            contacts,
            score,
            first_run,
        }
    }
}

fn current(ctx: &Ctx) -> Option<Arc<HostSubject>> {
    ctx.run.lock().unwrap().check.host.clone()
}

fn l7_table(lua: &Lua, h: &HostSubject) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (name, sent, rcvd, flows) in &h.l7 {
        let p = lua.create_table()?;
        p.raw_set("bytes_sent", *sent)?;
        p.raw_set("bytes_rcvd", *rcvd)?;
        p.raw_set("flows", *flows)?;
        t.raw_set(name.as_str(), p)?;
    }
    Ok(t)
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    macro_rules! field {
        ($name:literal, |$lua:ident, $h:ident| $e:expr) => {{
            let c = ctx.clone();
            r.add("host", $name, move |$lua, _| -> BResult<Value> {
                use mlua::IntoLua;
                Ok(match current(&c) {
                    Some($h) => ($e).into_lua($lua)?,
                    None => Value::Nil,
                })
            })?;
        }};
    }
    macro_rules! flag {
        ($name:literal, |$h:ident| $e:expr) => {{
            let c = ctx.clone();
            r.add("host", $name, move |_, _| Ok(current(&c).is_some_and(|$h| $e)))?;
        }};
    }
    field!("ip", |lua, h| h.ip.clone());
    field!("mac", |lua, h| h.mac.clone());
    // No name resolution or host labels in check context: the address, as ntopng shows an unnamed host.
    field!("name", |lua, h| h.ip.clone());
    field!("vlan_id", |lua, h| h.key.vlan);
    flag!("is_local", |h| h.local);
    flag!("is_unicast", |h| !h.multicast && !h.broadcast);
    flag!("is_multicast", |h| h.multicast);
    flag!("is_broadcast", |h| h.broadcast);
    // TODO(blacklists): no blacklist lists are loaded yet, so no host is on one.
    flag!("is_blacklisted", |h| { let _ = h; false });
    flag!("is_rx_only", |h| h.rx_only);
    field!("bytes", |lua, h| h.bytes_sent + h.bytes_rcvd);
    field!("bytes_sent", |lua, h| h.bytes_sent);
    field!("bytes_rcvd", |lua, h| h.bytes_rcvd);
    field!("l7", |lua, h| l7_table(lua, &h)?);
    field!("score", |lua, h| h.score);
    field!("getNumContactedPeersAsClientTCPUDPNoTX", |lua, h| h.contacts.peers_as_client);
    field!("getNumContactsFromPeersAsServerTCPUDPNoTX", |lua, h| h.contacts.peers_as_server);
    field!("getNumContactedTCPUDPServerPortsNoTX", |lua, h| h.contacts.server_ports);
    field!("getUnidirectionalTCPUDPFlowsStats", |lua, h| {
        let t = lua.create_table()?;
        t.raw_set("as_client", h.contacts.flows_as_client)?;
        t.raw_set("as_server", h.contacts.flows_as_server)?;
        t
    });
    field!("isFirstCheckRun", |lua, h| h.first_run);
    let c = ctx.clone();
    r.add("host", "resetHostContacts", move |_, _| {
        let mut run = c.run.lock().unwrap();
        if run.check.host.is_some() {
            run.check.reset_contacts = true;
        }
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("host", "skipVisitedHost", move |_, a| {
        let skip = a.opt_boolean(1, "skip")?.unwrap_or(false);
        let until = a.opt_int(2, "skip_until")?;
        let mut run = c.run.lock().unwrap();
        if run.check.host.is_some() {
            run.check.skip = Some((skip, until));
        }
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("host", "triggerAlert", move |_, a| {
        let score = a.int(1, "value")?;
        let message = a.opt_string(2, "msg")?.unwrap_or_default();
        let mut run = c.run.lock().unwrap();
        if run.check.host.is_some() {
            run.check.triggers.push((score, message));
        }
        Ok(())
    })?;
    Ok(())
}
