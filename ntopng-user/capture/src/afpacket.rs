//! Live capture through AF_PACKET with a TPACKET_V3 memory-mapped ring: the fallback when
//! XDP/AF_XDP cannot be used. Several sockets joined in one fanout group split an
//! interface's traffic by the kernel's flow hash, which orders addresses and ports before
//! hashing, so both directions of a flow reach the same socket (and worker).

use crate::{CaptureError, Frame, LinkType, Poll, Source, SourceStats};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{fence, Ordering};

/// How to open one AF_PACKET socket.
#[derive(Debug, Clone)]
pub struct AfPacketConfig {
    pub interface: String,
    /// Sockets with the same group id share the traffic (one per worker).
    pub fanout_group: Option<u16>,
    /// Ring geometry: `block_count` blocks of `block_size` bytes (a power of two, >= page size).
    pub block_size: u32,
    pub block_count: u32,
    /// A block is handed over after this long even if not full.
    pub block_timeout_ms: u32,
    pub promiscuous: bool,
}

impl AfPacketConfig {
    pub fn new(interface: &str) -> AfPacketConfig {
        AfPacketConfig {
            interface: interface.to_string(),
            fanout_group: None,
            block_size: 1 << 20,
            block_count: 16,
            block_timeout_ms: 10,
            promiscuous: true,
        }
    }
}

/// One AF_PACKET socket and its mapped ring.
pub struct AfPacketSource {
    name: String,
    fd: OwnedFd,
    ring: *mut u8,
    ring_len: usize,
    block_size: usize,
    block_count: usize,
    next_block: usize,
    stats: SourceStats,
    /// Frames whose VLAN tag the kernel moved into metadata get it back here, so every
    /// source hands the decoder the frame as it was on the wire.
    retag: Box<[u8]>,
}

// The ring belongs to this source alone; moving it to its worker thread is fine.
unsafe impl Send for AfPacketSource {}

const ETH_P_ALL: u16 = 0x0003;
const VLAN_TPID: u16 = 0x8100;

fn os_err(what: &str, iface: &str) -> CaptureError {
    let e = io::Error::last_os_error();
    CaptureError::Io(PathBuf::from(iface), io::Error::new(e.kind(), format!("AF_PACKET {what}: {e}")))
}

fn setsockopt<T>(fd: i32, level: i32, name: i32, value: &T) -> i32 {
    // SAFETY: `value` points to a live T of the given size.
    unsafe { libc::setsockopt(fd, level, name, value as *const T as *const libc::c_void, std::mem::size_of::<T>() as u32) }
}

impl AfPacketSource {
    pub fn open(cfg: &AfPacketConfig) -> Result<AfPacketSource, CaptureError> {
        let iface = cfg.interface.as_str();
        let cname = CString::new(iface).map_err(|_| os_err("interface name", iface))?;
        // SAFETY: plain syscalls; every result is checked.
        let ifindex = unsafe { libc::if_nametoindex(cname.as_ptr()) };
        if ifindex == 0 {
            return Err(CaptureError::Io(
                PathBuf::from(iface),
                io::Error::new(io::ErrorKind::NotFound, format!("no such network interface {iface}")),
            ));
        }
        let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, (ETH_P_ALL.to_be()) as i32) };
        if raw < 0 {
            return Err(os_err("socket (needs root or CAP_NET_RAW)", iface));
        }
        // SAFETY: `raw` is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let s = fd.as_raw_fd();
        let version = libc::tpacket_versions::TPACKET_V3 as i32;
        if setsockopt(s, libc::SOL_PACKET, libc::PACKET_VERSION, &version) != 0 {
            return Err(os_err("TPACKET_V3", iface));
        }
        let req = libc::tpacket_req3 {
            tp_block_size: cfg.block_size,
            tp_block_nr: cfg.block_count,
            tp_frame_size: 2048,
            tp_frame_nr: cfg.block_size / 2048 * cfg.block_count,
            tp_retire_blk_tov: cfg.block_timeout_ms,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        if setsockopt(s, libc::SOL_PACKET, libc::PACKET_RX_RING, &req) != 0 {
            return Err(os_err("ring setup", iface));
        }
        let ring_len = cfg.block_size as usize * cfg.block_count as usize;
        // SAFETY: maps the ring the kernel just allocated for this socket.
        let ring = unsafe {
            libc::mmap(std::ptr::null_mut(), ring_len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED | libc::MAP_LOCKED, s, 0)
        };
        let ring = if ring == libc::MAP_FAILED {
            // MAP_LOCKED may exceed RLIMIT_MEMLOCK: the ring works unlocked too.
            let r = unsafe { libc::mmap(std::ptr::null_mut(), ring_len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, s, 0) };
            if r == libc::MAP_FAILED {
                return Err(os_err("ring mmap", iface));
            }
            r
        } else {
            ring
        };
        let mut src = AfPacketSource {
            name: iface.to_string(),
            fd,
            ring: ring as *mut u8,
            ring_len,
            block_size: cfg.block_size as usize,
            block_count: cfg.block_count as usize,
            next_block: 0,
            stats: SourceStats::default(),
            retag: vec![0u8; cfg.block_size as usize + 4].into_boxed_slice(),
        };
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = ETH_P_ALL.to_be();
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: binds our socket to the interface.
        if unsafe { libc::bind(s, &sll as *const _ as *const libc::sockaddr, std::mem::size_of::<libc::sockaddr_ll>() as u32) }
            != 0
        {
            return Err(os_err("bind", iface));
        }
        if cfg.promiscuous {
            let mut mr: libc::packet_mreq = unsafe { std::mem::zeroed() };
            mr.mr_ifindex = ifindex as i32;
            mr.mr_type = libc::PACKET_MR_PROMISC as u16;
            if setsockopt(s, libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &mr) != 0 {
                return Err(os_err("promiscuous mode", iface));
            }
        }
        if let Some(group) = cfg.fanout_group {
            let arg: u32 = group as u32 | ((libc::PACKET_FANOUT_HASH | libc::PACKET_FANOUT_FLAG_DEFRAG) << 16);
            if setsockopt(s, libc::SOL_PACKET, libc::PACKET_FANOUT, &arg) != 0 {
                return Err(os_err("fanout", iface));
            }
        }
        src.stats = SourceStats::default();
        Ok(src)
    }

    fn block(&self, i: usize) -> *mut libc::tpacket_block_desc {
        // SAFETY: `i < block_count`, so the block lies inside the mapping.
        unsafe { self.ring.add(i * self.block_size) as *mut libc::tpacket_block_desc }
    }

    /// Kernel-side counters since the last read (reading resets them in the kernel).
    fn read_kernel_drops(&mut self) {
        let mut st: libc::tpacket_stats_v3 = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::tpacket_stats_v3>() as u32;
        // SAFETY: `st` is large enough for the answer.
        let rc = unsafe {
            libc::getsockopt(self.fd.as_raw_fd(), libc::SOL_PACKET, libc::PACKET_STATISTICS, &mut st as *mut _ as *mut libc::c_void, &mut len)
        };
        if rc == 0 {
            self.stats.drops += st.tp_drops as u64;
        }
    }

    fn wait(&self, timeout_ms: i32) {
        let mut p = libc::pollfd { fd: self.fd.as_raw_fd(), events: libc::POLLIN | libc::POLLERR, revents: 0 };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut p, 1, timeout_ms) };
    }
}

impl Source for AfPacketSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn poll_batch(&mut self, max: usize, on_frame: &mut dyn FnMut(&Frame<'_>)) -> Result<Poll, CaptureError> {
        let mut n = 0;
        while n < max {
            let block = self.block(self.next_block);
            // SAFETY: the block header is inside the mapping; the kernel flips the status word,
            // so read it volatile and order the packet reads after it.
            let status = unsafe { std::ptr::read_volatile(&(*block).hdr.bh1.block_status) };
            if status & libc::TP_STATUS_USER == 0 {
                if n == 0 {
                    self.wait(10);
                    let again = unsafe { std::ptr::read_volatile(&(*block).hdr.bh1.block_status) };
                    if again & libc::TP_STATUS_USER == 0 {
                        self.read_kernel_drops();
                        return Ok(Poll::Idle);
                    }
                    continue;
                }
                break;
            }
            fence(Ordering::Acquire);
            // SAFETY: the block is ours until we give it back below.
            let (count, first) = unsafe { ((*block).hdr.bh1.num_pkts, (*block).hdr.bh1.offset_to_first_pkt) };
            let base = block as *const u8;
            let mut off = first as usize;
            for _ in 0..count {
                if off + std::mem::size_of::<libc::tpacket3_hdr>() > self.block_size {
                    break;
                }
                // SAFETY: offsets come from the kernel and stay inside the block (checked).
                let h = unsafe { &*(base.add(off) as *const libc::tpacket3_hdr) };
                let start = off + h.tp_mac as usize;
                let caplen = h.tp_snaplen as usize;
                if start + caplen <= self.block_size {
                    let data = unsafe { std::slice::from_raw_parts(base.add(start), caplen) };
                    let ts_ns = h.tp_sec as u64 * 1_000_000_000 + h.tp_nsec as u64;
                    let tagged = h.tp_status & libc::TP_STATUS_VLAN_VALID != 0 && caplen >= 12;
                    let frame = if tagged {
                        let tpid = if h.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 { h.hv1.tp_vlan_tpid } else { VLAN_TPID };
                        let tci = h.hv1.tp_vlan_tci as u16;
                        let out = &mut self.retag[..caplen + 4];
                        out[..12].copy_from_slice(&data[..12]);
                        out[12..14].copy_from_slice(&tpid.to_be_bytes());
                        out[14..16].copy_from_slice(&tci.to_be_bytes());
                        out[16..].copy_from_slice(&data[12..]);
                        Frame { ts_ns, wire_len: h.tp_len + 4, linktype: LinkType::ETHERNET, data: &self.retag[..caplen + 4] }
                    } else {
                        Frame { ts_ns, wire_len: h.tp_len, linktype: LinkType::ETHERNET, data }
                    };
                    self.stats.frames += 1;
                    self.stats.bytes += frame.data.len() as u64;
                    on_frame(&frame);
                    n += 1;
                } else {
                    self.stats.malformed += 1;
                }
                if h.tp_next_offset == 0 {
                    break;
                }
                off += h.tp_next_offset as usize;
            }
            fence(Ordering::Release);
            // SAFETY: hands the block back to the kernel.
            unsafe { std::ptr::write_volatile(&mut (*block).hdr.bh1.block_status, libc::TP_STATUS_KERNEL) };
            self.next_block = (self.next_block + 1) % self.block_count;
            self.read_kernel_drops();
        }
        Ok(Poll::Ready(n))
    }

    fn stats(&self) -> SourceStats {
        self.stats
    }
}

impl Drop for AfPacketSource {
    fn drop(&mut self) {
        // SAFETY: unmaps the ring mapped in `open`; the descriptor closes after.
        unsafe { libc::munmap(self.ring as *mut libc::c_void, self.ring_len) };
    }
}
