//! Without CAP_BPF/CAP_SYS_ADMIN/CAP_NET_ADMIN the kernel refuses, and the error says it is a permission
//! matter (what the live tests turn into a SKIP). A test binary of its own: aya probes the kernel's BPF features
//! once per process, and a probe made without capabilities would mislead every later load in the process.

mod common;

use common::{can_run, skip, NetNs, IF_XDP};
use ntopng_xdp::*;
use std::os::fd::AsRawFd;

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

#[test]
fn refused_bpf_is_a_permission_error() {
    let test = "refused_bpf_is_a_permission_error";
    if !can_run(test) {
        return;
    }
    let ns = match NetNs::new("noperm", 1) {
        Ok(ns) => ns,
        Err(e) => return skip(test, &format!("no namespace: {e}")),
    };
    let ns_path = format!("/run/netns/{}", ns.name);
    std::thread::spawn(move || {
        let f = std::fs::File::open(&ns_path).unwrap();
        // SAFETY: moves this thread into the test namespace.
        assert_eq!(unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) }, 0);
        // CAP_NET_ADMIN 12, CAP_SYS_ADMIN 21, CAP_BPF 39.
        drop_caps(&[12, 21, 39]);
        let e = XdpCapture::open(&CaptureConfig::new(IF_XDP)).expect_err("no BPF without capabilities");
        eprintln!("without CAP_BPF: {e}");
        assert!(e.is_permission(), "{e}");
    })
    .join()
    .unwrap();
}
