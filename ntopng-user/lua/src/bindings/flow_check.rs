//! `flow.*`: the flow a flow check script runs on (lua_engine.md §6). The check engine binds one flow at a
//! time ([`FlowSubject`], computed once per flow from its record); outside a flow check every function
//! returns nil (`is_oneway`/`is_unicast`: false) and `triggerAlert` does nothing, as in ntopng.

use std::sync::Arc;

use mlua::{Lua, Table, Value};
use ndpi::{Classification, ProtocolNames};
use ntopng_engine::sink::FlowRecord;
use ntopng_wire::Addr;

use super::shapes::Scope;
use super::{Ctx, Registrar};
use crate::args::BResult;

/// What `flow.*` reads of the current flow: copied from its record once per event, without allocating
/// (names are looked up when a script asks for them).
#[derive(Debug, Clone)]
pub(crate) struct FlowSubject {
    pub cli: Addr,
    pub cli_port: u16,
    pub srv: Addr,
    pub srv_port: u16,
    pub l4_proto: u8,
    pub vlan: u16,
    pub oneway: bool,
    pub unicast: bool,
    pub cli2srv_bytes: u64,
    pub srv2cli_bytes: u64,
    pub master: u16,
    pub app: u16,
    /// HTTP Host, TLS/QUIC SNI or DNS query name, when nDPI extracted one.
    pub host_name: Option<Box<str>>,
    pub direction: &'static str,
}

impl FlowSubject {
    pub fn of(sc: &Scope, f: &FlowRecord) -> FlowSubject {
        let (cli, cli_port) = f.client;
        let (srv, srv_port) = f.server;
        let (master, app) = f.classification.as_ref().map_or((0, 0), |c| (c.master_protocol, c.app_protocol));
        let direction = match (sc.is_local(&cli), sc.is_local(&srv)) {
            (true, true) => "local@local",
            (true, false) => "local@remote",
            (false, true) => "remote@local",
            (false, false) => "remote2remote",
        };
        FlowSubject {
            cli,
            cli_port,
            srv,
            srv_port,
            l4_proto: f.l4_proto,
            vlan: f.vlan,
            oneway: f.srv2cli.packets == 0 || f.cli2srv.packets == 0,
            unicast: !cli.is_broad_multicast() && !srv.is_broad_multicast(),
            cli2srv_bytes: f.cli2srv.bytes,
            srv2cli_bytes: f.srv2cli.bytes,
            master,
            app,
            host_name: f.classification.as_ref().and_then(|c| c.extra.as_ref()).and_then(|m| m.host_name.clone()),
            direction,
        }
    }

    /// ntopng's L7 name (`TLS.Google`).
    fn proto_name(&self, names: Option<&ProtocolNames>) -> String {
        let c = Classification { master_protocol: self.master, app_protocol: self.app, ..Default::default() };
        match names {
            Some(n) => n.l7_name(&c),
            None => c.counted_protocol().to_string(),
        }
    }

    /// The flow speaks one of `protos` (its master or its application).
    fn speaks(&self, names: Option<&ProtocolNames>, protos: &[&str]) -> bool {
        let Some(n) = names else { return false };
        [self.master, self.app].iter().any(|&id| id != 0 && protos.contains(&n.protocol(id)))
    }
}

fn current(ctx: &Ctx) -> Option<Arc<FlowSubject>> {
    ctx.run.lock().unwrap().check.flow.clone()
}

/// The protocol table of `flow.http()` & co.: ntopng's dotted keys, with what nDPI extracted (empty when the
/// flow does not speak the protocol).
fn proto_table(lua: &Lua, f: &FlowSubject, names: Option<&ProtocolNames>, protos: &[&str], keys: &[&str]) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    if f.speaks(names, protos) {
        if let Some(h) = &f.host_name {
            for k in keys {
                t.raw_set(*k, &**h)?;
            }
        }
    }
    Ok(t)
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    macro_rules! field {
        ($name:literal, |$f:ident| $e:expr) => {{
            let c = ctx.clone();
            r.add("flow", $name, move |lua, _| -> BResult<Value> {
                use mlua::IntoLua;
                Ok(match current(&c) {
                    Some($f) => ($e).into_lua(lua)?,
                    None => Value::Nil,
                })
            })?;
        }};
    }
    field!("cli", |f| f.cli.to_string());
    field!("cli_port", |f| f.cli_port);
    field!("srv", |f| f.srv.to_string());
    field!("srv_port", |f| f.srv_port);
    field!("protocol", |f| f.l4_proto);
    field!("vlan_id", |f| f.vlan);
    field!("cli2srv_bytes", |f| f.cli2srv_bytes);
    field!("srv2cli_bytes", |f| f.srv2cli_bytes);
    field!("bytes", |f| f.cli2srv_bytes + f.srv2cli_bytes);
    field!("l7_master_proto", |f| f.master);
    field!("l7_proto", |f| f.app);
    let c = ctx.clone();
    r.add("flow", "l7_proto_name", move |_, _| Ok(current(&c).map(|f| f.proto_name(super::interface::names(&c).as_deref()))))?;
    field!("direction", |f| f.direction);
    let c = ctx.clone();
    r.add("flow", "is_oneway", move |_, _| Ok(current(&c).is_some_and(|f| f.oneway)))?;
    let c = ctx.clone();
    r.add("flow", "is_unicast", move |_, _| Ok(current(&c).is_some_and(|f| f.unicast)))?;

    type Keys = (&'static str, &'static [&'static str], &'static [&'static str]);
    const TABLES: [Keys; 4] = [
        ("http", &["HTTP", "HTTP_Proxy", "HTTP_Connect"], &["protos.http.server_name"]),
        ("dns", &["DNS", "MDNS", "LLMNR"], &["protos.dns.last_query"]),
        ("ssh", &["SSH"], &[]),
        ("tls_quic", &["TLS", "QUIC", "DTLS"], &["protos.tls.client_requested_server_name"]),
    ];
    for (name, protos, keys) in TABLES {
        let c = ctx.clone();
        r.add("flow", name, move |lua, _| {
            Ok(match current(&c) {
                Some(f) => Value::Table(proto_table(lua, &f, super::interface::names(&c).as_deref(), protos, keys)?),
                None => Value::Nil,
            })
        })?;
    }
    let c = ctx.clone();
    r.add("flow", "triggerAlert", move |_, a| {
        let score = a.int(1, "score")?;
        let message = a.opt_string(2, "message")?.unwrap_or_default();
        let mut run = c.run.lock().unwrap();
        if run.check.flow.is_some() {
            run.check.triggers.push((score, message));
        }
        Ok(())
    })?;
    Ok(())
}
