//! Local networks (`-m`, plus `ntop.addLocalNetwork`), the session's allowed networks and interface, the
//! machine's own addresses, and name resolution through the system resolver with a cache in the store.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use mlua::Value;
use ntopng_store::KvStore;

use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::daemon::parse_network;

/// Where resolved names are cached, per address.
pub(crate) const DNS_CACHE_PREFIX: &str = "ntopng.dns.cache.";
/// How long a resolved name stays cached.
const DNS_CACHE_TTL: Duration = Duration::from_secs(3600);
/// Reverse resolutions running at once; further requests are dropped until one ends.
const MAX_RESOLVING: usize = 16;

fn ip_arg(a: &Args, i: usize, what: &str) -> BResult<IpAddr> {
    let s = a.string(i, what)?;
    s.trim().parse::<IpAddr>().map_err(|_| a.bad_value(i, what, format!("invalid IP address '{s}'")))
}

/// An address or a CIDR, as a network.
fn net_arg(a: &Args, i: usize, what: &str) -> BResult<IpNet> {
    let s = a.string(i, what)?;
    parse_network(&s).map(|n| n.net).map_err(|e| a.bad_value(i, what, e))
}

/// The addresses configured on the machine's interfaces (getifaddrs).
pub(crate) fn interface_addresses() -> Vec<IpAddr> {
    let mut out = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs allocates a list we walk read-only and free once.
    unsafe {
        if libc::getifaddrs(&mut head) != 0 {
            return out;
        }
        let mut cur = head;
        while !cur.is_null() {
            let sa = (*cur).ifa_addr;
            if !sa.is_null() {
                match i32::from((*sa).sa_family) {
                    libc::AF_INET => {
                        let sin = &*(sa as *const libc::sockaddr_in);
                        out.push(IpAddr::from(u32::from_be(sin.sin_addr.s_addr).to_be_bytes()));
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(sa as *const libc::sockaddr_in6);
                        out.push(IpAddr::from(sin6.sin6_addr.s6_addr));
                    }
                    _ => {}
                }
            }
            cur = (*cur).ifa_next;
        }
        libc::freeifaddrs(head);
    }
    out
}

/// The name of `ip` by the system resolver (getnameinfo, a name required), None if it has none.
pub(crate) fn reverse_lookup(ip: IpAddr) -> Option<String> {
    let sa = SocketAddr::new(ip, 0);
    let mut host = [0 as libc::c_char; 1025];
    // SAFETY: the sockaddr is built for its family with the matching length; host is large enough (NI_MAXHOST).
    let rc = unsafe {
        match sa {
            SocketAddr::V4(v4) => {
                let mut sin: libc::sockaddr_in = std::mem::zeroed();
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_addr.s_addr = u32::from(*v4.ip()).to_be();
                libc::getnameinfo(
                    (&sin as *const libc::sockaddr_in).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                    host.as_mut_ptr(),
                    host.len() as libc::socklen_t,
                    std::ptr::null_mut(),
                    0,
                    libc::NI_NAMEREQD,
                )
            }
            SocketAddr::V6(v6) => {
                let mut sin6: libc::sockaddr_in6 = std::mem::zeroed();
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_addr.s6_addr = v6.ip().octets();
                libc::getnameinfo(
                    (&sin6 as *const libc::sockaddr_in6).cast(),
                    std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                    host.as_mut_ptr(),
                    host.len() as libc::socklen_t,
                    std::ptr::null_mut(),
                    0,
                    libc::NI_NAMEREQD,
                )
            }
        }
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: on success getnameinfo wrote a NUL-terminated string.
    let name = unsafe { std::ffi::CStr::from_ptr(host.as_ptr()) }.to_string_lossy().into_owned();
    Some(name).filter(|n| !n.is_empty())
}

/// Resolves `ip` in the background and caches its name.
fn resolve_in_background(store: Arc<dyn KvStore>, in_flight: Arc<std::sync::atomic::AtomicUsize>, ip: IpAddr) {
    if in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_RESOLVING {
        in_flight.fetch_sub(1, Ordering::SeqCst);
        log::debug!(target: "ntopng::lua", "ntop.resolveName: {MAX_RESOLVING} resolutions running, {ip} dropped");
        return;
    }
    let spawned = std::thread::Builder::new().name("ntopng-resolve".into()).spawn({
        let in_flight = in_flight.clone();
        move || {
            if let Some(name) = reverse_lookup(ip) {
                if let Err(e) = store.set(&format!("{DNS_CACHE_PREFIX}{ip}"), &name, Some(DNS_CACHE_TTL)) {
                    log::warn!(target: "ntopng::lua", "cannot cache the name of {ip}: {e}");
                }
            }
            in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    });
    if spawned.is_err() {
        in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The session's allowed networks (`_SESSION["allowed_nets"]`, comma-separated); all when absent or empty.
fn allowed_networks(c: &Ctx) -> Option<Vec<IpNet>> {
    let s = c.run.lock().unwrap();
    let nets = s.session.extra.get("allowed_nets").map(|n| n.trim()).filter(|n| !n.is_empty())?;
    Some(nets.split(',').filter_map(|n| parse_network(n).ok()).map(|n| n.net).collect())
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    // ---- local networks ----
    let c = ctx.clone();
    r.add("ntop", "isLocalAddress", move |_, a| {
        let ip = ip_arg(a, 1, "ip")?;
        Ok(c.daemon.local_networks.read().unwrap().find(ip).is_some())
    })?;
    let c = ctx.clone();
    r.add("ntop", "getNetworks", move |lua, _| {
        let t = lua.create_table()?;
        for (id, n) in c.daemon.local_networks.read().unwrap().all().iter().enumerate() {
            t.raw_set(n.name.as_str(), id)?;
        }
        Ok(t)
    })?;
    let c = ctx.clone();
    r.add("ntop", "getNetworkNameById", move |_, a| {
        let id = a.int(1, "id")?;
        let nets = c.daemon.local_networks.read().unwrap();
        Ok(usize::try_from(id).ok().and_then(|i| nets.get(i)).map(|n| n.name.clone()))
    })?;
    for name in ["getNetworkIdByName", "getLocalNetworkID"] {
        let c = ctx.clone();
        r.add("ntop", name, move |_, a| {
            let net = a.string(1, "network")?;
            Ok(c.daemon.local_networks.read().unwrap().id_of(&net).map(|i| i as i64).unwrap_or(-1))
        })?;
    }
    let c = ctx.clone();
    r.add("ntop", "getAddressNetwork", move |lua, a| {
        let ip = ip_arg(a, 1, "ip")?;
        let nets = c.daemon.local_networks.read().unwrap();
        let Some(id) = nets.find(ip) else { return Ok(Value::Nil) };
        let n = nets.get(id).expect("found");
        let t = lua.create_table()?;
        t.raw_set("network_id", id)?;
        t.raw_set("network", n.name.as_str())?;
        if let Some(alias) = &n.alias {
            t.raw_set("alias", alias.as_str())?;
        }
        Ok(Value::Table(t))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getLocalNetworkAlias", move |_, a| {
        let net = a.string(1, "network")?;
        let nets = c.daemon.local_networks.read().unwrap();
        Ok(nets.id_of(&net).and_then(|i| nets.get(i)).and_then(|n| n.alias.clone()))
    })?;
    let c = ctx.clone();
    r.add("ntop", "addLocalNetwork", move |_, a| {
        let spec = a.string(1, "network")?;
        let n = parse_network(&spec).map_err(|e| a.bad_value(1, "network", e))?;
        c.daemon.local_networks.write().unwrap().add(n).map_err(|e| a.fail(e))?;
        Ok(())
    })?;
    r.add("ntop", "isLocalInterfaceAddress", |_, a| {
        let ip = ip_arg(a, 1, "ip")?;
        Ok(interface_addresses().contains(&ip))
    })?;

    // ---- what the session may see ----
    let c = ctx.clone();
    r.add("ntop", "isAllowedNetwork", move |_, a| {
        let net = net_arg(a, 1, "network")?;
        Ok(match allowed_networks(&c) {
            None => true,
            Some(allowed) => allowed.iter().any(|n| n.contains(&net)),
        })
    })?;
    let c = ctx.clone();
    r.add("ntop", "isAllowedInterface", move |_, a| {
        let ifname = a.string(1, "ifname")?;
        let s = c.run.lock().unwrap();
        Ok(match s.session.extra.get("allowed_ifname").map(|n| n.trim()).filter(|n| !n.is_empty()) {
            None => true,
            Some(allowed) => allowed == ifname,
        })
    })?;

    // ---- name resolution ----
    let c = ctx.clone();
    r.add("ntop", "resolveName", move |_, a| {
        let ip = ip_arg(a, 1, "ip")?;
        let cached = c.store.get(&format!("{DNS_CACHE_PREFIX}{ip}")).ok().flatten();
        if cached.is_none() {
            resolve_in_background(c.store.clone(), c.daemon.resolving.clone(), ip);
        }
        Ok(())
    })?;
    let c = ctx.clone();
    r.add("ntop", "getResolvedName", move |_, a| {
        let ip = ip_arg(a, 1, "ip")?;
        c.store.get(&format!("{DNS_CACHE_PREFIX}{ip}")).map_err(|e| a.fail(e))
    })?;
    let c = ctx.clone();
    r.add("ntop", "setResolvedAddress", move |_, a| {
        let ip = ip_arg(a, 1, "ip")?;
        let name = a.string(2, "hostname")?;
        if name.is_empty() {
            return Err(a.bad_value(2, "hostname", "must not be empty"));
        }
        c.store.set(&format!("{DNS_CACHE_PREFIX}{ip}"), &name, Some(DNS_CACHE_TTL)).map_err(|e| a.fail(e))
    })?;
    r.add("ntop", "resolveHost", |_, a| {
        let host = a.string(1, "hostname")?;
        let want_v4 = a.opt_boolean(2, "ipv4")?.unwrap_or(true);
        if host.is_empty() {
            return Err(a.bad_value(1, "hostname", "must not be empty"));
        }
        let addrs: Vec<IpAddr> = match (host.as_str(), 0u16).to_socket_addrs() {
            Ok(it) => it.map(|s| s.ip()).collect(),
            Err(_) => return Ok(None),
        };
        let pick = addrs.iter().find(|ip| ip.is_ipv4() == want_v4).or(addrs.first());
        Ok(pick.map(|ip| ip.to_string()))
    })?;
    Ok(())
}
