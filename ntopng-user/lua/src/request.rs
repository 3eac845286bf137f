//! What a script run gets ([`Request`]) and what it produces ([`Response`]).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The user a request runs as: `_SESSION` in the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// `_SESSION["user"]` (`nologin` when login is disabled).
    pub user: String,
    /// `_SESSION["group"]`: `administrator`, `unprivileged`, `nologin`, ...
    pub group: String,
    /// Any other `_SESSION` entries (`session`, `allowed_nets`, `ifname`, ...), as strings.
    pub extra: BTreeMap<String, String>,
}

impl Session {
    pub fn new(user: impl Into<String>, group: impl Into<String>) -> Self {
        Session { user: user.into(), group: group.into(), extra: BTreeMap::new() }
    }

    /// The session of a run with no HTTP user (periodic scripts, tests): `nologin`, an administrator.
    pub fn nologin() -> Self {
        Session::new("nologin", "administrator")
    }

    /// ntopng's `isAdministrator()`: group `administrator` or `nologin`, or user `nologin`.
    pub fn is_administrator(&self) -> bool {
        self.group == "administrator" || self.group == "nologin" || self.user == "nologin"
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::nologin()
    }
}

/// One script run: the request globals the script sees.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `_SERVER["REQUEST_METHOD"]` (`GET` when empty).
    pub method: String,
    /// `_SERVER["URI"]`: the path, without the query string.
    pub uri: String,
    /// `_GET`: query-string parameters (already URL-decoded).
    pub get: BTreeMap<String, String>,
    /// `_POST`: form parameters.
    pub post: BTreeMap<String, String>,
    /// `_SESSION`.
    pub session: Session,
    /// Other `_SERVER` entries (request headers by name, `REMOTE_ADDR`, `HTTP_HOST`, ...).
    pub server: BTreeMap<String, String>,
    /// `_COOKIE`.
    pub cookies: BTreeMap<String, String>,
}

impl Request {
    /// A GET of `uri`; a query string in `uri` fills `_GET` (`+` and `%XX` decoded).
    pub fn get(uri: &str) -> Self {
        Request::new("GET", uri)
    }

    /// A request with `method` for `uri`; a query string in `uri` fills `_GET`.
    pub fn new(method: &str, uri: &str) -> Self {
        let (path, query) = match uri.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (uri, None),
        };
        let mut req = Request { method: method.to_string(), uri: path.to_string(), ..Default::default() };
        if let Some(q) = query {
            req.server.insert("QUERY_STRING".into(), q.to_string());
            req.get = parse_query(q);
        }
        req
    }

    /// Sets `_SESSION`.
    pub fn with_session(mut self, session: Session) -> Self {
        self.session = session;
        self
    }

    /// Adds one `_GET` parameter.
    pub fn with_get(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.get.insert(key.into(), value.into());
        self
    }

    /// Adds one `_POST` parameter.
    pub fn with_post(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.post.insert(key.into(), value.into());
        self
    }

    /// An `application/json` body, as ntopng hands it to scripts (rest_v2.md §1.1): the raw text is
    /// `_POST["payload"]` (and `_POST["JSON"]`), and when it is a JSON object each top-level key is copied into
    /// both `_GET` and `_POST` as a string: strings as they are, numbers as Lua prints them (`0`, `1.5`),
    /// booleans as `true`/`false`, arrays and objects as their compact JSON text; `null` values are skipped.
    /// A body that is not valid JSON is still available raw, with nothing copied.
    pub fn with_json_body(mut self, body: &str) -> Self {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(body) {
            for (k, v) in map {
                let s = match v {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Bool(b) => b.to_string(),
                    serde_json::Value::Number(n) => json_number_text(&n),
                    other => other.to_string(),
                };
                self.get.insert(k.clone(), s.clone());
                self.post.insert(k, s);
            }
        }
        // The raw body wins over a top-level key of the same name.
        self.post.insert("payload".into(), body.to_string());
        self.post.insert("JSON".into(), body.to_string());
        self.server.insert("CONTENT_TYPE".into(), "application/json".into());
        self
    }
}

/// A JSON number as Lua's `tostring` prints the value dkjson decodes it to (integers without a decimal part).
fn json_number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        crate::json::lua_number_string(u as f64)
    } else {
        crate::json::lua_number_string(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Parses `a=1&b=x%20y` (`+` is a space); a key without `=` gets an empty value.
pub fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (url_decode(k), url_decode(v)),
            None => (url_decode(p), String::new()),
        })
        .collect()
}

/// `%XX` and `+` decoding; invalid escapes are kept as they are.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Why a run failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The script file does not exist, is not a file, or lies outside the scripts directory.
    NotFound,
    /// The script does not compile.
    Syntax,
    /// The script raised an error (including a binding called with bad arguments or not supported).
    Runtime,
    /// The script ran more Lua instructions than the pool allows.
    InstructionBudget,
    /// The script ran longer than the pool allows.
    TimeBudget,
    /// The script went over the VM's memory limit.
    Memory,
    /// A failure of the engine itself (should not happen).
    Internal,
}

/// A failed run: what the HTTP layer reports (ntopng redirects to its error page with the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    pub kind: ErrorKind,
    /// The message, with the script's `file:line:` where Lua knows it (`scripts/lua/x.lua:3: boom`).
    pub message: String,
    /// Lua's stack traceback at the error, when there is one.
    pub traceback: Option<String>,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for ScriptError {}

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status: 200 unless the script set one (`sendHTTPHeader(..., status)`, `ntop.httpRedirect`);
    /// 404 when the script does not exist, 500 when it failed.
    pub status: u16,
    /// The content type the script set (`sendHTTPContentTypeHeader`), `None` if it set none.
    pub content_type: Option<String>,
    /// Other headers the script set, in order (`Content-Disposition`, `Location`, extra headers).
    pub headers: Vec<(String, String)>,
    /// Everything the script printed, in order.
    pub body: Vec<u8>,
    /// True once the script called one of the header functions.
    pub headers_sent: bool,
    /// Set when the run failed; `body` then holds what was printed before the failure.
    pub error: Option<ScriptError>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Lua instructions executed (counted in steps of the pool's hook interval).
    pub instructions: u64,
}

impl Response {
    /// True if the run completed without error.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// The body as text (lossy).
    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The value of header `name` (case-insensitive), among [`Response::headers`].
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}
