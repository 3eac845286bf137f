//! Outbound HTTP (`ntop.httpGet` & co) through ureq, plain http only. Every call answers ntopng's table:
//! `RESPONSE_CODE` (0 when no response came), `CONTENT_TYPE`, `EFFECTIVE_URL`, `HTTP_HEADER` (names in lower
//! case), and `CONTENT`/`CONTENT_LEN` when the content is asked for; `ERROR` says why when there was no
//! response. Timeouts are bounded by what is left of the run's time budget.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use std::io::Read;
use std::time::{Duration, Instant};

use mlua::{Lua, Table, Value};

use super::{Ctx, Registrar};
use crate::args::{Args, BResult};
use crate::bindings::files::{resolve, Access};

/// ntopng's default connection timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The most content a call reads.
const MAX_CONTENT: u64 = 16 << 20;
const MAX_REDIRECTS: u32 = 5;

struct Call {
    method: &'static str,
    url: String,
    body: Option<Vec<u8>>,
    content_type: Option<String>,
    /// `Authorization` header value.
    auth: Option<String>,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    return_content: bool,
    follow_redirects: bool,
}

impl Call {
    fn new(method: &'static str, url: String) -> Self {
        Call {
            method,
            url,
            body: None,
            content_type: None,
            auth: None,
            headers: Vec::new(),
            timeout: None,
            return_content: true,
            follow_redirects: true,
        }
    }

    fn basic(&mut self, user: Option<String>, pass: Option<String>) {
        if let Some(u) = user.filter(|u| !u.is_empty()) {
            let cred = format!("{u}:{}", pass.unwrap_or_default());
            self.auth = Some(format!("Basic {}", BASE64.encode(cred)));
        }
    }
}

/// What came back.
struct Answer {
    code: u16,
    content_type: String,
    effective_url: String,
    headers: Vec<(String, String)>,
    content: Option<Vec<u8>>,
    error: Option<String>,
}

fn check_url(a: &Args, i: usize, url: &str) -> BResult<()> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(a.bad_value(i, "url", format!("'{url}' is not an http:// or https:// URL")));
    }
    Ok(())
}

fn timeout_arg(a: &Args, i: usize) -> BResult<Option<Duration>> {
    // ntopng raises timeouts below one second to one second.
    Ok(a.opt_int(i, "timeout")?.map(|s| Duration::from_secs(s.max(1) as u64)))
}

fn perform(c: &Ctx, call: Call) -> Answer {
    let failed = |url: &str, e: String| Answer {
        code: 0,
        content_type: String::new(),
        effective_url: url.to_string(),
        headers: Vec::new(),
        content: None,
        error: Some(e),
    };
    if call.url.to_ascii_lowercase().starts_with("https://") {
        return failed(&call.url, "https is not supported by this build (no TLS client)".into());
    }
    let remaining = c.run.lock().unwrap().deadline.saturating_duration_since(Instant::now());
    let timeout = call.timeout.unwrap_or(DEFAULT_TIMEOUT).min(c.daemon.time_budget).min(remaining);
    if timeout.is_zero() {
        return failed(&call.url, "the run's time budget is spent".into());
    }
    let agent = ureq::AgentBuilder::new()
        .timeout(timeout)
        .redirects(if call.follow_redirects { MAX_REDIRECTS } else { 0 })
        .user_agent(concat!("ntopng/", env!("CARGO_PKG_VERSION")))
        .build();
    let mut req = agent.request(call.method, &call.url);
    if let Some(auth) = &call.auth {
        req = req.set("Authorization", auth);
    }
    if let Some(ct) = &call.content_type {
        req = req.set("Content-Type", ct);
    }
    for (k, v) in &call.headers {
        req = req.set(k, v);
    }
    let result = match &call.body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        // 4xx and 5xx are answers like the others.
        Err(ureq::Error::Status(_, r)) => r,
        Err(ureq::Error::Transport(t)) => return failed(&call.url, t.to_string()),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for name in resp.headers_names() {
        if let Some(v) = resp.header(&name) {
            headers.push((name.to_ascii_lowercase(), v.to_string()));
        }
    }
    let code = resp.status();
    let content_type = resp.header("content-type").unwrap_or("").to_string();
    let effective_url = resp.get_url().to_string();
    let mut content = Vec::new();
    let read = resp.into_reader().take(MAX_CONTENT).read_to_end(&mut content);
    let error = read.err().map(|e| format!("reading the response: {e}"));
    Answer {
        code,
        content_type,
        effective_url,
        headers,
        content: if call.return_content { Some(content) } else { None },
        error,
    }
}

fn answer_table(lua: &Lua, ans: Answer) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("RESPONSE_CODE", ans.code)?;
    t.raw_set("CONTENT_TYPE", ans.content_type)?;
    t.raw_set("EFFECTIVE_URL", ans.effective_url)?;
    let h = lua.create_table()?;
    for (k, v) in ans.headers {
        h.raw_set(k, v)?;
    }
    t.raw_set("HTTP_HEADER", h)?;
    if let Some(content) = ans.content {
        t.raw_set("CONTENT_LEN", content.len())?;
        t.raw_set("CONTENT", lua.create_string(content)?)?;
    }
    if let Some(e) = ans.error {
        log::warn!(target: "ntopng::lua", "outbound HTTP request failed: {e}");
        t.raw_set("ERROR", e)?;
    }
    Ok(t)
}

fn run(lua: &Lua, c: &Ctx, call: Call) -> BResult<Table> {
    Ok(answer_table(lua, perform(c, call))?)
}

/// `ntop.*AuthToken(url, token, body [, timeout, content_type])`: ntopng's token header.
fn auth_token_call(a: &Args, method: &'static str, with_body: bool) -> BResult<Call> {
    let url = a.string(1, "url")?;
    check_url(a, 1, &url)?;
    let token = a.string(2, "token")?;
    let mut call = Call::new(method, url);
    call.auth = Some(format!("Token {token}"));
    if with_body {
        call.body = Some(a.bytes(3, "body")?);
        call.timeout = timeout_arg(a, 4)?;
        call.content_type = Some(a.opt_string(5, "content_type")?.unwrap_or_else(|| "application/json".into()));
    } else {
        call.timeout = timeout_arg(a, 3)?;
        call.return_content = a.opt_boolean(4, "return_content")?.unwrap_or(true);
    }
    Ok(call)
}

fn opt_field<T: mlua::FromLua>(a: &Args, t: &Table, key: &str) -> BResult<Option<T>> {
    t.raw_get::<Option<T>>(key).map_err(|_| a.bad_value(1, "params", format!("field '{key}' has the wrong type")))
}

pub(super) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    let c = ctx.clone();
    r.add("ntop", "httpGet", move |lua, a| {
        // (url [, user, pass, timeout, return_content, cookie_auth, follow_redirects, ip_version, bearer])
        let url = a.string(1, "url")?;
        check_url(a, 1, &url)?;
        let mut call = Call::new("GET", url);
        call.basic(a.opt_string(2, "username")?, a.opt_string(3, "password")?);
        call.timeout = timeout_arg(a, 4)?;
        call.return_content = a.opt_boolean(5, "return_content")?.unwrap_or(true);
        call.follow_redirects = a.opt_boolean(7, "follow_redirects")?.unwrap_or(true);
        if let Some(b) = a.opt_string(9, "bearer")?.filter(|b| !b.is_empty()) {
            call.auth = Some(format!("Bearer {b}"));
        }
        run(lua, &c, call)
    })?;
    let c = ctx.clone();
    r.add("ntop", "httpPost", move |lua, a| {
        // (url, data [, params]) as the seed documents it, or ntopng's (url, data, user, pass, timeout,
        // return_content).
        let url = a.string(1, "url")?;
        check_url(a, 1, &url)?;
        let mut call = Call::new("POST", url);
        call.body = Some(a.bytes(2, "data")?);
        call.content_type = Some("application/x-www-form-urlencoded".into());
        match a.value(3) {
            Value::Table(p) => {
                call.basic(opt_field(a, &p, "username")?, opt_field(a, &p, "password")?);
                call.timeout = opt_field::<i64>(a, &p, "timeout")?.map(|s| Duration::from_secs(s.max(1) as u64));
                call.return_content = opt_field(a, &p, "return_content")?.unwrap_or(true);
                if let Some(b) = opt_field::<String>(a, &p, "bearer")? {
                    call.auth = Some(format!("Bearer {b}"));
                }
                if let Some(k) = opt_field::<String>(a, &p, "x_api_key")? {
                    call.headers.push(("X-API-Key".into(), k));
                }
                if let Some(h) = opt_field::<String>(a, &p, "extra_header")? {
                    let Some((k, v)) = h.split_once(':') else {
                        return Err(a.bad_value(3, "params", "extra_header must be 'Name: value'"));
                    };
                    call.headers.push((k.trim().into(), v.trim().into()));
                }
            }
            _ => {
                call.basic(a.opt_string(3, "username")?, a.opt_string(4, "password")?);
                call.timeout = timeout_arg(a, 5)?;
                call.return_content = a.opt_boolean(6, "return_content")?.unwrap_or(true);
            }
        }
        run(lua, &c, call)
    })?;
    let c = ctx.clone();
    r.add("ntop", "httpFetch", move |lua, a| {
        let p = a.table(1, "params")?;
        let url: String =
            opt_field(a, &p, "url")?.ok_or_else(|| a.bad_value(1, "params", "field 'url' is required"))?;
        check_url(a, 1, &url)?;
        let method = opt_field::<String>(a, &p, "method")?.unwrap_or_else(|| "GET".into()).to_ascii_uppercase();
        let method = match method.as_str() {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            "PATCH" => "PATCH",
            "DELETE" => "DELETE",
            "HEAD" => "HEAD",
            other => return Err(a.bad_value(1, "params", format!("unknown method '{other}'"))),
        };
        let mut call = Call::new(method, url);
        call.body = opt_field::<mlua::LuaString>(a, &p, "body")?
            .or(opt_field::<mlua::LuaString>(a, &p, "data")?)
            .map(|s| s.as_bytes().to_vec());
        call.content_type = opt_field(a, &p, "content_type")?;
        call.basic(opt_field(a, &p, "username")?, opt_field(a, &p, "password")?);
        if let Some(b) = opt_field::<String>(a, &p, "bearer")? {
            call.auth = Some(format!("Bearer {b}"));
        }
        if let Some(t) = opt_field::<String>(a, &p, "auth_token")? {
            call.auth = Some(format!("Token {t}"));
        }
        call.timeout = opt_field::<i64>(a, &p, "timeout")?.map(|s| Duration::from_secs(s.max(1) as u64));
        call.return_content = opt_field(a, &p, "return_content")?.unwrap_or(true);
        call.follow_redirects = opt_field(a, &p, "follow_redirects")?.unwrap_or(true);
        if let Some(h) = opt_field::<Table>(a, &p, "headers")? {
            for pair in h.pairs::<String, String>() {
                let (k, v) = pair.map_err(|_| a.bad_value(1, "params", "headers must map names to strings"))?;
                call.headers.push((k, v));
            }
        }
        run(lua, &c, call)
    })?;
    let c = ctx.clone();
    r.add("ntop", "httpGetAuthToken", move |lua, a| run(lua, &c, auth_token_call(a, "GET", false)?))?;
    let c = ctx.clone();
    r.add("ntop", "httpPostAuthToken", move |lua, a| run(lua, &c, auth_token_call(a, "POST", true)?))?;
    let c = ctx.clone();
    r.add("ntop", "httpPutAuthToken", move |lua, a| run(lua, &c, auth_token_call(a, "PUT", true)?))?;
    let c = ctx.clone();
    r.add("ntop", "httpPatchAuthToken", move |lua, a| run(lua, &c, auth_token_call(a, "PATCH", true)?))?;
    let c = ctx.clone();
    r.add("ntop", "postHTTPJsonData", move |_, a| {
        // (url, json) as the seed documents it, or ntopng's (user, pass, url, json [, timeout]).
        let (user, pass, url_i) = if a.len() >= 4 {
            (a.opt_string(1, "username")?, a.opt_string(2, "password")?, 3)
        } else {
            (None, None, 1)
        };
        let url = a.string(url_i, "url")?;
        check_url(a, url_i, &url)?;
        let mut call = Call::new("POST", url);
        call.basic(user, pass);
        call.body = Some(a.bytes(url_i + 1, "json")?);
        call.content_type = Some("application/json".into());
        call.timeout = timeout_arg(a, url_i + 2)?;
        call.return_content = false;
        let ans = perform(&c, call);
        Ok((200..300).contains(&ans.code))
    })?;
    let c = ctx.clone();
    r.add("ntop", "postHTTPTextFile", move |_, a| {
        // (url, path) as the seed documents it, or ntopng's (user, pass, url, path [, delete_file, timeout]).
        let (user, pass, url_i) = if a.len() >= 4 {
            (a.opt_string(1, "username")?, a.opt_string(2, "password")?, 3)
        } else {
            (None, None, 1)
        };
        let url = a.string(url_i, "url")?;
        check_url(a, url_i, &url)?;
        let path = a.string(url_i + 1, "file_path")?;
        let delete = url_i == 3 && a.opt_boolean(5, "delete_file")?.unwrap_or(false);
        let p = resolve(&c.daemon.paths, &path, if delete { Access::Write } else { Access::Read }, true)
            .map_err(|e| a.fail(e))?;
        let body = std::fs::read(&p).map_err(|e| a.fail(format!("cannot read {}: {e}", p.display())))?;
        let mut call = Call::new("POST", url);
        call.basic(user, pass);
        call.body = Some(body);
        call.content_type = Some("text/plain; charset=utf-8".into());
        if url_i == 3 {
            call.timeout = timeout_arg(a, 6)?;
        }
        call.return_content = false;
        let ok = (200..300).contains(&perform(&c, call).code);
        if ok && delete {
            let _ = std::fs::remove_file(&p);
        }
        Ok(ok)
    })?;
    Ok(())
}
