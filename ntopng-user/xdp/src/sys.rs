//! Thin system-call wrappers: bpf(2) map element operations, interface facts (ethtool channels, netlink XDP
//! attachment), capabilities and limits. Everything acts in the calling thread's network namespace.

use std::ffi::CString;
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

fn last_err() -> io::Error {
    io::Error::last_os_error()
}

// ---- bpf(2) on map fds -----------------------------------------------------------------------------------

const BPF_MAP_LOOKUP_ELEM: libc::c_long = 1;
const BPF_MAP_UPDATE_ELEM: libc::c_long = 2;
const BPF_MAP_DELETE_ELEM: libc::c_long = 3;
pub(crate) const BPF_ANY: u64 = 0;
pub(crate) const BPF_NOEXIST: u64 = 1;

/// The `map_elem` member of `union bpf_attr`.
#[repr(C)]
#[derive(Default)]
struct MapElemAttr {
    map_fd: u32,
    _pad: u32,
    key: u64,
    value: u64,
    flags: u64,
}

fn bpf_elem(cmd: libc::c_long, map: BorrowedFd<'_>, key: *const u8, value: *const u8, flags: u64) -> io::Result<()> {
    let mut attr = MapElemAttr {
        map_fd: map.as_raw_fd() as u32,
        key: key as usize as u64,
        value: value as usize as u64,
        flags,
        ..Default::default()
    };
    // SAFETY: attr is a valid bpf_attr prefix of the size given; key/value point to buffers of the map's key and
    // value sizes (the callers size them from the map definition).
    let r = unsafe {
        libc::syscall(libc::SYS_bpf, cmd, &mut attr as *mut MapElemAttr, size_of::<MapElemAttr>() as libc::c_uint)
    };
    if r < 0 {
        Err(last_err())
    } else {
        Ok(())
    }
}

/// `BPF_MAP_LOOKUP_ELEM`: fills `value` (for per-CPU maps: one slot per possible CPU, each rounded up to 8 bytes).
pub(crate) fn map_lookup(map: BorrowedFd<'_>, key: &[u8], value: &mut [u8]) -> io::Result<()> {
    bpf_elem(BPF_MAP_LOOKUP_ELEM, map, key.as_ptr(), value.as_mut_ptr(), 0)
}

pub(crate) fn map_update(map: BorrowedFd<'_>, key: &[u8], value: &[u8], flags: u64) -> io::Result<()> {
    bpf_elem(BPF_MAP_UPDATE_ELEM, map, key.as_ptr(), value.as_ptr(), flags)
}

pub(crate) fn map_delete(map: BorrowedFd<'_>, key: &[u8]) -> io::Result<()> {
    bpf_elem(BPF_MAP_DELETE_ELEM, map, key.as_ptr(), std::ptr::null(), 0)
}

/// Number of possible CPUs, the number of slots in a per-CPU map value (`/sys/devices/system/cpu/possible`).
pub(crate) fn possible_cpus() -> io::Result<usize> {
    let s = std::fs::read_to_string("/sys/devices/system/cpu/possible")?;
    parse_cpu_list(s.trim())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("cannot parse possible CPUs {s:?}")))
}

fn parse_cpu_list(s: &str) -> Option<usize> {
    let mut n = 0usize;
    for part in s.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.parse::<usize>().ok()?, b.parse::<usize>().ok()?);
                n += b.checked_sub(a)? + 1;
            }
            None => {
                part.parse::<usize>().ok()?;
                n += 1;
            }
        }
    }
    (n > 0).then_some(n)
}

// ---- interfaces ------------------------------------------------------------------------------------------

pub(crate) fn if_index(name: &str) -> io::Result<u32> {
    let c = CString::new(name).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name with NUL"))?;
    // SAFETY: valid C string.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if i == 0 {
        Err(last_err())
    } else {
        Ok(i)
    }
}

const ETHTOOL_GCHANNELS: u32 = 0x3c;

#[repr(C)]
#[derive(Default)]
struct EthtoolChannels {
    cmd: u32,
    max_rx: u32,
    max_tx: u32,
    max_other: u32,
    max_combined: u32,
    rx_count: u32,
    tx_count: u32,
    other_count: u32,
    combined_count: u32,
}

#[repr(C)]
struct IfReqData {
    name: [u8; libc::IFNAMSIZ],
    data: *mut libc::c_void,
    _pad: [u8; 16],
}

fn socket(domain: libc::c_int, ty: libc::c_int, proto: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall.
    let fd = unsafe { libc::socket(domain, ty | libc::SOCK_CLOEXEC, proto) };
    if fd < 0 {
        return Err(last_err());
    }
    // SAFETY: fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Active RX queues of an interface: ethtool's channel counts (max of rx and combined); `None` when the
/// driver does not report channels.
pub(crate) fn rx_queue_count(name: &str) -> io::Result<Option<u32>> {
    if name.len() >= libc::IFNAMSIZ {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "interface name too long"));
    }
    let sock = socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    let mut ch = EthtoolChannels { cmd: ETHTOOL_GCHANNELS, ..Default::default() };
    let mut req = IfReqData { name: [0; libc::IFNAMSIZ], data: &mut ch as *mut _ as *mut libc::c_void, _pad: [0; 16] };
    req.name[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: SIOCETHTOOL reads the ifreq and writes the ethtool_channels it points to.
    let r = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCETHTOOL, &mut req as *mut IfReqData) };
    if r < 0 {
        let e = last_err();
        return if e.raw_os_error() == Some(libc::EOPNOTSUPP) { Ok(None) } else { Err(e) };
    }
    let n = ch.rx_count.max(ch.combined_count);
    Ok((n > 0).then_some(n))
}

/// How an XDP program is attached to an interface (netlink `IFLA_XDP_ATTACHED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XdpAttachment {
    /// Native (driver) mode.
    Driver,
    /// Generic (SKB) mode.
    Skb,
    /// Offloaded to the NIC.
    Hardware,
    /// Several modes at once.
    Multi,
}

/// The XDP program attached to an interface, as the kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachedXdp {
    pub mode: XdpAttachment,
    /// Kernel id of the program (`bpftool prog show id N`); 0 if not reported.
    pub prog_id: u32,
}

const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 1;
const IFLA_XDP: u16 = 43;
const IFLA_XDP_ATTACHED: u16 = 2;
const IFLA_XDP_PROG_ID: u16 = 4;

#[repr(C)]
struct LinkRequest {
    // struct nlmsghdr
    len: u32,
    ty: u16,
    flags: u16,
    seq: u32,
    pid: u32,
    // struct ifinfomsg
    family: u8,
    _pad: u8,
    if_type: u16,
    index: i32,
    if_flags: u32,
    change: u32,
}

fn nla_iter(mut b: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if b.len() < 4 {
            return None;
        }
        let len = u16::from_ne_bytes([b[0], b[1]]) as usize;
        let ty = u16::from_ne_bytes([b[2], b[3]]) & 0x3fff;
        if len < 4 || len > b.len() {
            return None;
        }
        let payload = &b[4..len];
        b = &b[((len + 3) & !3).min(b.len())..];
        Some((ty, payload))
    })
}

/// Asks the kernel (rtnetlink, in the calling thread's network namespace) which XDP program, if any, is
/// attached to `ifname`. The same facts `ip -d link show` prints as `prog/xdp id N`.
pub fn attached_xdp(ifname: &str) -> io::Result<Option<AttachedXdp>> {
    let index = if_index(ifname)?;
    let sock = socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE)?;
    let req = LinkRequest {
        len: size_of::<LinkRequest>() as u32,
        ty: RTM_GETLINK,
        flags: NLM_F_REQUEST,
        seq: 1,
        pid: 0,
        family: libc::AF_UNSPEC as u8,
        _pad: 0,
        if_type: 0,
        index: index as i32,
        if_flags: 0,
        change: 0,
    };
    // SAFETY: sends the request's bytes on our socket (to the kernel: no address means pid 0).
    let r = unsafe {
        libc::send(sock.as_raw_fd(), &req as *const LinkRequest as *const libc::c_void, size_of::<LinkRequest>(), 0)
    };
    if r < 0 {
        return Err(last_err());
    }
    let mut buf = vec![0u8; 64 * 1024];
    // SAFETY: receives into our buffer.
    let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr() as *mut libc::c_void, buf.len(), 0) };
    if n < 0 {
        return Err(last_err());
    }
    let msg = &buf[..n as usize];
    if msg.len() < 16 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "short netlink answer"));
    }
    let ty = u16::from_ne_bytes([msg[4], msg[5]]);
    let len = (u32::from_ne_bytes([msg[0], msg[1], msg[2], msg[3]]) as usize).min(msg.len());
    if ty == NLMSG_ERROR {
        let code = i32::from_ne_bytes([msg[16], msg[17], msg[18], msg[19]]);
        return Err(io::Error::from_raw_os_error(-code));
    }
    if ty != RTM_NEWLINK || len < 32 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("unexpected netlink message type {ty}")));
    }
    for (attr, payload) in nla_iter(&msg[32..len]) {
        if attr != IFLA_XDP {
            continue;
        }
        let mut mode = None;
        let mut prog_id = 0;
        for (a, p) in nla_iter(payload) {
            match a {
                IFLA_XDP_ATTACHED if !p.is_empty() => {
                    mode = match p[0] {
                        0 => None,
                        1 => Some(XdpAttachment::Driver),
                        2 => Some(XdpAttachment::Skb),
                        3 => Some(XdpAttachment::Hardware),
                        _ => Some(XdpAttachment::Multi),
                    }
                }
                IFLA_XDP_PROG_ID if p.len() >= 4 => prog_id = u32::from_ne_bytes([p[0], p[1], p[2], p[3]]),
                _ => {}
            }
        }
        return Ok(mode.map(|mode| AttachedXdp { mode, prog_id }));
    }
    Ok(None)
}

// ---- capabilities and limits -----------------------------------------------------------------------------

const CAP_IPC_LOCK: u32 = 14;

/// Whether the calling thread has CAP_IPC_LOCK in its effective set (then the kernel does not charge UMEM
/// pages against RLIMIT_MEMLOCK).
pub(crate) fn has_cap_ipc_lock() -> bool {
    let status = std::fs::read_to_string("/proc/thread-self/status")
        .or_else(|_| std::fs::read_to_string("/proc/self/status"))
        .unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << CAP_IPC_LOCK) != 0)
}

/// RLIMIT_MEMLOCK (soft) in bytes; `None` when unlimited.
pub(crate) fn memlock_limit() -> Option<u64> {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: writes the struct.
    if unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut r) } != 0 || r.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    Some(r.rlim_cur)
}

pub(crate) fn realtime_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: writes the struct.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0-1"), Some(2));
        assert_eq!(parse_cpu_list("0"), Some(1));
        assert_eq!(parse_cpu_list("0-3,8-11"), Some(8));
        assert_eq!(parse_cpu_list("0,2"), Some(2));
        assert_eq!(parse_cpu_list("x"), None);
        assert!(possible_cpus().unwrap() >= 1);
    }

    #[test]
    fn netlink_attributes() {
        // Two attributes, the first padded to 4 bytes.
        let b = [5u8, 0, 2, 0, 1, 0, 0, 0, 8, 0, 4, 0, 7, 0, 0, 0];
        let v: Vec<_> = nla_iter(&b).collect();
        assert_eq!(v, vec![(2, &[1u8][..]), (4, &[7u8, 0, 0, 0][..])]);
    }

    #[test]
    fn loopback_has_no_xdp_unless_attached() {
        // lo exists in every namespace; a fresh test machine has no program on it (no root needed to ask).
        let r = attached_xdp("lo").unwrap();
        if let Some(a) = r {
            eprintln!("note: lo carries an XDP program {a:?}");
        }
    }
}
