//! The `-r` value of ntopng: `[host[:port[:password]]][@db]`.
//!
//! * `db` is what follows the **last** `@` when that is a decimal number (0..=255); otherwise the `@` belongs
//!   to the part before it (a password may contain `@`, e.g. `h:6379:p@ss`);
//! * `host` defaults to `127.0.0.1`, `port` to 6379, `db` to 0; empty fields take the default (`:6380`,
//!   `h::secret`);
//! * a `host` starting with `/` is the path of a unix socket (the port field, if any, is checked and ignored:
//!   `/run/redis.sock::secret@2`);
//! * an IPv6 address is written in brackets: `[::1]:6379`;
//! * the password is everything after the second `:` (it may contain `:`).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::StoreError;

pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 6379;

/// Where the Redis server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisAddr {
    Tcp { host: String, port: u16 },
    Unix(PathBuf),
}

/// A parsed `-r` value.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisSpec {
    pub addr: RedisAddr,
    pub password: Option<String>,
    pub db: u8,
}

impl Default for RedisSpec {
    fn default() -> Self {
        RedisSpec { addr: RedisAddr::Tcp { host: DEFAULT_HOST.into(), port: DEFAULT_PORT }, password: None, db: 0 }
    }
}

/// Shows the spec without its password.
impl fmt::Display for RedisSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.addr {
            RedisAddr::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}")?,
            RedisAddr::Tcp { host, port } => write!(f, "{host}:{port}")?,
            RedisAddr::Unix(path) => write!(f, "{}", path.display())?,
        }
        write!(f, "@{}", self.db)
    }
}

/// Like `Display`: the password never shows in logs.
impl fmt::Debug for RedisSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSpec")
            .field("addr", &self.addr)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("db", &self.db)
            .finish()
    }
}

impl FromStr for RedisSpec {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        parse_redis_spec(s)
    }
}

/// Parses ntopng's `-r` syntax (see the module documentation).
pub fn parse_redis_spec(spec: &str) -> Result<RedisSpec, StoreError> {
    let err = |reason: String| StoreError::BadRedisSpec { spec: spec.to_string(), reason };

    let (main, db) = match spec.rfind('@') {
        Some(at) if !spec[at + 1..].is_empty() && spec[at + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            let text = &spec[at + 1..];
            match text.parse::<u64>() {
                Ok(n) if n <= 255 => (&spec[..at], n as u8),
                _ => return Err(err(format!("database index '{text}' is out of range 0..255"))),
            }
        }
        _ => (spec, 0),
    };

    // Split off the host; `rest` is what follows it (empty, or starting with ':').
    let (host, rest) = if main.starts_with('[') {
        let Some(close) = main.find(']') else {
            return Err(err(format!("IPv6 address '{main}' lacks its closing ']'")));
        };
        let rest = &main[close + 1..];
        if !rest.is_empty() && !rest.starts_with(':') {
            return Err(err(format!("unexpected '{rest}' after IPv6 address '{}'", &main[..=close])));
        }
        (&main[1..close], rest)
    } else {
        match main.find(':') {
            Some(c) => (&main[..c], &main[c..]),
            None => (main, ""),
        }
    };
    let (port_text, password) = match rest.strip_prefix(':') {
        None => ("", ""),
        Some(r) => match r.find(':') {
            Some(c) => (&r[..c], &r[c + 1..]),
            None => (r, ""),
        },
    };

    let port = if port_text.is_empty() {
        DEFAULT_PORT
    } else {
        match port_text.parse::<u16>() {
            Ok(p) if p > 0 && port_text.bytes().all(|b| b.is_ascii_digit()) => p,
            _ => return Err(err(format!("port '{port_text}' is not a number in 1..65535"))),
        }
    };
    let password = (!password.is_empty()).then(|| password.to_string());

    let addr = if host.starts_with('/') {
        RedisAddr::Unix(PathBuf::from(host))
    } else if host.is_empty() {
        if main.starts_with('[') {
            return Err(err("empty IPv6 address '[]'".into()));
        }
        RedisAddr::Tcp { host: DEFAULT_HOST.into(), port }
    } else {
        let ipv6 = main.starts_with('[');
        let ok = host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') || (ipv6 && matches!(b, b':' | b'%'))
        });
        if !ok {
            let hint = if host.contains('@') { " (a database index after '@' must be a number 0..255)" } else { "" };
            return Err(err(format!("invalid host '{host}'{hint}")));
        }
        RedisAddr::Tcp { host: host.to_string(), port }
    };
    Ok(RedisSpec { addr, password, db })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> RedisAddr {
        RedisAddr::Tcp { host: host.into(), port }
    }

    fn ok(s: &str) -> RedisSpec {
        parse_redis_spec(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn bad(s: &str, needle: &str) {
        match parse_redis_spec(s) {
            Ok(spec) => panic!("{s:?} parsed as {spec:?}"),
            Err(e) => {
                let msg = e.to_string();
                assert!(matches!(e, StoreError::BadRedisSpec { .. }), "{msg}");
                assert!(msg.contains(&format!("'{s}'")), "error does not name the value: {msg}");
                assert!(msg.contains(needle), "error for {s:?} lacks {needle:?}: {msg}");
            }
        }
    }

    #[test]
    fn defaults() {
        assert_eq!(ok(""), RedisSpec::default());
        assert_eq!(ok("").addr, tcp("127.0.0.1", 6379));
        assert_eq!(ok("localhost"), RedisSpec { addr: tcp("localhost", 6379), password: None, db: 0 });
        assert_eq!(ok(":6380").addr, tcp("127.0.0.1", 6380));
    }

    #[test]
    fn forms_from_ntopng_docs() {
        assert_eq!(ok("@2"), RedisSpec { addr: tcp("127.0.0.1", 6379), password: None, db: 2 });
        assert_eq!(ok("10.0.0.1:6379@3"), RedisSpec { addr: tcp("10.0.0.1", 6379), password: None, db: 3 });
        assert_eq!(
            ok("host:6379:secret@0"),
            RedisSpec { addr: tcp("host", 6379), password: Some("secret".into()), db: 0 }
        );
        assert_eq!(
            ok("/var/run/redis/redis.sock@2"),
            RedisSpec { addr: RedisAddr::Unix("/var/run/redis/redis.sock".into()), password: None, db: 2 }
        );
        assert_eq!(ok("/var/run/redis/redis.sock").db, 0);
        assert_eq!(ok("redis.example.org:7000"), RedisSpec { addr: tcp("redis.example.org", 7000), ..ok("") });
        assert_eq!(ok("h@255").db, 255);
        assert_eq!(ok("h@0007").db, 7);
    }

    #[test]
    fn passwords() {
        assert_eq!(ok("h::pw"), RedisSpec { addr: tcp("h", 6379), password: Some("pw".into()), db: 0 });
        assert_eq!(ok("h:6379:"), RedisSpec { addr: tcp("h", 6379), password: None, db: 0 });
        assert_eq!(ok("h:6379:p:w@1").password.as_deref(), Some("p:w"));
        // db after the LAST '@', only when numeric
        let s = ok("h:6379:p@ss");
        assert_eq!((s.password.as_deref(), s.db), (Some("p@ss"), 0));
        let s = ok("h:6379:p@ss@4");
        assert_eq!((s.password.as_deref(), s.db), (Some("p@ss"), 4));
        let s = ok("h:6379:p@1x@12");
        assert_eq!((s.password.as_deref(), s.db), (Some("p@1x"), 12));
        let s = ok("/run/r.sock::secret@2");
        assert_eq!(s.addr, RedisAddr::Unix("/run/r.sock".into()));
        assert_eq!((s.password.as_deref(), s.db), (Some("secret"), 2));
    }

    #[test]
    fn ipv6() {
        assert_eq!(ok("[::1]:6380@1"), RedisSpec { addr: tcp("::1", 6380), password: None, db: 1 });
        assert_eq!(ok("[fe80::1%eth0]").addr, tcp("fe80::1%eth0", 6379));
        bad("[::1", "closing");
        bad("[::1]x", "after IPv6");
        bad("[]:6379", "empty IPv6");
    }

    #[test]
    fn errors_name_the_bad_value() {
        bad("h:abc", "port 'abc'");
        bad("h:0", "port '0'");
        bad("h:70000", "port '70000'");
        bad("h:+80", "port '+80'");
        bad("h:-1", "port '-1'");
        bad("@256", "database index '256'");
        bad("h:6379@99999999999999999999999", "out of range");
        bad("h@x", "invalid host 'h@x'");
        bad("h@", "invalid host 'h@'");
        bad("@", "invalid host '@'");
        bad("bad host", "invalid host 'bad host'");
        bad("/run/r.sock:xyz@1", "port 'xyz'");
    }

    #[test]
    fn display_hides_password() {
        let s = ok("host:6379:secret@3");
        assert_eq!(s.to_string(), "host:6379@3");
        assert!(!format!("{s:?}").contains("secret"));
        assert_eq!(ok("/run/r.sock@2").to_string(), "/run/r.sock@2");
        assert_eq!(ok("[::1]").to_string(), "[::1]:6379@0");
    }
}
