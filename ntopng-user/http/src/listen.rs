//! ntopng's `-w` / `-W` values (cli.md §2.3): `port` (all addresses), `:port` (loopback), `addr:port`
//! (`[v6]:port` for IPv6), `0` = off. Only the first comma-separated token counts, as in ntopng.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The address to listen on, `None` when the server is off (`0`).
pub fn parse_listen(spec: &str) -> Result<Option<SocketAddr>, String> {
    let s = spec.split(',').next().unwrap_or("").trim();
    let bad = || format!("invalid web server address {spec:?} (expected port, :port or addr:port)");
    let port = |p: &str| p.parse::<u16>().map_err(|_| bad());
    let (ip, p) = if let Some(p) = s.strip_prefix(':') {
        (IpAddr::V4(Ipv4Addr::LOCALHOST), port(p)?)
    } else if let Some(rest) = s.strip_prefix('[') {
        let (a, p) = rest.split_once("]:").ok_or_else(bad)?;
        (IpAddr::V6(a.parse::<Ipv6Addr>().map_err(|_| bad())?), port(p)?)
    } else if let Some((a, p)) = s.rsplit_once(':') {
        (a.parse::<IpAddr>().map_err(|_| bad())?, port(p)?)
    } else {
        (IpAddr::V4(Ipv4Addr::UNSPECIFIED), port(s)?)
    };
    Ok(if p == 0 { None } else { Some(SocketAddr::new(ip, p)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse_listen("3000").unwrap(), Some("0.0.0.0:3000".parse().unwrap()));
        assert_eq!(parse_listen(":3000").unwrap(), Some("127.0.0.1:3000".parse().unwrap()));
        assert_eq!(parse_listen("192.168.1.5:8080").unwrap(), Some("192.168.1.5:8080".parse().unwrap()));
        assert_eq!(parse_listen("[::1]:3000").unwrap(), Some("[::1]:3000".parse().unwrap()));
        assert_eq!(parse_listen("3000,3001").unwrap(), Some("0.0.0.0:3000".parse().unwrap()));
        assert_eq!(parse_listen("0").unwrap(), None);
        for bad in ["", "x", "70000", "1.2.3:80", "[::1]3000"] {
            assert!(parse_listen(bad).is_err(), "{bad}");
        }
    }
}
