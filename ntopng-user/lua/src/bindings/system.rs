//! Bindings that need no engine state: directories, product and edition, logging, time, hashing, bitmaps,
//! score/severity maps, address arithmetic, and the few that act on the current request (administrator
//! check, redirect, deadline).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mlua::Lua;

use super::{Ctx, Registrar};
use crate::args::{Args, BResult};

/// `TRACE_ERROR` .. `TRACE_DEBUG`, the levels of `ntop.traceEvent`.
pub(crate) const TRACE_LEVELS: [(&str, i64); 5] =
    [("TRACE_ERROR", 0), ("TRACE_WARNING", 1), ("TRACE_NORMAL", 2), ("TRACE_INFO", 3), ("TRACE_DEBUG", 4)];

/// `file:line` of the script code calling a binding (level 0 is the binding, 1 the prelude's wrapper).
pub(crate) fn caller_location(lua: &Lua) -> Option<String> {
    lua.inspect_stack(2, |d| {
        let src = d.source().short_src.map(|s| s.to_string()).unwrap_or_else(|| "?".into());
        match d.current_line() {
            Some(l) => format!("{src}:{l}"),
            None => src,
        }
    })
}

fn epoch_secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn ticks_origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// `name port/proto` lines of /etc/services.
fn services() -> &'static HashMap<(u16, String), String> {
    static SERVICES: OnceLock<HashMap<(u16, String), String>> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let mut map = HashMap::new();
        let text = std::fs::read_to_string("/etc/services").unwrap_or_default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut it = line.split_whitespace();
            let (Some(name), Some(pp)) = (it.next(), it.next()) else { continue };
            let Some((port, proto)) = pp.split_once('/') else { continue };
            if let Ok(port) = port.parse::<u16>() {
                map.entry((port, proto.to_ascii_lowercase())).or_insert_with(|| name.to_string());
            }
        }
        map
    })
}

/// Operating system name and release (`uname -sr`).
fn os_name() -> String {
    // SAFETY: uname fills the struct; its fields are NUL-terminated.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return std::env::consts::OS.to_string();
        }
        let f = |s: &[libc::c_char]| std::ffi::CStr::from_ptr(s.as_ptr()).to_string_lossy().into_owned();
        format!("{} {}", f(&u.sysname), f(&u.release))
    }
}

/// Seconds east of UTC of local time at `epoch`.
fn local_utc_offset(epoch: i64) -> i64 {
    // SAFETY: localtime_r writes into the tm we own.
    unsafe {
        let t: libc::time_t = epoch as libc::time_t;
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff as i64
    }
}

/// checks.md §1.2: score -> severity id.
pub(crate) fn score_to_severity(score: i64) -> i64 {
    match score {
        i64::MIN..=0 => 0,
        1..=9 => 2,
        10..=49 => 3,
        50..=99 => 4,
        100..=199 => 5,
        200..=249 => 6,
        _ => 8,
    }
}

/// checks.md §1.2: severity id -> score (anything not listed maps to 150, as ntopng does).
pub(crate) fn severity_to_score(severity: i64) -> i64 {
    match severity {
        i64::MIN..=2 => 1,
        3 => 10,
        4 => 50,
        5 => 100,
        6 => 200,
        8 => 250,
        _ => 150,
    }
}

fn tls_version_name(v: i64) -> String {
    match v {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1".into(),
        0x0302 => "TLSv1.1".into(),
        0x0303 => "TLSv1.2".into(),
        0x0304 => "TLSv1.3".into(),
        0xfeff => "DTLSv1.0".into(),
        0xfefd => "DTLSv1.2".into(),
        0xfefc => "DTLSv1.3".into(),
        other => format!("TLS ({:04X})", other & 0xffff),
    }
}

fn parse_ip(a: &Args, i: usize, what: &str) -> BResult<IpAddr> {
    let s = a.string(i, what)?;
    s.trim().parse::<IpAddr>().map_err(|_| a.bad_value(i, what, format!("invalid IP address '{s}'")))
}

fn network_prefix(ip: IpAddr, bits: u32) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

fn ip_order(ip: IpAddr) -> (u8, u128) {
    match ip {
        IpAddr::V4(v) => (4, u32::from(v) as u128),
        IpAddr::V6(v) => (6, u128::from(v)),
    }
}

fn bit_arg(a: &Args, i: usize) -> BResult<u32> {
    let b = a.int(i, "bit")?;
    if !(0..64).contains(&b) {
        return Err(a.bad_value(i, "bit", format!("must be between 0 and 63 (got {b})")));
    }
    Ok(b as u32)
}

fn log_level(level: i64) -> Option<log::Level> {
    Some(match level {
        0 => log::Level::Error,
        1 => log::Level::Warn,
        2 => log::Level::Info,
        3 => log::Level::Debug,
        4 => log::Level::Trace,
        _ => return None,
    })
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    // ---- system and info ----
    let c = ctx.clone();
    r.add("ntop", "getDirs", move |lua, _| {
        let t = lua.create_table()?;
        let d = &c.dirs;
        for (k, p) in [
            ("installdir", &d.installdir),
            ("workingdir", &d.workingdir),
            ("scriptdir", &d.scriptdir),
            ("httpdocsdir", &d.httpdocsdir),
            ("callbacksdir", &d.callbacksdir),
        ] {
            t.raw_set(k, p.to_string_lossy().as_ref())?;
        }
        Ok(t)
    })?;
    let c = ctx.clone();
    r.add("ntop", "getInfo", move |lua, a| {
        let _verbose = a.opt_boolean(1, "verbose")?;
        let t = lua.create_table()?;
        t.raw_set("product", "ntopng")?;
        t.raw_set("version", c.version.as_ref())?;
        t.raw_set("platform", format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS))?;
        t.raw_set("OS", os_name())?;
        t.raw_set("uptime", SystemTime::now().duration_since(c.start_time).map(|d| d.as_secs()).unwrap_or(0))?;
        Ok(t)
    })?;
    let c = ctx.clone();
    r.add("ntop", "getUptime", move |_, _| {
        Ok(SystemTime::now().duration_since(c.start_time).map(|d| d.as_secs() as i64).unwrap_or(0))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getStartupEpoch", move |_, _| Ok(epoch_secs(c.start_time)))?;
    let c = ctx.clone();
    r.add("ntop", "getStaticFileEpoch", move |_, _| Ok(epoch_secs(c.start_time)))?;
    let c = ctx.clone();
    r.add("ntop", "getCurrentScriptsDir", move |_, _| Ok(c.dirs.scriptdir.to_string_lossy().into_owned()))?;

    // ---- the current request ----
    let c = ctx.clone();
    r.add("ntop", "isAdministrator", move |_, _| Ok(c.run.lock().unwrap().session.is_administrator()))?;
    r.add("ntop", "getNologinUser", |_, _| Ok("nologin"))?;
    let c = ctx.clone();
    r.add("ntop", "httpRedirect", move |_, a| {
        let url = a.string(1, "url")?;
        let mut s = c.run.lock().unwrap();
        s.status = 302;
        s.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("Location"));
        s.headers.push(("Location".into(), url));
        s.headers_sent = true;
        Ok(())
    })?;

    // ---- edition, platform and features: a community build, without the optional subsystems ----
    for name in [
        "isForcedCommunity",
        "isPro",
        "isEnterprise",
        "isEnterpriseM",
        "isEnterpriseL",
        "isEnterpriseXL",
        "isEnterpriseXXL",
        "isnEdge",
        "isnEdgeEnterprise",
        "isPackage",
        "isAppliance",
        "isIoTBridge",
        "hasGeoIP",
        "hasRadiusSupport",
        "hasLdapSupport",
        "isPingAvailable",
        "hasSpeedtestSupport",
        "isNProbeIPSConfigured",
        "isFlowDedupEnabled",
    ] {
        r.add("ntop", name, |_, _| Ok(false))?;
    }
    // ClickHouse is not tied to an edition here: on when the daemon stores flows there (-F clickhouse).
    let c = ctx.clone();
    r.add("ntop", "isClickHouseEnabled", move |_, _| {
        Ok(c.daemon.prefs.get("is_dump_flows_to_clickhouse_enabled").and_then(|v| v.as_bool()).unwrap_or(false))
    })?;
    r.add("ntop", "isWindows", |_, _| Ok(cfg!(target_os = "windows")))?;
    r.add("ntop", "isFreeBSD", |_, _| Ok(cfg!(target_os = "freebsd")))?;
    r.add("ntop", "isLinux", |_, _| Ok(cfg!(target_os = "linux")))?;

    // ---- logging ----
    r.add("ntop", "traceEvent", |lua, a| {
        let level = a.int(1, "level")?;
        let Some(lvl) = log_level(level) else {
            return Err(a.bad_value(1, "level", format!("must be TRACE_ERROR (0) .. TRACE_DEBUG (4), got {level}")));
        };
        let msg = String::from_utf8_lossy(&a.bytes(2, "message")?).into_owned();
        let at = caller_location(lua).unwrap_or_default();
        log::log!(target: "ntopng::lua", lvl, "[{at}] {msg}");
        Ok(())
    })?;
    r.add("ntop", "verboseTrace", |lua, a| {
        let msg = String::from_utf8_lossy(&a.bytes(1, "message")?).into_owned();
        let at = caller_location(lua).unwrap_or_default();
        log::debug!(target: "ntopng::lua", "[{at}] {msg}");
        Ok(())
    })?;
    r.add("ntop", "setLoggingLevel", |_, a| {
        let level = a.string(1, "level")?;
        let filter = match level.to_ascii_lowercase().as_str() {
            "trace" => log::LevelFilter::Trace,
            "debug" => log::LevelFilter::Debug,
            "info" | "normal" => log::LevelFilter::Info,
            "warning" | "warn" => log::LevelFilter::Warn,
            "error" => log::LevelFilter::Error,
            _ => {
                return Err(a.bad_value(
                    1,
                    "level",
                    format!("unknown level '{level}' (trace, debug, info, normal, warning, error)"),
                ));
            }
        };
        log::set_max_level(filter);
        Ok(())
    })?;
    r.add("ntop", "syslog", |_, a| {
        let level = a.int(1, "level")?;
        if !(0..=7).contains(&level) {
            return Err(a.bad_value(1, "level", format!("must be a syslog priority 0..7, got {level}")));
        }
        let msg = a.bytes(2, "message")?;
        let msg: Vec<u8> = msg.into_iter().filter(|b| *b != 0).collect();
        let cmsg = std::ffi::CString::new(msg).expect("NULs removed");
        // SAFETY: constant format string with one %s argument, a valid C string.
        unsafe { libc::syslog(level as libc::c_int, c"%s".as_ptr(), cmsg.as_ptr()) };
        Ok(())
    })?;

    // ---- time ----
    r.add("ntop", "gettimemsec", |_, _| {
        // Seconds since the epoch with millisecond precision, as ntopng returns it (e.g. 1637330701.576).
        let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Ok(d.as_secs() as f64 + f64::from(d.subsec_millis()) / 1000.0)
    })?;
    r.add("ntop", "getticks", |_, _| Ok(ticks_origin().elapsed().as_nanos() as i64))?;
    r.add("ntop", "gettickspersec", |_, _| Ok(1_000_000_000i64))?;
    r.add("ntop", "tzset", |_, _| {
        unsafe extern "C" {
            fn tzset();
        }
        // SAFETY: tzset takes no arguments and only re-reads TZ.
        unsafe { tzset() };
        Ok(())
    })?;
    r.add("ntop", "roundTime", |_, a| {
        let epoch = a.int(1, "epoch")?;
        let secs = a.int(2, "secs")?;
        if secs <= 0 {
            return Err(a.bad_value(2, "secs", format!("must be positive, got {secs}")));
        }
        let offset = match a.value(3) {
            mlua::Value::Nil | mlua::Value::Boolean(false) => 0,
            mlua::Value::Boolean(true) => local_utc_offset(epoch),
            _ => a.int(3, "utc_offset")?,
        };
        Ok((epoch + offset).div_euclid(secs) * secs - offset)
    })?;

    // ---- misc utilities ----
    r.add("ntop", "md5", |_, a| Ok(format!("{:x}", md5::compute(a.bytes(1, "data")?))))?;
    let c = ctx.clone();
    r.add("ntop", "msleep", move |lua, a| {
        let ms = a.uint(1, "ms")?;
        let remaining = c.run.lock().unwrap().deadline.saturating_duration_since(Instant::now());
        let want = Duration::from_millis(ms);
        if want > remaining {
            std::thread::sleep(remaining);
            let mut s = c.run.lock().unwrap();
            s.time_exceeded(caller_location(lua));
            return Err(a.fail(s.budget_message()));
        }
        std::thread::sleep(want);
        Ok(())
    })?;
    r.add("ntop", "getservbyport", |_, a| {
        let port = a.int(1, "port")?;
        let proto = a.opt_string(2, "proto")?.unwrap_or_else(|| "tcp".into()).to_ascii_lowercase();
        let name = u16::try_from(port).ok().and_then(|p| services().get(&(p, proto)).cloned());
        Ok(name.unwrap_or_else(|| port.to_string()))
    })?;
    r.add("ntop", "getTLSVersionName", |_, a| Ok(tls_version_name(a.int(1, "version")?)))?;
    let c = ctx.clone();
    r.add("ntop", "getDeadline", move |_, _| {
        let s = c.run.lock().unwrap();
        Ok(epoch_secs(s.start_wall + s.time_budget))
    })?;
    let c = ctx.clone();
    r.add("ntop", "isDeadlineApproaching", move |_, _| {
        // "Approaching" = less than a tenth of the run's time budget left.
        let s = c.run.lock().unwrap();
        Ok(s.deadline.saturating_duration_since(Instant::now()) < s.time_budget / 10)
    })?;

    // ---- bitmaps ----
    r.add("ntop", "bitmapIsSet", |_, a| {
        let (bm, bit) = (a.int(1, "bitmap")? as u64, bit_arg(a, 2)?);
        Ok(bm & (1u64 << bit) != 0)
    })?;
    r.add("ntop", "bitmapSet", |_, a| {
        let (bm, bit) = (a.int(1, "bitmap")? as u64, bit_arg(a, 2)?);
        Ok((bm | (1u64 << bit)) as i64)
    })?;
    r.add("ntop", "bitmapClear", |_, a| {
        let (bm, bit) = (a.int(1, "bitmap")? as u64, bit_arg(a, 2)?);
        Ok((bm & !(1u64 << bit)) as i64)
    })?;

    // ---- score / severity ----
    r.add("ntop", "mapScoreToSeverity", |_, a| Ok(score_to_severity(a.int(1, "score")?)))?;
    r.add("ntop", "mapSeverityToScore", |_, a| Ok(severity_to_score(a.int(1, "severity")?)))?;

    // ---- address arithmetic ----
    r.add("ntop", "ipToNumber", |_, a| {
        let s = a.string(1, "ip")?;
        let ip: Ipv4Addr = s.trim().parse().map_err(|_| a.bad_value(1, "ip", format!("invalid IPv4 address '{s}'")))?;
        Ok(u32::from(ip) as i64)
    })?;
    r.add("ntop", "inet_ntoa", |_, a| {
        let n = a.int(1, "number")?;
        let n = u32::try_from(n).map_err(|_| a.bad_value(1, "number", format!("{n} is not a 32-bit address")))?;
        Ok(Ipv4Addr::from(n).to_string())
    })?;
    r.add("ntop", "networkPrefix", |_, a| {
        let ip = parse_ip(a, 1, "ip")?;
        let bits = a.int(2, "bits")?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if !(0..=max).contains(&bits) {
            return Err(a.bad_value(2, "bits", format!("must be between 0 and {max}, got {bits}")));
        }
        Ok(network_prefix(ip, bits as u32).to_string())
    })?;
    r.add("ntop", "ipCmp", |_, a| {
        let (x, y) = (parse_ip(a, 1, "ip1")?, parse_ip(a, 2, "ip2")?);
        Ok(ip_order(x).cmp(&ip_order(y)) as i64)
    })?;
    r.add("ntop", "isIPv6", |_, a| Ok(a.string(1, "ip")?.trim().parse::<Ipv6Addr>().is_ok()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities() {
        assert_eq!(
            [0, 1, 9, 10, 49, 50, 99, 100, 199, 200, 249, 250, 500].map(score_to_severity),
            [0, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 8, 8]
        );
        assert_eq!([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(severity_to_score), [1, 1, 1, 10, 50, 100, 200, 150, 250, 150]);
    }

    #[test]
    fn prefixes() {
        assert_eq!(network_prefix("192.168.1.77".parse().unwrap(), 24).to_string(), "192.168.1.0");
        assert_eq!(network_prefix("192.168.1.77".parse().unwrap(), 0).to_string(), "0.0.0.0");
        assert_eq!(network_prefix("2001:db8::1".parse().unwrap(), 32).to_string(), "2001:db8::");
    }

    #[test]
    fn tls_names() {
        assert_eq!(tls_version_name(0x0304), "TLSv1.3");
        assert_eq!(tls_version_name(0x1234), "TLS (1234)");
    }
}
