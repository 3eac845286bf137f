//! The user, token, session and TOTP bindings over ntopng-auth.

mod common;

use std::sync::Arc;

use common::TestEnv;
use ntopng_auth::Users;
use ntopng_lua::{Request, Session};

fn env() -> (TestEnv, Arc<Users>) {
    let mut users = None;
    let env = TestEnv::with(|cfg| {
        let u = Arc::new(Users::open(cfg.store.clone()).unwrap());
        cfg.users = Some(u.clone());
        users = Some(u);
    });
    (env, users.unwrap())
}

fn as_user(env: &TestEnv, user: &str, group: &str, src: &str) -> String {
    let r = env.run_lua_req(src, Request::get("/lua/t.lua").with_session(Session::new(user, group)));
    if let Some(e) = &r.error {
        panic!("script failed: {}", e.message);
    }
    r.body_str()
}

#[test]
fn administrators_manage_users() {
    let (env, users) = env();
    let out = env.ok(r#"
        local ok = ntop.addUser("analyst", "Jane Analyst", "s3cr3t", "unprivileged", "192.168.1.0/24", "eth0",
                                nil, "it", false, true, true)
        local dup = ntop.addUser("analyst", "x", "y", "unprivileged", "", "")
        local bad = ntop.addUser("other", "x", "y", "superuser", "", "")
        local u = ntop.getUsers()
        print(tostring(ok), " ", tostring(dup), " ", tostring(bad), " ", u.analyst.full_name, " ", u.analyst.group, " ",
              u.analyst.allowed_nets, " ", u.analyst.allowed_ifname, " ", u.analyst.language, " ",
              tostring(u.analyst.allow_historical_flow), " ", tostring(u.analyst.allow_pcap_download), " ",
              u.admin.full_name)
    "#);
    assert_eq!(
        out,
        "true false false Jane Analyst unprivileged 192.168.1.0/24 eth0 it true false ntopng Administrator"
    );
    assert!(users.check_password("analyst", "s3cr3t").unwrap());
    let out = env.ok(r#"
        print(tostring(ntop.changeUserRole("analyst", "administrator")), " ",
              tostring(ntop.changeAllowedNets("analyst", "10.0.0.0/8")), " ",
              tostring(ntop.changeAllowedNets("analyst", "10.0.0.0/99")), " ",
              tostring(ntop.changeUserFullName("analyst", "J. A.")), " ",
              tostring(ntop.changePcapDownloadPermission("analyst", true)), " ",
              tostring(ntop.resetUserPassword("admin", "analyst", nil, "n3w")), " ",
              tostring(ntop.changeUserRole("ghost", "administrator")))
    "#);
    assert_eq!(out, "true true false true true true false");
    let a = users.get("analyst").unwrap().unwrap();
    assert_eq!(
        (a.group.as_str(), a.allowed_nets.as_str(), a.full_name.as_str()),
        ("administrator", "10.0.0.0/8", "J. A.")
    );
    assert!(a.allow_pcap_download);
    assert!(users.check_password("analyst", "n3w").unwrap());

    let token = env.ok(r#"print(ntop.createUserAPIToken("analyst"))"#);
    assert_eq!(token.len(), 32);
    assert_eq!(users.token_user(&token).unwrap().unwrap().name, "analyst");
    assert_eq!(env.ok(r#"print(ntop.getUserAPIToken("analyst"))"#), token);
    let sid = env.ok(r#"print(ntop.createUserSession("analyst", 60))"#);
    assert_eq!(users.session(&sid).unwrap().unwrap().user, "analyst");
    assert_eq!(
        env.ok(r#"print(tostring(ntop.deleteUser("analyst")), tostring(ntop.deleteUser("admin")))"#),
        "truefalse"
    );
    assert!(users.get("analyst").unwrap().is_none());
    assert!(users.session(&sid).unwrap().is_none());
}

#[test]
fn unprivileged_callers() {
    let (env, users) = env();
    users.add_user(&ntopng_auth::NewUser::new("bob", "pw", "unprivileged")).unwrap();
    let out = as_user(
        &env,
        "bob",
        "unprivileged",
        r#"
        local n = 0 for _ in pairs(ntop.getUsers()) do n = n + 1 end
        print(n, " ", tostring(ntop.addUser("eve", "", "x", "administrator", "", "")), " ",
              tostring(ntop.changeUserRole("bob", "administrator")), " ",
              tostring(ntop.resetUserPassword("bob", "admin", "admin", "pwned")), " ",
              tostring(ntop.resetUserPassword("bob", "bob", "wrong", "pw2")), " ",
              tostring(ntop.resetUserPassword("bob", "bob", "pw", "pw2")), " ",
              tostring(ntop.getUserAPIToken("admin")), " ",
              tostring(ntop.createUserSession("bob")), " ",
              tostring(ntop.isPcapDownloadAllowed()))
    "#,
    );
    assert_eq!(out, "1 false false false false true nil nil false"); // bob sees only himself
    assert!(users.check_password("admin", "admin").unwrap());
    assert!(users.check_password("bob", "pw2").unwrap());
    assert_eq!(users.get("bob").unwrap().unwrap().group, "unprivileged");
    let token = as_user(&env, "bob", "unprivileged", r#"print(ntop.createUserAPIToken("bob"))"#);
    assert_eq!(users.token_user(&token).unwrap().unwrap().name, "bob");
}

#[test]
fn totp_bindings() {
    let (env, _users) = env();
    let secret = env.ok(r#"
        local s = ntop.generateTOTPSecret()
        assert(ntop.setUserTOTPSecret("admin", s))
        assert(ntop.setUserTOTPEnabled("admin", true))
        assert(ntop.isTOTPEnabled("admin"))
        assert(ntop.getTOTPProvisioningUri("admin") == "otpauth://totp/ntopng:admin?secret=" .. s ..
               "&issuer=ntopng&algorithm=SHA1&digits=6&period=30")
        print(ntop.getUserTOTPSecret("admin"))
    "#);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let code = ntopng_auth::totp::code(&secret, now).unwrap();
    assert_eq!(env.ok(&format!(r#"print(tostring(ntop.validateTOTP("admin", "{code}")))"#)), "true");
    assert_eq!(env.ok(r#"print(tostring(ntop.validateTOTP("admin", "000000x")))"#), "false");
}

#[test]
fn without_a_user_database_the_bindings_raise() {
    let env = TestEnv::new();
    let r = env.run_lua("ntop.getUsers()");
    let e = r.error.expect("an error");
    assert!(e.message.contains("ntop.getUsers: no user database is configured"), "{}", e.message);
}
