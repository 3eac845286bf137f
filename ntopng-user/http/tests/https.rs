//! `-W`: HTTPS with a certificate generated at test time by the `openssl` CLI, checked with a rustls client that
//! trusts only that certificate. The repository's own REST scripts are served (install dir = the repo root).

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ntopng_auth::Users;
use ntopng_http::{start_on_both, HttpConfig, HttpHandle, LoginMode};
use ntopng_lua::{Dirs, LuaPool, PoolConfig};
use ntopng_store::KvStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use common::{exchange, Reply};

const CONSTS: &str = "/lua/rest/v2/get/l4/protocol/consts.lua";

/// Log lines of the whole test binary (tests run in parallel: each looks for its own temp paths).
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, r: &log::Record) {
        LOGGED.lock().unwrap().push(format!("{} {}", r.level(), r.args()));
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static LOGGER: Capture = Capture;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}

/// A self-signed P-256 certificate for `localhost` and 127.0.0.1: (certificate PEM, key PEM). `None` (with a
/// visible message) when the `openssl` CLI is missing.
fn self_signed(dir: &Path, name: &str) -> Option<(PathBuf, PathBuf)> {
    let (cert, key) = (dir.join(format!("{name}-cert.pem")), dir.join(format!("{name}-key.pem")));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
        .args(["-subj", "/CN=localhost", "-days", "1"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    match out {
        Ok(o) if o.status.success() => Some((cert, key)),
        Ok(o) => panic!("openssl req failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            eprintln!("SKIPPED: cannot run the openssl CLI ({e}); HTTPS tests need it to make a certificate");
            None
        }
    }
}

fn concat(parts: &[&Path], to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let text: String = parts.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    std::fs::write(to, text).unwrap();
}

struct Env {
    dir: tempfile::TempDir,
    data: PathBuf,
    httpdocs: PathBuf,
    lua: Arc<LuaPool>,
    users: Arc<Users>,
}

fn env() -> Env {
    capture_logs();
    let dir = tempfile::Builder::new().prefix("ntopng-https").tempdir().unwrap();
    let (data, httpdocs) = (dir.path().join("data"), dir.path().join("httpdocs"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&httpdocs).unwrap();
    std::fs::write(httpdocs.join("index.html"), "<html>static index</html>").unwrap();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let store: Arc<dyn KvStore> = Arc::from(ntopng_store::open(None, &data).unwrap());
    let users = Arc::new(Users::open(store.clone()).unwrap());
    let mut pc = PoolConfig::new(Dirs::new(&repo, &data), store);
    pc.vms = 2;
    let lua = Arc::new(LuaPool::new(pc).unwrap());
    Env { dir, data, httpdocs, lua, users }
}

impl Env {
    fn config(&self, http: &str, https: &str) -> HttpConfig {
        HttpConfig {
            http: Some(http.into()),
            https: Some(https.into()),
            data_dir: self.data.clone(),
            login: LoginMode::Enabled,
            httpdocs: self.httpdocs.clone(),
            lua: self.lua.clone(),
            users: self.users.clone(),
            version: "6.2.0-test".into(),
            threads: 2,
        }
    }

    /// Both servers on free loopback ports.
    fn start(&self) -> Result<HttpHandle, String> {
        let http = TcpListener::bind("127.0.0.1:0").unwrap();
        let https = TcpListener::bind("127.0.0.1:0").unwrap();
        start_on_both(Some(http), https, self.config("unused", "unused"))
    }
}

fn tls_client(trusted: &Path) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(trusted).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(cfg)
}

/// One request over TLS to `localhost:<port>`, verifying the server against `client`'s roots.
fn tls_send(
    client: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Reply, std::io::Error> {
    let conn = rustls::ClientConnection::new(client.clone(), ServerName::try_from("localhost").unwrap()).unwrap();
    let tcp = TcpStream::connect(addr)?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    // The handshake, so that a certificate the client refuses is an error here and not a parse failure.
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    Ok(exchange(tls, &format!("localhost:{}", addr.port()), method, target, headers, body))
}

fn http_get(addr: SocketAddr, target: &str, host: &str) -> Reply {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    exchange(s, host, "GET", target, &[], b"")
}

fn basic_admin() -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("admin:admin"))
}

/// The REST envelope of `consts.lua` with TCP = 6 and UDP = 17 (IANA protocol numbers).
fn assert_l4_consts(r: &Reply) {
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!((j["rc"].as_i64(), j["rc_str"].as_str()), (Some(0), Some("OK")), "{j}");
    let rsp = j["rsp"].as_array().expect("rsp is a list");
    let id = |name: &str| rsp.iter().find(|p| p["name"] == name).and_then(|p| p["id"].as_i64());
    assert_eq!((id("TCP"), id("UDP")), (Some(6), Some(17)), "{j}");
}

#[test]
fn rest_login_and_root_redirect_over_https() {
    let e = env();
    let Some((cert, key)) = self_signed(e.dir.path(), "gen") else { return };
    concat(&[&cert, &key], &e.data.join("ssl/ntopng-cert.pem"));
    let server = e.start().unwrap();
    let (http, https) = (server.http_addr().unwrap(), server.https_addr().expect("HTTPS is served"));
    let client = tls_client(&cert);

    let auth = basic_admin();
    assert_l4_consts(&tls_send(&client, https, "GET", CONSTS, &[("Authorization", &auth)], b"").unwrap());
    // A REST call without credentials gets the envelope over HTTPS too.
    let r = tls_send(&client, https, "GET", CONSTS, &[], b"").unwrap();
    assert_eq!((r.status, r.json()["rc_str"].as_str()), (401, Some("NOT_GRANTED")));

    // Form login over HTTPS: the cookie name carries both ports.
    let r = tls_send(
        &client,
        https,
        "POST",
        "/authorize.html",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"user=admin&password=admin&referer=%2Flua%2Frest%2Fv2%2Fget%2Fl4%2Fprotocol%2Fconsts.lua",
    )
    .unwrap();
    assert_eq!(r.status, 302, "{}", r.text());
    let (name, id) = r.cookie().expect("a session cookie");
    assert_eq!(name, format!("session_{}_{}", http.port(), https.port()));
    let cookie = format!("{name}={id}");
    assert_l4_consts(&tls_send(&client, https, "GET", CONSTS, &[("Cookie", &cookie)], b"").unwrap());

    // Plain HTTP: `/` goes to HTTPS on the same host name; other URIs are still served over HTTP.
    let r = http_get(http, "/", &format!("localhost:{}", http.port()));
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some(format!("https://localhost:{}/", https.port()).as_str()));
    let r = http_get(http, "/", &format!("[::1]:{}", http.port()));
    assert_eq!(r.header("location"), Some(format!("https://[::1]:{}/", https.port()).as_str()));
    let s = TcpStream::connect(http).unwrap();
    assert_l4_consts(&exchange(s, "localhost", "GET", CONSTS, &[("Authorization", &auth)], b""));
    // Over HTTPS `/` is the usual root (httpdocs' index here), not a loop.
    let r = tls_send(&client, https, "GET", "/", &[], b"").unwrap();
    assert_eq!((r.status, r.header("location")), (302, Some("/index.html")));
    server.stop();
}

#[test]
fn separate_key_file_in_httpdocs_ssl() {
    let e = env();
    let Some((cert, key)) = self_signed(e.dir.path(), "gen") else { return };
    let ssl = e.httpdocs.join("ssl");
    concat(&[&cert], &ssl.join("ntopng-cert.pem"));
    concat(&[&key], &ssl.join("ntopng-key.pem"));
    let server = e.start().unwrap();
    let https = server.https_addr().expect("HTTPS from <httpdocs>/ssl");
    let r = tls_send(&tls_client(&cert), https, "GET", CONSTS, &[("Authorization", &basic_admin())], b"");
    assert_l4_consts(&r.unwrap());
}

#[test]
fn data_dir_certificate_comes_first() {
    let e = env();
    let Some((cert_a, key_a)) = self_signed(e.dir.path(), "a") else { return };
    let (cert_b, key_b) = self_signed(e.dir.path(), "b").unwrap();
    concat(&[&cert_a, &key_a], &e.data.join("ssl/ntopng-cert.pem"));
    concat(&[&cert_b, &key_b], &e.httpdocs.join("ssl/ntopng-cert.pem"));
    let server = e.start().unwrap();
    let https = server.https_addr().unwrap();
    let auth = basic_admin();
    assert_l4_consts(&tls_send(&tls_client(&cert_a), https, "GET", CONSTS, &[("Authorization", &auth)], b"").unwrap());
    let refused = tls_send(&tls_client(&cert_b), https, "GET", CONSTS, &[], b"");
    let err = refused.err().expect("a client trusting only the httpdocs certificate refuses the server");
    assert!(err.to_string().to_lowercase().contains("certificate"), "{err}");
}

#[test]
fn missing_certificate_logs_and_serves_http_only() {
    let e = env();
    let server = e.start().unwrap();
    assert_eq!(server.https_addr(), None);
    let http = server.http_addr().unwrap();
    let data_cert = e.data.join("ssl/ntopng-cert.pem").display().to_string();
    let docs_cert = e.httpdocs.join("ssl/ntopng-cert.pem").display().to_string();
    let line = LOGGED.lock().unwrap().iter().find(|l| l.contains(&data_cert)).cloned();
    let line = line.expect("a log line naming the certificate paths");
    assert!(line.starts_with("ERROR") && line.contains(&docs_cert) && line.contains("NOT started"), "{line}");
    // HTTP works as before: `/` is the usual root, the cookie name says HTTPS is off.
    let r = http_get(http, "/", "localhost");
    assert_eq!((r.status, r.header("location")), (302, Some("/index.html")));
    let s = TcpStream::connect(http).unwrap();
    let r = exchange(
        s,
        "localhost",
        "POST",
        "/authorize.html",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"user=admin&password=admin&referer=%2F",
    );
    assert_eq!(r.cookie().unwrap().0, format!("session_{}_0", http.port()));
    server.stop();

    // With -w 0 there is then nothing to serve.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = ntopng_http::start(e.config("0", &format!("127.0.0.1:{port}"))).err().unwrap();
    assert!(err.contains("nothing to serve"), "{err}");
}

#[test]
fn unusable_certificates_are_startup_errors_naming_the_file() {
    let e = env();
    let Some((cert, key)) = self_signed(e.dir.path(), "gen") else { return };
    let (_, other_key) = self_signed(e.dir.path(), "other").unwrap();
    let target = e.data.join("ssl/ntopng-cert.pem");
    let shown = target.display().to_string();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let start = || ntopng_http::start(e.config("0", &format!("127.0.0.1:{port}"))).err().expect("an error");

    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, "not a certificate\n").unwrap();
    let err = start();
    assert!(err.contains(&shown) && err.contains("no certificate"), "{err}");

    concat(&[&cert], &target); // no key, none beside it
    let err = start();
    assert!(err.contains(&shown) && err.contains("ntopng-key.pem"), "{err}");

    concat(&[&cert, &other_key], &target); // a key of another certificate
    let err = start();
    assert!(err.contains(&shown) && err.contains("unusable"), "{err}");

    let mut broken = std::fs::read_to_string(&cert).unwrap();
    broken.insert_str(broken.find('\n').unwrap() + 1, "!!!!");
    std::fs::write(&target, broken + &std::fs::read_to_string(&key).unwrap()).unwrap();
    let err = start();
    assert!(err.contains(&shown), "{err}");
}
