//! `interface.getnDPI*` name lookups: protocols, categories and breeds, from the detector's tables.

use std::sync::Arc;

use ndpi::ProtocolNames;

use super::interface::names;
use super::{Ctx, Registrar};
use crate::args::{Args, BResult};

fn table(ctx: &Ctx, a: &Args) -> BResult<Arc<ProtocolNames>> {
    names(ctx).ok_or_else(|| a.fail("nDPI protocol names are not available (no interface with nDPI)"))
}

fn proto_arg(a: &Args) -> BResult<u16> {
    let id = a.int(1, "proto_id")?;
    u16::try_from(id).map_err(|_| a.bad_value(1, "proto_id", format!("must be between 0 and 65535 (got {id})")))
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    for name in ["getnDPIProtoName", "getnDPIFullProtoName"] {
        let c = ctx.clone();
        r.add("interface", name, move |_, a| {
            let id = proto_arg(a)?;
            Ok(table(&c, a)?.protocol(id).to_string())
        })?;
    }
    let c = ctx.clone();
    r.add("interface", "getnDPIProtoId", move |_, a| {
        let name = a.string(1, "proto_name")?;
        Ok(table(&c, a)?.protocol_id(&name).map_or(-1, i64::from))
    })?;
    let c = ctx.clone();
    r.add("interface", "getnDPIProtoBreed", move |_, a| {
        let id = proto_arg(a)?;
        Ok(table(&c, a)?.breed(id).to_string())
    })?;
    let c = ctx.clone();
    r.add("interface", "getnDPICategoryName", move |_, a| {
        let id = a.int(1, "category_id")?;
        let id = u32::try_from(id).map_err(|_| a.bad_value(1, "category_id", "must not be negative"))?;
        Ok(table(&c, a)?.category(id).to_string())
    })?;
    let c = ctx.clone();
    r.add("interface", "getnDPICategoryId", move |_, a| {
        let name = a.string(1, "category_name")?;
        Ok(table(&c, a)?.category_id(&name).map_or(-1, i64::from))
    })?;
    let c = ctx.clone();
    r.add("interface", "getnDPIProtocols", move |lua, a| {
        let category = a.opt_int(1, "category_id")?;
        let _skip_critical = a.opt_boolean(2, "skip_critical")?;
        let n = table(&c, a)?;
        let t = lua.create_table()?;
        for (id, name) in n.protocols() {
            if category.is_none_or(|cat| i64::from(n.protocol_category(id)) == cat) {
                // ntopng gives the ids as strings here.
                t.raw_set(name, id.to_string())?;
            }
        }
        Ok(t)
    })?;
    let c = ctx.clone();
    r.add("interface", "getnDPICategories", move |lua, a| {
        let n = table(&c, a)?;
        let t = lua.create_table()?;
        for (id, name) in n.categories().filter(|(_, name)| !name.is_empty()) {
            t.raw_set(name, id)?;
        }
        Ok(t)
    })?;
    Ok(())
}
