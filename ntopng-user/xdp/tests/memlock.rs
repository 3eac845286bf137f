//! Measures what RLIMIT_MEMLOCK (8 MiB on the test machines, not raisable) means for AF_XDP and BPF maps:
//! with CAP_IPC_LOCK (root) a UMEM four times the limit registers; a thread without CAP_IPC_LOCK is refused it
//! (ENOBUFS), gets a UMEM under the limit, and `XdpCapture` shrinks its UMEMs to fit; BPF maps larger than the
//! limit are created either way (memory-cgroup accounting).

mod common;

use common::{can_run, skip, NetNs, IF_XDP};
use ntopng_xdp::*;
use std::os::fd::AsRawFd;

const CAP_IPC_LOCK: u32 = 14;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

fn cap_ipc_lock_effective() -> bool {
    let s = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    let eff = s.lines().find_map(|l| l.strip_prefix("CapEff:")).unwrap().trim().to_string();
    u64::from_str_radix(&eff, 16).unwrap() & (1 << CAP_IPC_LOCK) != 0
}

/// Drops capabilities from this thread's effective set (capabilities are per thread).
fn drop_caps(caps: &[u32]) {
    let mut h = CapHeader { version: 0x2008_0522, pid: 0 };
    let mut d = [CapData::default(); 2];
    // SAFETY: capget/capset with a v3 header and two data slots.
    unsafe {
        assert_eq!(libc::syscall(libc::SYS_capget, &mut h as *mut CapHeader, d.as_mut_ptr()), 0);
        for &c in caps {
            d[(c / 32) as usize].effective &= !(1 << (c % 32));
        }
        assert_eq!(libc::syscall(libc::SYS_capset, &mut h as *mut CapHeader, d.as_ptr()), 0);
    }
}

fn drop_cap_ipc_lock() {
    drop_caps(&[CAP_IPC_LOCK]);
    assert!(!cap_ipc_lock_effective());
}

/// BPF_MAP_CREATE of an ARRAY of `bytes` (4 KiB values); Ok when the kernel accepts it.
fn create_array_map(bytes: usize) -> std::io::Result<()> {
    #[repr(C)]
    struct Create {
        map_type: u32,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
        map_flags: u32,
    }
    let a = Create { map_type: 2, key_size: 4, value_size: 4096, max_entries: (bytes / 4096) as u32, map_flags: 0 };
    // SAFETY: BPF_MAP_CREATE (0) with a bpf_attr prefix.
    let fd = unsafe { libc::syscall(libc::SYS_bpf, 0, &a as *const Create, std::mem::size_of::<Create>() as u32) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: our fd.
    unsafe { libc::close(fd as i32) };
    Ok(())
}

fn sock(frames: u32) -> SocketConfig {
    SocketConfig { ring_size: 2048, umem_frames: frames, ..SocketConfig::default() }
}

#[test]
fn umem_memlock_accounting() {
    let test = "umem_memlock_accounting";
    if !can_run(test) {
        return;
    }
    let ns = match NetNs::new("memlock", 2) {
        Ok(ns) => ns,
        Err(e) => return skip(test, &format!("no namespace: {e}")),
    };
    let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: writes the struct.
    unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut rl) };
    eprintln!("RLIMIT_MEMLOCK soft {} KiB, hard {} KiB", rl.rlim_cur >> 10, rl.rlim_max >> 10);
    if rl.rlim_cur == libc::RLIM_INFINITY || rl.rlim_cur > 16 << 20 {
        return skip(test, "RLIMIT_MEMLOCK is not small here: nothing to measure");
    }
    let ifindex = {
        let c = std::ffi::CString::new(IF_XDP).unwrap();
        // SAFETY: valid C string.
        unsafe { libc::if_nametoindex(c.as_ptr()) }
    };
    let big = 16384; // x 2048 B = 32 MiB, four times an 8 MiB limit
    if cap_ipc_lock_effective() {
        let s = XdpSource::open(IF_XDP, ifindex, 1, &sock(big)).expect("CAP_IPC_LOCK: UMEM not charged");
        eprintln!("with CAP_IPC_LOCK: {} MiB UMEM registered and bound to queue 1", s.umem_bytes() >> 20);
    } else {
        eprintln!("note: no CAP_IPC_LOCK even as root here; skipping the with-capability half");
    }

    let ns_path = format!("/run/netns/{}", ns.name);
    std::thread::spawn(move || {
        let f = std::fs::File::open(&ns_path).unwrap();
        // SAFETY: moves this thread into the test namespace.
        assert_eq!(unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) }, 0);
        drop_cap_ipc_lock();

        let e = XdpSource::open(IF_XDP, ifindex, 0, &sock(big)).err().expect("32 MiB over the limit is refused");
        eprintln!("without CAP_IPC_LOCK: 32 MiB UMEM refused: {e}");
        assert_eq!(e.raw_os_error(), Some(libc::ENOBUFS), "{e}");
        let s = XdpSource::open(IF_XDP, ifindex, 0, &sock(2048)).expect("4 MiB fits");
        eprintln!("without CAP_IPC_LOCK: {} MiB UMEM registered", s.umem_bytes() >> 20);
        drop(s);

        // The loader shrinks what it asks for to fit (queue 0 again: bind waits out the socket just closed).
        let mut cfg = CaptureConfig::new(IF_XDP);
        cfg.ring_size = 8192;
        cfg.queues = Queues::List(vec![0]);
        let mut cap = XdpCapture::open(&cfg).expect("loads and attaches without CAP_IPC_LOCK");
        let sc = *cap.socket_config();
        let umem = sc.umem_frames as u64 * sc.frame_size as u64;
        assert!(umem <= rl.rlim_cur, "UMEM {umem} fits the limit");
        let srcs = cap.open_sources().expect("shrunk UMEM registers");
        eprintln!(
            "without CAP_IPC_LOCK: ring 8192 asked, got ring {} / UMEM {} KiB; {} socket(s) open",
            sc.ring_size,
            umem >> 10,
            srcs.len()
        );

        // Maps are not charged to RLIMIT_MEMLOCK.
        create_array_map(32 << 20).expect("a 32 MiB BPF array map despite the 8 MiB limit");
        eprintln!("without CAP_IPC_LOCK: a 32 MiB BPF array map was created (memcg accounting)");
    })
    .join()
    .unwrap();
}
