//! The syslog endpoint: one message per alert to `host:port` over UDP (one datagram each) or TCP
//! (newline-terminated, one connection kept open). Facility 14 ("log alert"), the level from the
//! alert's severity (ntopng's severity → syslog level table, checks.md §1.3). Header formats as ntopng
//! sends them to a remote host: BSD (RFC 3164) `<PRI>Mmm dd hh:mm:ss HOST ntopng[PID]: MSG` for the
//! `json` and `plaintext` formats, RFC 5424 `<PRI>1 TIMESTAMP HOST ntopng PID - - MSG` for `plaintextrfc`.

use super::{Notification, Notifier};
use ntopng_checks::Severity;
use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

/// ntopng's facility for alerts ("log alert").
const FACILITY: u8 = 14;
/// A connect or send taking longer than this fails the attempt.
const TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Udp,
    Tcp,
}

/// `syslog_alert_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The notification's JSON as the message, BSD header.
    Json,
    /// A one-line text, BSD header.
    PlainText,
    /// A one-line text, RFC 5424 header.
    PlainTextRfc,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "json" => Format::Json,
            "plaintext" | "text" => Format::PlainText,
            "plaintextrfc" => Format::PlainTextRfc,
            _ => return None,
        })
    }
}

/// Syslog level of a severity. ntopng's table maps `none` to 10, which is not a level; info here.
pub fn level(sev: Severity) -> u8 {
    match sev {
        Severity::Emergency => 0,
        Severity::Alert => 1,
        Severity::Critical => 2,
        Severity::Error => 3,
        Severity::Warning => 4,
        Severity::Notice => 5,
        Severity::Info | Severity::None => 6,
        Severity::Debug => 7,
    }
}

pub struct SyslogNotifier {
    host: String,
    port: u16,
    protocol: Protocol,
    format: Format,
    hostname: String,
    udp: Option<UdpSocket>,
    tcp: Option<TcpStream>,
}

impl SyslogNotifier {
    pub fn new(host: String, port: u16, protocol: Protocol, format: Format) -> SyslogNotifier {
        SyslogNotifier { host, port, protocol, format, hostname: hostname(), udp: None, tcp: None }
    }

    /// The full syslog message of `n` sent at `now` (Unix seconds and milliseconds).
    pub fn message(&self, n: &Notification, now_ms: i64) -> String {
        let pri = FACILITY * 8 + level(n.severity);
        let body = match self.format {
            Format::Json => n.to_json_text(),
            Format::PlainText | Format::PlainTextRfc => n.to_text(),
        };
        let pid = std::process::id();
        match self.format {
            Format::PlainTextRfc => {
                format!("<{pri}>1 {} {} ntopng {pid} - - {body}", rfc5424_time(now_ms), self.hostname)
            }
            Format::Json | Format::PlainText => {
                format!("<{pri}>{} {} ntopng[{pid}]: {body}", rfc3164_time(now_ms / 1000), self.hostname)
            }
        }
    }

    fn addr(&self) -> std::io::Result<std::net::SocketAddr> {
        (self.host.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, format!("{}: no address", self.host)))
    }

    fn send(&mut self, msg: &str) -> std::io::Result<()> {
        match self.protocol {
            Protocol::Udp => {
                if self.udp.is_none() {
                    let addr = self.addr()?;
                    let local = if addr.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
                    let s = UdpSocket::bind(local)?;
                    s.connect(addr)?;
                    self.udp = Some(s);
                }
                let s = self.udp.as_ref().expect("socket");
                s.send(msg.as_bytes()).map(|_| ())
            }
            Protocol::Tcp => {
                if self.tcp.is_none() {
                    let s = TcpStream::connect_timeout(&self.addr()?, TIMEOUT)?;
                    s.set_write_timeout(Some(TIMEOUT))?;
                    self.tcp = Some(s);
                }
                let s = self.tcp.as_mut().expect("stream");
                let r = s.write_all(msg.as_bytes()).and_then(|_| s.write_all(b"\n"));
                if r.is_err() {
                    // Reconnect on the next attempt.
                    self.tcp = None;
                }
                r
            }
        }
    }
}

impl Notifier for SyslogNotifier {
    fn describe(&self) -> String {
        let p = if self.protocol == Protocol::Tcp { "tcp" } else { "udp" };
        format!("syslog {p}://{}:{}", self.host, self.port)
    }

    fn max_batch(&self) -> usize {
        64
    }

    /// Messages already sent in a failed batch are sent again on retry: syslog has no
    /// acknowledgement, and a duplicate is better than a gap.
    fn deliver(&mut self, batch: &[Notification]) -> std::io::Result<()> {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        for n in batch {
            let m = self.message(n, now_ms);
            self.send(&m)?;
        }
        Ok(())
    }
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer and its length are valid; gethostname NUL-terminates within it on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let name = if rc == 0 {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    if name.is_empty() { "localhost".into() } else { name }
}

fn broken_down(secs: i64, local: bool) -> libc::tm {
    // SAFETY: tm is plain data; the *_r functions fill it from a valid time_t.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        let t = secs as libc::time_t;
        if local {
            libc::localtime_r(&t, &mut tm);
        } else {
            libc::gmtime_r(&t, &mut tm);
        }
        tm
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `Mmm dd hh:mm:ss` in local time, the day padded with a space (RFC 3164).
pub fn rfc3164_time(secs: i64) -> String {
    let tm = broken_down(secs, true);
    format!(
        "{} {:>2} {:02}:{:02}:{:02}",
        MONTHS[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

/// `YYYY-MM-DDThh:mm:ss.mmmZ` in UTC (RFC 5424).
pub fn rfc5424_time(ms: i64) -> String {
    let tm = broken_down(ms.div_euclid(1000), false);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::{Action, Notification};
    use ntopng_checks::Family;

    fn flow_note(severity: i64) -> Notification {
        let cols = serde_json::json!({"alert_id": 40, "severity": severity, "score": 250, "cli_ip": "10.0.0.1",
            "cli_port": 1234, "srv_ip": "10.0.0.2", "srv_port": 80, "json": "{\"a\":1}", "interface_id": 0});
        Notification::from_columns(Family::Flow, Action::Store, "SQL Injection", cols.as_object().unwrap().clone())
    }

    #[test]
    fn headers_and_levels() {
        assert_eq!(rfc5424_time(1_605_810_681_003), "2020-11-19T18:31:21.003Z");
        let n = flow_note(8);
        let json = SyslogNotifier::new("h".into(), 514, Protocol::Udp, Format::Json).message(&n, 1_605_810_681_003);
        // Facility 14, emergency (level 0): PRI 112.
        assert!(json.starts_with("<112>Nov "), "{json}");
        let body = json.split_once("]: ").unwrap().1;
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!((v["alert_id"].as_i64(), v["json"]["a"].as_i64(), v["action"].as_str()), (Some(40), Some(1), Some("store")));
        let rfc = SyslogNotifier::new("h".into(), 514, Protocol::Udp, Format::PlainTextRfc).message(&flow_note(5), 1_605_810_681_003);
        assert!(rfc.starts_with("<115>1 2020-11-19T18:31:21.003Z "), "{rfc}");
        assert!(rfc.ends_with("- - [Error][Flow] SQL Injection 10.0.0.1:1234 -> 10.0.0.2:80 [score 250]"), "{rfc}");
    }
}
