//! The engine end to end: real Lua scripts in a temporary install dir, against the embedded store (and a
//! private redis-server when installed).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{lua, RedisServer, TestEnv};
use ntopng_lua::{ErrorKind, Request, Session};
use ntopng_store::KvStore;


// ---------------------------------------------------------------------------------------------------------
// Key-value bindings

const CACHE_SCRIPT: &str = r#"
-- strings
assert(ntop.getCache("k") == nil)
assert(ntop.setCache("k", "v") == nil)
assert(ntop.getCache("k") == "v")
ntop.setCache("n", 42)
assert(ntop.getCache("n") == "42")
ntop.setCache("t", "x", 0)
assert(ntop.getCache("t") == "x")
ntop.setCache("e", "x", 100)
assert(ntop.getCache("e") == "x")
assert(ntop.setnxCache("k", "other") == false and ntop.getCache("k") == "v")
assert(ntop.setnxCache("k2", "new") == true and ntop.getCache("k2") == "new")
assert(ntop.setnxCache("k2b", "new", 100) == true)
ntop.delCache("k2")
assert(ntop.getCache("k2") == nil)
ntop.delCache("never-there")
ntop.renameCache("k", "k3")
assert(ntop.getCache("k") == nil and ntop.getCache("k3") == "v")
ntop.renameCache("missing", "x")
assert(ntop.getCache("x") == nil)
assert(ntop.incrCache("c") == 1)
assert(ntop.incrCache("c", 5) == 6)
assert(math.type(ntop.incrCache("c", -1)) == "integer")
assert(ntop.incrCache("c", "2") == 7)
raises("ntop.incrCache: value of key 'k3' is not an integer", ntop.incrCache, "k3")
local keys = ntop.getKeysCache("k*")
assert(keys.k3 == "" and keys.k2b == "" and keys.k == nil and keys.n == nil)
assert(next(ntop.getKeysCache("nomatch*")) == nil)
local st = ntop.getCacheStatus()
assert(st.connected == true and st.backend == _GET.backend and st.num_keys > 0, tostring(st.backend))
local stats = ntop.getCacheStats()
assert(stats.num_get > 0 and stats.num_set > 0 and stats.num_keys > 0)

-- dump / restore
assert(ntop.hasDumpCache("k3") == true and ntop.hasDumpCache("nope") == false)
local d = ntop.dumpCache("k3")
assert(type(d) == "string" and d:match("^%x+$"), tostring(d))
assert(ntop.dumpCache("nope") == nil)
assert(ntop.restoreCache("k4", d) == true and ntop.getCache("k4") == "v")
ntop.setCache("k4", "changed")
assert(ntop.restoreCache("k4", d) == true and ntop.getCache("k4") == "v")
assert(ntop.restoreCache("k5", "zz") == false)
assert(ntop.restoreCache("k5", "00ff") == false)
assert(ntop.getCache("k5") == nil)
ntop.setHashCache("hd", "f", "1")
assert(ntop.restoreCache("hd2", ntop.dumpCache("hd")) and ntop.getHashCache("hd2", "f") == "1")

-- hashes
ntop.setHashCache("h", "f1", "a")
ntop.setHashCache("h", "f2", "b")
assert(ntop.getHashCache("h", "f1") == "a" and ntop.getHashCache("h", "nope") == nil)
assert(ntop.getHashCache("nohash", "f") == nil)
local hk = ntop.getHashKeysCache("h")
assert(hk.f1 == "" and hk.f2 == "" and hk.f3 == nil)
local ha = ntop.getHashAllCache("h")
assert(ha.f1 == "a" and ha.f2 == "b")
assert(next(ntop.getHashAllCache("nohash")) == nil and next(ntop.getHashKeysCache("nohash")) == nil)
ntop.delHashCache("h", "f1")
assert(ntop.getHashCache("h", "f1") == nil)
raises("ntop.getHashCache: WRONGTYPE", ntop.getHashCache, "k3", "x")

-- lists
ntop.rpushCache("l", "a")
ntop.rpushCache("l", "b")
ntop.lpushCache("l", "z")
assert(ntop.llenCache("l") == 3)
local r = ntop.lrangeCache("l", 0, -1)
assert(#r == 3 and r[1] == "z" and r[2] == "a" and r[3] == "b")
assert(#ntop.lrangeCache("l") == 3 and #ntop.lrangeCache("l", 1) == 2 and #ntop.lrangeCache("l", 5, 9) == 0)
assert(ntop.listIndexCache("l", 0) == "z" and ntop.listIndexCache("l", -1) == "b")
assert(ntop.listIndexCache("l", 9) == nil)
assert(ntop.lpopCache("l") == "z" and ntop.rpopCache("l") == "b")
ntop.rpushCache("l", "a")
ntop.rpushCache("l", "a")
ntop.lremCache("l", 1, "a")
assert(ntop.llenCache("l") == 2)
ntop.lremCache("l", "a")
assert(ntop.llenCache("l") == 0)
for i = 1, 5 do ntop.rpushCache("l2", tostring(i)) end
ntop.ltrimCache("l2", 1, 2)
r = ntop.lrangeCache("l2")
assert(#r == 2 and r[1] == "2" and r[2] == "3")
for i = 1, 5 do ntop.lpushCache("l3", tostring(i), 3) end
r = ntop.lrangeCache("l3")
assert(#r == 3 and r[1] == "5" and r[3] == "3")
for i = 1, 5 do ntop.rpushCache("l4", i, 2) end
r = ntop.lrangeCache("l4")
assert(#r == 2 and r[1] == "4" and r[2] == "5")
assert(ntop.lpopCache("empty") == nil and ntop.rpopCache("empty") == nil and ntop.llenCache("empty") == 0)
assert(#ntop.lrangeCache("empty") == 0)

-- sets
ntop.setMembersCache("s", "b")
ntop.setMembersCache("s", "a")
ntop.setMembersCache("s", "a")
local m = ntop.getMembersCache("s")
assert(#m == 2 and m[1] == "a" and m[2] == "b")
ntop.delMembersCache("s", "a")
assert(#ntop.getMembersCache("s") == 1)
assert(#ntop.getMembersCache("nope") == 0)

-- preferences: full keys, getPref is getCache
ntop.setPref("ntopng.prefs.x", "1")
assert(ntop.getPref("ntopng.prefs.x") == "1" and ntop.getCache("ntopng.prefs.x") == "1")
assert(ntop.getPref("ntopng.prefs.none") == nil)

-- invalid arguments: each binding names itself and the argument
raises("ntop.getCache: bad argument #1 (key): string expected, got no value", ntop.getCache)
raises("ntop.setCache: bad argument #2 (value): string expected, got nil", ntop.setCache, "k", nil)
raises("ntop.setCache: bad argument #3 (ttl): must not be negative (got -1)", ntop.setCache, "k", "v", -1)
raises("ntop.setCache: bad argument #3 (ttl): integer expected, got table", ntop.setCache, "k", "v", {})
raises("ntop.setCache: bad argument #1 (key): string expected, got table", ntop.setCache, {}, "v")
raises("ntop.setCache: bad argument #1 (key): string expected, got boolean", ntop.setCache, true, "v")
raises("ntop.lrangeCache: bad argument #2 (start): integer expected, got string", ntop.lrangeCache, "l", "x")
raises("ntop.incrCache: bad argument #2 (increment): number has no integer representation", ntop.incrCache, "c", 1.5)
raises("ntop.setHashCache: bad argument #3 (value): string expected, got no value", ntop.setHashCache, "h", "f")
local bad = {
  { "getCache", {} }, { "setCache", { "k" } }, { "setnxCache", { "k" } }, { "delCache", {} },
  { "renameCache", { "a" } }, { "incrCache", {} }, { "getKeysCache", {} }, { "hasDumpCache", {} },
  { "dumpCache", {} }, { "restoreCache", { "k" } }, { "getHashCache", { "h" } }, { "setHashCache", { "h", "f" } },
  { "delHashCache", { "h" } }, { "getHashKeysCache", {} }, { "getHashAllCache", {} }, { "lpushCache", { "l" } },
  { "rpushCache", { "l" } }, { "lpopCache", {} }, { "rpopCache", {} }, { "lremCache", { "l" } },
  { "ltrimCache", { "l", 0 } }, { "lrangeCache", {} }, { "llenCache", {} }, { "listIndexCache", { "l" } },
  { "setMembersCache", { "s" } }, { "delMembersCache", { "s" } }, { "getMembersCache", {} },
  { "setPref", { "p" } }, { "getPref", {} }, { "getLuaCache", {} }, { "setLuaCache", {} },
  { "lpushCache", { "l", "v", -2 } }, { "ltrimCache", { "l", 0, {} } }, { "listIndexCache", { "l", "x" } },
}
for _, b in ipairs(bad) do
  local ok, err = pcall(ntop[b[1]], table.unpack(b[2]))
  assert(not ok and type(err) == "string", b[1] .. " did not raise")
  assert(err:find("ntop." .. b[1] .. ": bad argument #", 1, true), b[1] .. ": " .. err)
end
print("cache ok")
"#;

fn flush_checks(env: &TestEnv) {
    // flushCache: administrators only.
    let user = Request::get("/lua/t.lua").with_session(Session::new("bob", "unprivileged"));
    let r = env.run_lua_req("ntop.setCache('keep', '1'); print(tostring(ntop.flushCache()))", user);
    assert_eq!(r.body_str(), "false", "{:?}", r.error);
    assert_eq!(env.store.get("keep").unwrap().as_deref(), Some("1"));
    let admin = Request::get("/lua/t.lua").with_session(Session::new("admin", "administrator"));
    let r = env.run_lua_req("print(tostring(ntop.flushCache()))", admin);
    assert_eq!(r.body_str(), "true");
    assert!(env.store.keys("*").unwrap().is_empty());
}

#[test]
fn cache_bindings_embedded_store() {
    let env = TestEnv::new();
    let r = env.run_lua_req(&lua(CACHE_SCRIPT), Request::get("/lua/t.lua?backend=embedded"));
    assert!(r.is_ok(), "{:?}", r.error);
    assert_eq!(r.body_str(), "cache ok");
    // What the script wrote is in the store.
    assert_eq!(env.store.get("k3").unwrap().as_deref(), Some("v"));
    assert_eq!(env.store.hget("h", "f2").unwrap().as_deref(), Some("b"));
    flush_checks(&env);
}

#[test]
fn cache_bindings_redis() {
    let Some(redis) = RedisServer::start() else { return };
    let data = tempfile::tempdir().unwrap();
    let store: Arc<dyn KvStore> =
        Arc::from(ntopng_store::open(Some(&format!("127.0.0.1:{}", redis.port)), data.path()).unwrap());
    let env = TestEnv::with_store(store);
    let r = env.run_lua_req(&lua(CACHE_SCRIPT), Request::get("/lua/t.lua?backend=redis"));
    assert!(r.is_ok(), "{:?}", r.error);
    assert_eq!(r.body_str(), "cache ok");
    flush_checks(&env);
}

#[test]
fn cache_ttl_expires() {
    let env = TestEnv::new();
    let body = env.ok(&lua(r#"ntop.setCache("e", "x", 1)
           ntop.setLuaCache("le", "x", 1)
           assert(ntop.getCache("e") == "x" and ntop.getLuaCache("le") == "x")
           ntop.msleep(1100)
           assert(ntop.getCache("e") == nil, "not expired")
           assert(ntop.getLuaCache("le") == nil, "lua cache entry not expired")
           print("ok")"#));
    assert_eq!(body, "ok");
}

#[test]
fn lua_cache() {
    let env = TestEnv::new();
    let body = env.ok(&lua(
        r#"ntop.setLuaCache("a", { x = 1, y = { 2, 3 }, s = "str", b = true, f = 1.5 })
           local v = ntop.getLuaCache("a")
           assert(v.x == 1 and v.y[2] == 3 and v.s == "str" and v.b == true and v.f == 1.5)
           v.x = 99
           assert(ntop.getLuaCache("a").x == 1, "the cache must hold a copy")
           ntop.setLuaCache("n", 7, 0)
           assert(ntop.getLuaCache("n") == 7)
           local dump = ntop.dumpLuaCache()
           assert(dump.a.s == "str" and dump.n == 7)
           ntop.setLuaCache("n", nil)
           assert(ntop.getLuaCache("n") == nil and ntop.getLuaCache("never") == nil)
           raises("ntop.setLuaCache: bad argument #2 (value): a function cannot be cached", ntop.setLuaCache, "f", print)
           local cyc = {}
           cyc.self = cyc
           raises("reference cycle", ntop.setLuaCache, "c", cyc)
           raises("ntop.setLuaCache: bad argument #3 (ttl)", ntop.setLuaCache, "c", 1, "x")
           print("ok")"#,
    ));
    assert_eq!(body, "ok");
    assert!(env.pool.lua_cache().get("a").is_some());
}

#[test]
fn lua_cache_is_shared_across_vms() {
    let env = Arc::new(TestEnv::new());
    assert_eq!(env.pool.size(), 2);
    // The first script keeps its VM busy until the test says so.
    env.write_script(
        "lua/set.lua",
        "ntop.setLuaCache('shared', 'from-the-other-vm')\n\
         while ntop.getCache('release') == nil do ntop.msleep(5) end",
    );
    env.write_script("lua/get.lua", "print(ntop.getLuaCache('shared'))");
    let e2 = env.clone();
    let holder = std::thread::spawn(move || e2.pool.run_script("lua/set.lua", Request::default()));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while env.pool.lua_cache().get("shared").is_none() {
        assert!(std::time::Instant::now() < deadline, "the first script did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The first VM is busy: this runs on the other one.
    let r = env.pool.run_script("lua/get.lua", Request::default());
    env.store.set("release", "1", None).unwrap();
    assert_eq!(r.body_str(), "from-the-other-vm");
    assert!(holder.join().unwrap().is_ok());
}

// ---------------------------------------------------------------------------------------------------------
// Other implemented bindings

#[test]
fn system_bindings() {
    let env = TestEnv::new();
    let req = Request::get("/lua/t.lua")
        .with_get("installdir", env.dirs.installdir.to_string_lossy())
        .with_get("workingdir", env.dirs.workingdir.to_string_lossy())
        .with_session(Session::new("admin", "administrator"));
    let r = env.run_lua_req(
        &lua(
            r#"
local d = ntop.getDirs()
assert(d.installdir == _GET.installdir and d.workingdir == _GET.workingdir)
assert(d.scriptdir == d.installdir .. "/scripts" and d.httpdocsdir == d.installdir .. "/httpdocs")
assert(d.callbacksdir == d.installdir .. "/scripts/callbacks")
assert(ntop.getCurrentScriptsDir() == d.scriptdir)
local info = ntop.getInfo()
assert(info.product == "ntopng" and type(info.version) == "string" and info.platform:find("-", 1, true))
assert(type(info.OS) == "string" and math.type(info.uptime) == "integer")
assert(ntop.getInfo(false).product == "ntopng")
raises("ntop.getInfo: bad argument #1 (verbose): boolean expected, got string", ntop.getInfo, "x")
assert(math.type(ntop.getUptime()) == "integer" and ntop.getUptime() >= 0)
assert(math.abs(ntop.getStartupEpoch() - os.time()) < 60 and ntop.getStaticFileEpoch() == ntop.getStartupEpoch())
assert(ntop.isAdministrator() == true and ntop.getNologinUser() == "nologin")

-- edition and platform: a community build on Linux
for _, f in ipairs({ "isPro", "isEnterprise", "isEnterpriseM", "isEnterpriseL", "isEnterpriseXL", "isEnterpriseXXL",
    "isnEdge", "isnEdgeEnterprise", "isForcedCommunity", "isPackage", "isAppliance", "isIoTBridge", "isWindows",
    "isFreeBSD", "hasGeoIP", "hasRadiusSupport", "hasLdapSupport", "isPingAvailable", "isClickHouseEnabled",
    "hasSpeedtestSupport", "isNProbeIPSConfigured", "isFlowDedupEnabled" }) do
  assert(ntop[f]() == false, f)
end
assert(ntop.isLinux() == true)

-- logging
assert(TRACE_ERROR == 0 and TRACE_WARNING == 1 and TRACE_NORMAL == 2 and TRACE_INFO == 3 and TRACE_DEBUG == 4)
ntop.traceEvent(TRACE_NORMAL, "hello from a test")
ntop.traceEvent(TRACE_DEBUG, 42)
raises("ntop.traceEvent: bad argument #1 (level): must be TRACE_ERROR (0) .. TRACE_DEBUG (4), got 9", ntop.traceEvent, 9, "x")
raises("ntop.traceEvent: bad argument #2 (message): string expected, got no value", ntop.traceEvent, TRACE_ERROR)
raises("ntop.traceEvent: bad argument #1 (level): integer expected, got string", ntop.traceEvent, "x", "y")
ntop.verboseTrace("verbose")
raises("ntop.verboseTrace: bad argument #1", ntop.verboseTrace)
ntop.setLoggingLevel("trace")
raises("ntop.setLoggingLevel: bad argument #1 (level): unknown level 'loud'", ntop.setLoggingLevel, "loud")
ntop.syslog(7, "ntopng-lua test message")
raises("ntop.syslog: bad argument #1 (level): must be a syslog priority 0..7, got 8", ntop.syslog, 8, "x")

-- time
local now = ntop.gettimemsec()
assert(math.type(now) == "float" and math.abs(now - os.time()) < 2)
local t1 = ntop.getticks()
local t2 = ntop.getticks()
assert(math.type(t1) == "integer" and t2 >= t1 and ntop.gettickspersec() == 1000000000)
ntop.tzset()
assert(ntop.roundTime(125, 60) == 120 and ntop.roundTime(120, 60) == 120 and ntop.roundTime(125, 60, 30) == 90)
assert(math.type(ntop.roundTime(os.time(), 300, true)) == "integer")
raises("ntop.roundTime: bad argument #2 (secs): must be positive, got 0", ntop.roundTime, 1, 0)
raises("ntop.roundTime: bad argument #1 (epoch): integer expected, got nil", ntop.roundTime, nil, 60)

-- misc
assert(ntop.md5("") == "d41d8cd98f00b204e9800998ecf8427e" and ntop.md5("abc") == "900150983cd24fb0d6963f7d28e17f72")
assert(ntop.md5(12) == ntop.md5("12"))
raises("ntop.md5: bad argument #1 (data): string expected, got no value", ntop.md5)
ntop.msleep(5)
raises("ntop.msleep: bad argument #1 (ms): must not be negative (got -1)", ntop.msleep, -1)
local ssh = ntop.getservbyport(22, "tcp")
assert(ssh == "ssh" or ssh == "22")
assert(ntop.getservbyport(65000, "udp") == "65000")
raises("ntop.getservbyport: bad argument #1 (port)", ntop.getservbyport, "x")
assert(ntop.getTLSVersionName(0x0303) == "TLSv1.2" and ntop.getTLSVersionName(771) == "TLSv1.2")
assert(ntop.getTLSVersionName(0x0304) == "TLSv1.3")
raises("ntop.getTLSVersionName: bad argument #1 (version)", ntop.getTLSVersionName)
assert(ntop.getDeadline() >= os.time() and ntop.isDeadlineApproaching() == false)

-- bitmaps
local bm = ntop.bitmapSet(0, 3)
assert(bm == 8 and ntop.bitmapIsSet(bm, 3) and not ntop.bitmapIsSet(bm, 2))
assert(ntop.bitmapClear(bm, 3) == 0 and ntop.bitmapSet(0, 63) == math.mininteger)
raises("ntop.bitmapSet: bad argument #2 (bit): must be between 0 and 63 (got 64)", ntop.bitmapSet, 0, 64)
raises("ntop.bitmapIsSet: bad argument #1 (bitmap): integer expected, got nil", ntop.bitmapIsSet, nil, 1)

-- score / severity (checks.md 1.2)
assert(ntop.mapScoreToSeverity(0) == 0 and ntop.mapScoreToSeverity(5) == 2 and ntop.mapScoreToSeverity(100) == 5)
assert(ntop.mapScoreToSeverity(300) == 8 and ntop.mapSeverityToScore(4) == 50 and ntop.mapSeverityToScore(8) == 250)
raises("ntop.mapScoreToSeverity: bad argument #1 (score)", ntop.mapScoreToSeverity, {})

-- addresses
assert(ntop.ipToNumber("10.0.0.1") == 167772161 and ntop.inet_ntoa(167772161) == "10.0.0.1")
assert(ntop.inet_ntoa("3232235777") == "192.168.1.1")
raises("ntop.ipToNumber: bad argument #1 (ip): invalid IPv4 address 'nope'", ntop.ipToNumber, "nope")
raises("ntop.inet_ntoa: bad argument #1 (number): -1 is not a 32-bit address", ntop.inet_ntoa, -1)
assert(ntop.networkPrefix("192.168.1.77", 24) == "192.168.1.0" and ntop.networkPrefix("2001:db8::1", 32) == "2001:db8::")
raises("ntop.networkPrefix: bad argument #2 (bits): must be between 0 and 32, got 33", ntop.networkPrefix, "1.2.3.4", 33)
raises("ntop.networkPrefix: bad argument #1 (ip): invalid IP address 'x'", ntop.networkPrefix, "x", 8)
assert(ntop.ipCmp("10.0.0.1", "10.0.0.2") == -1 and ntop.ipCmp("10.0.0.2", "10.0.0.2") == 0)
assert(ntop.ipCmp("::1", "10.0.0.1") == 1 and ntop.ipCmp("10.0.0.10", "10.0.0.9") == 1)
assert(ntop.isIPv6("::1") == true and ntop.isIPv6("fe80::1") == true and ntop.isIPv6("1.2.3.4") == false)
raises("ntop.isIPv6: bad argument #1 (ip)", ntop.isIPv6)
print("ok")
"#,
        ),
        req,
    );
    assert!(r.is_ok(), "{:?}", r.error);
    assert_eq!(r.body_str(), "ok");
}

#[test]
fn administrator_follows_the_session() {
    let env = TestEnv::new();
    let check = |session: Session| {
        env.run_lua_req(
            "require 'lua_utils'; print(tostring(ntop.isAdministrator()), ' ', tostring(isAdministrator()))",
            Request::get("/lua/t.lua").with_session(session),
        )
        .body_str()
    };
    assert_eq!(check(Session::new("admin", "administrator")), "true true");
    assert_eq!(check(Session::new("bob", "unprivileged")), "false false");
    assert_eq!(check(Session::nologin()), "true true");
}

#[test]
fn redirect_and_headers() {
    let env = TestEnv::new();
    let r = env.run_lua("ntop.httpRedirect('/lua/login.lua')");
    assert!(r.is_ok());
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/lua/login.lua"));

    let r = env.run_lua(
        r#"require "lua_utils"
           sendHTTPHeader("text/csv", 'attachment; filename="x.csv"', { ["X-Extra"] = "1" }, 201)
           print("a,b\n")"#,
    );
    assert!(r.is_ok(), "{:?}", r.error);
    assert_eq!(r.status, 201);
    assert_eq!(r.content_type.as_deref(), Some("text/csv; charset=utf-8"));
    assert_eq!(r.header("Content-Disposition"), Some("attachment; filename=\"x.csv\""));
    assert_eq!(r.header("x-extra"), Some("1"));
    assert_eq!(r.body_str(), "a,b\n");

    let r = env.run_lua("require 'lua_utils'; sendHTTPContentTypeHeader('text/plain'); print('x')");
    assert_eq!((r.status, r.content_type.as_deref(), r.headers_sent), (200, Some("text/plain; charset=utf-8"), true));

    // No header: the HTTP layer decides (ntopng scripts always send one).
    let r = env.run_lua("print('a', 1, nil, true, 2.5)");
    assert_eq!((r.status, r.content_type.as_deref(), r.headers_sent), (200, None, false));
    assert_eq!(r.body_str(), "a1niltrue2.5");
}

// ---------------------------------------------------------------------------------------------------------
// Unsupported functions

#[test]
fn unsupported_functions_raise_the_documented_error() {
    let env = TestEnv::new();
    let r = env.run_lua("local s = interface.getHostPoolsInfo()");
    let e = r.error.expect("must fail");
    assert_eq!(e.kind, ErrorKind::Runtime);
    assert!(
        e.message.starts_with(
            "scripts/lua/t.lua:1: interface.getHostPoolsInfo: not supported by this build yet (host pools"
        ),
        "{}",
        e.message
    );
    assert_eq!(r.status, 500);

    let body = env.ok(&lua(r#"raises("ntop.rrd_create: not supported by this build yet (", ntop.rrd_create, "x", 60)
           raises("ntop.execCmd: not supported by this build yet (running shell commands", ntop.execCmd, "ls")
           print("ok")"#));
    assert_eq!(body, "ok");
    assert_eq!(
        ntopng_lua::registry::status("interface", "getHostPoolsInfo").map(|s| s == ntopng_lua::ApiStatus::Implemented),
        Some(false)
    );
    assert_eq!(ntopng_lua::registry::status("ntop", "getCache"), Some(ntopng_lua::ApiStatus::Implemented));
}

// ---------------------------------------------------------------------------------------------------------
// Fresh environment per request

#[test]
fn globals_never_leak_between_requests() {
    let env = TestEnv::with(|c| c.vms = 1);
    let first = env.ok(r#"leaked = 1
           _G.leaked2 = 2
           string.foo = function() return 1 end
           ntop.bar = 1
           table.insert = nil
           _GET.x = "y"
           package.loaded.mine = 1
           require "lua_utils"
           package.path = "/nowhere/?.lua"
           assert(("a,b"):split(",")[2] == "b")
           print("set")"#);
    assert_eq!(first, "set");
    let second = env.ok(r#"assert(leaked == nil and leaked2 == nil, "global leaked")
           assert(string.foo == nil and ntop.bar == nil, "library change leaked")
           assert(type(table.insert) == "function", "removed library function stayed removed")
           assert(_GET.x == nil and package.loaded.mine == nil)
           assert(package.path:find("/scripts/lua/modules/?.lua", 1, true))
           assert(isEmptyString == nil and string.split == nil and ("x").split == nil, "module globals leaked")
           assert(("x"):upper() == "X")
           assert(_G == _ENV and _G._G == _G)
           print("clean")"#);
    assert_eq!(second, "clean");
}

#[test]
fn base_environment_is_read_only() {
    let env = TestEnv::new();
    let body = env.ok(&lua(r#"assert(getmetatable(_G) == "protected" and getmetatable(string) == "protected")
           assert(getmetatable("") == "protected")
           raises("cannot change a protected metatable", setmetatable, _G, {})
           raises("cannot change a protected metatable", setmetatable, ntop, {})
           -- pairs sees the library through the request's layer
           local n = 0
           for k, v in pairs(string) do n = n + 1 end
           assert(n > 10)
           local seen = {}
           for k in pairs(_G) do seen[k] = true end
           assert(seen.print and seen.ntop and seen._GET and seen.string)
           print("ok")"#));
    assert_eq!(body, "ok");
}

// ---------------------------------------------------------------------------------------------------------
// Sandbox

#[test]
fn sandbox_removes_dangerous_functions() {
    let env = TestEnv::new();
    std::fs::write(env.dirs.workingdir.join("data.txt"), "working data").unwrap();
    let body = env.ok(&lua(r#"
assert(os.execute == nil and os.exit == nil and os.remove == nil and os.rename == nil)
assert(os.getenv == nil and os.tmpname == nil and os.setlocale == nil)
assert(type(os.time()) == "number" and type(os.date("%Y")) == "string" and type(os.clock()) == "number")
assert(io.popen == nil and io.tmpfile == nil and io.input == nil and io.output == nil and io.read == nil)
assert(io.stdout == nil and io.stderr == nil)
assert(debug == nil and package.loadlib == nil and package.cpath == "" and package.searchers == nil)
raises("module 'debug' not found", require, "debug")
local dirs = ntop.getDirs()
-- io.open: reading inside the install and working dirs only, never writing
local f, err = io.open(dirs.installdir .. "/scripts/lua/x.txt", "w")
assert(f == nil and err:find("only be opened for reading"), err)
f, err = io.open(dirs.installdir .. "/scripts/lua/modules/lua_utils.lua", "a+")
assert(f == nil)
f, err = io.open("/etc/passwd")
assert(f == nil and err:find("access denied"), err)
f = assert(io.open(dirs.installdir .. "/scripts/lua/modules/lua_utils.lua"))
assert(f:read("l"):find("^%-%-"))
assert(f:write("x") == nil)
f:close()
f = assert(io.open(dirs.workingdir .. "/data.txt", "rb"))
assert(f:read("a") == "working data")
f:close()
raises("access denied", io.lines, "/etc/passwd")
local lines = 0
for _ in io.lines(dirs.installdir .. "/scripts/lua/modules/json.lua") do lines = lines + 1 end
assert(lines > 0)
-- loadfile / dofile: scripts dir only
assert(loadfile("/etc/passwd") == nil)
raises("access denied", dofile, "/etc/passwd")
raises("No such file", dofile, dirs.installdir .. "/scripts/lua/none.lua")
assert(loadfile(dirs.installdir .. "/httpdocs") == nil)
-- load: text only, in the request's environment
local bytecode = string.dump(function() return 1 end)
local fn, lerr = load(bytecode)
assert(fn == nil and lerr:find("binary"), lerr)
assert(load("return 1", "x", "b") == nil)
x = 5
assert(load("return x")() == 5)
assert(loadstring("return 2")() == 2 and unpack({ 7 }) == 7)
assert(load("y = 3; return y", "chunk", "t", {})() == 3 and y == nil)
-- the garbage collector cannot be stopped
assert(collectgarbage("stop") == 0 and collectgarbage("isrunning") == true)
assert(collectgarbage("count") > 0)
-- require stays inside the install dir
package.path = "/etc/?;" .. package.path
raises("module 'passwd' not found", require, "passwd")
print("ok")
"#));
    assert_eq!(body, "ok");
}

#[test]
fn scripts_and_modules_cannot_escape_through_symlinks_or_paths() {
    let env = TestEnv::new();
    let modules = env.dirs.scriptdir.join("lua/modules");
    std::os::unix::fs::symlink("/etc/passwd", modules.join("evil.lua")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", env.dirs.scriptdir.join("lua/evil_script.lua")).unwrap();
    let r = env.run_lua("require 'evil'");
    let e = r.error.expect("must fail");
    assert!(
        e.message.contains("module 'evil' not found") && e.message.contains("outside the install directory"),
        "{}",
        e.message
    );
    for path in ["lua/evil_script.lua", "../../../etc/passwd", "/etc/passwd", "lua/missing.lua", "lua"] {
        let r = env.pool.run_script(path, Request::default());
        assert_eq!(r.error.as_ref().map(|e| e.kind), Some(ErrorKind::NotFound), "{path}");
        assert_eq!(r.status, 404);
    }
    // A module in a subdirectory and one given by absolute path work.
    env.write_script("lua/modules/sub/mod.lua", "return { v = 'sub' }");
    env.write_script("lua/other/m2.lua", "return 'm2'");
    let body = env.ok("local dirs = ntop.getDirs()\n\
         package.path = dirs.installdir .. '/scripts/lua/other/?.lua;' .. package.path\n\
         print(require('sub.mod').v, (require('m2')))");
    assert_eq!(body, "subm2");
}

// ---------------------------------------------------------------------------------------------------------
// Errors and budgets: the pool keeps working

fn assert_pool_works(env: &TestEnv) {
    let r = env.run_lua("print('still working')");
    assert!(r.is_ok(), "{:?}", r.error);
    assert_eq!(r.body_str(), "still working");
}

#[test]
fn erroring_scripts_report_file_and_line() {
    let env = TestEnv::with(|c| c.vms = 1);
    let r = env.run_lua("print('before')\nlocal t = nil\nlocal x = t.field\n");
    let e = r.error.clone().expect("must fail");
    assert_eq!(e.kind, ErrorKind::Runtime);
    assert!(e.message.starts_with("scripts/lua/t.lua:3: attempt to index a nil value"), "{}", e.message);
    assert!(e.traceback.as_deref().unwrap_or("").contains("scripts/lua/t.lua:3"), "{:?}", e.traceback);
    assert_eq!(r.status, 500);
    assert_eq!(r.body_str(), "before", "output before the error is kept");
    assert_pool_works(&env);

    let r = env.run_lua("error('custom failure')");
    assert_eq!(r.error.unwrap().message, "scripts/lua/t.lua:1: custom failure");
    let r = env.run_lua("error({ code = 1 })");
    assert!(r.error.unwrap().message.starts_with("table: "));

    let r = env.run_lua("local = 1");
    let e = r.error.expect("must fail");
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert!(e.message.starts_with("scripts/lua/t.lua:1:"), "{}", e.message);
    assert_pool_works(&env);

    // An error inside a module names the module's file.
    env.write_script("lua/modules/broken.lua", "local m = {}\nfunction m.f() return nil + 1 end\nreturn m");
    let r = env.run_lua("require('broken').f()");
    assert!(r.error.unwrap().message.starts_with("scripts/lua/modules/broken.lua:2:"));
    assert_pool_works(&env);
}

#[test]
fn endless_loops_hit_the_instruction_budget() {
    let env = TestEnv::with(|c| {
        c.vms = 1;
        c.instruction_budget = 5_000_000;
    });
    for src in [
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "local co = coroutine.wrap(function() while true do end end) co()",
        "local function f() return f() end f()",
        "local ok = pcall(function() while true do end end) print('caught') while true do end",
    ] {
        let r = env.run_lua(src);
        let e = r.error.clone().unwrap_or_else(|| panic!("{src}: must fail"));
        assert_eq!(e.kind, ErrorKind::InstructionBudget, "{src}: {}", e.message);
        assert!(e.message.contains("scripts/lua/t.lua:1: script exceeded its instruction budget"), "{}", e.message);
        assert!(r.instructions >= 5_000_000);
        assert_pool_works(&env);
    }
}

#[test]
fn slow_scripts_hit_the_time_budget() {
    let env = TestEnv::with(|c| {
        c.vms = 1;
        c.time_budget = Duration::from_millis(300);
    });
    let r = env.run_lua("while true do end");
    let e = r.error.unwrap();
    assert_eq!(e.kind, ErrorKind::TimeBudget);
    assert!(e.message.contains("script exceeded its time budget (300 ms)"), "{}", e.message);
    assert!(r.elapsed < Duration::from_secs(3));
    assert_pool_works(&env);

    let r = env.run_lua("ntop.msleep(5000)");
    let e = r.error.unwrap();
    assert_eq!(e.kind, ErrorKind::TimeBudget);
    assert!(r.elapsed < Duration::from_secs(2));
    assert_pool_works(&env);
    let r = env.run_lua(
        "print(tostring(ntop.isDeadlineApproaching())) while not ntop.isDeadlineApproaching() do end print('near')",
    );
    assert!(r.is_ok(), "{:?}", r.error);
    assert_eq!(r.body_str(), "falsenear");
}

#[test]
fn memory_hogs_hit_the_memory_limit() {
    let env = TestEnv::with(|c| {
        c.vms = 1;
        c.memory_limit = 32 << 20;
    });
    let r = env.run_lua("local t = {} for i = 1, 1e8 do t[i] = ('x'):rep(64) .. i end");
    let e = r.error.unwrap();
    assert_eq!(e.kind, ErrorKind::Memory, "{}", e.message);
    assert_pool_works(&env);
    let r = env.run_lua("local s = ('x'):rep(1 << 30)");
    assert_eq!(r.error.unwrap().kind, ErrorKind::Memory);
    assert_pool_works(&env);
}

#[test]
fn concurrent_runs() {
    let env = Arc::new(TestEnv::new());
    env.write_script(
        "lua/worker.lua",
        "ntop.setCache('w.' .. _GET.id, _GET.id)\n\
         counter = (counter or 0) + 1\n\
         assert(counter == 1, 'global from another request')\n\
         print(ntop.getCache('w.' .. _GET.id))",
    );
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let env = env.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let id = format!("{t}-{i}");
                    let r = env.pool.run_script("lua/worker.lua", Request::get(&format!("/lua/worker.lua?id={id}")));
                    assert!(r.is_ok(), "{:?}", r.error);
                    assert_eq!(r.body_str(), id);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(env.store.keys("w.*").unwrap().len(), 100);
}

// ---------------------------------------------------------------------------------------------------------
// Request globals

#[test]
fn request_globals() {
    let env = TestEnv::new();
    let body = r#"{"ifid":0,"name":"x y","flag":true,"list":[1,2],"obj":{"a":1},"f":1.5,"n":null}"#;
    let req = Request::new("POST", "/lua/rest/v2/get/interface/data.lua?q=1")
        .with_json_body(body)
        .with_session(Session::new("admin", "administrator"));
    let r = env.run_lua_req(
        &lua(r#"assert(_GET.ifid == "0" and _POST.ifid == "0", tostring(_GET.ifid))
               assert(_GET.name == "x y" and _GET.flag == "true" and _GET.f == "1.5" and _GET.n == nil)
               assert(_GET.list == "[1,2]" and _POST.obj == '{"a":1}' and _GET.q == "1")
               assert(_POST.payload == _POST.JSON and _POST.JSON:find('"ifid":0', 1, true))
               assert(_GET.payload == nil)
               local json = require("dkjson")
               assert(json.decode(_POST.JSON).ifid == 0)
               assert(_SERVER.REQUEST_METHOD == "POST" and _SERVER.URI == "/lua/rest/v2/get/interface/data.lua")
               assert(_SERVER.QUERY_STRING == "q=1" and _SERVER.REFERER == "")
               assert(_SESSION.user == "admin" and _SESSION.group == "administrator" and _SESSION.session == "")
               assert(type(_COOKIE) == "table")
               print("ok")"#),
        req,
    );
    assert!(r.is_ok(), "{:?}", r.error);
    let r = env.run_lua_req(
        "print(_GET.a, '|', _GET.b, '|', _GET.c, '|', _SERVER.REQUEST_METHOD)",
        Request::get("/lua/t.lua?a=1&b=x%20y+z&c"),
    );
    assert_eq!(r.body_str(), "1|x y z||GET");
    // A body that is not JSON is still there, raw.
    let r =
        env.run_lua_req("print(_POST.payload, tostring(_GET.x))", Request::new("POST", "/x").with_json_body("{bad"));
    assert_eq!(r.body_str(), "{badnil");
}

// ---------------------------------------------------------------------------------------------------------
// Our modules

const BOILERPLATE: &str = r#"
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path
require "lua_utils"
local json = require("dkjson")
local rest_utils = require("rest_utils")
"#;

#[test]
fn rest_answers() {
    let env = TestEnv::new();
    let r = env.run_lua(&format!("{BOILERPLATE}\nrest_utils.answer(rest_utils.consts.success.ok, {{a=1}})"));
    assert!(r.is_ok(), "{:?}", r.error);
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type.as_deref(), Some("application/json; charset=utf-8"));
    assert_eq!(r.body_str(), r#"{"rc":0,"rc_str":"OK","rc_str_hr":"Success","rsp":{"a":1}}"#);

    for (rc, status, code, s, hr) in [
        ("invalid_args", 400, -5, "INVALID_ARGUMENTS", "Invalid arguments"),
        ("not_granted", 401, -3, "NOT_GRANTED", "Not authorized"),
        ("not_found", 404, -1, "NOT_FOUND", "Not found"),
        ("invalid_interface", 400, -2, "INVALID_INTERFACE", "Invalid interface"),
        ("internal_error", 500, -6, "INTERNAL_ERROR", "Internal error"),
        ("bad_content", 400, -8, "BAD_CONTENT", "Bad content"),
        ("not_enabled", 400, -2, "NOT_ENABLED", "Unknown"),
        ("user_already_existing", 409, -23, "USER_ALREADY_EXISTING", "User already existing"),
        ("not_allowed", 405, -58, "NOT_ALLOWED", "Method not allowed"),
    ] {
        let r = env.run_lua(&format!("{BOILERPLATE}\nrest_utils.answer(rest_utils.consts.err.{rc})"));
        assert!(r.is_ok(), "{:?}", r.error);
        assert_eq!(r.status, status, "{rc}");
        assert_eq!(r.body_str(), format!(r#"{{"rc":{code},"rc_str":"{s}","rc_str_hr":"{hr}","rsp":[]}}"#), "{rc}");
    }

    let r = env.run_lua(&format!(
        "{BOILERPLATE}\nrest_utils.extended_answer(rest_utils.consts.success.ok, {{ {{id=1}} }}, \
         {{recordsTotal=10, recordsFiltered=1}}, {{['X-A']='b'}})"
    ));
    assert_eq!(
        r.json().unwrap(),
        serde_json::json!({"rc":0,"rc_str":"OK","rc_str_hr":"Success","rsp":[{"id":1}],"recordsTotal":10,"recordsFiltered":1})
    );
    assert_eq!(r.header("X-A"), Some("b"));

    let body = env.ok(&format!(
        "{BOILERPLATE}\n\
         local s = rest_utils.rc(rest_utils.consts.err.bad_format, {{x = 1}})\n\
         assert(s == '{{\"rc\":-7,\"rc_str\":\"BAD_FORMAT\",\"rc_str_hr\":\"Bad format\",\"rsp\":{{\"x\":1}}}}', s)\n\
         rest_utils.enable_direct_mode()\n\
         rest_utils.answer(rest_utils.consts.success.ok, {{y = 2}})\n\
         assert(rest_utils.get_answer():find('\"y\":2', 1, true))\n\
         local ok, err = pcall(rest_utils.answer, nil)\n\
         assert(not ok and err:find('rest_utils.consts', 1, true))\n\
         print('direct')"
    ));
    assert_eq!(body, "direct");

    let r = env.run_lua(&format!(
        "{BOILERPLATE}\nrest_utils.vanilla_payload_response(rest_utils.consts.err.not_found, 'nope', 'text/plain')"
    ));
    assert_eq!((r.status, r.body_str().as_str()), (404, "nope"));
}

#[test]
fn rest_endpoint_from_the_seed_template() {
    // The seed's minimal endpoint, with an ifid check and a Redis-backed configuration.
    let env = TestEnv::new();
    env.write_script(
        "lua/rest/v2/get/test/conf.lua",
        r#"
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path
local rest_utils = require("rest_utils")
require "lua_utils"
local json = require("dkjson")

local CONF_KEY = "ntopng.prefs.my_feature"
if isEmptyString(_GET["ifid"]) then
  rest_utils.answer(rest_utils.consts.err.invalid_interface)
  return
end
if not isAdministrator() then
  rest_utils.answer(rest_utils.consts.err.not_granted)
  return
end
if _POST["JSON"] then
  local body = json.decode(_POST["JSON"] or "{}")
  ntop.setCache(CONF_KEY, json.encode(body))
end
local conf = json.decode(ntop.getCache(CONF_KEY) or "{}") or {}
rest_utils.answer(rest_utils.consts.success.ok, conf)
"#,
    );
    let path = "lua/rest/v2/get/test/conf.lua";
    let r = env.pool.run_script(path, Request::get("/lua/rest/v2/get/test/conf.lua"));
    assert_eq!((r.status, r.json().unwrap()["rc"].as_i64()), (400, Some(-2)));
    let r = env.pool.run_script(path, Request::get("/x?ifid=0").with_session(Session::new("bob", "unprivileged")));
    assert_eq!((r.status, r.json().unwrap()["rc_str"].as_str()), (401, Some("NOT_GRANTED")));
    let r = env.pool.run_script(path, Request::new("POST", "/x").with_json_body(r#"{"ifid":1,"enabled":true}"#));
    assert_eq!(r.status, 200, "{:?}", r.error);
    assert_eq!(r.json().unwrap()["rsp"], serde_json::json!({"ifid":1,"enabled":true}));
    let r = env.pool.run_script(path, Request::get("/x?ifid=0"));
    assert_eq!(r.json().unwrap()["rsp"]["enabled"], serde_json::json!(true));
    // Empty configuration: an empty object stays an object.
    env.store.set("ntopng.prefs.my_feature", "{}", None).unwrap();
    let r = env.pool.run_script(path, Request::get("/x?ifid=0"));
    assert_eq!(r.body_str(), r#"{"rc":0,"rc_str":"OK","rc_str_hr":"Success","rsp":{}}"#);
}

#[test]
fn json_module() {
    let env = TestEnv::new();
    let body = env.ok(&lua(
        r##"
local json = require("dkjson")
assert(require("json") == json)
local e = json.encode
assert(e({}) == "[]" and e({ 1, 2, 3 }) == "[1,2,3]" and e({ a = 1 }) == '{"a":1}')
assert(e(0 / 0) == "null" and e({ x = math.huge }) == '{"x":null}' and e(-math.huge) == "null")
assert(e(3.0) == "3" and e(0.1) == "0.1" and e(0.88999998569489) == "0.88999998569489" and e(1e20) == "1e+20")
assert(e(2 ^ 53) == "9.007199254741e+15" and e(1e14 + 0.0) == "100000000000000" and e(-7) == "-7" and e(1 / 3) == "0.33333333333333")
assert(e('a"b\n\1') == '"a\\"b\\n\\u0001"' and e(true) == "true" and e(nil) == "null")
assert(e({ [1] = 1, [3] = 3 }) == "[1,null,3]")
assert(e({ [1] = 1, [100] = 2 }) == '{"1":1,"100":2}')
assert(e({ 1, 2, x = 3 }) == '{"1":1,"2":2,"x":3}')
assert(e({ b = 1, a = { c = { 1 } } }) == '{"a":{"c":[1]},"b":1}')
assert(e(json.null) == "null" and e({ json.null, 1 }) == "[null,1]" and tostring(json.null) == "null")
assert(e(setmetatable({}, { __jsontype = "object" })) == "{}")
assert(e({ z = 1, a = 2, m = 3 }, { keyorder = { "z", "m" } }) == '{"z":1,"m":3,"a":2}')
assert(e({ a = { 1 } }, { indent = true }):find("\n", 1, true))
raises("type 'function' is not supported by JSON", e, { f = print })
local cyc = {}
cyc[1] = cyc
raises("reference cycle", e, cyc)
raises("is not supported as a key", e, { [true] = 1 })
assert(json.encode({ f = print }, { exception = function() return '"replaced"' end }) == '"replaced"')

local t, pos = json.decode('{"a":[1,2,{}],"b":null,"c":"x","d":1.5,"e":true} tail')
assert(t.a[2] == 2 and math.type(t.a[1]) == "integer" and t.b == nil and t.c == "x" and t.d == 1.5 and t.e == true)
assert(pos == 49, pos)
assert(e(t.a[3]) == "{}" and e(json.decode("[]")) == "[]" and e(json.decode('{"a":{}}')) == '{"a":{}}')
local t2 = json.decode('{"b":null}', 1, json.null)
assert(t2.b == json.null)
assert(getmetatable(json.decode("{}", 1, nil, false)) == nil)
local v, p, msg = json.decode("{bad")
assert(v == nil and p == 1 and type(msg) == "string")
assert(select("#", json.decode("")) == 3 and json.decode("") == nil)
assert(json.decode("  [1]  ")[1] == 1)
assert(json.decode('"\\u00e9"') == "\xc3\xa9")
assert(json.decode("12345678901234567890") > 1e19)
assert(json.decode("[1, 2]", 1)[2] == 2 and json.decode("x[3]", 2)[1] == 3)
local nums = json.decode("[0, -0, 1e2, 1E-2]")
assert(nums[3] == 100 and nums[4] == 0.01)
assert(json.quotestring('a"') == '"a\\""')
print("ok")
"##,
    ));
    assert_eq!(body, "ok");
}

#[test]
fn lua_utils_helpers() {
    let env = TestEnv::new();
    let body = env.ok(&lua(&format!(
        r#"{BOILERPLATE}
assert(isEmptyString(nil) and isEmptyString("") and isEmptyString(" ") and not isEmptyString("a"))
local p = split("a,b,,c", ",")
assert(#p == 4 and p[1] == "a" and p[3] == "" and p[4] == "c")
assert(#split("abc", ",") == 1 and split("abc", ",")[1] == "abc")
assert(string.split("abc", ",") == nil)
local q = string.split("ntopng.user.bob.pool", "%.")
assert(#q == 4 and q[3] == "bob")
assert(("a|b"):split("|")[2] == "b")
assert(string.starts("ntopng.prefs.x", "ntopng.") and not string.starts("x", "ntopng."))
assert(("file.lua"):ends(".lua") and not ("file.lua"):ends(".txt"))
assert(ternary(true, 1, 2) == 1 and ternary(false, 1, 2) == 2)
assert(toboolean("true") == true and toboolean("0") == false and toboolean("maybe") == nil)
assert(round(2.5) == 3 and round(2.345, 2) == 2.35 and math.type(round(7.2)) == "integer")
assert(formatValue(1234567) == "1,234,567" and formatValue(999) == "999" and formatValue(-1234) == "-1,234")
assert(formatValue(1234.5) == "1,234.50" and formatValue(nil) == "0")
assert(table.len({{ a = 1, b = 2, 3 }}) == 3 and table.len(nil) == 0)
local m = table.merge({{ a = 1, b = 1 }}, {{ b = 2, c = 3 }})
assert(m.a == 1 and m.b == 2 and m.c == 3)
local orig = {{ x = {{ y = 1 }} }}
local c = table.clone(orig)
c.x.y = 2
assert(orig.x.y == 1)
local keys = {{}}
for k, v in pairsByKeys({{ b = 2, a = 1, c = 3 }}) do keys[#keys + 1] = k end
assert(table.concat(keys) == "abc")
keys = {{}}
for k in pairsByKeys({{ b = 2, a = 1, c = 3 }}, rev) do keys[#keys + 1] = k end
assert(table.concat(keys) == "cba")
keys = {{}}
for k, v in pairsByValues({{ x = 3, y = 1, z = 2 }}, asc) do keys[#keys + 1] = k end
assert(table.concat(keys) == "yzx")
assert(tprint({{ a = 1, b = {{ c = 2 }} }}):find("c = 2", 1, true))
assert(getSystemInterfaceId() == "-1" and isNoLoginUser() == true)
print("ok")
"#
    )));
    assert_eq!(body, "ok");
}

/// Throughput of a typical REST script (the seed boilerplate, three modules, a JSON answer). Ignored: a
/// measurement, not a check (`cargo test -p ntopng-lua --release --test engine -- --ignored --nocapture`).
#[test]
#[ignore]
fn rest_script_throughput() {
    let env = TestEnv::with(|c| c.vms = 1);
    env.write_script(
        "lua/rest/v2/get/bench.lua",
        &format!("{BOILERPLATE}\nrest_utils.answer(rest_utils.consts.success.ok, {{ ifid = _GET.ifid, n = 1 }})"),
    );
    let n = 2000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        let r = env.pool.run_script("lua/rest/v2/get/bench.lua", Request::get("/x?ifid=0"));
        assert!(r.is_ok());
    }
    let per = start.elapsed() / n;
    eprintln!("REST boilerplate script: {per:?} per run ({n} runs, one VM)");
    for (name, src) in [
        ("empty script", ""),
        ("require dkjson", "local json = require 'dkjson'"),
        ("require rest_utils", "local r = require 'rest_utils'"),
        ("require lua_utils", "require 'lua_utils'"),
    ] {
        env.write_script("lua/b.lua", src);
        let start = std::time::Instant::now();
        for _ in 0..n {
            assert!(env.pool.run_script("lua/b.lua", Request::get("/x?ifid=0")).is_ok());
        }
        eprintln!("{name}: {:?} per run", start.elapsed() / n);
    }
    let r = env.run_lua(
        "local function t(f) local c = os.clock() for i = 1, 1000 do f() end return (os.clock() - c) * 1000 end\n\
         print(string.format('require dkjson %.1f us, rest_utils %.1f us, lua_utils %.1f us, getDirs %.2f us',\n\
           t(function() package.loaded.dkjson = nil; require 'dkjson' end),\n\
           t(function() package.loaded.rest_utils = nil; require 'rest_utils' end),\n\
           t(function() package.loaded.lua_utils = nil; require 'lua_utils' end),\n\
           t(function() ntop.getDirs() end)))",
    );
    eprintln!("in one run (modules cached): {}", r.body_str());
}
