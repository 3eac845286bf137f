//! Local networks (`-m`): which hosts are "local".

use ipnet::IpNet;
use ntopng_wire::Addr;
use std::net::IpAddr;

#[derive(Debug, Clone, Default)]
pub struct LocalNetworks {
    nets: Vec<(IpNet, Option<String>)>,
}

impl LocalNetworks {
    /// What ntopng installs when no `-m` is given.
    pub fn ntopng_default() -> LocalNetworks {
        LocalNetworks::parse("127.0.0.0/8,fe80::/10").expect("valid default")
    }

    /// Parses ntopng's `-m` value: comma-separated CIDRs, each optionally `=alias`.
    /// A value naming a readable file is read as one network per line (`#` comments).
    pub fn parse(spec: &str) -> Result<LocalNetworks, String> {
        let mut out = LocalNetworks::default();
        out.extend(spec)?;
        Ok(out)
    }

    /// Adds the networks of another `-m` (they accumulate, as in ntopng).
    pub fn extend(&mut self, spec: &str) -> Result<(), String> {
        let text;
        let spec = if std::path::Path::new(spec).is_file() {
            text = std::fs::read_to_string(spec).map_err(|e| format!("-m {spec}: {e}"))?;
            text.lines()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| l.replace(['"', '\'', ' ', '\t', '\r'], ""))
                .collect::<Vec<_>>()
                .join(",")
        } else {
            spec.to_string()
        };
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (net, alias) = match item.split_once('=') {
                Some((n, a)) => (n, Some(a.to_string())),
                None => (item, None),
            };
            let parsed: IpNet = match net.parse() {
                Ok(n) => n,
                Err(_) => net
                    .parse::<IpAddr>()
                    .map(IpNet::from)
                    .map_err(|_| format!("invalid local network \"{item}\" (expected CIDR like 192.168.1.0/24)"))?,
            };
            let parsed = parsed.trunc();
            if !self.nets.iter().any(|(n, _)| *n == parsed) {
                self.nets.push((parsed, alias));
            }
        }
        Ok(())
    }

    /// Network id (insertion order) of the network containing `a`.
    pub fn network_of(&self, a: &Addr) -> Option<u16> {
        let ip = a.to_ip();
        self.nets.iter().position(|(n, _)| n.contains(&ip)).map(|i| i as u16)
    }

    pub fn is_local(&self, a: &Addr) -> bool {
        self.network_of(a).is_some()
    }

    pub fn networks(&self) -> impl Iterator<Item = (&IpNet, Option<&str>)> {
        self.nets.iter().map(|(n, a)| (n, a.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_aliases_and_rejects_garbage() {
        let n = LocalNetworks::parse("198.18.0.0/15=LAN, 2001:db8::/32").unwrap();
        assert!(n.is_local(&Addr::from_v4([198, 19, 1, 1])));
        assert!(!n.is_local(&Addr::from_v4([198, 20, 0, 1])));
        assert_eq!(n.network_of(&Addr::from_ip("2001:db8::5".parse().unwrap())), Some(1));
        assert_eq!(n.networks().next().unwrap().1, Some("LAN"));
        let e = LocalNetworks::parse("198.18.0.0/99").unwrap_err();
        assert!(e.contains("198.18.0.0/99"), "{e}");
    }
}
