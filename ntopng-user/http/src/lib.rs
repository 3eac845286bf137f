//! ntopng's web server: Lua pages and REST API v2 scripts run through the [`ntopng_lua::LuaPool`], static
//! files from httpdocs, and ntopng's authentication (rest_v2.md §2): disabled login, HTTP Basic,
//! `Authorization: Token`, session cookies with CSRF tokens, the per-address lockout and the forced change of
//! the default admin password. See `doc/http-and-auth.md` for the behaviour and where it deliberately
//! differs from ntopng (JSON errors instead of redirects to an error page).

mod envelope;
mod listen;
mod pages;
mod routes;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};

pub use envelope::is_rest;
pub use listen::parse_listen;

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
    /// `-W`. HTTPS is not supported by this build: a non-zero value is reported and ignored.
    pub https: Option<String>,
    /// Where ntopng looks for `ntopng-cert.pem` (`<httpdocs>/ssl`); kept for when HTTPS comes.
    pub cert_dir: PathBuf,
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
    addr: SocketAddr,
    server: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl HttpHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
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

/// Starts the server on the address of `cfg.http`. Errors (bad `-w`, both servers off, address in use)
/// are returned as messages meant for the user.
pub fn start(cfg: HttpConfig) -> Result<HttpHandle, String> {
    if let Some(w) = cfg.https.as_deref() {
        if parse_listen(w).map_err(|e| format!("-W: {e}"))?.is_some() {
            log::error!(
                target: "ntopng::http",
                "-W {w}: HTTPS is not supported by this build (no TLS stack); the HTTPS server is NOT started"
            );
        }
    }
    let addr = match parse_listen(cfg.http.as_deref().unwrap_or("3000")).map_err(|e| format!("-w: {e}"))? {
        Some(a) => a,
        None => return Err("the web server is disabled (-w 0) and HTTPS is not supported: nothing to serve".into()),
    };
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr} (-w): {e}"))?;
    start_on(listener, cfg)
}

/// Starts the server on an already bound listener (tests bind `127.0.0.1:0`).
pub fn start_on(listener: TcpListener, cfg: HttpConfig) -> Result<HttpHandle, String> {
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let https_port = cfg.https.as_deref().and_then(|w| parse_listen(w).ok().flatten()).map(|a| a.port()).unwrap_or(0);
    let state = web::Data::new(routes::State::new(&cfg, addr.port(), https_port));
    let threads = cfg.threads.max(1);
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("ntopng-http".into())
        .spawn(move || {
            let sys = actix_web::rt::System::new();
            sys.block_on(async move {
                let server = HttpServer::new(move || {
                    App::new().app_data(state.clone()).default_service(web::to(routes::handle))
                })
                .workers(threads)
                .disable_signals()
                .shutdown_timeout(5)
                .listen(listener);
                match server {
                    Ok(s) => {
                        let running = s.run();
                        let _ = tx.send(Ok(running.handle()));
                        if let Err(e) = running.await {
                            log::error!(target: "ntopng::http", "web server stopped with an error: {e}");
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(format!("cannot serve on {addr}: {e}")));
                    }
                }
            })
        })
        .map_err(|e| format!("cannot start the web server thread: {e}"))?;
    let server = rx.recv().map_err(|_| "the web server thread died at start".to_string())??;
    log::info!(target: "ntopng::http", "web server listening on http://{addr}");
    Ok(HttpHandle { addr, server, thread: Some(thread) })
}
