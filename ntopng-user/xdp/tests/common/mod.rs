//! Test scaffolding: a network namespace holding both ends of a veth pair (no route out, IPv6 off so the kernel
//! sends nothing of its own), entered by the test's thread and deleted on drop, even on panic; frames built by
//! hand with addresses in 198.18.0.0/15; an AF_PACKET sender on the peer end.

#![allow(dead_code)]

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

pub const IF_XDP: &str = "xdp0";
pub const IF_PEER: &str = "xdp1";

/// Prints a loud SKIP and returns false when the test cannot run here.
pub fn can_run(test: &str) -> bool {
    // SAFETY: plain syscall.
    if unsafe { libc::geteuid() } != 0 {
        skip(test, "needs root (network namespaces, BPF, AF_XDP)");
        return false;
    }
    true
}

/// Written straight to the process's stderr, past the test harness's capture, so a skip is seen.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "\n*** SKIP {test}: {why} ***\n");
}

fn run(args: &[&str]) -> io::Result<String> {
    let out = Command::new(args[0]).args(&args[1..]).output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!("{}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A namespace with `xdp0 <-> xdp1` inside; the creating thread is moved into it until drop.
pub struct NetNs {
    pub name: String,
    home: File,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl NetNs {
    /// `queues`: RX/TX queues of each veth end.
    pub fn new(tag: &str, queues: u32) -> io::Result<NetNs> {
        let name = format!("ntopng-xdp-{tag}-{}-{}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed));
        run(&["ip", "netns", "add", &name])?;
        let home = File::open("/proc/thread-self/ns/net")?;
        // From here on Drop cleans up.
        let ns = NetNs { name, home };
        let n = ns.name.as_str();
        let q = queues.to_string();
        run(&[
            "ip",
            "netns",
            "exec",
            n,
            "sysctl",
            "-qw",
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        ])?;
        run(&[
            "ip",
            "-n",
            n,
            "link",
            "add",
            IF_XDP,
            "numtxqueues",
            &q,
            "numrxqueues",
            &q,
            "type",
            "veth",
            "peer",
            "name",
            IF_PEER,
            "numtxqueues",
            &q,
            "numrxqueues",
            &q,
        ])?;
        for i in [IF_XDP, IF_PEER] {
            run(&["ip", "-n", n, "link", "set", i, "up"])?;
        }
        let target = File::open(format!("/run/netns/{n}"))?;
        // SAFETY: moves only this thread into the namespace.
        if unsafe { libc::setns(target.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(ns)
    }

    /// `ip -d link show dev IF` in the namespace.
    pub fn ip_link_show(&self, ifname: &str) -> String {
        run(&["ip", "-n", &self.name, "-d", "link", "show", "dev", ifname]).unwrap_or_else(|e| e.to_string())
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        // SAFETY: back to the namespace the thread started in.
        unsafe { libc::setns(self.home.as_raw_fd(), libc::CLONE_NEWNET) };
        if let Err(e) = run(&["ip", "netns", "del", &self.name]) {
            eprintln!("warning: deleting namespace {}: {e}", self.name);
        }
    }
}

/// Ethernet/IPv4/UDP frame, 198.18.0.0/15 addresses, `payload_len` bytes of payload starting with `seq`.
pub fn udp_frame(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, seq: u32, payload_len: usize) -> Vec<u8> {
    let payload_len = payload_len.max(4);
    let mut f = Vec::with_capacity(42 + payload_len);
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01]); // dst MAC (locally administered)
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    f.extend_from_slice(&0x0800u16.to_be_bytes());
    let total = (20 + 8 + payload_len) as u16;
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip[4..6].copy_from_slice(&(seq as u16).to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&src);
    ip[16..20].copy_from_slice(&dst);
    let mut sum: u32 = ip.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]]) as u32).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&((8 + payload_len) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]); // no UDP checksum (allowed for IPv4)
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend((4..payload_len).map(|i| (i as u32 ^ seq) as u8));
    f
}

/// AF_PACKET socket sending raw frames out of one interface of the current namespace.
pub struct Sender {
    fd: std::os::fd::OwnedFd,
    ifindex: i32,
}

impl Sender {
    pub fn new(ifname: &str) -> io::Result<Sender> {
        use std::os::fd::FromRawFd;
        // Protocol 0: sends only, receives nothing.
        // SAFETY: plain syscall.
        let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fresh descriptor.
        let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(raw) };
        let c = std::ffi::CString::new(ifname).unwrap();
        // SAFETY: valid C string.
        let ifindex = unsafe { libc::if_nametoindex(c.as_ptr()) } as i32;
        if ifindex == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Sender { fd, ifindex })
    }

    /// Sends one frame, retrying while the device pushes back.
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        // SAFETY: zeroed sockaddr_ll is valid.
        let mut sa: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sa.sll_family = libc::AF_PACKET as u16;
        sa.sll_ifindex = self.ifindex;
        sa.sll_halen = 6;
        sa.sll_addr[..6].copy_from_slice(&frame[..6]);
        for attempt in 0.. {
            // SAFETY: sends our buffer to a sockaddr_ll of the right size.
            let r = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    frame.as_ptr() as *const libc::c_void,
                    frame.len(),
                    0,
                    &sa as *const libc::sockaddr_ll as *const libc::sockaddr,
                    std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
                )
            };
            if r == frame.len() as isize {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            let busy = matches!(e.raw_os_error(), Some(libc::ENOBUFS) | Some(libc::EAGAIN) | Some(libc::ENETDOWN));
            if !busy || attempt > 1000 {
                return Err(e);
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        unreachable!()
    }
}

/// Pins the calling thread to one CPU (so per-CPU counters of a veth receive path stay on one CPU).
pub fn pin_to_cpu(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is valid; CPU_SET writes inside it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// Network layer of [`frame`].
pub enum Net {
    V4([u8; 4], [u8; 4]),
    V6([u8; 16], [u8; 16]),
}

/// Transport layer of [`frame`].
pub enum L4 {
    Tcp(u16, u16),
    Udp(u16, u16),
    /// ICMP (IPv4) or ICMPv6 echo request.
    Icmp,
}

/// Ethernet frame with VLAN tags (TPID, id; outermost first), IPv4/IPv6, TCP/UDP/ICMP and `payload` bytes.
pub fn frame(tags: &[(u16, u16)], net: Net, l4: L4, payload: usize) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02];
    for &(tpid, vid) in tags {
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&vid.to_be_bytes());
    }
    let v6 = matches!(net, Net::V6(..));
    let (proto, mut l4b) = match l4 {
        L4::Tcp(s, d) => {
            let mut h = vec![0u8; 20];
            h[..2].copy_from_slice(&s.to_be_bytes());
            h[2..4].copy_from_slice(&d.to_be_bytes());
            h[12] = 5 << 4;
            h[13] = 0x18;
            (6u8, h)
        }
        L4::Udp(s, d) => {
            let mut h = vec![0u8; 8];
            h[..2].copy_from_slice(&s.to_be_bytes());
            h[2..4].copy_from_slice(&d.to_be_bytes());
            h[4..6].copy_from_slice(&((8 + payload) as u16).to_be_bytes());
            (17u8, h)
        }
        L4::Icmp => (if v6 { 58 } else { 1 }, vec![if v6 { 128 } else { 8 }, 0, 0, 0, 0, 1, 0, 1]),
    };
    l4b.extend((0..payload).map(|i| i as u8));
    match net {
        Net::V4(s, d) => {
            f.extend_from_slice(&0x0800u16.to_be_bytes());
            let mut ip = [0u8; 20];
            ip[0] = 0x45;
            ip[2..4].copy_from_slice(&((20 + l4b.len()) as u16).to_be_bytes());
            ip[8] = 64;
            ip[9] = proto;
            ip[12..16].copy_from_slice(&s);
            ip[16..20].copy_from_slice(&d);
            f.extend_from_slice(&ip);
        }
        Net::V6(s, d) => {
            f.extend_from_slice(&0x86ddu16.to_be_bytes());
            let mut ip = [0u8; 40];
            ip[0] = 0x60;
            ip[4..6].copy_from_slice(&(l4b.len() as u16).to_be_bytes());
            ip[6] = proto;
            ip[7] = 64;
            ip[8..24].copy_from_slice(&s);
            ip[24..40].copy_from_slice(&d);
            f.extend_from_slice(&ip);
        }
    }
    f.extend_from_slice(&l4b);
    f
}
