//! An endpoint's configuration: ntopng's endpoint parameters (`syslog_host`, `syslog_port`,
//! `syslog_protocol`, `syslog_alert_format`; `webhook_url`, `webhook_sharedsecret`, `webhook_username`,
//! `webhook_password`) from a command-line spec or from ntopng's stored endpoint JSON.

use super::syslog::{Format, Protocol, SyslogNotifier};
use super::webhook::WebhookNotifier;
use super::Notifier;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSpec {
    Syslog { host: String, port: u16, protocol: Protocol, format: Format },
    Webhook { url: String, shared_secret: Option<String>, username: Option<String>, password: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub String);

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SpecError {}

fn err<T>(m: impl Into<String>) -> Result<T, SpecError> {
    Err(SpecError(m.into()))
}

impl EndpointSpec {
    /// `syslog;<host>[:<port>][;udp|tcp][;json|plaintext|plaintextrfc]` (port 514, udp, json by
    /// default) or `webhook;<http://host[:port]/path>[;<shared secret>[;<user>:<password>]]`.
    pub fn parse(s: &str) -> Result<EndpointSpec, SpecError> {
        let mut parts = s.split(';');
        match parts.next().unwrap_or_default() {
            "syslog" => {
                let target = parts.next().filter(|t| !t.is_empty()).ok_or_else(|| SpecError("syslog: no host".into()))?;
                let (host, port) = split_host_port(target, 514)?;
                let mut protocol = Protocol::Udp;
                let mut format = Format::Json;
                for p in parts {
                    match p {
                        "udp" => protocol = Protocol::Udp,
                        "tcp" => protocol = Protocol::Tcp,
                        "" => {}
                        f => format = Format::parse(f).ok_or_else(|| SpecError(format!("syslog: unknown option {f}")))?,
                    }
                }
                Ok(EndpointSpec::Syslog { host, port, protocol, format })
            }
            "webhook" => {
                let url = parts.next().unwrap_or_default().to_string();
                WebhookNotifier::check_url(&url).map_err(|e| SpecError(format!("webhook: {e}")))?;
                let shared_secret = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
                let (username, password) = match parts.next().filter(|s| !s.is_empty()) {
                    Some(up) => {
                        let (u, p) = up.split_once(':').unwrap_or((up, ""));
                        (Some(u.to_string()), Some(p.to_string()))
                    }
                    None => (None, None),
                };
                Ok(EndpointSpec::Webhook { url, shared_secret, username, password })
            }
            other => err(format!("unknown endpoint type \"{other}\" (syslog or webhook)")),
        }
    }

    /// From ntopng's stored endpoint: its type key (`syslog`, `webhook`) and its parameters as JSON.
    /// Other endpoint types are `Ok(None)`.
    pub fn from_ntopng(endpoint_key: &str, conf: &Value) -> Result<Option<EndpointSpec>, SpecError> {
        let text = |k: &str| match conf.get(k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        Ok(Some(match endpoint_key {
            "syslog" => {
                // No host: ntopng logs to the local syslog daemon; here, its usual UDP socket.
                let host = text("syslog_host").unwrap_or_else(|| "127.0.0.1".into());
                let port = match text("syslog_port") {
                    Some(p) => p.parse().map_err(|_| SpecError(format!("syslog_port: {p}")))?,
                    None => 514,
                };
                let protocol = if text("syslog_protocol").as_deref() == Some("tcp") { Protocol::Tcp } else { Protocol::Udp };
                let format = text("syslog_alert_format").and_then(|f| Format::parse(&f)).unwrap_or(Format::PlainText);
                EndpointSpec::Syslog { host, port, protocol, format }
            }
            "webhook" => {
                let url = text("webhook_url").ok_or_else(|| SpecError("webhook_url missing".into()))?;
                WebhookNotifier::check_url(&url).map_err(|e| SpecError(format!("webhook_url: {e}")))?;
                EndpointSpec::Webhook {
                    url,
                    shared_secret: text("webhook_sharedsecret"),
                    username: text("webhook_username"),
                    password: text("webhook_password"),
                }
            }
            _ => return Ok(None),
        }))
    }

    pub fn notifier(&self) -> Box<dyn Notifier> {
        match self {
            EndpointSpec::Syslog { host, port, protocol, format } => {
                Box::new(SyslogNotifier::new(host.clone(), *port, *protocol, *format))
            }
            EndpointSpec::Webhook { url, shared_secret, username, password } => Box::new(
                WebhookNotifier::new(url, shared_secret.clone(), username.clone(), password.clone())
                    .expect("URL checked when parsed"),
            ),
        }
    }
}

/// `host[:port]`, `[v6]:port`.
fn split_host_port(s: &str, default: u16) -> Result<(String, u16), SpecError> {
    if let Some(rest) = s.strip_prefix('[') {
        let (h, tail) = rest.split_once(']').ok_or_else(|| SpecError(format!("bad address {s}")))?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| SpecError(format!("bad port in {s}")))?,
            None => default,
        };
        return Ok((h.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((h.to_string(), p.parse().map_err(|_| SpecError(format!("bad port in {s}")))?)),
        _ => Ok((s.to_string(), default)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(
            EndpointSpec::parse("syslog;127.0.0.1:5140;tcp;plaintextrfc").unwrap(),
            EndpointSpec::Syslog { host: "127.0.0.1".into(), port: 5140, protocol: Protocol::Tcp, format: Format::PlainTextRfc }
        );
        assert_eq!(
            EndpointSpec::parse("syslog;loghost").unwrap(),
            EndpointSpec::Syslog { host: "loghost".into(), port: 514, protocol: Protocol::Udp, format: Format::Json }
        );
        assert!(matches!(
            EndpointSpec::parse("webhook;http://127.0.0.1:8080/hook;s3cret;u:p").unwrap(),
            EndpointSpec::Webhook { shared_secret: Some(_), username: Some(_), .. }
        ));
        for bad in ["smtp;x", "syslog", "syslog;h:notaport", "syslog;h;xml", "webhook;https://x/", "webhook;"] {
            assert!(EndpointSpec::parse(bad).is_err(), "{bad}");
        }
        let v = serde_json::json!({"syslog_host": "10.0.0.1", "syslog_port": "1514", "syslog_alert_format": "json"});
        assert_eq!(
            EndpointSpec::from_ntopng("syslog", &v).unwrap().unwrap(),
            EndpointSpec::Syslog { host: "10.0.0.1".into(), port: 1514, protocol: Protocol::Udp, format: Format::Json }
        );
        assert_eq!(EndpointSpec::from_ntopng("email", &v).unwrap(), None);
    }
}
