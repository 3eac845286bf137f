//! One handler for every request: URI checks, CORS preflight, the built-in login/logout/password pages,
//! authentication, then a Lua script or a static file.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{self, HeaderMap};
use actix_web::{web, HttpRequest, HttpResponse};
use ntopng_auth::{AuthError, UserInfo, Users, NOLOGIN_USER};
use ntopng_lua::{parse_query, url_decode, ErrorKind, LuaPool, Request, Session};

use crate::envelope::{self, answer, dynamic, is_rest};
use crate::pages;
use crate::{HttpConfig, LoginMode};

/// POST bodies above this are refused (ntopng's `HTTP_MAX_POST_DATA_LEN`, 512 KiB).
pub const MAX_POST_BYTES: usize = 512 * 1024;
/// The CSRF token of requests that have no session (Basic, Token, nologin).
const NO_SESSION_CSRF: &str = "CSRF_TOKEN_NO_SESSION";

pub struct State {
    lua: Arc<LuaPool>,
    users: Arc<Users>,
    login: LoginMode,
    httpdocs: PathBuf,
    httpdocs_canon: Option<PathBuf>,
    scriptdir: PathBuf,
    version: String,
    /// `session_<http port>_<https port>`.
    cookie: String,
    /// The port HTTPS is served on, 0 when it is not: plain-HTTP requests to `/` are sent there.
    https_port: u16,
}

impl State {
    pub fn new(cfg: &HttpConfig, http_port: u16, https_port: u16) -> State {
        State {
            lua: cfg.lua.clone(),
            users: cfg.users.clone(),
            login: cfg.login,
            httpdocs: cfg.httpdocs.clone(),
            httpdocs_canon: cfg.httpdocs.canonicalize().ok(),
            scriptdir: cfg.lua.dirs().scriptdir.clone(),
            version: cfg.version.clone(),
            cookie: format!("session_{http_port}_{https_port}"),
            https_port,
        }
    }
}

/// How a request was authenticated.
#[derive(Debug, Clone)]
enum Via {
    NoLogin,
    Basic,
    Token,
    Session(ntopng_auth::Session),
}

struct Authed {
    user: String,
    group: String,
    info: Option<UserInfo>,
    via: Via,
}

enum Denied {
    /// No credentials, or a session that does not exist (any more).
    Missing,
    /// Wrong Basic credentials or unknown token.
    Bad,
    LockedOut(Duration),
    Store(String),
}

pub async fn handle(req: HttpRequest, payload: web::Payload, st: web::Data<State>) -> HttpResponse {
    let path = req.path().to_string();
    let raw_uri = req.uri().to_string();
    if bad_uri(&raw_uri) {
        return answer(envelope::BAD_FORMAT, &path, &st.version);
    }
    if req.method() == actix_web::http::Method::OPTIONS && req.headers().contains_key("access-control-request-method") {
        return preflight(&req, &st);
    }
    let body = match payload.to_bytes_limited(MAX_POST_BYTES).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => return answer(envelope::BAD_FORMAT, &path, &st.version),
        Err(_) => return answer(envelope::TOO_LARGE, &path, &st.version),
    };
    let decoded = url_decode_path(&path);
    match decoded.as_str() {
        "/" if st.https_port != 0 && !req.app_config().secure() => to_https(&req, &st),
        "/" => root(&st),
        "/authorize.html" => authorize(&req, &body, &st).await,
        "/lua/login.lua" => {
            let q = parse_query(req.query_string());
            let referer = q.get("referer").cloned().unwrap_or_else(|| "/".into());
            let msg = match q.get("reason").map(String::as_str) {
                Some("wrong-credentials") => Some("Invalid username or password"),
                Some("locked") => Some("Too many failed logins from your address: try again later"),
                _ => None,
            };
            html(&st, &path, 200, pages::login(&referer, msg))
        }
        p if p.starts_with("/lua/") => {
            let auth = {
                let st = st.clone();
                let (headers, peer, is_rest_uri) = (req.headers().clone(), peer_ip(&req), is_rest(&path));
                web::block(move || authenticate(&st, &headers, peer, is_rest_uri)).await
            };
            let auth = match auth {
                Ok(a) => a,
                Err(e) => Err(Denied::Store(e.to_string())),
            };
            match auth {
                Ok(a) => serve_authed(req, body, st, a, decoded).await,
                Err(d) => denied(&req, &st, d),
            }
        }
        _ => static_file(&st, &decoded, &path),
    }
}

/// ntopng refuses URIs with `//`, `&&`, `??`, `..`, CR or LF (also percent-encoded).
fn bad_uri(uri: &str) -> bool {
    let decoded = url_decode_path(uri);
    [uri, decoded.as_str()].iter().any(|u| ["//", "&&", "??", "..", "\r", "\n"].iter().any(|bad| u.contains(bad)))
}

/// Percent-decoding of a path (`+` stays a plus).
fn url_decode_path(p: &str) -> String {
    url_decode(&p.replace('+', "%2B"))
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn peer_ip(req: &HttpRequest) -> Option<IpAddr> {
    req.peer_addr().map(|a| a.ip())
}

fn preflight(req: &HttpRequest, st: &State) -> HttpResponse {
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("*").to_string();
    let allow_headers = req
        .headers()
        .get("access-control-request-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Authorization, Content-Type")
        .to_string();
    HttpResponse::Ok()
        .insert_header(("Access-Control-Allow-Origin", origin))
        .insert_header(("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS"))
        .insert_header(("Access-Control-Allow-Headers", allow_headers))
        .insert_header(("Access-Control-Max-Age", "3600"))
        .insert_header(("Server", format!("ntopng {}", st.version)))
        .finish()
}

fn redirect(st: &State, path: &str, location: &str) -> HttpResponse {
    dynamic(302, path, &st.version).insert_header((header::LOCATION, location.to_string())).finish()
}

fn html(st: &State, path: &str, status: u16, body: String) -> HttpResponse {
    dynamic(status, path, &st.version).content_type("text/html; charset=utf-8").body(body)
}

/// `/`: the dashboard script if there is one, else httpdocs' index.html.
fn root(st: &State) -> HttpResponse {
    if st.scriptdir.join("lua/index.lua").is_file() {
        redirect(st, "/", "/lua/index.lua")
    } else if st.httpdocs.join("index.html").is_file() {
        redirect(st, "/", "/index.html")
    } else {
        answer(envelope::NOT_FOUND, "/", &st.version)
    }
}

/// ntopng sends a plain-HTTP request for `/` to its HTTPS server (same host name, the `-W` port).
fn to_https(req: &HttpRequest, st: &State) -> HttpResponse {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).and_then(host_name);
    let host = host.unwrap_or_else(|| match req.app_config().local_addr().ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    });
    redirect(st, "/", &format!("https://{host}:{}/", st.https_port))
}

/// The host part of a `Host` header (`name`, `name:port`, `[v6]:port`); `None` for anything else.
fn host_name(h: &str) -> Option<String> {
    let name = match h.strip_prefix('[') {
        Some(rest) => &h[..rest.find(']')? + 2],
        None => h.split(':').next()?,
    };
    let ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']'));
    ok.then(|| name.to_string())
}

fn cookies(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for v in headers.get_all(header::COOKIE) {
        for part in v.to_str().unwrap_or("").split(';') {
            if let Some((k, v)) = part.split_once('=') {
                out.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }
    out
}

/// ntopng's order (rest_v2.md §2): disabled login, Basic, Token, session cookie.
fn authenticate(st: &State, headers: &HeaderMap, peer: Option<IpAddr>, rest: bool) -> Result<Authed, Denied> {
    let store_err = |e: AuthError| Denied::Store(e.to_string());
    let local = peer.is_some_and(|ip| ip == IpAddr::from([127, 0, 0, 1]));
    if st.login == LoginMode::DisabledAll || (st.login == LoginMode::DisabledLocalhost && local) {
        return Ok(Authed { user: NOLOGIN_USER.into(), group: "administrator".into(), info: None, via: Via::NoLogin });
    }
    if let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, cred) = auth.trim().split_once(' ').unwrap_or((auth, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD.decode(cred.trim()).map_err(|_| Denied::Bad)?;
            let text = String::from_utf8(decoded).map_err(|_| Denied::Bad)?;
            let (user, pw) = text.split_once(':').ok_or(Denied::Bad)?;
            let ip = peer.map(|p| p.to_string()).unwrap_or_default();
            return match st.users.verify(&ip, user, pw) {
                Ok(info) => {
                    Ok(Authed { user: info.name.clone(), group: info.group.clone(), info: Some(info), via: Via::Basic })
                }
                Err(AuthError::BadCredentials) | Err(AuthError::NoSuchUser(_)) => Err(Denied::Bad),
                Err(AuthError::LockedOut { retry_after }) => Err(Denied::LockedOut(retry_after)),
                Err(e) => Err(store_err(e)),
            };
        }
        if scheme.eq_ignore_ascii_case("token") {
            return match st.users.token_user(cred.trim()).map_err(store_err)? {
                Some(info) => {
                    Ok(Authed { user: info.name.clone(), group: info.group.clone(), info: Some(info), via: Via::Token })
                }
                None => Err(Denied::Bad),
            };
        }
    }
    let jar = cookies(headers);
    let id = jar.get(&st.cookie).or_else(|| if rest { jar.get("session") } else { None });
    if let Some(id) = id {
        if let Some(s) = st.users.session(id).map_err(store_err)? {
            let info = st.users.get(&s.user).map_err(store_err)?;
            return Ok(Authed { user: s.user.clone(), group: s.group.clone(), info, via: Via::Session(s) });
        }
    }
    Err(Denied::Missing)
}

fn expire_cookie(st: &State) -> String {
    format!("{}=; path=/; max-age=0; HttpOnly; SameSite=Lax", st.cookie)
}

/// REST: 401 envelope; pages: 302 to the login page.
fn denied(req: &HttpRequest, st: &State, d: Denied) -> HttpResponse {
    let path = req.path();
    if let Denied::Store(e) = &d {
        log::error!(target: "ntopng::http", "authentication failed on a store error: {e}");
        return answer(envelope::INTERNAL_ERROR, path, &st.version);
    }
    if is_rest(path) {
        let mut r = answer(envelope::NOT_GRANTED, path, &st.version);
        if let Denied::LockedOut(after) = d {
            if let Ok(v) = header::HeaderValue::from_str(&after.as_secs().max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        return r;
    }
    let reason = match d {
        Denied::LockedOut(_) => "&reason=locked",
        Denied::Bad => "&reason=wrong-credentials",
        _ => "",
    };
    let referer = percent_encode(&req.uri().to_string());
    dynamic(302, path, &st.version)
        .insert_header((header::LOCATION, format!("/lua/login.lua?referer={referer}{reason}")))
        .insert_header((header::SET_COOKIE, expire_cookie(st)))
        .finish()
}

/// A local redirect target: a path on this server, never another host.
fn safe_referer(r: &str) -> String {
    if r.starts_with('/') && !r.starts_with("//") && !r.contains('\\') && !r.contains("\r") && !r.contains('\n') {
        r.to_string()
    } else {
        "/".into()
    }
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    parse_query(&String::from_utf8_lossy(body))
}

/// `POST /authorize.html`: the login form's target.
async fn authorize(req: &HttpRequest, body: &[u8], st: &web::Data<State>) -> HttpResponse {
    let f = form(body);
    let user = f.get("user").cloned().unwrap_or_default();
    let pw = f.get("password").cloned().unwrap_or_default();
    let referer = safe_referer(f.get("referer").map(String::as_str).unwrap_or("/"));
    let ip = peer_ip(req).map(|p| p.to_string()).unwrap_or_default();
    let st2 = st.clone();
    let outcome = web::block(move || {
        let info = st2.users.verify(&ip, &user, &pw)?;
        st2.users.create_session(&info.name, None)
    })
    .await;
    let path = "/authorize.html";
    match outcome {
        Ok(Ok(s)) => {
            let max_age = st.users.session_duration().as_secs();
            dynamic(302, path, &st.version)
                .insert_header((header::LOCATION, referer))
                .insert_header((
                    header::SET_COOKIE,
                    format!("{}={}; path=/; max-age={max_age}; HttpOnly; SameSite=Lax", st.cookie, s.id),
                ))
                .finish()
        }
        Ok(Err(AuthError::LockedOut { .. })) => {
            redirect(st, path, &format!("/lua/login.lua?referer={}&reason=locked", percent_encode(&referer)))
        }
        Ok(Err(AuthError::BadCredentials)) | Ok(Err(AuthError::NoSuchUser(_))) => {
            redirect(st, path, &format!("/lua/login.lua?referer={}&reason=wrong-credentials", percent_encode(&referer)))
        }
        Ok(Err(e)) => {
            log::error!(target: "ntopng::http", "login failed on an error: {e}");
            answer(envelope::INTERNAL_ERROR, path, &st.version)
        }
        Err(e) => {
            log::error!(target: "ntopng::http", "login failed: {e}");
            answer(envelope::INTERNAL_ERROR, path, &st.version)
        }
    }
}

fn is_form(req: &HttpRequest) -> bool {
    content_type(req).starts_with("application/x-www-form-urlencoded")
}

fn content_type(req: &HttpRequest) -> String {
    req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase()
}

/// `Content-Type` → `Content-Type`, `x-api-key` → `X-Api-Key`: header names as clients usually write them
/// (HTTP/1 names are case-insensitive and arrive lower-cased here).
fn header_name(lower: &str) -> String {
    lower
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

async fn serve_authed(
    req: HttpRequest,
    body: web::Bytes,
    st: web::Data<State>,
    a: Authed,
    path: String,
) -> HttpResponse {
    let raw_path = req.path().to_string();
    let via_session = matches!(a.via, Via::Session(_));
    if path == "/lua/logout.lua" {
        if let Via::Session(s) = &a.via {
            let (users, id) = (st.users.clone(), s.id.clone());
            let _ = web::block(move || users.delete_session(&id)).await;
        }
        return dynamic(302, &raw_path, &st.version)
            .insert_header((header::LOCATION, "/lua/login.lua"))
            .insert_header((header::SET_COOKIE, expire_cookie(&st)))
            .finish();
    }
    if path == "/lua/change_password.lua" {
        return change_password(&req, &body, &st, &a).await;
    }
    // Forced password change: GUI pages only (REST clients could not follow it anyway).
    if a.user == ntopng_auth::DEFAULT_ADMIN && !is_rest(&path) {
        let users = st.users.clone();
        if let Ok(Ok(true)) = web::block(move || users.admin_has_default_password()).await {
            let referer = percent_encode(&req.uri().to_string());
            return redirect(&st, &raw_path, &format!("/lua/change_password.lua?referer={referer}"));
        }
    }

    // URL → script (lua_engine.md §3).
    let mut rel = path.trim_start_matches('/').to_string();
    if rel.ends_with('/') {
        rel.push_str("index.lua");
    }
    if !rel.ends_with(".lua") {
        rel.push_str(".lua");
    }
    if rel.len() > 299 || !st.scriptdir.join(&rel).is_file() {
        return answer(envelope::NOT_FOUND, &raw_path, &st.version);
    }

    let mut r = Request::new(req.method().as_str(), &req.uri().to_string());
    r.uri = path.clone();
    r.get.retain(|k, _| !k.starts_with("csrf") && !k.starts_with("switch_interface"));
    let ct = content_type(&req);
    // A JSON body's keys also land in _GET (as ntopng's http_lint copies them): kept aside so a refused
    // CSRF takes them back out of both tables.
    let get_from_query = r.get.clone();
    if !body.is_empty() || req.method() == actix_web::http::Method::POST {
        if ct.starts_with("application/json") {
            r = r.with_json_body(&String::from_utf8_lossy(&body));
        } else if is_form(&req) {
            r.post = form(&body);
        }
    }
    // CSRF: only POSTs of cookie sessions (rest_v2.md §2).
    let mut invalid_csrf = false;
    let csrf = match &a.via {
        Via::Session(s) => s.csrf.clone(),
        _ => NO_SESSION_CSRF.to_string(),
    };
    if via_session && req.method() == actix_web::http::Method::POST {
        let exempt = ct.starts_with("application/json") && is_rest(&path) && path.contains("/get/");
        if !exempt && r.post.get("csrf") != Some(&csrf) {
            invalid_csrf = true;
            r.post.clear();
            r.get = get_from_query;
        }
    }
    let mut session = Session::new(a.user.clone(), a.group.clone());
    let sid = match &a.via {
        Via::Session(s) => s.id.clone(),
        _ => String::new(),
    };
    session.extra.insert("session".into(), sid);
    session.extra.insert("csrf".into(), csrf);
    session.extra.insert("localuser".into(), "true".into());
    let (nets, ifname) = match &a.info {
        Some(i) => (i.allowed_nets.clone(), i.allowed_ifname.clone()),
        None => (ntopng_auth::ALL_NETWORKS.to_string(), String::new()),
    };
    session.extra.insert("allowed_nets".into(), nets);
    session.extra.insert("allowed_ifname".into(), ifname);
    if invalid_csrf {
        session.extra.insert("INVALID_CSRF".into(), "true".into());
    }
    r.session = session;
    for (name, value) in req.headers() {
        if let Ok(v) = value.to_str() {
            r.server.insert(header_name(name.as_str()), v.to_string());
        }
    }
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let scheme = if req.app_config().secure() { "https" } else { "http" };
    r.server.insert("HTTP_HOST".into(), format!("{scheme}://{host}"));
    r.server.insert("REMOTE_ADDR".into(), peer_ip(&req).map(|p| p.to_string()).unwrap_or_default());
    r.server.insert("REMOTE_USER".into(), a.user.clone());
    r.server.insert(
        "REFERER".into(),
        req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).unwrap_or("").to_string(),
    );
    r.cookies = cookies(req.headers());

    let lua = st.lua.clone();
    let script = rel.clone();
    let resp = match web::block(move || lua.run_script(&script, r)).await {
        Ok(resp) => resp,
        Err(e) => {
            log::error!(target: "ntopng::http", "{rel}: the script runner failed: {e}");
            return answer(envelope::INTERNAL_ERROR, &raw_path, &st.version);
        }
    };
    if let Some(err) = &resp.error {
        if err.kind == ErrorKind::NotFound {
            return answer(envelope::NOT_FOUND, &raw_path, &st.version);
        }
        log::error!(target: "ntopng::http", "{} {}: script error ({:?}): {}", req.method(), path, err.kind, err.message);
        return answer(envelope::INTERNAL_ERROR, &raw_path, &st.version);
    }
    let mut b = dynamic(resp.status, &raw_path, &st.version);
    b.content_type(resp.content_type.clone().unwrap_or_else(|| "text/html; charset=utf-8".into()));
    for (k, v) in &resp.headers {
        let lk = k.to_ascii_lowercase();
        if matches!(lk.as_str(), "content-length" | "transfer-encoding" | "connection" | "content-type") {
            continue;
        }
        if lk == "set-cookie" {
            b.append_header((k.as_str(), v.as_str()));
        } else {
            b.insert_header((k.as_str(), v.as_str()));
        }
    }
    b.body(resp.body)
}

/// `/lua/change_password.lua`: GET shows the form, POST changes the password of the authenticated user.
async fn change_password(req: &HttpRequest, body: &[u8], st: &web::Data<State>, a: &Authed) -> HttpResponse {
    let path = "/lua/change_password.lua";
    if matches!(a.via, Via::NoLogin) {
        return answer(envelope::NOT_GRANTED, path, &st.version);
    }
    let csrf = match &a.via {
        Via::Session(s) => s.csrf.clone(),
        _ => NO_SESSION_CSRF.to_string(),
    };
    let q = parse_query(req.query_string());
    let forced = a.user == ntopng_auth::DEFAULT_ADMIN && st.users.admin_has_default_password().unwrap_or(false);
    if req.method() != actix_web::http::Method::POST {
        let referer = safe_referer(q.get("referer").map(String::as_str).unwrap_or("/"));
        return html(st, path, 200, pages::change_password(&a.user, &csrf, &referer, forced, None));
    }
    let f = form(body);
    let referer = safe_referer(f.get("referer").map(String::as_str).unwrap_or("/"));
    let fail = |status: u16, msg: &str| {
        html(st, path, status, pages::change_password(&a.user, &csrf, &referer, forced, Some(msg)))
    };
    if matches!(a.via, Via::Session(_)) && f.get("csrf") != Some(&csrf) {
        return fail(403, "The form expired: please try again");
    }
    let old = f.get("old_password").cloned().unwrap_or_default();
    let new = f.get("new_password").cloned().unwrap_or_default();
    if new.is_empty() || f.get("confirm_password") != Some(&new) {
        return fail(400, "The new passwords are empty or do not match");
    }
    if forced && new == ntopng_auth::DEFAULT_ADMIN_PASSWORD {
        return fail(400, "The new password must differ from the default one");
    }
    let (users, user) = (st.users.clone(), a.user.clone());
    // Everyone confirms their current password here, administrators included (it is their own).
    let outcome = web::block(move || {
        if !users.check_password(&user, &old)? {
            return Err(AuthError::WrongOldPassword);
        }
        users.set_password(&user, false, &user, Some(&old), &new)
    })
    .await;
    match outcome {
        Ok(Ok(())) => redirect(st, path, &referer),
        Ok(Err(AuthError::WrongOldPassword)) => fail(400, "The current password is wrong"),
        Ok(Err(e)) => fail(400, &e.to_string()),
        Err(_) => answer(envelope::INTERNAL_ERROR, path, &st.version),
    }
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "application/javascript; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A file under httpdocs: no directory listing, nothing outside the root (also through symlinks), and none
/// of the files ntopng forbids (`.inc`, `.pem`).
fn static_file(st: &State, decoded: &str, raw_path: &str) -> HttpResponse {
    let rel = decoded.trim_start_matches('/');
    if rel.ends_with(".inc") || rel.ends_with(".pem") || rel.contains('\0') {
        return answer(envelope::NOT_FOUND, raw_path, &st.version);
    }
    let file = st.httpdocs.join(rel);
    let inside = match (&st.httpdocs_canon, file.canonicalize()) {
        (Some(root), Ok(c)) => c.starts_with(root) && c.is_file(),
        _ => false,
    };
    if !inside {
        return answer(envelope::NOT_FOUND, raw_path, &st.version);
    }
    match std::fs::read(&file) {
        Ok(bytes) => HttpResponse::Ok()
            .content_type(mime(&file))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .insert_header(("Server", format!("ntopng {}", st.version)))
            .body(bytes),
        Err(_) => answer(envelope::NOT_FOUND, raw_path, &st.version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        for bad in ["/lua//x.lua", "/lua/../etc/passwd", "/lua/%2e%2e/x", "/a?b=1&&c=2", "/x%0d%0a"] {
            assert!(bad_uri(bad), "{bad}");
        }
        for ok in ["/lua/rest/v2/get/interface/data.lua?ifid=0", "/css/a.css", "/"] {
            assert!(!bad_uri(ok), "{ok}");
        }
        assert_eq!(header_name("content-type"), "Content-Type");
        assert_eq!(safe_referer("//evil.com/"), "/");
        assert_eq!(safe_referer("http://evil.com/"), "/");
        assert_eq!(safe_referer("/lua/x.lua?a=1"), "/lua/x.lua?a=1");
    }
}
