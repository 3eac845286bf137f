//! The daemon and its host: CPU and memory statistics, instance name, shutdown flag, preferences, and the
//! HTTP-side helpers (prefix, cookie attributes, parameter purification, CSRF value).

use std::sync::atomic::Ordering;

use mlua::{Lua, Table};

use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::daemon::{CpuSample, CpuTimes};
use crate::json;

/// The `cpu_states` keys, in the order of the `cpu` line of /proc/stat.
const CPU_STATES: [&str; 10] =
    ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"];

/// The `cpu` line of /proc/stat (`proc(5)`): jiffies spent in each state since boot.
pub(crate) fn read_cpu_times() -> Option<CpuTimes> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let mut t = [0u64; 10];
    for (slot, v) in t.iter_mut().zip(line.split_whitespace().skip(1)) {
        *slot = v.parse().ok()?;
    }
    Some(t)
}

/// Percent of time in each state between two samples. `guest` and `guest_nice` are already counted in
/// `user` and `nice`, so the total excludes them.
pub(crate) fn cpu_shares(prev: &CpuTimes, now: &CpuTimes) -> Option<[f64; 10]> {
    let d: Vec<u64> = now.iter().zip(prev).map(|(n, p)| n.saturating_sub(*p)).collect();
    let total: u64 = d[..8].iter().sum();
    if total == 0 {
        return None;
    }
    let mut out = [0.0; 10];
    for (o, v) in out.iter_mut().zip(&d) {
        *o = *v as f64 * 100.0 / total as f64;
    }
    Some(out)
}

/// Takes a new CPU sample: the shares are over the time since the previous one (since boot the first time).
fn refresh_cpu(s: &mut CpuSample) {
    let Some(now) = read_cpu_times() else { return };
    let prev = s.last.unwrap_or([0; 10]);
    if let Some(shares) = cpu_shares(&prev, &now) {
        s.states = Some(shares);
        s.last = Some(now);
    }
}

/// CPU load: percent of time not idle (idle and iowait excluded).
fn cpu_load(states: &[f64; 10]) -> f64 {
    (100.0 - states[3] - states[4]).max(0.0)
}

/// `Key: value kB` lines of /proc/meminfo or /proc/self/status.
pub(crate) fn kib_fields(path: &str) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            let n = v.split_whitespace().next()?.parse().ok()?;
            Some((k.trim().to_string(), n))
        })
        .collect()
}

fn field(fields: &[(String, u64)], name: &str) -> u64 {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| *v).unwrap_or(0)
}

fn system_host_stat(lua: &Lua, c: &Ctx) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let states = {
        let mut s = c.daemon.cpu.lock().unwrap();
        if s.states.is_none() {
            refresh_cpu(&mut s);
        }
        s.states
    };
    if let Some(states) = states {
        t.raw_set("cpu_load", cpu_load(&states))?;
        let st = lua.create_table()?;
        for (k, v) in CPU_STATES.iter().zip(states) {
            st.raw_set(*k, v)?;
        }
        t.raw_set("cpu_states", st)?;
    }
    let mem = kib_fields("/proc/meminfo");
    let (total, free, buffers, cached, sreclaimable, shmem) = (
        field(&mem, "MemTotal"),
        field(&mem, "MemFree"),
        field(&mem, "Buffers"),
        field(&mem, "Cached"),
        field(&mem, "SReclaimable"),
        field(&mem, "Shmem"),
    );
    t.raw_set("mem_total", total)?;
    t.raw_set("mem_free", free)?;
    t.raw_set("mem_buffers", buffers)?;
    t.raw_set("mem_cached", cached)?;
    t.raw_set("mem_sreclaimable", sreclaimable)?;
    t.raw_set("mem_shmem", shmem)?;
    // As free(1) counts it: cache and reclaimable slab are not used, shared memory (part of Cached) is.
    let used = (total + shmem).saturating_sub(free + buffers + cached + sreclaimable);
    t.raw_set("mem_used", used)?;
    let me = kib_fields("/proc/self/status");
    t.raw_set("mem_ntopng_resident", field(&me, "VmRSS"))?;
    t.raw_set("mem_ntopng_virtual", field(&me, "VmSize"))?;
    // No alert store yet: nothing queried, written or dropped.
    t.raw_set("alerts_queries", 0)?;
    t.raw_set("written_alerts", 0)?;
    t.raw_set("dropped_alerts", 0)?;
    let q = lua.create_table()?;
    q.raw_set("pct_not_enqueued", 0)?;
    let queues = lua.create_table()?;
    queues.raw_set("internal_alerts_queue", q)?;
    let stats = lua.create_table()?;
    stats.raw_set("alert_queues", queues)?;
    t.raw_set("alerts_stats", stats)?;
    Ok(t)
}

/// ntopng's parameter purification: characters that could open markup, script or a second parameter are
/// replaced by `_`. `strict` also replaces the URL punctuation kept otherwise (`/ : ? & = # %`), unless
/// `allow_url`; dots are kept unless `strict` and not `allow_dots`.
pub(crate) fn purify_param(s: &str, strict: bool, allow_url: bool, allow_dots: bool) -> String {
    s.chars()
        .map(|ch| {
            let bad = match ch {
                '<' | '>' | '"' | '\'' | '`' | '\\' | ';' | '(' | ')' | '{' | '}' | '$' | '|' | '!' => true,
                '/' | ':' | '?' | '&' | '=' | '#' | '%' | '+' => strict && !allow_url,
                '.' => strict && !allow_dots,
                c if c.is_control() => true,
                _ => false,
            };
            if bad {
                '_'
            } else {
                ch
            }
        })
        .collect()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // SAFETY: getrandom writes at most buf.len() bytes.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n != buf.len() as isize {
        // The kernel's generator cannot fail for so few bytes; a clock-based value is a last resort.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        return format!("{:032x}", md5::compute(t.as_nanos().to_le_bytes()));
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    let c = ctx.clone();
    r.add("ntop", "systemHostStat", move |lua, _| Ok(system_host_stat(lua, &c)?))?;
    let c = ctx.clone();
    r.add("ntop", "refreshCPULoad", move |_, _| {
        let mut s = c.daemon.cpu.lock().unwrap();
        refresh_cpu(&mut s);
        Ok(s.states.as_ref().map(cpu_load))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getInstanceName", move |_, _| Ok(c.daemon.instance_name.clone()))?;
    let c = ctx.clone();
    r.add("ntop", "isShuttingDown", move |_, _| Ok(c.daemon.shutting_down.load(Ordering::Relaxed)))?;
    let c = ctx.clone();
    r.add("ntop", "getHttpPrefix", move |_, _| Ok(c.daemon.http_prefix.clone()))?;
    // The attributes of the session cookie the HTTP server sets, to append after `name=value; path=/`.
    r.add("ntop", "getCookieAttributes", |_, _| Ok("; HttpOnly; SameSite=Lax"))?;
    r.add("ntop", "httpPurifyParam", |_, a: &Args| {
        let s = a.string(1, "param")?;
        let strict = a.opt_boolean(2, "strict")?.unwrap_or(false);
        let allow_url = a.opt_boolean(3, "allow_url")?.unwrap_or(true);
        let allow_dots = a.opt_boolean(4, "allow_dots")?.unwrap_or(false);
        Ok(purify_param(&s, strict, allow_url, allow_dots))
    })?;
    let c = ctx.clone();
    r.add("ntop", "getRandomCSRFValue", move |_, _| {
        // The session's token, which the HTTP server checks on POSTs; a fresh value without a session.
        let s = c.run.lock().unwrap();
        Ok(s.session.extra.get("csrf").filter(|v| !v.is_empty()).cloned().unwrap_or_else(|| random_hex(16)))
    })?;

    // ---- preferences ----
    let c = ctx.clone();
    r.add("ntop", "getPrefs", move |lua, _| {
        let opts = json::DecodeOptions { object_mt: None, array_mt: None, null: mlua::Value::Nil };
        Ok(json::to_lua(lua, &serde_json::Value::Object(c.daemon.prefs.clone()), &opts, 0)?)
    })?;
    r.add("ntop", "reloadPreferences", |_, a: &Args| -> BResult<()> {
        // The preferences ntopng caches in C++ are the daemon's configuration here, fixed at start; runtime
        // preferences live in the store and every getPref/getCache reads them afresh: nothing to reload.
        let _set_defaults = a.opt_boolean(1, "set_defaults")?;
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_shares_by_hand() {
        let prev = [100, 0, 50, 800, 50, 0, 0, 0, 10, 0];
        let now = [200, 0, 150, 1500, 100, 0, 0, 0, 20, 0];
        // Deltas: user 100, system 100, idle 700, iowait 50 (guest 10 is part of user): total 950.
        let s = cpu_shares(&prev, &now).unwrap();
        assert!((s[0] - 100.0 / 950.0 * 100.0).abs() < 1e-9);
        assert!((s[3] - 700.0 / 950.0 * 100.0).abs() < 1e-9);
        assert!((cpu_load(&s) - 200.0 / 950.0 * 100.0).abs() < 1e-9);
        assert!(cpu_shares(&now, &now).is_none());
    }

    #[test]
    fn purify() {
        assert_eq!(purify_param("<script>alert('x')</script>", false, true, false), "_script_alert__x___/script_");
        assert_eq!(purify_param("http://a.b/c?d=1&e=2", false, true, false), "http://a.b/c?d=1&e=2");
        assert_eq!(purify_param("a/b.c", true, false, false), "a_b_c");
        assert_eq!(purify_param("a/b.c", true, false, true), "a_b.c");
        assert_eq!(purify_param("192.168.1.1", false, true, false), "192.168.1.1");
    }
}
