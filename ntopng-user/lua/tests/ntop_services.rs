//! The `ntop.*` bindings about the daemon and its host: system statistics, preferences, the file-system path
//! policy, local networks, name resolution and the outbound HTTP client (against a server of the test's own
//! on 127.0.0.1).

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use common::{lua, TestEnv};
use ntopng_lua::{Request, Session};


fn run_ok(env: &TestEnv, src: &str, req: Request) -> String {
    let r = env.run_lua_req(&lua(src), req);
    if let Some(e) = &r.error {
        panic!("script failed: {} ({:?})\n{}", e.message, e.kind, e.traceback.clone().unwrap_or_default());
    }
    r.body_str()
}

/// `Key: n kB` of a /proc file, parsed here independently of the binding.
fn proc_kib(path: &str, key: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text.lines().find(|l| l.starts_with(&format!("{key}:"))).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn kv(body: &str) -> BTreeMap<String, String> {
    body.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

// ---------------------------------------------------------------------------------------------------------
// System and information

#[test]
fn system_host_stat_matches_proc() {
    let env = TestEnv::new();
    let body = run_ok(
        &env,
        r#"
local s = ntop.systemHostStat()
for _, k in ipairs({ "mem_total", "mem_free", "mem_buffers", "mem_cached", "mem_sreclaimable", "mem_shmem",
    "mem_used", "mem_ntopng_resident", "mem_ntopng_virtual", "alerts_queries", "written_alerts", "dropped_alerts" }) do
  assert(math.type(s[k]) == "integer", k)
  print(k .. "=" .. s[k] .. "\n")
end
assert(s.alerts_stats.alert_queues.internal_alerts_queue.pct_not_enqueued == 0)
local sum = 0
for _, k in ipairs({ "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal" }) do
  local v = s.cpu_states[k]
  assert(math.type(v) == "float" and v >= 0 and v <= 100, k)
  sum = sum + v
end
assert(math.abs(sum - 100) < 1e-6, "the states add up to 100%: " .. sum)
assert(s.cpu_states.guest and s.cpu_states.guest_nice)
assert(math.abs(s.cpu_load - (100 - s.cpu_states.idle - s.cpu_states.iowait)) < 1e-9)
-- a busy loop, then a new sample: some non-idle time in the interval
local x = 0
for i = 1, 3000000 do x = x + i end
local load = ntop.refreshCPULoad()
assert(math.type(load) == "float" and load >= 0 and load <= 100, tostring(load))
assert(ntop.systemHostStat().cpu_load == load)
"#,
        Request::get("/lua/t.lua"),
    );
    let got = kv(&body);
    let n = |k: &str| got[k].parse::<u64>().unwrap();
    assert_eq!(n("mem_total"), proc_kib("/proc/meminfo", "MemTotal"));
    // Values that move: within 10% of a reading taken now.
    let near = |a: u64, b: u64| (a as f64 - b as f64).abs() <= (b as f64 * 0.10).max(65536.0);
    assert!(near(n("mem_free"), proc_kib("/proc/meminfo", "MemFree")), "{got:?}");
    assert!(near(n("mem_cached"), proc_kib("/proc/meminfo", "Cached")), "{got:?}");
    let used_ref = proc_kib("/proc/meminfo", "MemTotal") + proc_kib("/proc/meminfo", "Shmem")
        - proc_kib("/proc/meminfo", "MemFree")
        - proc_kib("/proc/meminfo", "Buffers")
        - proc_kib("/proc/meminfo", "Cached")
        - proc_kib("/proc/meminfo", "SReclaimable");
    assert!(near(n("mem_used"), used_ref), "{} vs {used_ref}", n("mem_used"));
    assert!(near(n("mem_ntopng_virtual"), proc_kib("/proc/self/status", "VmSize")), "{got:?}");
    assert!(near(n("mem_ntopng_resident"), proc_kib("/proc/self/status", "VmRSS")), "{got:?}");
    assert!(n("mem_ntopng_resident") > 1000, "this process uses more than 1 MiB");
}

#[test]
fn daemon_identity_prefs_and_http_helpers() {
    let shutting = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = shutting.clone();
    let env = TestEnv::with(|cfg| {
        cfg.instance_name = Some("probe-1".into());
        cfg.shutting_down = flag;
        cfg.http_prefix = "/ntopng".into();
        cfg.prefs =
            serde_json::json!({"max_num_hosts": 131072, "max_num_flows": 262144, "is_dump_flows_enabled": false,
                                       "is_dump_flows_to_clickhouse_enabled": true,
                                       "instance_name": "probe-1", "local_networks": ["192.168.1.0/24"]})
            .as_object()
            .unwrap()
            .clone();
    });
    let src = r#"
assert(ntop.getInstanceName() == "probe-1")
print(tostring(ntop.isShuttingDown()))
assert(ntop.getHttpPrefix() == "/ntopng")
assert(ntop.getCookieAttributes() == "; HttpOnly; SameSite=Lax")
local p = ntop.getPrefs()
assert(p.max_num_hosts == 131072 and math.type(p.max_num_hosts) == "integer" and p.max_num_flows == 262144)
assert(p.is_dump_flows_enabled == false and p.local_networks[1] == "192.168.1.0/24")
assert(ntop.isClickHouseEnabled() == true)
ntop.reloadPreferences()
ntop.reloadPreferences(true)
raises("ntop.reloadPreferences: bad argument #1 (set_defaults): boolean expected, got string", ntop.reloadPreferences, "x")
assert(ntop.httpPurifyParam("<b>x</b>") == "_b_x_/b_")
assert(ntop.httpPurifyParam("a/b.c", true, false, true) == "a_b.c")
raises("ntop.httpPurifyParam: bad argument #1 (param): string expected, got nil", ntop.httpPurifyParam, nil)
"#;
    assert_eq!(run_ok(&env, src, Request::get("/lua/t.lua")), "false");
    shutting.store(true, Ordering::Relaxed);
    assert_eq!(run_ok(&env, src, Request::get("/lua/t.lua")), "true");

    // The default instance name is the host name.
    let env = TestEnv::new();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_string();
    assert_eq!(run_ok(&env, "print(ntop.getInstanceName())", Request::get("/lua/t.lua")), host);
    assert_eq!(run_ok(&env, "print(ntop.getHttpPrefix())", Request::get("/lua/t.lua")), "");
    assert_eq!(run_ok(&env, "print(next(ntop.getPrefs()) == nil)", Request::get("/lua/t.lua")), "true");

    // CSRF: the session's token; a fresh random one without.
    let mut s = Session::new("admin", "administrator");
    s.extra.insert("csrf".into(), "0123abcd".into());
    let req = Request::get("/lua/t.lua").with_session(s);
    assert_eq!(run_ok(&env, "print(ntop.getRandomCSRFValue())", req), "0123abcd");
    let body = run_ok(
        &env,
        "local a, b = ntop.getRandomCSRFValue(), ntop.getRandomCSRFValue() assert(a ~= b) print(a)",
        Request::get("/lua/t.lua"),
    );
    assert!(body.len() == 32 && body.chars().all(|c| c.is_ascii_hexdigit()), "{body}");
}

// ---------------------------------------------------------------------------------------------------------
// File system

#[test]
fn files_follow_the_path_policy() {
    let env = TestEnv::new();
    let data = env.dirs.workingdir.canonicalize().unwrap();
    let install = env.dirs.installdir.canonicalize().unwrap();
    let outside = env.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::fs::write(data.join("notes.txt"), "hello\nworld\n").unwrap();
    std::fs::write(data.join("empty.txt"), "").unwrap();
    std::fs::write(install.join("httpdocs/x.bin"), [0u8, 1, 2, 255]).unwrap();
    std::os::unix::fs::symlink(&outside, data.join("link_out")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), data.join("file_link")).unwrap();
    let mtime = std::fs::metadata(data.join("notes.txt"))
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();

    let req = Request::get("/lua/t.lua")
        .with_get("data", data.to_string_lossy())
        .with_get("install", install.to_string_lossy())
        .with_get("outside", outside.to_string_lossy())
        .with_get("mtime", mtime.to_string());
    let body = run_ok(
        &env,
        r#"
local d, i = _GET.data, _GET.install
assert(ntop.isdir(d) and ntop.isdir(i .. "/scripts") and not ntop.isdir(d .. "/notes.txt"))
assert(ntop.isdir("scripts/lua"), "relative paths are relative to the install dir")
assert(ntop.exists(d .. "/notes.txt") and not ntop.exists(d .. "/nothing"))
assert(ntop.notEmptyFile(d .. "/notes.txt") and not ntop.notEmptyFile(d .. "/empty.txt"))
assert(not ntop.notEmptyFile(d .. "/nothing") and not ntop.notEmptyFile(d))
assert(ntop.fileLastChange(d .. "/notes.txt") == tonumber(_GET.mtime))
assert(ntop.fileLastChange(d .. "/nothing") == -1)
local names = ntop.readdir(d)
assert(names["notes.txt"] == "notes.txt" and names["empty.txt"] == "empty.txt" and names["."] == nil)
assert(next(ntop.readdir(d .. "/nothing")) == nil)

-- create and delete inside the data dir
ntop.mkdir(d .. "/tmp/a/b")
assert(ntop.isdir(d .. "/tmp/a/b"))
ntop.mkdir(d .. "/tmp/a/b")
assert(ntop.unlink(d .. "/tmp/a/b") == false, "unlink does not remove directories")
assert(ntop.rmdir(d .. "/tmp/a") == true and not ntop.exists(d .. "/tmp/a"))
assert(ntop.rmdir(d .. "/tmp/a") == false)
assert(ntop.unlink(d .. "/empty.txt") == true and not ntop.exists(d .. "/empty.txt"))
assert(ntop.unlink(d .. "/empty.txt") == false)
-- a symlink in the data dir is removed, not what it points to
assert(ntop.unlink(d .. "/file_link") == true)

-- escapes
local denied = "access denied (outside the directories scripts may read)"
local wdenied = "access denied (scripts may only create or delete files inside the data directory)"
raises("ntop.exists: /etc/passwd: " .. denied, ntop.exists, "/etc/passwd")
raises(denied, ntop.isdir, d .. "/../outside")
raises(denied, ntop.readdir, "../../outside")
raises(denied, ntop.exists, d .. "/link_out/secret.txt")
raises(denied, ntop.isdir, d .. "/link_out")
raises(denied, ntop.dumpFile, d .. "/link_out/secret.txt")
raises(denied, ntop.fileLastChange, "/proc/self/status")
raises(wdenied, ntop.mkdir, i .. "/scripts/new")
raises(wdenied, ntop.mkdir, d .. "/../evil")
raises(wdenied, ntop.mkdir, d .. "/link_out/evil")
raises(wdenied, ntop.unlink, i .. "/httpdocs/x.bin")
raises(wdenied, ntop.unlink, d .. "/link_out/secret.txt")
raises(wdenied, ntop.rmdir, _GET.outside)
raises(wdenied, ntop.rmdir, d .. "/tmp/../..")
raises("ntop.rmdir: the data directory itself cannot be removed", ntop.rmdir, d)
raises("ntop.isdir: bad argument #1 (path): string expected, got no value", ntop.isdir)
raises("ntop.dumpFile: cannot read", ntop.dumpFile, d .. "/nothing")

ntop.dumpFile(d .. "/notes.txt")
ntop.dumpBinaryFile(i .. "/httpdocs/x.bin")
"#,
        req,
    );
    let mut want = b"hello\nworld\n".to_vec();
    want.extend_from_slice(&[0, 1, 2, 255]);
    assert!(body.starts_with("hello\nworld\n\u{0}\u{1}\u{2}"), "{body:?}");
    let r = env.run_lua_req(
        &format!(
            "ntop.dumpFile({:?}) ntop.dumpBinaryFile({:?})",
            data.join("notes.txt"),
            install.join("httpdocs/x.bin")
        ),
        Request::get("/lua/t.lua"),
    );
    assert_eq!(r.body, want);
    // What the script did, seen on disk.
    assert!(data.join("tmp").is_dir() && !data.join("tmp/a").exists() && !data.join("empty.txt").exists());
    assert!(!data.join("file_link").exists() && outside.join("secret.txt").is_file());
    assert!(outside.is_dir() && !install.join("scripts/new").exists() && !data.parent().unwrap().join("evil").exists());
    assert!(!outside.join("evil").exists());
}

// ---------------------------------------------------------------------------------------------------------
// Networks and resolution

#[test]
fn local_networks_and_allowed_networks() {
    let env = TestEnv::with(|cfg| {
        cfg.local_networks = vec!["192.168.1.0/24=LAN_1,10.0.0.0/8".into(), "fe80::/10".into()];
    });
    let src = r#"
assert(ntop.isLocalAddress("192.168.1.7") and ntop.isLocalAddress("10.200.0.1") and ntop.isLocalAddress("fe80::1"))
assert(not ntop.isLocalAddress("192.168.2.7") and not ntop.isLocalAddress("8.8.8.8"))
raises("ntop.isLocalAddress: bad argument #1 (ip): invalid IP address '192.168.1'", ntop.isLocalAddress, "192.168.1")
local nets = ntop.getNetworks()
assert(nets["192.168.1.0/24"] == 0 and nets["10.0.0.0/8"] == 1 and nets["fe80::/10"] == 2)
assert(ntop.getNetworkNameById(0) == "192.168.1.0/24" and ntop.getNetworkNameById(2) == "fe80::/10")
assert(ntop.getNetworkNameById(3) == nil and ntop.getNetworkNameById(-1) == nil)
assert(ntop.getNetworkIdByName("10.0.0.0/8") == 1 and ntop.getNetworkIdByName("172.16.0.0/12") == -1)
assert(ntop.getLocalNetworkID("192.168.1.0/24") == 0 and ntop.getLocalNetworkID("junk") == -1)
local a = ntop.getAddressNetwork("192.168.1.99")
assert(a.network_id == 0 and a.network == "192.168.1.0/24" and a.alias == "LAN_1")
assert(ntop.getAddressNetwork("1.1.1.1") == nil)
assert(ntop.getLocalNetworkAlias("192.168.1.0/24") == "LAN_1" and ntop.getLocalNetworkAlias("10.0.0.0/8") == nil)

ntop.addLocalNetwork("172.16.5.9/16=DMZ")
assert(ntop.getNetworks()["172.16.0.0/16"] == 3 and ntop.isLocalAddress("172.16.200.1"))
assert(ntop.getLocalNetworkAlias("172.16.0.0/16") == "DMZ")
ntop.addLocalNetwork("10.0.0.0/8")
assert(ntop.getNetworkNameById(4) == nil, "a duplicate gets no new id")
raises("ntop.addLocalNetwork: bad argument #1 (network): 'nonsense' is not a network in CIDR notation", ntop.addLocalNetwork, "nonsense")

assert(ntop.isLocalInterfaceAddress("127.0.0.1") == true)
assert(ntop.isLocalInterfaceAddress("192.0.2.123") == false)
raises("ntop.isLocalInterfaceAddress: bad argument #1 (ip)", ntop.isLocalInterfaceAddress, "x")
"#;
    let allowed = r#"
raises("ntop.isAllowedNetwork: bad argument #1 (network): 'x' is not a network in CIDR notation", ntop.isAllowedNetwork, "x")
print(tostring(ntop.isAllowedNetwork("192.168.1.0/24")) .. " " .. tostring(ntop.isAllowedNetwork("192.168.1.5")) .. " "
  .. tostring(ntop.isAllowedNetwork("10.0.0.0/8")) .. " " .. tostring(ntop.isAllowedNetwork("10.1.0.0/16")) .. " "
  .. tostring(ntop.isAllowedInterface("eth0")) .. " " .. tostring(ntop.isAllowedInterface("eth1")))
"#;
    assert_eq!(run_ok(&env, src, Request::get("/lua/t.lua")), "");
    assert_eq!(run_ok(&env, allowed, Request::get("/lua/t.lua")), "true true true true true true");
    let mut s = Session::new("u", "unprivileged");
    s.extra.insert("allowed_nets".into(), "192.168.1.0/24,10.1.0.0/16".into());
    s.extra.insert("allowed_ifname".into(), "eth0".into());
    assert_eq!(run_ok(&env, allowed, Request::get("/lua/t.lua").with_session(s)), "true true false true true false");
    // Networks added at run time stay for the later requests of the pool.
    assert_eq!(run_ok(&env, r#"print(ntop.getNetworks()["172.16.0.0/16"])"#, Request::get("/lua/t.lua")), "3");
}

/// The first name /etc/hosts gives 127.0.0.1, what the system resolver answers for it.
fn hosts_name_of_loopback() -> Option<String> {
    let text = std::fs::read_to_string("/etc/hosts").ok()?;
    text.lines().map(|l| l.split('#').next().unwrap_or("")).find_map(|l| {
        let mut it = l.split_whitespace();
        (it.next()? == "127.0.0.1").then(|| it.next().map(str::to_string)).flatten()
    })
}

#[test]
fn name_resolution_through_the_cache() {
    let env = TestEnv::new();
    let body = run_ok(
        &env,
        r#"
assert(ntop.getResolvedName("192.0.2.1") == nil)
ntop.setResolvedAddress("192.0.2.1", "printer.example")
assert(ntop.getResolvedName("192.0.2.1") == "printer.example")
raises("ntop.setResolvedAddress: bad argument #1 (ip): invalid IP address 'x'", ntop.setResolvedAddress, "x", "y")
raises("ntop.setResolvedAddress: bad argument #2 (hostname): must not be empty", ntop.setResolvedAddress, "192.0.2.1", "")
raises("ntop.resolveName: bad argument #1 (ip)", ntop.resolveName, "not-an-ip")
assert(ntop.resolveName("127.0.0.1") == nil)
local name
for i = 1, 100 do
  name = ntop.getResolvedName("127.0.0.1")
  if name then break end
  ntop.msleep(20)
end
print(tostring(name) .. " " .. tostring(ntop.resolveHost("localhost")) .. " " .. tostring(ntop.resolveHost("no-such-host.invalid")))
raises("ntop.resolveHost: bad argument #1 (hostname): must not be empty", ntop.resolveHost, "")
"#,
        Request::get("/lua/t.lua"),
    );
    // The cache is the store's, under ntopng's key.
    assert_eq!(env.store.get("ntopng.dns.cache.192.0.2.1").unwrap().as_deref(), Some("printer.example"));
    let want = hosts_name_of_loopback().expect("/etc/hosts names 127.0.0.1");
    assert_eq!(body, format!("{want} 127.0.0.1 nil"));
}

// ---------------------------------------------------------------------------------------------------------
// Outbound HTTP

#[derive(Debug)]
struct Seen {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// A tiny HTTP/1.1 server on 127.0.0.1: answers each request by its path, reports what it received.
fn http_server() -> (u16, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                if r.read_line(&mut line).is_err() {
                    return;
                }
                let mut parts = line.split_whitespace();
                let (method, path) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
                let mut headers = BTreeMap::new();
                loop {
                    let mut h = String::new();
                    r.read_line(&mut h).unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                }
                let len = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                let (status, ctype, extra, content): (&str, &str, String, Vec<u8>) = match path.as_str() {
                    "/json" => ("200 OK", "application/json", String::new(), br#"{"rc":0,"rsp":[1,2]}"#.to_vec()),
                    "/missing" => ("404 Not Found", "text/plain", String::new(), b"nope".to_vec()),
                    "/redirect" => ("302 Found", "text/plain", "Location: /json\r\n".into(), Vec::new()),
                    "/slow" => {
                        std::thread::sleep(Duration::from_secs(3));
                        ("200 OK", "text/plain", String::new(), b"late".to_vec())
                    }
                    _ => ("200 OK", "text/plain", "X-Echo: yes\r\n".into(), body.clone()),
                };
                let _ = tx.send(Seen { method, path, headers, body });
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
                    content.len()
                );
                let _ = conn.write_all(head.as_bytes());
                let _ = conn.write_all(&content);
            });
        }
    });
    (port, rx)
}

#[test]
fn http_client_against_a_local_server() {
    let (port, seen) = http_server();
    let env = TestEnv::with(|cfg| cfg.time_budget = Duration::from_secs(1));
    let data = env.dirs.workingdir.canonicalize().unwrap();
    std::fs::write(data.join("report.txt"), "line 1\nline 2\n").unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let req = Request::get("/lua/t.lua").with_get("base", &base).with_get("data", data.to_string_lossy());
    let body = run_ok(
        &env,
        r#"
local b = _GET.base
local r = ntop.httpGet(b .. "/json", "user", "pass", 5, true)
assert(r.RESPONSE_CODE == 200 and r.CONTENT_TYPE == "application/json", tostring(r.RESPONSE_CODE))
assert(r.CONTENT == '{"rc":0,"rsp":[1,2]}' and r.CONTENT_LEN == 20 and r.EFFECTIVE_URL == b .. "/json")
assert(r.HTTP_HEADER["content-type"] == "application/json" and r.ERROR == nil)
local r2 = ntop.httpGet(b .. "/json", nil, nil, 5, false)
assert(r2.RESPONSE_CODE == 200 and r2.CONTENT == nil)
local m = ntop.httpGet(b .. "/missing")
assert(m.RESPONSE_CODE == 404 and m.CONTENT == "nope")
local rd = ntop.httpGet(b .. "/redirect")
assert(rd.RESPONSE_CODE == 200 and rd.EFFECTIVE_URL == b .. "/json" and rd.CONTENT:find('"rc"'))
local nr = ntop.httpGet(b .. "/redirect", nil, nil, 5, true, false, false)
assert(nr.RESPONSE_CODE == 302 and nr.HTTP_HEADER.location == "/json")

local p = ntop.httpPost(b .. "/echo", "a=1&b=2", { username = "admin", password = "x", x_api_key = "k1" })
assert(p.RESPONSE_CODE == 200 and p.CONTENT == "a=1&b=2" and p.HTTP_HEADER["x-echo"] == "yes")
local f = ntop.httpFetch({ url = b .. "/echo", method = "put", body = "payload", headers = { ["X-Test"] = "1" },
                           content_type = "text/csv" })
assert(f.RESPONSE_CODE == 200 and f.CONTENT == "payload")
assert(ntop.httpGetAuthToken(b .. "/json", "tok1").RESPONSE_CODE == 200)
assert(ntop.httpPostAuthToken(b .. "/echo", "tok2", '{"x":1}').CONTENT == '{"x":1}')
assert(ntop.httpPutAuthToken(b .. "/echo", "tok3", "put-body").RESPONSE_CODE == 200)
assert(ntop.httpPatchAuthToken(b .. "/echo", "tok4", "patch-body").RESPONSE_CODE == 200)
assert(ntop.postHTTPJsonData(b .. "/echo", '{"y":2}') == true)
assert(ntop.postHTTPJsonData(b .. "/missing", '{"y":2}') == false)
assert(ntop.postHTTPTextFile(b .. "/echo", _GET.data .. "/report.txt") == true)

-- failures: no answer, bad arguments, the sandbox
local dead = ntop.httpGet("http://127.0.0.1:1/")
assert(dead.RESPONSE_CODE == 0 and type(dead.ERROR) == "string")
assert(ntop.httpGet("https://127.0.0.1:1/").ERROR == "https is not supported by this build (no TLS client)")
raises("ntop.httpGet: bad argument #1 (url): 'ftp://x' is not an http:// or https:// URL", ntop.httpGet, "ftp://x")
raises("ntop.httpGet: bad argument #1 (url): string expected, got no value", ntop.httpGet)
raises("ntop.httpPostAuthToken: bad argument #3 (body): string expected, got no value", ntop.httpPostAuthToken, b, "t")
raises("ntop.httpFetch: bad argument #1 (params): field 'url' is required", ntop.httpFetch, {})
raises("ntop.httpFetch: bad argument #1 (params): unknown method 'BREW'", ntop.httpFetch, { url = b, method = "brew" })
raises("access denied (outside the directories scripts may read)", ntop.postHTTPTextFile, b .. "/echo", "/etc/passwd")
print("ok")
"#,
        req,
    );
    assert_eq!(body, "ok");
    let got: Vec<Seen> = seen.try_iter().collect();
    let find = |method: &str, path: &str, pred: &dyn Fn(&Seen) -> bool| {
        got.iter()
            .find(|s| s.method == method && s.path == path && pred(s))
            .unwrap_or_else(|| panic!("{method} {path}: {got:?}"))
    };
    // base64("user:pass") and base64("admin:x"), by hand.
    find("GET", "/json", &|s| s.headers.get("authorization").map(String::as_str) == Some("Basic dXNlcjpwYXNz"));
    let p = find("POST", "/echo", &|s| s.body == b"a=1&b=2");
    assert_eq!(p.headers["authorization"], "Basic YWRtaW46eA==");
    assert_eq!(p.headers["x-api-key"], "k1");
    assert_eq!(p.headers["content-type"], "application/x-www-form-urlencoded");
    let f = find("PUT", "/echo", &|s| s.body == b"payload");
    assert_eq!((f.headers["x-test"].as_str(), f.headers["content-type"].as_str()), ("1", "text/csv"));
    find("GET", "/json", &|s| s.headers.get("authorization").map(String::as_str) == Some("Token tok1"));
    let t2 = find("POST", "/echo", &|s| s.body == br#"{"x":1}"#);
    assert_eq!(
        (t2.headers["authorization"].as_str(), t2.headers["content-type"].as_str()),
        ("Token tok2", "application/json")
    );
    find("PUT", "/echo", &|s| s.body == b"put-body" && s.headers["authorization"] == "Token tok3");
    find("PATCH", "/echo", &|s| s.body == b"patch-body" && s.headers["authorization"] == "Token tok4");
    find("POST", "/echo", &|s| s.body == br#"{"y":2}"# && s.headers["content-type"] == "application/json");
    find("POST", "/echo", &|s| s.body == b"line 1\nline 2\n" && s.headers["content-type"].starts_with("text/plain"));
    assert!(got.iter().all(|s| s.path != "/etc/passwd"));

    // The run's 1 s time budget bounds a 30 s timeout: the 3 s answer is not waited for.
    let started = std::time::Instant::now();
    let r = env.run_lua_req(
        r#"local s = ntop.httpGet(_GET.base .. "/slow", nil, nil, 30) print(s.RESPONSE_CODE .. " " .. tostring(s.ERROR ~= nil))"#,
        Request::get("/lua/t.lua").with_get("base", &base),
    );
    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
    assert_eq!(r.body_str(), "0 true", "{:?}", r.error);
}
