//! What the daemon tells the pool about itself (instance name, shutdown flag, preferences, local networks,
//! HTTP prefix), shared by every VM of the pool; and the local-networks list behind `ntop.getNetworks()` & co.

use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use ipnet::IpNet;

use crate::vm::Paths;

/// ntopng's limit on local networks (`CONST_MAX_NUM_NETWORKS`).
pub(crate) const MAX_LOCAL_NETWORKS: usize = 1024;

/// One local network: id = its position in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalNetwork {
    pub net: IpNet,
    /// The network as ntopng names it: network address and prefix length (`192.168.1.0/24`).
    pub name: String,
    /// The alias given with `-m net=alias`.
    pub alias: Option<String>,
}

/// The local networks, in `-m` order, plus those added at run time by `ntop.addLocalNetwork`.
#[derive(Debug, Default, Clone)]
pub(crate) struct LocalNetworks {
    nets: Vec<LocalNetwork>,
}

/// Parses `cidr`, `cidr=alias` or a bare address (a host network); the host bits are cleared, as ntopng does.
pub(crate) fn parse_network(spec: &str) -> Result<LocalNetwork, String> {
    let (cidr, alias) = match spec.split_once('=') {
        Some((c, a)) => (c.trim(), Some(a.trim()).filter(|a| !a.is_empty()).map(str::to_string)),
        None => (spec.trim(), None),
    };
    let net = match cidr.parse::<IpNet>() {
        Ok(n) => n.trunc(),
        Err(_) => match cidr.parse::<IpAddr>() {
            Ok(ip) => IpNet::from(ip),
            Err(_) => return Err(format!("'{cidr}' is not a network in CIDR notation")),
        },
    };
    Ok(LocalNetwork { name: net.to_string(), net, alias })
}

impl LocalNetworks {
    pub fn parse(specs: &[String]) -> Result<Self, String> {
        let mut l = LocalNetworks::default();
        for s in specs.iter().flat_map(|s| s.split(',')).filter(|s| !s.trim().is_empty()) {
            l.add(parse_network(s)?)?;
        }
        Ok(l)
    }

    /// Adds `n` unless already there; its id.
    pub fn add(&mut self, n: LocalNetwork) -> Result<usize, String> {
        if let Some(id) = self.id_of(&n.name) {
            return Ok(id);
        }
        if self.nets.len() >= MAX_LOCAL_NETWORKS {
            return Err(format!("too many local networks (at most {MAX_LOCAL_NETWORKS})"));
        }
        self.nets.push(n);
        Ok(self.nets.len() - 1)
    }

    pub fn all(&self) -> &[LocalNetwork] {
        &self.nets
    }

    pub fn get(&self, id: usize) -> Option<&LocalNetwork> {
        self.nets.get(id)
    }

    /// The id of the network named `name` (any CIDR spelling of it).
    pub fn id_of(&self, name: &str) -> Option<usize> {
        let want = parse_network(name).ok()?.net;
        self.nets.iter().position(|n| n.net == want)
    }

    /// The id of the most specific network containing `ip`.
    pub fn find(&self, ip: IpAddr) -> Option<usize> {
        self.nets
            .iter()
            .enumerate()
            .filter(|(_, n)| n.net.contains(&ip))
            .max_by_key(|(i, n)| (n.net.prefix_len(), std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
    }
}

/// Jiffies of the `cpu` line of /proc/stat.
pub(crate) type CpuTimes = [u64; 10];

/// State shared by the VMs of a pool.
pub(crate) struct Daemon {
    pub instance_name: String,
    pub shutting_down: Arc<AtomicBool>,
    pub prefs: serde_json::Map<String, serde_json::Value>,
    pub http_prefix: String,
    pub local_networks: RwLock<LocalNetworks>,
    /// The path policy of the file-system bindings.
    pub paths: Paths,
    /// Upper bound on outbound HTTP timeouts.
    pub time_budget: Duration,
    /// The previous CPU sample and the shares computed from it (`ntop.refreshCPULoad`).
    pub cpu: Mutex<CpuSample>,
    /// Reverse resolutions in flight (`ntop.resolveName`), bounded.
    pub resolving: Arc<std::sync::atomic::AtomicUsize>,
}

#[derive(Default)]
pub(crate) struct CpuSample {
    pub last: Option<CpuTimes>,
    /// Percent of time in each state over the last interval (since boot before the first refresh).
    pub states: Option<[f64; 10]>,
}

/// The host name, the default instance name.
pub(crate) fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "ntopng".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_ids_aliases_and_lookup() {
        let l =
            LocalNetworks::parse(&["192.168.1.5/24=LAN_1,10.0.0.0/8".into(), "10.1.0.0/16".into(), "fe80::/10".into()])
                .unwrap();
        let names: Vec<_> = l.all().iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["192.168.1.0/24", "10.0.0.0/8", "10.1.0.0/16", "fe80::/10"]);
        assert_eq!(l.get(0).unwrap().alias.as_deref(), Some("LAN_1"));
        assert_eq!(l.id_of("10.0.0.0/8"), Some(1));
        assert_eq!(l.id_of("10.0.0.1/8"), Some(1));
        assert_eq!(l.find("10.1.2.3".parse().unwrap()), Some(2), "the most specific network");
        assert_eq!(l.find("10.2.2.3".parse().unwrap()), Some(1));
        assert_eq!(l.find("fe80::1".parse().unwrap()), Some(3));
        assert_eq!(l.find("8.8.8.8".parse().unwrap()), None);
        assert!(LocalNetworks::parse(&["300.1.1.1/8".into()]).is_err());
        let mut l2 = l.clone();
        assert_eq!(l2.add(parse_network("192.168.1.0/24").unwrap()), Ok(0), "duplicates are ignored");
        assert_eq!(l2.all().len(), 4);
    }
}
