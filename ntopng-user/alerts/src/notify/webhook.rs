//! The webhook endpoint: alerts POSTed as JSON to a plain-HTTP URL, up to 10 per request (ntopng's
//! batch), body `{"version": "0.2", "timestamp": <now>, "sharedsecret": <if set>, "alerts": [...]}`,
//! HTTP basic authentication when a user name is set. A 2xx answer delivers the batch.

use super::{Notification, Notifier};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// ntopng's alerts per request.
const MAX_PER_REQUEST: usize = 10;
/// Connect, write and answer each bounded by this.
const TIMEOUT: Duration = Duration::from_secs(2);
/// ntopng's webhook API version.
pub const API_VERSION: &str = "0.2";

pub struct WebhookNotifier {
    url: String,
    host: String,
    port: u16,
    path: String,
    shared_secret: Option<String>,
    auth: Option<String>,
}

impl WebhookNotifier {
    /// `http://host[:port][/path]` (https is not supported: no TLS client in this build).
    pub fn check_url(url: &str) -> Result<(String, u16, String), String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            return Err(format!("{url}: no host"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => (h, p.parse::<u16>().map_err(|_| format!("{url}: bad port"))?),
            _ => (authority, 80),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("{url}: no host"));
        }
        Ok((host.to_string(), port, path.to_string()))
    }

    pub fn new(
        url: &str,
        shared_secret: Option<String>,
        username: Option<String>,
        password: Option<String>,
    ) -> Result<WebhookNotifier, String> {
        let (host, port, path) = Self::check_url(url)?;
        let auth = username
            .filter(|u| !u.is_empty())
            .map(|u| base64(format!("{u}:{}", password.unwrap_or_default()).as_bytes()));
        Ok(WebhookNotifier { url: url.to_string(), host, port, path, shared_secret, auth })
    }

    /// The request body for `batch`.
    pub fn body(&self, batch: &[Notification], now: i64) -> Value {
        let alerts: Vec<Value> = batch.iter().map(|n| Value::Object(n.doc.clone())).collect();
        let mut m = json!({"version": API_VERSION, "timestamp": now});
        if let Some(s) = &self.shared_secret {
            m["sharedsecret"] = json!(s);
        }
        m["alerts"] = Value::Array(alerts);
        m
    }

    fn post(&self, body: &[u8]) -> std::io::Result<()> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, format!("{}: no address", self.host)))?;
        let mut s = TcpStream::connect_timeout(&addr, TIMEOUT)?;
        s.set_write_timeout(Some(TIMEOUT))?;
        s.set_read_timeout(Some(TIMEOUT))?;
        let host_header = if self.host.contains(':') { format!("[{}]:{}", self.host, self.port) } else { format!("{}:{}", self.host, self.port) };
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: ntopng\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n",
            self.path,
            body.len()
        );
        if let Some(a) = &self.auth {
            head.push_str(&format!("Authorization: Basic {a}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())?;
        s.write_all(body)?;
        let mut status = String::new();
        BufReader::new(&s).read_line(&mut status)?;
        let code = status.split_whitespace().nth(1).and_then(|c| c.parse::<u16>().ok());
        match code {
            Some(c) if (200..300).contains(&c) => Ok(()),
            _ => Err(std::io::Error::other(format!("{}: answered \"{}\"", self.url, status.trim_end()))),
        }
    }
}

impl Notifier for WebhookNotifier {
    fn describe(&self) -> String {
        format!("webhook {}", self.url)
    }

    fn max_batch(&self) -> usize {
        MAX_PER_REQUEST
    }

    fn deliver(&mut self, batch: &[Notification]) -> std::io::Result<()> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let body = self.body(batch, now).to_string();
        self.post(body.as_bytes())
    }
}

/// Standard base64 with padding (basic authentication).
fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_auth() {
        assert_eq!(WebhookNotifier::check_url("http://127.0.0.1:8080/a/b").unwrap(), ("127.0.0.1".into(), 8080, "/a/b".into()));
        assert_eq!(WebhookNotifier::check_url("http://example").unwrap(), ("example".into(), 80, "/".into()));
        assert!(WebhookNotifier::check_url("https://x").is_err());
        assert!(WebhookNotifier::check_url("http://:80/").is_err());
        assert_eq!(base64(b"Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
