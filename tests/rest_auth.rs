//! Authentication end to end, per method (rest_v2.md §2 and doc/http-and-auth.md): HTTP basic, API tokens,
//! cookie sessions from the login form (with CSRF on POSTs), login disabled; admin-only endpoints refusing
//! others with NOT_GRANTED; brute-force lockout; users, passwords and tokens surviving a restart on the
//! embedded store.

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use serde_json::json;
use support::{scratch_dir, shared_pcaps};

const IFACE_DATA: &str = "/lua/rest/v2/get/interface/data.lua?ifid=0";
const USERS: &str = "/lua/rest/v2/get/ntopng/users.lua";

fn rc_str(r: &daemon::Reply) -> String {
    r.json().map(|v| v["rc_str"].as_str().unwrap_or("").to_string()).unwrap_or_default()
}

/// `name=value` of the session cookie a login answer sets.
fn session_cookie(r: &daemon::Reply) -> String {
    let sc = r.header("set-cookie").unwrap_or_else(|| panic!("no Set-Cookie: {} {:?}", r.status, r.headers));
    sc.lines()
        .map(|c| c.split(';').next().unwrap().trim().to_string())
        .find(|c| c.starts_with("session") && !c.ends_with('='))
        .unwrap_or_else(|| panic!("no session cookie in {sc}"))
}

#[test]
fn each_auth_method_and_the_admin_only_endpoints() {
    let Some(pcaps) = shared_pcaps("REST auth") else { return };
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("rest-auth");
    let data = dir.join("data");
    let args = ["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24"];
    let mut d = Daemon::start(&args, &data);
    d.wait_capture_read();
    let admin = Auth::Basic("admin".into(), "admin".into());

    // No credentials: REST answers 401 NOT_GRANTED, pages redirect to the login page.
    let r = d.get(IFACE_DATA, &Auth::None);
    assert_eq!((r.status, rc_str(&r).as_str()), (401, "NOT_GRANTED"), "{}", r.body);
    let r = d.get("/lua/index.lua", &Auth::None);
    assert_eq!(r.status, 302);
    assert!(r.header("location").unwrap().contains("/lua/login.lua"), "{:?}", r.headers);

    // Basic.
    let (rsp, _) = d.rest_ok(IFACE_DATA, &admin);
    assert!(rsp["packets"].as_u64().unwrap() > 0);
    let r = d.get(IFACE_DATA, &Auth::Basic("admin".into(), "wrong".into()));
    assert_eq!(r.status, 401);

    // An unprivileged user, created by the admin through REST.
    let r = d.post_json(
        "/lua/rest/v2/add/ntopng/user.lua",
        &admin,
        &json!({"username": "viewer", "full_name": "Viewer", "password": "viewer-pw-1", "confirm_password": "viewer-pw-1",
                "user_role": "unprivileged", "allowed_networks": "0.0.0.0/0,::/0", "allowed_interface": ""}),
    );
    assert_eq!(r.status, 200, "add user: {}", r.body);
    let viewer = Auth::Basic("viewer".into(), "viewer-pw-1".into());
    d.rest_ok(IFACE_DATA, &viewer);
    let r = d.get(USERS, &viewer);
    assert_eq!((r.status, rc_str(&r).as_str()), (401, "NOT_GRANTED"), "{}", r.body);
    let (users, _) = d.rest_ok(USERS, &admin);
    assert_eq!(users["viewer"]["group"], "unprivileged", "{users}");
    assert_eq!(users["admin"]["group"], "administrator", "{users}");

    // Token.
    let r = d.post_json("/lua/rest/v2/create/ntopng/api_token.lua", &viewer, &json!({}));
    let token = r.json().unwrap()["rsp"]["api_token"].as_str().unwrap_or_else(|| panic!("{}", r.body)).to_string();
    d.rest_ok(IFACE_DATA, &Auth::Token(token.clone()));
    let r = d.get(USERS, &Auth::Token(token.clone()));
    assert_eq!(r.status, 401, "a token carries its user's role");
    let r = d.get(IFACE_DATA, &Auth::Token("0123456789abcdef0123456789abcdef".into()));
    assert_eq!(r.status, 401);

    // Cookie session from the login form; a GUI page by admin with the default password goes to the
    // password change.
    let r = d.post_form("/authorize.html", &Auth::None, "user=admin&password=admin&referer=/lua/index.lua");
    assert_eq!(r.status, 302, "{}", r.body);
    let cookie = session_cookie(&r);
    let sess = Auth::Cookie(cookie.clone(), String::new());
    d.rest_ok(IFACE_DATA, &sess);
    let r = d.get("/lua/index.lua", &sess);
    assert_eq!(r.status, 302);
    assert!(r.header("location").unwrap().contains("change_password"), "{:?}", r.headers);
    // A cookie-authenticated POST without the CSRF token reaches the script with an empty _POST.
    let r = d.post_json("/lua/rest/v2/set/host/alias.lua", &sess, &json!({"host": "192.168.1.93", "custom_name": "x"}));
    assert_ne!(r.json().map(|v| v["rc"].clone()), Some(json!(0)), "POST without CSRF must not act: {}", r.body);

    // Brute force: 5 failures from one address lock it out, even with the right password.
    for _ in 0..5 {
        let r = d.get(IFACE_DATA, &Auth::Basic("viewer".into(), "nope".into()));
        assert_eq!(r.status, 401);
    }
    let r = d.get(IFACE_DATA, &viewer);
    assert_eq!(r.status, 401, "locked out after 5 failures: {}", r.body);
    assert!(d.stop());

    // Users and tokens survive a restart on the same data dir (the lockout too: it has a TTL of 300 s, so
    // only the token is used here).
    let d = Daemon::start(&args, &data);
    d.wait_capture_read();
    d.rest_ok(IFACE_DATA, &Auth::Token(token));
}

#[test]
fn disabled_login_serves_everybody_as_an_administrator() {
    let Some(pcaps) = shared_pcaps("REST disable-login") else { return };
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("rest-nologin");
    let mut d = Daemon::start(&["-i", cap.to_str().unwrap(), "--disable-login=1"], &dir.join("data"));
    d.wait_capture_read();
    let (users, _) = d.rest_ok(USERS, &Auth::None);
    assert!(users.get("admin").is_some(), "{users}");
    // Credentials are ignored in this mode.
    d.rest_ok(IFACE_DATA, &Auth::Basic("nobody".into(), "x".into()));
    assert!(d.stop());

    // --disable-login=0: only 127.0.0.1 gets in without credentials (the tests connect from it).
    let dir = scratch_dir("rest-nologin-local");
    let mut d = Daemon::start(&["-i", cap.to_str().unwrap(), "--disable-login=0"], &dir.join("data"));
    d.wait_capture_read();
    d.rest_ok(USERS, &Auth::None);
    assert!(d.stop());
}
