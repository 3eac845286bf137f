//! The web server over real loopback HTTP: a temp install dir with test scripts, a real pool, users on the
//! embedded store, and a tiny HTTP/1.1 client.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use ntopng_auth::Users;
use ntopng_http::{start_on, HttpConfig, HttpHandle, LoginMode};
use ntopng_lua::{Dirs, LuaPool, PoolConfig};
use ntopng_store::KvStore;

use common::{exchange, parse, Reply};

/// One request over plain TCP.
fn send(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    exchange(s, &addr.to_string(), method, target, headers, body)
}

fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    send(addr, "GET", target, headers, b"")
}

fn basic(user: &str, pw: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}")))
}

struct Env {
    _dir: tempfile::TempDir,
    users: Arc<Users>,
    store: Arc<dyn KvStore>,
    server: Option<HttpHandle>,
    addr: SocketAddr,
}

const ECHO: &str = r#"
require "lua_utils"
local json = require "dkjson"
local out = { method = _SERVER.REQUEST_METHOD, uri = _SERVER.URI, user = _SESSION.user, group = _SESSION.group,
  invalid_csrf = _SESSION.INVALID_CSRF or "", remote = _SERVER.REMOTE_ADDR, host = _SERVER.HTTP_HOST,
  agent = _SERVER["User-Agent"] or "", admin = ntop.isAdministrator(), get = _GET, post = _POST,
  session = _SESSION.session, allowed_nets = _SESSION.allowed_nets, cookie = _COOKIE["flavour"] or "" }
if _POST.payload then out.payload = _POST.payload end
sendHTTPContentTypeHeader("application/json")
print(json.encode(out))
"#;

fn scripts() -> Vec<(&'static str, &'static str)> {
    vec![
        ("lua/echo.lua", ECHO),
        ("lua/rest/v2/get/test/echo.lua", ECHO),
        ("lua/rest/v2/set/test/echo.lua", ECHO),
        ("lua/index.lua", "require 'lua_utils' sendHTTPContentTypeHeader('text/html') print('<p>dashboard</p>')"),
        ("lua/boom.lua", "local x = nil\nreturn x.field"),
        ("lua/rest/v2/get/test/boom.lua", "error('secret internal detail')"),
        ("lua/spin.lua", "while true do end"),
        ("lua/status.lua", "require 'lua_utils' sendHTTPHeader('text/plain', nil, nil, 409) print('conflict')"),
        ("lua/slow.lua", "require 'lua_utils' ntop.msleep(200) sendHTTPContentTypeHeader('text/plain') print(_GET.n)"),
    ]
}

fn env(login: LoginMode) -> Env {
    let _ = env_logger::builder().is_test(true).try_init();
    let dir = tempfile::Builder::new().prefix("ntopng-http").tempdir().unwrap();
    let install = dir.path().join("install");
    let data = dir.path().join("data");
    for d in ["scripts/lua/modules", "scripts/callbacks", "httpdocs/css", "httpdocs/ssl"] {
        std::fs::create_dir_all(install.join(d)).unwrap();
    }
    std::fs::create_dir_all(&data).unwrap();
    let modules = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/lua/modules");
    for e in std::fs::read_dir(&modules).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), install.join("scripts/lua/modules").join(e.file_name())).unwrap();
        }
    }
    for (rel, src) in scripts() {
        let p = install.join("scripts").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, src).unwrap();
    }
    std::fs::write(install.join("httpdocs/css/site.css"), "body { color: red }").unwrap();
    std::fs::write(install.join("httpdocs/index.html"), "<html>static index</html>").unwrap();
    std::fs::write(install.join("httpdocs/ssl/ntopng-cert.pem"), "KEY").unwrap();
    std::fs::write(dir.path().join("outside.txt"), "secret").unwrap();

    let store: Arc<dyn KvStore> = Arc::from(ntopng_store::open(None, &data).unwrap());
    let users = Arc::new(Users::open(store.clone()).unwrap());
    let mut pc = PoolConfig::new(Dirs::new(&install, &data), store.clone());
    pc.vms = 3;
    pc.time_budget = Duration::from_secs(2);
    let lua = Arc::new(LuaPool::new(pc).unwrap());
    let cfg = HttpConfig {
        http: Some("127.0.0.1:0".into()),
        https: None,
        data_dir: data.clone(),
        login,
        httpdocs: install.join("httpdocs"),
        lua,
        users: users.clone(),
        version: "6.2.0-test".into(),
        threads: 2,
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = start_on(listener, cfg).unwrap();
    let addr = server.local_addr();
    Env { _dir: dir, users, store, server: Some(server), addr }
}

impl Env {
    fn cookie_name(&self) -> String {
        format!("session_{}_0", self.addr.port())
    }

    /// Logs in through the form; returns (cookie header, csrf).
    fn login(&self, user: &str, pw: &str) -> (String, String) {
        let r = send(
            self.addr,
            "POST",
            "/authorize.html",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            format!("user={user}&password={pw}&referer=%2Flua%2Fecho.lua").as_bytes(),
        );
        assert_eq!(r.status, 302, "{}", r.text());
        assert_eq!(r.header("location"), Some("/lua/echo.lua"));
        let set = r.header("set-cookie").unwrap().to_string();
        assert!(set.contains("HttpOnly") && set.contains("path=/") && set.contains("max-age=43200"), "{set}");
        let (name, id) = r.cookie().unwrap();
        assert_eq!(name, self.cookie_name());
        let s = self.users.session(&id).unwrap().expect("the cookie names a stored session");
        (format!("{name}={id}"), s.csrf)
    }

    fn change_admin_password(&self) {
        self.users.set_password("admin", true, "admin", None, "Adm1n-pw").unwrap();
    }
}

#[test]
fn basic_and_token_auth_run_scripts_with_the_request_globals() {
    let e = env(LoginMode::Enabled);
    let auth = basic("admin", "admin");
    // Forced change does not apply to REST calls.
    let r = get(
        e.addr,
        "/lua/rest/v2/get/test/echo.lua?ifid=0&csrf=x&name=a%20b",
        &[("Authorization", &auth), ("User-Agent", "t/1")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["user"], "admin");
    assert_eq!(j["group"], "administrator");
    assert_eq!(j["admin"], true);
    assert_eq!(j["method"], "GET");
    assert_eq!(j["uri"], "/lua/rest/v2/get/test/echo.lua");
    assert_eq!(j["get"]["ifid"], "0");
    assert_eq!(j["get"]["name"], "a b");
    assert!(j["get"].get("csrf").is_none(), "csrf keys are dropped from _GET");
    assert_eq!(j["remote"], "127.0.0.1");
    assert_eq!(j["host"], format!("http://{}", e.addr));
    assert_eq!(j["agent"], "t/1");
    assert_eq!(j["allowed_nets"], "0.0.0.0/0,::/0");
    // ntopng's headers.
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(r.header("server"), Some("ntopng 6.2.0-test"));
    assert_eq!(r.header("cache-control"), Some("max-age=0, no-cache, no-store"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("access-control-allow-methods"), Some("GET, POST, HEAD"));

    // Token.
    e.users.add_user(&ntopng_auth::NewUser::new("viewer", "v-pw", "unprivileged")).unwrap();
    let token = e.users.create_token("viewer").unwrap();
    let r = get(e.addr, "/lua/echo.lua", &[("Authorization", &format!("Token {token}"))]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["user"], "viewer");
    assert_eq!(r.json()["admin"], false);
    assert!(r.header("access-control-allow-origin").is_none(), "CORS headers only under /lua/rest/");
    // Token POST with JSON needs no CSRF.
    let r = send(
        e.addr,
        "POST",
        "/lua/rest/v2/set/test/echo.lua",
        &[("Authorization", &format!("Token {token}")), ("Content-Type", "application/json")],
        br#"{"ifid": 2, "flag": true, "name": "x"}"#,
    );
    let j = r.json();
    assert_eq!(
        (j["get"]["ifid"].as_str(), j["post"]["flag"].as_str(), j["post"]["name"].as_str()),
        (Some("2"), Some("true"), Some("x"))
    );
    assert_eq!(j["payload"], r#"{"ifid": 2, "flag": true, "name": "x"}"#);
    assert_eq!(j["invalid_csrf"], "");
    // Revoked or unknown token.
    e.users.revoke_token("viewer").unwrap();
    let r = get(e.addr, "/lua/rest/v2/get/test/echo.lua", &[("Authorization", &format!("Token {token}"))]);
    assert_eq!(r.status, 401);
}

#[test]
fn unauthenticated_requests() {
    let e = env(LoginMode::Enabled);
    let r = get(e.addr, "/lua/rest/v2/get/test/echo.lua?ifid=0", &[]);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        serde_json::json!({"rc": -3, "rc_str": "NOT_GRANTED", "rc_str_hr": "Not authorized", "rsp": []})
    );
    let r = get(e.addr, "/lua/echo.lua?a=1", &[]);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/lua/login.lua?referer=/lua/echo.lua%3Fa%3D1"));
    let r = get(e.addr, "/lua/echo.lua", &[("Authorization", &basic("admin", "wrong"))]);
    assert_eq!(r.status, 302);
    let r = get(e.addr, "/lua/echo.lua", &[("Cookie", &format!("{}=0123456789abcdef", e.cookie_name()))]);
    assert_eq!(r.status, 302, "unknown session");
    // The login page needs no login.
    let r = get(e.addr, "/lua/login.lua?referer=/lua/echo.lua", &[]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("action=\"/authorize.html\"") && r.text().contains("value=\"/lua/echo.lua\""));
    // Static files need none either.
    let r = get(e.addr, "/css/site.css", &[]);
    assert_eq!((r.status, r.text().as_str()), (200, "body { color: red }"));
    assert_eq!(r.header("content-type"), Some("text/css; charset=utf-8"));
}

#[test]
fn cookie_sessions_with_csrf() {
    let e = env(LoginMode::Enabled);
    e.change_admin_password();
    let (cookie, csrf) = e.login("admin", "Adm1n-pw");
    let r = get(e.addr, "/lua/echo.lua", &[("Cookie", &format!("flavour=vanilla; {cookie}"))]);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["user"], "admin");
    assert_eq!(j["cookie"], "vanilla");
    assert_eq!(j["session"], cookie.split('=').nth(1).unwrap());
    let form = [("Cookie", cookie.as_str()), ("Content-Type", "application/x-www-form-urlencoded")];
    // Form POST with the right CSRF token: _POST filled.
    let r = send(e.addr, "POST", "/lua/echo.lua", &form, format!("a=1&csrf={csrf}").as_bytes());
    let j = r.json();
    assert_eq!((j["post"]["a"].as_str(), j["invalid_csrf"].as_str()), (Some("1"), Some("")));
    // Wrong or missing token: the script runs with an empty _POST and INVALID_CSRF.
    for body in ["a=1&csrf=nope", "a=1"] {
        let j = send(e.addr, "POST", "/lua/echo.lua", &form, body.as_bytes()).json();
        assert_eq!(j["post"], serde_json::json!([]), "{body}");
        assert_eq!(j["invalid_csrf"], "true");
    }
    // JSON: /lua/rest/.../get/... needs no token, other URIs need "csrf" in the JSON.
    let json = [("Cookie", cookie.as_str()), ("Content-Type", "application/json")];
    let j = send(e.addr, "POST", "/lua/rest/v2/get/test/echo.lua", &json, br#"{"ifid":1}"#).json();
    assert_eq!((j["get"]["ifid"].as_str(), j["invalid_csrf"].as_str()), (Some("1"), Some("")));
    let j = send(e.addr, "POST", "/lua/rest/v2/set/test/echo.lua", &json, br#"{"ifid":1}"#).json();
    assert_eq!(j["invalid_csrf"], "true");
    assert_eq!(j["post"], serde_json::json!([]));
    let body = format!(r#"{{"ifid":1,"csrf":"{csrf}"}}"#);
    let j = send(e.addr, "POST", "/lua/rest/v2/set/test/echo.lua", &json, body.as_bytes()).json();
    assert_eq!((j["post"]["ifid"].as_str(), j["invalid_csrf"].as_str()), (Some("1"), Some("")));
    // For REST URIs a cookie named plain `session` is accepted too.
    let sid = cookie.split('=').nth(1).unwrap();
    let r = get(e.addr, "/lua/rest/v2/get/test/echo.lua", &[("Cookie", &format!("session={sid}"))]);
    assert_eq!(r.status, 200);
    assert_eq!(get(e.addr, "/lua/echo.lua", &[("Cookie", &format!("session={sid}"))]).status, 302);
    // Logout ends the session.
    let r = get(e.addr, "/lua/logout.lua", &[("Cookie", &cookie)]);
    assert_eq!((r.status, r.header("location")), (302, Some("/lua/login.lua")));
    assert!(r.header("set-cookie").unwrap().contains("max-age=0"));
    assert!(e.users.session(sid).unwrap().is_none());
    assert_eq!(get(e.addr, "/lua/echo.lua", &[("Cookie", &cookie)]).status, 302);
}

#[test]
fn disabled_login_modes() {
    let e = env(LoginMode::DisabledAll);
    let r = get(e.addr, "/lua/echo.lua", &[("Authorization", &basic("admin", "wrong"))]);
    assert_eq!(r.status, 200, "credentials are ignored");
    let j = r.json();
    assert_eq!((j["user"].as_str(), j["admin"].as_bool()), (Some("nologin"), Some(true)));
    // POSTs need no CSRF.
    let j =
        send(e.addr, "POST", "/lua/echo.lua", &[("Content-Type", "application/x-www-form-urlencoded")], b"x=1").json();
    assert_eq!(j["post"]["x"], "1");
    drop(e);

    // --disable-login=0: only 127.0.0.1 is exempt; a client on another loopback address must log in.
    let e = env(LoginMode::DisabledLocalhost);
    assert_eq!(get(e.addr, "/lua/echo.lua", &[]).json()["user"], "nologin");
    let mut s = socket2_connect_from_127_0_0_2(e.addr);
    s.write_all(b"GET /lua/rest/v2/get/test/echo.lua HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    assert_eq!(parse(&raw).status, 401, "127.0.0.2 is not 127.0.0.1");
}

/// A TCP connection whose source address is 127.0.0.2, through the libc socket API.
fn socket2_connect_from_127_0_0_2(to: SocketAddr) -> TcpStream {
    use std::os::fd::FromRawFd;
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0);
        let mut a: libc::sockaddr_in = std::mem::zeroed();
        a.sin_family = libc::AF_INET as u16;
        a.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 2]);
        assert_eq!(libc::bind(fd, &a as *const _ as *const libc::sockaddr, std::mem::size_of_val(&a) as u32), 0);
        let mut b: libc::sockaddr_in = std::mem::zeroed();
        b.sin_family = libc::AF_INET as u16;
        b.sin_port = to.port().to_be();
        b.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        assert_eq!(libc::connect(fd, &b as *const _ as *const libc::sockaddr, std::mem::size_of_val(&b) as u32), 0);
        TcpStream::from_raw_fd(fd)
    }
}

#[test]
fn lockout_after_five_failures() {
    let e = env(LoginMode::Enabled);
    let bad = basic("admin", "nope");
    for _ in 0..5 {
        assert_eq!(get(e.addr, "/lua/rest/v2/get/test/echo.lua", &[("Authorization", &bad)]).status, 401);
    }
    // Now even the right password is refused from this address.
    let r = get(e.addr, "/lua/rest/v2/get/test/echo.lua", &[("Authorization", &basic("admin", "admin"))]);
    assert_eq!(r.status, 401);
    assert!(r.header("retry-after").is_some());
    assert_eq!(r.json()["rc_str"], "NOT_GRANTED");
    // The login form is refused too.
    let r = send(
        e.addr,
        "POST",
        "/authorize.html",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"user=admin&password=admin",
    );
    assert_eq!(r.status, 302);
    assert!(r.header("location").unwrap().contains("reason=locked"));
    assert!(r.header("set-cookie").is_none());
    // Until the window expires.
    e.store.expire("ntopng.cache.failed_logins.127.0.0.1", Duration::from_millis(10)).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let r = get(e.addr, "/lua/rest/v2/get/test/echo.lua", &[("Authorization", &basic("admin", "admin"))]);
    assert_eq!(r.status, 200);
}

#[test]
fn forced_password_change_for_gui_pages() {
    let e = env(LoginMode::Enabled);
    let (cookie, csrf) = e.login("admin", "admin");
    let r = get(e.addr, "/lua/echo.lua", &[("Cookie", &cookie)]);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/lua/change_password.lua?referer=/lua/echo.lua"));
    // REST is served.
    assert_eq!(get(e.addr, "/lua/rest/v2/get/test/echo.lua", &[("Cookie", &cookie)]).status, 200);
    let r = get(e.addr, "/lua/change_password.lua?referer=/lua/echo.lua", &[("Cookie", &cookie)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains(&csrf));
    let form = [("Cookie", cookie.as_str()), ("Content-Type", "application/x-www-form-urlencoded")];
    let bad = format!("csrf={csrf}&old_password=wrong&new_password=n3w&confirm_password=n3w&referer=/lua/echo.lua");
    assert_eq!(send(e.addr, "POST", "/lua/change_password.lua", &form, bad.as_bytes()).status, 400);
    let no_csrf = "old_password=admin&new_password=n3w&confirm_password=n3w";
    assert_eq!(send(e.addr, "POST", "/lua/change_password.lua", &form, no_csrf.as_bytes()).status, 403);
    let ok = format!("csrf={csrf}&old_password=admin&new_password=n3w&confirm_password=n3w&referer=/lua/echo.lua");
    let r = send(e.addr, "POST", "/lua/change_password.lua", &form, ok.as_bytes());
    assert_eq!((r.status, r.header("location")), (302, Some("/lua/echo.lua")), "{}", r.text());
    assert!(!e.users.admin_has_default_password().unwrap());
    assert_eq!(e.store.get("ntopng.prefs.admin_password_changed").unwrap().as_deref(), Some("1"));
    assert_eq!(get(e.addr, "/lua/echo.lua", &[("Cookie", &cookie)]).status, 200);
    assert_eq!(get(e.addr, "/lua/echo.lua", &[("Authorization", &basic("admin", "n3w"))]).status, 200);
}

#[test]
fn error_envelopes_and_a_failing_script_does_not_take_the_server_down() {
    let e = env(LoginMode::DisabledAll);
    let r = get(e.addr, "/lua/rest/v2/get/nothing/here.lua", &[]);
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), serde_json::json!({"rc": -1, "rc_str": "NOT_FOUND", "rc_str_hr": "Not found", "rsp": []}));
    for uri in ["/lua/boom.lua", "/lua/rest/v2/get/test/boom.lua", "/lua/spin.lua"] {
        let r = get(e.addr, uri, &[]);
        assert_eq!(r.status, 500, "{uri}");
        assert_eq!(r.json()["rc_str"], "INTERNAL_ERROR");
        assert!(!r.text().contains("secret internal detail"), "the error is logged, not sent");
    }
    for uri in ["/lua//echo.lua", "/lua/x/../echo.lua", "/lua/%2e%2e/echo.lua", "/lua/echo.lua?a=1&&b=2"] {
        let r = get(e.addr, uri, &[]);
        assert_eq!(r.status, 400, "{uri}");
        assert_eq!(r.json()["rc_str"], "BAD_FORMAT");
    }
    // Status set by the script.
    let r = get(e.addr, "/lua/status.lua", &[]);
    assert_eq!((r.status, r.text().as_str()), (409, "conflict"));
    // Still serving.
    assert_eq!(get(e.addr, "/lua/echo.lua", &[]).status, 200);
    // Static: no listing, nothing outside httpdocs, no .pem.
    assert_eq!(get(e.addr, "/css/", &[]).status, 404);
    assert_eq!(get(e.addr, "/ssl/ntopng-cert.pem", &[]).status, 404);
    assert_eq!(get(e.addr, "/%2e%2e/outside.txt", &[]).status, 400);
    // `/` goes to the dashboard script.
    let r = get(e.addr, "/", &[]);
    assert_eq!((r.status, r.header("location")), (302, Some("/lua/index.lua")));
    // Body limit.
    let big = vec![b'a'; 600 * 1024];
    let r = send(e.addr, "POST", "/lua/echo.lua", &[("Content-Type", "application/x-www-form-urlencoded")], &big);
    assert_eq!(r.status, 413);
    let ok = vec![b'a'; 500 * 1024];
    let r = send(e.addr, "POST", "/lua/echo.lua", &[("Content-Type", "application/x-www-form-urlencoded")], &ok);
    assert_eq!(r.status, 200);
}

#[test]
fn cors_preflight() {
    let e = env(LoginMode::Enabled);
    let r = send(
        e.addr,
        "OPTIONS",
        "/lua/rest/v2/get/test/echo.lua",
        &[
            ("Origin", "http://ui.example"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "Authorization"),
        ],
        b"",
    );
    assert_eq!(r.status, 200, "answered before authentication");
    assert_eq!(r.header("access-control-allow-origin"), Some("http://ui.example"));
    assert_eq!(r.header("access-control-allow-headers"), Some("Authorization"));
    assert_eq!(r.header("access-control-max-age"), Some("3600"));
    assert!(r.header("access-control-allow-methods").unwrap().contains("GET"));
}

#[test]
fn concurrent_requests() {
    let e = env(LoginMode::DisabledAll);
    let addr = e.addr;
    let started = std::time::Instant::now();
    let handles: Vec<_> =
        (0..6).map(|i| std::thread::spawn(move || get(addr, &format!("/lua/slow.lua?n={i}"), &[]))).collect();
    let bodies: Vec<String> = handles.into_iter().map(|h| h.join().unwrap().text()).collect();
    assert_eq!(bodies, (0..6).map(|i| i.to_string()).collect::<Vec<_>>());
    // 6 runs of 200 ms on 3 VMs: about 400 ms, far less than the 1.2 s of serial execution.
    assert!(started.elapsed() < Duration::from_millis(1100), "{:?}", started.elapsed());
}

#[test]
fn stop_releases_the_port() {
    let mut e = env(LoginMode::DisabledAll);
    let addr = e.addr;
    e.server.take().unwrap().stop();
    TcpListener::bind(addr).expect("the port is free after stop");
}

#[test]
fn listen_errors_are_clear() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("scripts")).unwrap();
    let store: Arc<dyn KvStore> = Arc::from(ntopng_store::open(None, dir.path()).unwrap());
    let users = Arc::new(Users::open(store.clone()).unwrap());
    let lua = Arc::new(LuaPool::new(PoolConfig::new(Dirs::new(dir.path(), dir.path()), store)).unwrap());
    let cfg = |w: &str| HttpConfig {
        http: Some(w.into()),
        https: None,
        data_dir: dir.path().into(),
        login: LoginMode::Enabled,
        httpdocs: dir.path().into(),
        lua: lua.clone(),
        users: users.clone(),
        version: "t".into(),
        threads: 1,
    };
    let err = ntopng_http::start(cfg(&format!("127.0.0.1:{port}"))).err().unwrap();
    assert!(err.contains(&format!("127.0.0.1:{port}")) && err.contains("-w"), "{err}");
    let err = ntopng_http::start(cfg("0")).err().unwrap();
    assert!(err.contains("disabled"), "{err}");
    let err = ntopng_http::start(cfg("abc")).err().unwrap();
    assert!(err.contains("invalid"), "{err}");
}
