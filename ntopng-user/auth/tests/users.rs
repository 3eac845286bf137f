//! ntopng-auth against both store backends: the embedded store in a temp dir and a private redis-server.

#[path = "../../store/tests/common/mod.rs"]
mod store_common;

use std::sync::Arc;
use std::time::Duration;

use ntopng_auth::{AuthError, NewUser, Permission, Users, ALL_NETWORKS};
use ntopng_store::{EmbeddedStore, KvStore, RedisStore, Ttl};
use store_common::RedisServer;

/// A store that can be reopened (embedded: same dir; Redis: new connection to the same server).
enum Backend {
    Embedded(tempfile::TempDir),
    Redis(RedisServer),
}

impl Backend {
    fn open(&self) -> Arc<dyn KvStore> {
        match self {
            Backend::Embedded(dir) => Arc::new(EmbeddedStore::open(dir.path().join("kv")).unwrap()),
            Backend::Redis(r) => Arc::new(RedisStore::connect(&r.spec(0)).unwrap()),
        }
    }
}

/// Runs `test` on an embedded store and, when redis-server is installed, on Redis.
fn on_both(name: &str, test: impl Fn(&Backend)) {
    test(&Backend::Embedded(tempfile::tempdir().unwrap()));
    if let Some(r) = RedisServer::start(name) {
        test(&Backend::Redis(r));
    }
}

#[test]
fn default_admin_on_first_start() {
    on_both("default_admin_on_first_start", |b| {
        let store = b.open();
        let users = Users::open(store.clone()).unwrap();
        let admin = users.get("admin").unwrap().unwrap();
        assert_eq!(admin.full_name, "ntopng Administrator");
        assert_eq!(admin.group, "administrator");
        assert_eq!(admin.allowed_nets, ALL_NETWORKS);
        assert_eq!(admin.language, "en");
        assert!(users.admin_has_default_password().unwrap());
        let stored = store.get("ntopng.user.admin.password").unwrap().unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert_eq!(store.get("ntopng.user.admin.group").unwrap().as_deref(), Some("administrator"));
        assert_eq!(store.get("ntopng.user.admin.allowed_nets").unwrap().as_deref(), Some("0.0.0.0/0,::/0"));
        assert!(users.check_password("admin", "admin").unwrap());
        assert!(!users.check_password("admin", "Admin").unwrap());
        assert_eq!(users.list().unwrap().iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["admin"]);
    });
}

#[test]
fn ntopng_md5_admin_is_accepted_and_upgraded() {
    on_both("ntopng_md5_admin", |b| {
        let store = b.open();
        // As an existing ntopng left it: MD5("admin") and a changed password for "ops" (MD5("ops-pw")).
        store.set("ntopng.user.admin.password", "21232f297a57a5a743894a0e4a801fc3", None).unwrap();
        store.set("ntopng.user.admin.group", "administrator", None).unwrap();
        store.set("ntopng.user.ops.password", &md5_of("ops-pw"), None).unwrap();
        store.set("ntopng.user.ops.group", "unprivileged", None).unwrap();
        let users = Users::open(store.clone()).unwrap();
        assert!(users.admin_has_default_password().unwrap(), "MD5(admin) is the default password");
        users.verify("10.0.0.1", "ops", "ops-pw").unwrap();
        assert!(store.get("ntopng.user.ops.password").unwrap().unwrap().starts_with("$argon2id$"));
        users.verify("10.0.0.1", "ops", "ops-pw").unwrap();
    });
}

fn md5_of(s: &str) -> String {
    // Independent of the crate's code path: the known digest of "ops-pw" computed by the md5 crate.
    format!("{:x}", md5::compute(s.as_bytes()))
}

#[test]
fn users_survive_a_restart() {
    on_both("users_survive_a_restart", |b| {
        let token;
        let session;
        {
            let store = b.open();
            let users = Users::open(store.clone()).unwrap();
            users
                .add_user(&NewUser {
                    full_name: "Jane Analyst".into(),
                    allowed_nets: "192.168.1.0/24".into(),
                    allowed_ifname: "eth0".into(),
                    language: "it".into(),
                    ..NewUser::new("jane", "s3cr3t", "unprivileged")
                })
                .unwrap();
            users.set_password("admin", true, "admin", None, "n3w-admin").unwrap();
            token = users.create_token("jane").unwrap();
            session = users.create_session("jane", None).unwrap();
            store.sync().unwrap();
        }
        let store = b.open();
        let users = Users::open(store.clone()).unwrap();
        let jane = users.get("jane").unwrap().unwrap();
        assert_eq!(
            (jane.full_name.as_str(), jane.group.as_str(), jane.allowed_nets.as_str(), jane.allowed_ifname.as_str()),
            ("Jane Analyst", "unprivileged", "192.168.1.0/24", "eth0")
        );
        assert_eq!(jane.language, "it");
        assert!(users.check_password("jane", "s3cr3t").unwrap());
        assert!(users.check_password("admin", "n3w-admin").unwrap());
        assert!(!users.admin_has_default_password().unwrap());
        assert_eq!(store.get("ntopng.prefs.admin_password_changed").unwrap().as_deref(), Some("1"));
        assert_eq!(users.token_user(&token).unwrap().unwrap().name, "jane");
        let s = users.session(&session.id).unwrap().unwrap();
        assert_eq!(
            (s.user.as_str(), s.group.as_str(), s.csrf.as_str()),
            ("jane", "unprivileged", session.csrf.as_str())
        );
        assert_eq!(users.list().unwrap().len(), 2);
    });
}

#[test]
fn user_management() {
    on_both("user_management", |b| {
        let store = b.open();
        let users = Users::open(store.clone()).unwrap();
        users.add_user(&NewUser::new("bob", "pw1", "unprivileged")).unwrap();
        assert!(matches!(users.add_user(&NewUser::new("bob", "x", "unprivileged")), Err(AuthError::UserExists(_))));
        assert!(matches!(
            users.add_user(&NewUser::new("b b", "x", "unprivileged")),
            Err(AuthError::InvalidUserName(_))
        ));
        assert!(matches!(users.add_user(&NewUser::new("carl", "x", "root")), Err(AuthError::InvalidGroup(_))));
        assert!(matches!(
            users.add_user(&NewUser::new("carl", "", "unprivileged")),
            Err(AuthError::InvalidPassword(_))
        ));
        let mut bad_nets = NewUser::new("carl", "x", "unprivileged");
        bad_nets.allowed_nets = "10.0.0.0/40".into();
        assert!(matches!(users.add_user(&bad_nets), Err(AuthError::InvalidNetworks(_))));
        assert!(!users.exists("carl").unwrap(), "a refused user leaves nothing behind");

        // Non-admins change only their own password, with the old one.
        assert!(matches!(
            users.set_password("bob", false, "bob", Some("nope"), "pw2"),
            Err(AuthError::WrongOldPassword)
        ));
        assert!(matches!(
            users.set_password("bob", false, "admin", Some("admin"), "pw2"),
            Err(AuthError::NotAllowed(_))
        ));
        users.set_password("bob", false, "bob", Some("pw1"), "pw2").unwrap();
        assert!(users.check_password("bob", "pw2").unwrap());
        users.set_password("admin", true, "bob", None, "pw3").unwrap();
        assert!(users.check_password("bob", "pw3").unwrap());
        assert!(users.admin_has_default_password().unwrap(), "bob's password does not concern admin");

        users.set_group("bob", "administrator").unwrap();
        users.set_allowed_nets("bob", "10.0.0.0/8, 2001:db8::/32").unwrap();
        users.set_allowed_ifname("bob", "eth1").unwrap();
        users.set_full_name("bob", "Bob B").unwrap();
        users.set_language("bob", "de").unwrap();
        users.set_permission("bob", Permission::PcapDownload, true).unwrap();
        let bob = users.get("bob").unwrap().unwrap();
        assert!(bob.is_administrator());
        assert_eq!(bob.allowed_nets, "10.0.0.0/8,2001:db8::/32");
        assert_eq!(
            (bob.allowed_ifname.as_str(), bob.full_name.as_str(), bob.language.as_str()),
            ("eth1", "Bob B", "de")
        );
        assert!(bob.allow_pcap_download && !bob.allow_alerts);
        assert!(matches!(users.set_group("nobody", "administrator"), Err(AuthError::NoSuchUser(_))));

        let token = users.create_token("bob").unwrap();
        let session = users.create_session("bob", None).unwrap();
        users.delete_user("bob").unwrap();
        assert!(users.get("bob").unwrap().is_none());
        assert!(users.token_user(&token).unwrap().is_none());
        assert!(users.session(&session.id).unwrap().is_none());
        assert_eq!(store.keys("ntopng.user.bob.*").unwrap(), Vec::<String>::new());
        assert!(store.hgetall("ntopng.api_tokens").unwrap().is_empty());
        assert!(matches!(users.delete_user("admin"), Err(AuthError::NotAllowed(_))));
    });
}

#[test]
fn tokens() {
    on_both("tokens", |b| {
        let store = b.open();
        let users = Users::open(store.clone()).unwrap();
        let t1 = users.create_token("admin").unwrap();
        assert_eq!(t1.len(), 32);
        assert!(t1.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(store.hget("ntopng.api_tokens", &t1).unwrap().as_deref(), Some("admin"));
        assert_eq!(store.get("ntopng.user.admin.api_token").unwrap().as_deref(), Some(t1.as_str()));
        let t2 = users.create_token("admin").unwrap();
        assert_ne!(t1, t2);
        assert!(users.token_user(&t1).unwrap().is_none(), "a new token replaces the old one");
        assert_eq!(users.token_user(&t2).unwrap().unwrap().name, "admin");
        assert_eq!(store.hkeys("ntopng.api_tokens").unwrap(), vec![t2.clone()]);
        assert_eq!(users.user_token("admin").unwrap(), Some(t2.clone()));
        assert!(users.revoke_token("admin").unwrap());
        assert!(users.token_user(&t2).unwrap().is_none());
        assert!(users.token_user("").unwrap().is_none());
        assert!(matches!(users.create_token("ghost"), Err(AuthError::NoSuchUser(_))));
    });
}

#[test]
fn sessions() {
    on_both("sessions", |b| {
        let store = b.open();
        let users = Users::open(store.clone()).unwrap();
        let s = users.create_session("admin", None).unwrap();
        assert_eq!((s.id.len(), s.csrf.len()), (32, 32));
        let raw = store.get(&format!("sessions.{}", s.id)).unwrap().unwrap();
        assert_eq!(raw, format!("admin|administrator|{}|1", s.csrf));
        match store.ttl(&format!("sessions.{}", s.id)).unwrap() {
            Ttl::Expires(d) => assert!(d > Duration::from_secs(43190) && d <= Duration::from_secs(43200), "{d:?}"),
            other => panic!("session without TTL: {other:?}"),
        }
        assert_eq!(users.session(&s.id).unwrap().unwrap(), s);
        for bogus in ["", "*", "nope", "sessions.x", &"a".repeat(100)] {
            assert!(users.session(bogus).unwrap().is_none(), "{bogus}");
        }
        let short = users.create_session("admin", Some(Duration::from_millis(300))).unwrap();
        assert!(users.session(&short.id).unwrap().is_some());
        std::thread::sleep(Duration::from_millis(450));
        assert!(users.session(&short.id).unwrap().is_none(), "expired");
        assert!(users.delete_session(&s.id).unwrap());
        assert!(users.session(&s.id).unwrap().is_none());
    });
}

#[test]
fn lockout_after_five_failures_per_address() {
    on_both("lockout", |b| {
        let store = b.open();
        let users = Users::open(store.clone()).unwrap();
        // A success clears the count.
        for _ in 0..4 {
            assert!(matches!(users.verify("192.0.2.1", "admin", "wrong"), Err(AuthError::BadCredentials)));
        }
        users.verify("192.0.2.1", "admin", "admin").unwrap();
        assert!(store.get("ntopng.cache.failed_logins.192.0.2.1").unwrap().is_none());
        for i in 0..5 {
            let who = if i % 2 == 0 { "admin" } else { "ghost" }; // unknown users count too
            assert!(matches!(users.verify("192.0.2.1", who, "wrong"), Err(AuthError::BadCredentials)));
        }
        assert_eq!(store.get("ntopng.cache.failed_logins.192.0.2.1").unwrap().as_deref(), Some("5"));
        match store.ttl("ntopng.cache.failed_logins.192.0.2.1").unwrap() {
            Ttl::Expires(d) => assert!(d <= Duration::from_secs(300) && d > Duration::from_secs(290), "{d:?}"),
            other => panic!("no TTL on the failure count: {other:?}"),
        }
        // Locked: even the right password is refused, from this address only.
        match users.verify("192.0.2.1", "admin", "admin") {
            Err(AuthError::LockedOut { retry_after }) => assert!(retry_after <= Duration::from_secs(300)),
            other => panic!("expected a lockout, got {other:?}"),
        }
        users.verify("192.0.2.2", "admin", "admin").unwrap();
        // Expiry of the window lifts it.
        store.expire("ntopng.cache.failed_logins.192.0.2.1", Duration::from_millis(50)).unwrap();
        std::thread::sleep(Duration::from_millis(120));
        users.verify("192.0.2.1", "admin", "admin").unwrap();
    });
}

#[test]
fn totp() {
    on_both("totp", |b| {
        let users = Users::open(b.open()).unwrap();
        let secret = ntopng_auth::totp::generate_secret();
        assert_eq!(secret.len(), 32);
        users.set_totp_secret("admin", &secret).unwrap();
        users.set_totp_enabled("admin", true).unwrap();
        assert!(users.totp_enabled("admin").unwrap());
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let code = ntopng_auth::totp::code(&secret, now).unwrap();
        assert!(users.validate_totp("admin", &code).unwrap());
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert!(!users.validate_totp("admin", &wrong).unwrap());
        assert!(users.set_totp_secret("admin", "not base32!").is_err());
    });
}
