//! `ntop.*` user management, API tokens, sessions and TOTP (seed 000 §7, §8), backed by `ntopng-auth`.
//! As in ntopng, changing users is for administrators: other callers get `false` (or `nil`), except for
//! their own password, token and TOTP secret.

use std::sync::Arc;
use std::time::Duration;

use mlua::Table;
use ntopng_auth::{AuthError, NewUser, Permission, Users};

use super::{Ctx, Registrar};
use crate::args::{Args, BResult};

/// The users behind the bindings, or the error saying the pool has none (scripts run without a server).
fn users<'c>(c: &'c Ctx, a: &Args) -> BResult<&'c Arc<Users>> {
    c.users.as_ref().ok_or_else(|| a.fail("no user database is configured for this Lua pool"))
}

/// `(user, is_administrator)` of the request in progress.
fn caller(c: &Ctx) -> (String, bool) {
    let run = c.run.lock().unwrap();
    (run.session.user.clone(), run.session.is_administrator())
}

fn is_admin(c: &Ctx) -> bool {
    caller(c).1
}

/// Admin-only setters: `false` for other callers and for refused values; store failures raise.
fn outcome(a: &Args, r: Result<(), AuthError>) -> BResult<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(AuthError::Store(e)) => Err(a.fail(e)),
        Err(e) => {
            log::info!(target: "ntopng::lua", "{}: {e}", a.fname);
            Ok(false)
        }
    }
}

fn store_err(a: &Args, e: AuthError) -> crate::args::BindError {
    a.fail(e)
}

pub(crate) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    let c = ctx.clone();
    r.add("ntop", "getUsers", move |lua, a| {
        let u = users(&c, a)?;
        let t = lua.create_table()?;
        // Administrators see every user; anybody else only themselves (enough for "does my user exist").
        let (me, admin) = caller(&c);
        for info in u.list().map_err(|e| store_err(a, e))?.into_iter().filter(|i| admin || i.name == me) {
            let e = lua.create_table()?;
            e.raw_set("full_name", info.full_name.as_str())?;
            e.raw_set("group", info.group.as_str())?;
            e.raw_set("allowed_nets", info.allowed_nets.as_str())?;
            e.raw_set("allowed_ifname", info.allowed_ifname.as_str())?;
            e.raw_set("language", info.language.as_str())?;
            e.raw_set("allow_pcap_download", info.allow_pcap_download)?;
            e.raw_set("allow_historical_flow", info.allow_historical_flow)?;
            e.raw_set("allow_alerts", info.allow_alerts)?;
            if let Some(p) = &info.host_pool_id {
                e.raw_set("host_pool_id", p.as_str())?;
            }
            e.raw_set("totp_enabled", u.totp_enabled(&info.name).map_err(|e| store_err(a, e))?)?;
            t.raw_set(info.name.as_str(), e)?;
        }
        Ok(t)
    })?;
    let c = ctx.clone();
    r.add("ntop", "isPcapDownloadAllowed", move |_, a| {
        let (user, admin) = caller(&c);
        if admin {
            return Ok(true);
        }
        let u = users(&c, a)?;
        Ok(u.get(&user).map_err(|e| store_err(a, e))?.is_some_and(|i| i.allow_pcap_download))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getAllowedNetworks", move |lua, _| {
        let nets = c.run.lock().unwrap().session.extra.get("allowed_nets").cloned();
        let nets = nets.unwrap_or_else(|| ntopng_auth::ALL_NETWORKS.to_string());
        let t: Table = lua.create_table()?;
        for n in nets.split(',').filter(|s| !s.is_empty()) {
            t.raw_set(n, true)?;
        }
        Ok(t)
    })?;
    r.add("ntop", "isGuiAccessRestricted", |_, _| Ok(false))?;
    r.add("ntop", "getUserObservationPointId", |_, _| Ok(0))?;

    let c = ctx.clone();
    r.add("ntop", "addUser", move |_, a| {
        let u = users(&c, a)?;
        let nu = NewUser {
            name: a.string(1, "username")?,
            full_name: a.string(2, "full_name")?,
            password: a.string(3, "password")?,
            group: a.string(4, "role")?,
            allowed_nets: a.opt_string(5, "allowed_nets")?.unwrap_or_default(),
            allowed_ifname: a.opt_string(6, "allowed_iface")?.unwrap_or_default(),
            language: a.opt_string(8, "lang")?.unwrap_or_default(),
        };
        let pool = a.opt_string(7, "host_pool")?;
        let perms = [
            (Permission::PcapDownload, a.opt_boolean(9, "pcap")?),
            (Permission::HistoricalFlows, a.opt_boolean(10, "history")?),
            (Permission::Alerts, a.opt_boolean(11, "alerts")?),
        ];
        if !is_admin(&c) {
            return Ok(false);
        }
        outcome(
            a,
            (|| {
                u.add_user(&nu)?;
                if let Some(p) = pool.filter(|p| !p.is_empty()) {
                    u.set_host_pool(&nu.name, &p)?;
                }
                for (p, v) in perms {
                    if let Some(v) = v {
                        u.set_permission(&nu.name, p, v)?;
                    }
                }
                Ok(())
            })(),
        )
    })?;
    let c = ctx.clone();
    r.add("ntop", "deleteUser", move |_, a| {
        let u = users(&c, a)?;
        let name = a.string(1, "username")?;
        if !is_admin(&c) {
            return Ok(false);
        }
        outcome(a, u.delete_user(&name))
    })?;
    let c = ctx.clone();
    r.add("ntop", "resetUserPassword", move |_, a| {
        let u = users(&c, a)?;
        let who = a.string(1, "who")?;
        let name = a.string(2, "username")?;
        let old = a.opt_string(3, "old_pw")?;
        let new = a.string(4, "new_pw")?;
        let (user, admin) = caller(&c);
        // `who` must be the caller: a script cannot act on behalf of someone else.
        if who != user && !admin {
            return Ok(false);
        }
        outcome(a, u.set_password(&who, admin, &name, old.as_deref(), &new))
    })?;

    // Admin-only setters of one attribute: (name, argument name, what they do).
    type Setter = fn(&Users, &str, &str) -> Result<(), AuthError>;
    let setters: [(&'static str, &'static str, Setter); 5] = [
        ("changeUserRole", "role", |u, n, v| u.set_group(n, v)),
        ("changeAllowedNets", "nets", |u, n, v| u.set_allowed_nets(n, v)),
        ("changeAllowedIfname", "ifname", |u, n, v| u.set_allowed_ifname(n, v)),
        ("changeUserFullName", "name", |u, n, v| u.set_full_name(n, v)),
        ("changeUserLanguage", "lang", |u, n, v| u.set_language(n, v)),
    ];
    for (fname, what, set) in setters {
        let c = ctx.clone();
        r.add("ntop", fname, move |_, a| {
            let u = users(&c, a)?;
            let name = a.string(1, "username")?;
            let v = a.opt_string(2, what)?.unwrap_or_default();
            if !is_admin(&c) {
                return Ok(false);
            }
            outcome(a, set(u, &name, &v))
        })?;
    }
    let c = ctx.clone();
    r.add("ntop", "changeUserHostPool", move |_, a| {
        let u = users(&c, a)?;
        let name = a.string(1, "username")?;
        let pool = match a.value(2) {
            mlua::Value::Integer(i) => i.to_string(),
            _ => a.string(2, "pool_id")?,
        };
        if !is_admin(&c) {
            return Ok(false);
        }
        outcome(a, u.set_host_pool(&name, &pool))
    })?;
    let perms: [(&'static str, Permission); 3] = [
        ("changePcapDownloadPermission", Permission::PcapDownload),
        ("changeHistoricalFlowPermission", Permission::HistoricalFlows),
        ("changeAlertsPermission", Permission::Alerts),
    ];
    for (fname, p) in perms {
        let c = ctx.clone();
        r.add("ntop", fname, move |_, a| {
            let u = users(&c, a)?;
            let name = a.string(1, "username")?;
            let allow = match a.value(2) {
                mlua::Value::String(s) => s.to_string_lossy() == "1" || s.to_string_lossy() == "true",
                _ => a.boolean(2, "allow")?,
            };
            if !is_admin(&c) {
                return Ok(false);
            }
            outcome(a, u.set_permission(&name, p, allow))
        })?;
    }

    // Sessions and tokens.
    let c = ctx.clone();
    r.add("ntop", "createUserSession", move |_, a| {
        let u = users(&c, a)?;
        let name = a.string(1, "username")?;
        let secs = a.opt_uint(2, "duration")?;
        if !is_admin(&c) {
            return Ok(None);
        }
        match u.create_session(&name, secs.map(Duration::from_secs)) {
            Ok(s) => Ok(Some(s.id)),
            Err(AuthError::Store(e)) => Err(a.fail(e)),
            Err(_) => Ok(None),
        }
    })?;
    let c = ctx.clone();
    r.add("ntop", "createUserAPIToken", move |_, a| {
        let u = users(&c, a)?;
        let name = a.string(1, "username")?;
        let (user, admin) = caller(&c);
        if !admin && user != name {
            return Ok(None);
        }
        match u.create_token(&name) {
            Ok(t) => Ok(Some(t)),
            Err(AuthError::Store(e)) => Err(a.fail(e)),
            Err(_) => Ok(None),
        }
    })?;
    let c = ctx.clone();
    r.add("ntop", "getUserAPIToken", move |_, a| {
        let u = users(&c, a)?;
        let name = a.string(1, "username")?;
        let (user, admin) = caller(&c);
        if !admin && user != name {
            return Ok(None);
        }
        u.user_token(&name).map_err(|e| store_err(a, e))
    })?;

    // TOTP.
    r.add("ntop", "generateTOTPSecret", |_, _| Ok(ntopng_auth::totp::generate_secret()))?;
    let self_or_admin = |c: &Ctx, name: &str| {
        let (user, admin) = caller(c);
        admin || user == name
    };
    let c = ctx.clone();
    r.add("ntop", "setUserTOTPSecret", move |_, a| {
        let u = users(&c, a)?;
        let (name, secret) = (a.string(1, "username")?, a.string(2, "secret")?);
        if !self_or_admin(&c, &name) {
            return Ok(false);
        }
        outcome(a, u.set_totp_secret(&name, &secret))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getUserTOTPSecret", move |_, a| {
        let u = users(&c, a)?;
        let name = a.string(1, "username")?;
        if !is_admin(&c) {
            return Ok(None);
        }
        u.totp_secret(&name).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "isTOTPEnabled", move |_, a| {
        let u = users(&c, a)?;
        u.totp_enabled(&a.string(1, "username")?).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "setUserTOTPEnabled", move |_, a| {
        let u = users(&c, a)?;
        let (name, on) = (a.string(1, "username")?, a.boolean(2, "enabled")?);
        if !self_or_admin(&c, &name) {
            return Ok(false);
        }
        outcome(a, u.set_totp_enabled(&name, on))
    })?;
    let c = ctx.clone();
    r.add("ntop", "validateTOTP", move |_, a| {
        let u = users(&c, a)?;
        let (name, code) = (a.string(1, "username")?, a.string(2, "code")?);
        u.validate_totp(&name, code.trim()).map_err(|e| store_err(a, e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getTOTPProvisioningUri", move |_, a| {
        let u = users(&c, a)?;
        let name = a.string(1, "username")?;
        if !self_or_admin(&c, &name) {
            return Ok(None);
        }
        let secret = u.totp_secret(&name).map_err(|e| store_err(a, e))?;
        Ok(secret.map(|s| ntopng_auth::totp::provisioning_uri("ntopng", &name, &s)))
    })?;
    Ok(())
}
