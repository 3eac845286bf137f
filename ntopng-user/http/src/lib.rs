//! ntopng's web server: Lua pages and REST API v2 scripts run through the [`ntopng_lua::LuaPool`], static
//! files from httpdocs, and ntopng's authentication (rest_v2.md §2): disabled login, HTTP Basic,
//! `Authorization: Token`, session cookies with CSRF tokens, the per-address lockout and the forced change of
//! the default admin password. See `doc/http-and-auth.md` for the behaviour and where it deliberately
//! differs from ntopng (JSON errors instead of redirects to an error page). HTTP on `-w`, HTTPS on `-W` when
//! a certificate exists (see [`tls`]).

mod envelope;
mod listen;
mod pages;
mod routes;
mod tls;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};

pub use envelope::is_rest;
pub use listen::parse_listen;
pub use tls::{cert_paths, CERT_FILE, KEY_FILE};

/// ntopng's `--disable-login`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMode {
    /// Every request authenticates (the default).
    Enabled,
    /// `--disable-login=1`: every request runs as `nologin`, an administrator.
    DisabledAll,
    /// `--disable-login=0`: requests from 127.0.0.1 run as `nologin`; the others authenticate.
    DisabledLocalhost,
}

/// How the server is set up.
pub struct HttpConfig {
    /// `-w`: `3000`, `:3000` (loopback), `addr:port`, `0` = off. `None` = ntopng's default, `3000`.
    pub http: Option<String>,
    /// `-W`, same syntax; `None` or `0` = off. Served only when a certificate is found ([`cert_paths`]).
    pub https: Option<String>,
    /// `-d`: `<data dir>/ssl/ntopng-cert.pem` is the first place of the HTTPS certificate.
    pub data_dir: PathBuf,
    pub login: LoginMode,
    /// The document root for static files.
    pub httpdocs: PathBuf,
    pub lua: Arc<ntopng_lua::LuaPool>,
    pub users: Arc<ntopng_auth::Users>,
    /// Reported in the `Server` header (`ntopng <version>`).
    pub version: String,
    /// Server worker threads (ntopng: 5). Scripts run on a separate blocking pool.
    pub threads: usize,
}

/// A running server. Dropping it stops the server.
pub struct HttpHandle {
    http: Option<SocketAddr>,
    https: Option<SocketAddr>,
    server: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl HttpHandle {
    /// The HTTP address, or the HTTPS one when HTTP is off.
    pub fn local_addr(&self) -> SocketAddr {
        self.http.or(self.https).expect("a server listens on at least one address")
    }

    /// The HTTP address (`None` with `-w 0`).
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http
    }

    /// The HTTPS address (`None` without `-W` or without a certificate).
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https
    }

    /// Stops accepting connections, lets requests in progress finish, and waits for the server thread.
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        if let Some(t) = self.thread.take() {
            let server = self.server.clone();
            actix_web::rt::System::new().block_on(server.stop(true));
            let _ = t.join();
        }
    }
}

impl Drop for HttpHandle {
    fn drop(&mut self) {
        self.stop_inner();
    }
}

/// Starts the servers on the addresses of `cfg.http` and `cfg.https`. Errors (bad `-w`/`-W`, nothing to
/// serve, address in use, a certificate that cannot be used) are returned as messages meant for the user.
/// A missing certificate is not an error: it is logged and only HTTP is served, as in ntopng.
pub fn start(cfg: HttpConfig) -> Result<HttpHandle, String> {
    let http = parse_listen(cfg.http.as_deref().unwrap_or("3000")).map_err(|e| format!("-w: {e}"))?;
    let https = match cfg.https.as_deref() {
        Some(w) => parse_listen(w).map_err(|e| format!("-W: {e}"))?,
        None => None,
    };
    let tls = match https {
        Some(_) => tls_config(&cfg)?,
        None => None,
    };
    let https = https.filter(|_| tls.is_some());
    if http.is_none() && https.is_none() {
        return Err("the web server is disabled (-w 0) and HTTPS is not served: nothing to serve".into());
    }
    let bind =
        |a: SocketAddr, opt: &str| TcpListener::bind(a).map_err(|e| format!("cannot listen on {a} ({opt}): {e}"));
    let http = http.map(|a| bind(a, "-w")).transpose()?;
    let https = match (https, tls) {
        (Some(a), Some(t)) => Some((bind(a, "-W")?, t)),
        _ => None,
    };
    serve(http, https, cfg)
}

/// Starts an HTTP-only server on an already bound listener (tests bind `127.0.0.1:0`).
pub fn start_on(listener: TcpListener, cfg: HttpConfig) -> Result<HttpHandle, String> {
    serve(Some(listener), None, cfg)
}

/// Starts on already bound listeners: `https` is served when a certificate is found (else it is logged and
/// dropped, as [`start`] does). `cfg.http`/`cfg.https` are not used.
pub fn start_on_both(http: Option<TcpListener>, https: TcpListener, cfg: HttpConfig) -> Result<HttpHandle, String> {
    let https = tls_config(&cfg)?.map(|t| (https, t));
    if http.is_none() && https.is_none() {
        return Err("no HTTP listener and HTTPS is not served: nothing to serve".into());
    }
    serve(http, https, cfg)
}

/// The TLS configuration from the first certificate found; `None` (logged) when there is none.
fn tls_config(cfg: &HttpConfig) -> Result<Option<rustls::ServerConfig>, String> {
    let paths = cert_paths(&cfg.data_dir, &cfg.httpdocs);
    match tls::find_cert(&paths) {
        Some(cert) => {
            let c = tls::load(cert).map_err(|e| format!("-W: {e}"))?;
            log::info!(target: "ntopng::http", "HTTPS certificate: {}", cert.display());
            Ok(Some(c))
        }
        None => {
            log::error!(
                target: "ntopng::http",
                "-W: no HTTPS certificate found (looked for {} and {}): the HTTPS server is NOT started",
                paths[0].display(),
                paths[1].display()
            );
            Ok(None)
        }
    }
}

fn serve(
    http: Option<TcpListener>,
    https: Option<(TcpListener, rustls::ServerConfig)>,
    cfg: HttpConfig,
) -> Result<HttpHandle, String> {
    let http_addr = http.as_ref().map(|l| l.local_addr()).transpose().map_err(|e| e.to_string())?;
    let https_addr = https.as_ref().map(|(l, _)| l.local_addr()).transpose().map_err(|e| e.to_string())?;
    let port = |a: Option<SocketAddr>| a.map(|a| a.port()).unwrap_or(0);
    let state = web::Data::new(routes::State::new(&cfg, port(http_addr), port(https_addr)));
    let threads = cfg.threads.max(1);
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("ntopng-http".into())
        .spawn(move || {
            let sys = actix_web::rt::System::new();
            sys.block_on(async move {
                let build = || -> Result<actix_web::dev::Server, String> {
                    let mut server = HttpServer::new(move || {
                        App::new().app_data(state.clone()).default_service(web::to(routes::handle))
                    })
                    .workers(threads)
                    .disable_signals()
                    .shutdown_timeout(5);
                    if let (Some(l), Some(a)) = (http, http_addr) {
                        server = server.listen(l).map_err(|e| format!("cannot serve HTTP on {a}: {e}"))?;
                    }
                    if let (Some((l, tls)), Some(a)) = (https, https_addr) {
                        server =
                            server.listen_rustls_0_23(l, tls).map_err(|e| format!("cannot serve HTTPS on {a}: {e}"))?;
                    }
                    Ok(server.run())
                };
                match build() {
                    Ok(running) => {
                        let _ = tx.send(Ok(running.handle()));
                        if let Err(e) = running.await {
                            log::error!(target: "ntopng::http", "web server stopped with an error: {e}");
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            })
        })
        .map_err(|e| format!("cannot start the web server thread: {e}"))?;
    let server = rx.recv().map_err(|_| "the web server thread died at start".to_string())??;
    if let Some(a) = http_addr {
        log::info!(target: "ntopng::http", "web server listening on http://{a}");
    }
    if let Some(a) = https_addr {
        log::info!(target: "ntopng::http", "web server listening on https://{a}");
    }
    Ok(HttpHandle { http: http_addr, https: https_addr, server, thread: Some(thread) })
}
