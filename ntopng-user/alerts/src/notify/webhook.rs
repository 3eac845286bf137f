//! The webhook endpoint: alerts POSTed as JSON to a plain-HTTP URL, up to 10 per request (ntopng's
//! batch) through ureq, body `{"version": "0.2", "timestamp": <now>, "sharedsecret": <if set>, "alerts": [...]}`,
//! HTTP basic authentication when a user name is set. A 2xx answer delivers the batch.

use super::{Notification, Notifier};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Value};
use std::time::Duration;

/// ntopng's alerts per request.
const MAX_PER_REQUEST: usize = 10;
/// Connect, write and answer each bounded by this.
const TIMEOUT: Duration = Duration::from_secs(2);
/// ntopng's webhook API version.
pub const API_VERSION: &str = "0.2";

pub struct WebhookNotifier {
    url: String,
    /// The URL the requests go to (`url` with the port and path made explicit).
    endpoint: String,
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
        let auth =
            username.filter(|u| !u.is_empty()).map(|u| BASE64.encode(format!("{u}:{}", password.unwrap_or_default())));
        let host = if host.contains(':') { format!("[{host}]") } else { host };
        let endpoint = format!("http://{host}:{port}{path}");
        Ok(WebhookNotifier { url: url.to_string(), endpoint, shared_secret, auth })
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
        let agent = ureq::AgentBuilder::new().timeout(TIMEOUT).redirects(0).user_agent("ntopng").build();
        let mut req = agent.post(&self.endpoint).set("Content-Type", "application/json");
        if let Some(a) = &self.auth {
            req = req.set("Authorization", &format!("Basic {a}"));
        }
        match req.send_bytes(body) {
            Ok(r) if (200..300).contains(&r.status()) => Ok(()),
            Ok(r) | Err(ureq::Error::Status(_, r)) => {
                Err(std::io::Error::other(format!("{}: answered {} {}", self.url, r.status(), r.status_text())))
            }
            Err(ureq::Error::Transport(t)) => Err(std::io::Error::other(format!("{}: {t}", self.url))),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_auth() {
        assert_eq!(
            WebhookNotifier::check_url("http://127.0.0.1:8080/a/b").unwrap(),
            ("127.0.0.1".into(), 8080, "/a/b".into())
        );
        assert_eq!(WebhookNotifier::check_url("http://example").unwrap(), ("example".into(), 80, "/".into()));
        assert!(WebhookNotifier::check_url("https://x").is_err());
        assert!(WebhookNotifier::check_url("http://:80/").is_err());
        let n = WebhookNotifier::new("http://h/", None, Some("Aladdin".into()), Some("open sesame".into())).unwrap();
        assert_eq!(n.auth.as_deref(), Some("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    }
}
