//! ntopng's `-F clickhouse[;<host>[@<port>];<db>;<user>;<password>]` specification.
//!
//! As in ntopng: bare `clickhouse` is `127.0.0.1`, database `ntopng`, user `default`, empty password; an
//! empty database is `ntopng`; `localhost` is `127.0.0.1`; after the user, the rest of the string is the
//! password (it may contain `;`). Unlike ntopng, which inserts through `clickhouse-client` (native TCP
//! port, 9000) and reads through the MySQL protocol (9004), this build speaks ClickHouse's HTTP interface
//! for both, so the port is the HTTP port (default 8123). ntopng's two-port form `host@<tcp>,<mysql>` is
//! refused with a message saying so rather than silently mapped to a port that speaks another protocol.

use std::fmt;

/// ClickHouse's default HTTP port.
pub const DEFAULT_HTTP_PORT: u16 = 8123;

#[derive(Clone, PartialEq, Eq)]
pub struct ClickHouseSpec {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: String,
}

// The password never reaches a log line.
impl fmt::Debug for ClickHouseSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for ClickHouseSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "clickhouse://{}@{}:{}/{}", self.user, self.host, self.port, self.database)
    }
}

impl ClickHouseSpec {
    /// The server's HTTP address.
    pub fn url(&self) -> String {
        if self.host.contains(':') {
            format!("http://[{}]:{}", self.host, self.port)
        } else {
            format!("http://{}:{}", self.host, self.port)
        }
    }

    /// Parses what follows `clickhouse` in `-F` (`None` for bare `clickhouse`). Errors name the spec.
    pub fn parse(rest: Option<&str>) -> Result<ClickHouseSpec, String> {
        let mut spec = ClickHouseSpec {
            host: "127.0.0.1".into(),
            port: DEFAULT_HTTP_PORT,
            database: "ntopng".into(),
            user: "default".into(),
            password: String::new(),
        };
        let Some(rest) = rest else { return Ok(spec) };
        let shown = "-F clickhouse;<host>[@<http port>];<db>;<user>;<password>";
        let mut parts = rest.splitn(4, ';');
        let host = parts.next().unwrap_or("").trim();
        let db = parts.next().map(str::trim);
        let user = parts.next().map(str::trim);
        let password = parts.next();
        if host.is_empty() {
            return Err(format!("{shown}: the host is empty"));
        }
        let (name, port) = match host.rsplit_once('@') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        };
        let name = name.trim_start_matches('[').trim_end_matches(']');
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '/' || c == '?' || c == '#') {
            return Err(format!("{shown}: \"{name}\" is not a host name or address"));
        }
        spec.host = if name.eq_ignore_ascii_case("localhost") { "127.0.0.1".into() } else { name.to_string() };
        if let Some(port) = port {
            if port.contains(',') {
                return Err(format!(
                    "{shown}: \"@{port}\" is ntopng's native-TCP,MySQL port pair; this build talks to ClickHouse \
                     over HTTP: give the HTTP port alone (default {DEFAULT_HTTP_PORT})"
                ));
            }
            if port.ends_with('s') {
                return Err(format!("{shown}: \"@{port}\": TLS to ClickHouse is not supported by this build"));
            }
            spec.port = match port.parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(format!("{shown}: \"{port}\" is not a port number")),
            };
        }
        if let Some(db) = db.filter(|d| !d.is_empty()) {
            // The name goes into CREATE DATABASE and every query: identifier characters only.
            if !db.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || db.starts_with(|c: char| c.is_ascii_digit())
            {
                return Err(format!("{shown}: \"{db}\" is not a database name (letters, digits, '_')"));
            }
            spec.database = db.to_string();
        }
        if let Some(user) = user.filter(|u| !u.is_empty()) {
            spec.user = user.to_string();
        }
        if let Some(pw) = password {
            spec.password = pw.to_string();
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntopngs_forms() {
        let d = ClickHouseSpec::parse(None).unwrap();
        assert_eq!(
            (d.host.as_str(), d.port, d.database.as_str(), d.user.as_str(), d.password.as_str()),
            ("127.0.0.1", 8123, "ntopng", "default", "")
        );
        let s = ClickHouseSpec::parse(Some("localhost@18123;flows_db;ntop;pa;ss;word")).unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.database.as_str(), s.user.as_str(), s.password.as_str()),
            ("127.0.0.1", 18123, "flows_db", "ntop", "pa;ss;word")
        );
        let s = ClickHouseSpec::parse(Some("ch.example;;;")).unwrap();
        assert_eq!(
            (s.host.as_str(), s.database.as_str(), s.user.as_str(), s.password.as_str()),
            ("ch.example", "ntopng", "default", "")
        );
        assert_eq!(ClickHouseSpec::parse(Some("[::1]@9999;db")).unwrap().url(), "http://[::1]:9999");
        assert!(!format!("{:?}", ClickHouseSpec::parse(Some("h;d;u;secret")).unwrap()).contains("secret"));
    }

    #[test]
    fn refusals_name_the_spec() {
        for (rest, what) in [
            ("", "host is empty"),
            ("h@9000,9004;db;u;p", "port pair"),
            ("h@9000s;db;u;p", "TLS"),
            ("h@http;db", "not a port number"),
            ("h@0;db", "not a port number"),
            ("h;db-1;u;p", "not a database name"),
            ("h;x`y;u;p", "not a database name"),
            ("h/x;db", "not a host"),
        ] {
            let e = ClickHouseSpec::parse(Some(rest)).unwrap_err();
            assert!(e.contains("-F clickhouse") && e.contains(what), "{rest}: {e}");
        }
    }
}
