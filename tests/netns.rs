//! A throwaway network namespace holding both ends of a veth pair, for live-capture tests.
//! Nothing leaves it: no addresses, no routes. Deleted on drop, also when a test panics.

#![allow(dead_code)]

use std::process::{Command, Output};

pub struct VethNamespace {
    pub name: String,
    /// The end the daemon monitors.
    pub monitored: String,
    /// The end packets are replayed into.
    pub peer: String,
}

fn run(args: &[&str]) -> Output {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{}: {e}", args[0]));
    assert!(out.status.success(), "{:?} failed: {}", args, String::from_utf8_lossy(&out.stderr));
    out
}

impl VethNamespace {
    /// `None` (with a visible SKIP) when not root or namespaces are unavailable.
    pub fn create(tag: &str) -> Option<VethNamespace> {
        VethNamespace::create_with_queues(tag, 1)
    }

    /// As [`VethNamespace::create`], with `queues` RX/TX queues on each end.
    pub fn create_with_queues(tag: &str, queues: u32) -> Option<VethNamespace> {
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } != 0 {
            eprintln!("SKIP {tag}: live-capture tests need root (CI runs as root)");
            return None;
        }
        let name = format!("ntopng-{tag}-{}", std::process::id());
        let ok = Command::new("ip").args(["netns", "add", &name]).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            eprintln!("SKIP {tag}: cannot create a network namespace (ip netns add)");
            return None;
        }
        let ns = VethNamespace { name, monitored: "mon0".into(), peer: "inj0".into() };
        // No IPv6 autoconfiguration chatter on the test links.
        ns.exec(&["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"]);
        ns.exec(&["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"]);
        let q = queues.to_string();
        ns.exec(&[
            "ip", "link", "add", &ns.monitored, "numrxqueues", &q, "numtxqueues", &q, "type", "veth", "peer", "name",
            &ns.peer, "numrxqueues", &q, "numtxqueues", &q,
        ]);
        ns.exec(&["ip", "link", "set", &ns.monitored, "up"]);
        ns.exec(&["ip", "link", "set", &ns.peer, "up"]);
        Some(ns)
    }

    /// Runs a command inside the namespace and asserts it succeeded.
    pub fn exec(&self, args: &[&str]) -> Output {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(args);
        run(&full)
    }

    /// A command that will run inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }
}

impl Drop for VethNamespace {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).status();
    }
}
