//! One AF_XDP socket bound to one RX queue, with its own UMEM, as an [`ntopng_capture::Source`].
//!
//! Written on raw `libc` rather than xsk-rs: the receive path is ~300 lines either way, and doing it directly
//! keeps libbpf-sys (a vendored C build of libbpf + libxdp that pins its version for the whole workspace and
//! cannot coexist with libbpf-rs) out of the build, lends frames straight from the UMEM without a wrapper's
//! lifetimes in the way, and gives direct access to `XDP_STATISTICS`, `XDP_OPTIONS` and the bind flags. The
//! program is loaded by aya, so nothing of libxdp's program management is wanted (xsk-rs would need
//! `XSK_LIBXDP_FLAGS_INHIBIT_PROG_LOAD` to stay out of the way).

use crate::sys;
use ntopng_capture::{CaptureError, Frame, LinkType, Poll, Source, SourceStats};
use std::io;
use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// How long `bind` retries while a queue is still held by a socket closed just before.
const BIND_BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// How the socket is bound to the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BindMode {
    /// Zero-copy when the driver supports it, copy otherwise (the kernel decides; [`XdpSource::zero_copy`]
    /// tells which).
    #[default]
    Auto,
    /// Always copy mode (`XDP_COPY`).
    Copy,
    /// Zero-copy or fail (`XDP_ZEROCOPY`).
    ZeroCopy,
}

/// Sizes of one socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketConfig {
    /// RX ring and fill ring entries (power of two).
    pub ring_size: u32,
    /// UMEM frames (power of two, at least `ring_size`); frames not in the fill ring wait in a free list.
    pub umem_frames: u32,
    /// UMEM chunk size: 2048 or 4096. A frame can hold `frame_size - 256` bytes of packet in copy mode.
    pub frame_size: u32,
    pub bind: BindMode,
    /// Longest wait of one `poll_batch` when nothing is ready.
    pub poll_timeout_ms: i32,
}

impl Default for SocketConfig {
    fn default() -> Self {
        SocketConfig { ring_size: 4096, umem_frames: 8192, frame_size: 2048, bind: BindMode::Auto, poll_timeout_ms: 10 }
    }
}

/// The socket's own counters (`getsockopt(SOL_XDP, XDP_STATISTICS)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct XskStats {
    /// Frames the kernel could not deliver: no free UMEM frame (fill ring empty) in copy mode, or too long for
    /// a frame.
    pub rx_dropped: u64,
    pub rx_invalid_descs: u64,
    /// Frames dropped because the RX ring was full.
    pub rx_ring_full: u64,
    /// Times the kernel found the fill ring empty (in copy mode these frames are also in `rx_dropped`).
    pub rx_fill_ring_empty_descs: u64,
}

/// A mapping released on drop.
struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    fn new(fd: Option<BorrowedFd<'_>>, len: usize, offset: u64, populate: bool) -> io::Result<Mapping> {
        let (flags, raw_fd) = match fd {
            Some(fd) => (libc::MAP_SHARED | if populate { libc::MAP_POPULATE } else { 0 }, fd.as_raw_fd()),
            None => (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | if populate { libc::MAP_POPULATE } else { 0 }, -1),
        };
        // SAFETY: a fresh mapping; the kernel checks fd/offset.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                flags,
                raw_fd,
                offset as libc::off_t,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping { ptr: ptr as *mut u8, len })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: our mapping, unmapped once.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}

/// A ring shared with the kernel: producer/consumer indices and `size` entries of `T`.
struct Ring<T> {
    _map: Mapping,
    producer: *const AtomicU32,
    consumer: *const AtomicU32,
    flags: *const AtomicU32,
    entries: *mut T,
    mask: u32,
    size: u32,
}

impl<T> Ring<T> {
    fn map(fd: BorrowedFd<'_>, off: &libc::xdp_ring_offset, size: u32, pgoff: u64) -> io::Result<Ring<T>> {
        let len = off.desc as usize + size as usize * size_of::<T>();
        let map = Mapping::new(Some(fd), len, pgoff, true)?;
        // SAFETY: the offsets are inside the mapping (the kernel sized it from these offsets).
        unsafe {
            Ok(Ring {
                producer: map.ptr.add(off.producer as usize) as *const AtomicU32,
                consumer: map.ptr.add(off.consumer as usize) as *const AtomicU32,
                flags: map.ptr.add(off.flags as usize) as *const AtomicU32,
                entries: map.ptr.add(off.desc as usize) as *mut T,
                mask: size - 1,
                size,
                _map: map,
            })
        }
    }

    fn producer(&self) -> &AtomicU32 {
        // SAFETY: points into the live mapping, u32-aligned.
        unsafe { &*self.producer }
    }

    fn consumer(&self) -> &AtomicU32 {
        // SAFETY: as above.
        unsafe { &*self.consumer }
    }

    fn needs_wakeup(&self) -> bool {
        // SAFETY: as above.
        unsafe { &*self.flags }.load(Ordering::Relaxed) & libc::XDP_RING_NEED_WAKEUP != 0
    }
}

fn setsockopt<T>(fd: BorrowedFd<'_>, opt: libc::c_int, v: &T) -> io::Result<()> {
    // SAFETY: passes a pointer to a live T and its size.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_XDP,
            opt,
            v as *const T as *const libc::c_void,
            size_of::<T>() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn getsockopt<T: Default>(fd: BorrowedFd<'_>, opt: libc::c_int) -> io::Result<T> {
    let mut v = T::default();
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: the kernel writes at most `len` bytes into v.
    let r = unsafe {
        libc::getsockopt(fd.as_raw_fd(), libc::SOL_XDP, opt, &mut v as *mut T as *mut libc::c_void, &mut len)
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(v)
    }
}

/// AF_XDP receive socket on one queue: a [`Source`] lending frames from its UMEM.
///
/// Frames are lent during `poll_batch` and their UMEM frames go back to the fill ring after the callback;
/// timestamps are wall-clock nanoseconds taken once per batch; when nothing is ready, `poll(2)` waits up to
/// [`SocketConfig::poll_timeout_ms`].
pub struct XdpSource {
    name: String,
    // Field order: rings and UMEM mappings are released before the socket closes.
    rx: Ring<libc::xdp_desc>,
    fill: Ring<u64>,
    umem: Mapping,
    fd: OwnedFd,
    queue: u32,
    frame_size: u32,
    free: Vec<u64>,
    zero_copy: bool,
    need_wakeup: bool,
    poll_timeout_ms: i32,
    frames: u64,
    bytes: u64,
    malformed: u64,
}

// SAFETY: the raw pointers address mappings this value owns; nothing else touches them from user space.
unsafe impl Send for XdpSource {}

impl XdpSource {
    /// Opens a socket on `queue` of the interface `ifindex` (named `ifname` in the source's name). The socket
    /// receives nothing until its fd is in the program's XSKMAP (see `XdpCapture::open_socket`). Errors keep the
    /// kernel's errno: ENOBUFS means the UMEM is over RLIMIT_MEMLOCK and the thread lacks CAP_IPC_LOCK;
    /// EOPNOTSUPP with [`BindMode::ZeroCopy`] means the driver has no zero-copy support.
    pub fn open(ifname: &str, ifindex: u32, queue: u32, cfg: &SocketConfig) -> io::Result<XdpSource> {
        let bad = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
        if !cfg.ring_size.is_power_of_two() || !cfg.umem_frames.is_power_of_two() {
            return Err(bad(format!(
                "ring size {} and UMEM frames {} must be powers of two",
                cfg.ring_size, cfg.umem_frames
            )));
        }
        if cfg.umem_frames < cfg.ring_size {
            return Err(bad(format!("UMEM frames {} < ring size {}", cfg.umem_frames, cfg.ring_size)));
        }
        if cfg.frame_size != 2048 && cfg.frame_size != 4096 {
            return Err(bad(format!("frame size {} (2048 or 4096)", cfg.frame_size)));
        }
        // SAFETY: plain syscall.
        let raw = unsafe { libc::socket(libc::AF_XDP, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fresh descriptor.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };

        let umem_len = cfg.umem_frames as usize * cfg.frame_size as usize;
        let umem = Mapping::new(None, umem_len, 0, true)?;
        let reg = libc::xdp_umem_reg {
            addr: umem.ptr as u64,
            len: umem_len as u64,
            chunk_size: cfg.frame_size,
            headroom: 0,
            flags: 0,
            tx_metadata_len: 0,
        };
        // ENOBUFS here: the UMEM is over RLIMIT_MEMLOCK and the thread lacks CAP_IPC_LOCK.
        setsockopt(fd.as_fd(), libc::XDP_UMEM_REG, &reg)?;
        setsockopt(fd.as_fd(), libc::XDP_UMEM_FILL_RING, &cfg.ring_size)?;
        // Receive only, but the kernel wants a completion ring before it binds.
        setsockopt(fd.as_fd(), libc::XDP_UMEM_COMPLETION_RING, &64u32)?;
        setsockopt(fd.as_fd(), libc::XDP_RX_RING, &cfg.ring_size)?;

        let off: libc::xdp_mmap_offsets = {
            let mut v: libc::xdp_mmap_offsets = unsafe_zeroed();
            let mut len = size_of::<libc::xdp_mmap_offsets>() as libc::socklen_t;
            // SAFETY: the kernel writes at most `len` bytes.
            let r = unsafe {
                libc::getsockopt(
                    fd.as_raw_fd(),
                    libc::SOL_XDP,
                    libc::XDP_MMAP_OFFSETS,
                    &mut v as *mut _ as *mut libc::c_void,
                    &mut len,
                )
            };
            if r < 0 {
                return Err(io::Error::last_os_error());
            }
            v
        };
        let rx = Ring::<libc::xdp_desc>::map(fd.as_fd(), &off.rx, cfg.ring_size, libc::XDP_PGOFF_RX_RING as u64)?;
        let fill = Ring::<u64>::map(fd.as_fd(), &off.fr, cfg.ring_size, libc::XDP_UMEM_PGOFF_FILL_RING)?;

        let mut s = XdpSource {
            name: format!("xdp:{ifname}@{queue}"),
            rx,
            fill,
            umem,
            fd,
            queue,
            frame_size: cfg.frame_size,
            free: (0..cfg.umem_frames as u64).rev().map(|i| i * cfg.frame_size as u64).collect(),
            zero_copy: false,
            need_wakeup: false,
            poll_timeout_ms: cfg.poll_timeout_ms,
            frames: 0,
            bytes: 0,
            malformed: 0,
        };
        // Stock the fill ring before binding: frames can arrive as soon as the socket is in the XSKMAP.
        s.refill();

        let bind_flags = libc::XDP_USE_NEED_WAKEUP
            | match cfg.bind {
                BindMode::Auto => 0,
                BindMode::Copy => libc::XDP_COPY,
                BindMode::ZeroCopy => libc::XDP_ZEROCOPY,
            };
        let sa = libc::sockaddr_xdp {
            sxdp_family: libc::AF_XDP as u16,
            sxdp_flags: bind_flags,
            sxdp_ifindex: ifindex,
            sxdp_queue_id: queue,
            sxdp_shared_umem_fd: 0,
        };
        // A socket closed just before on the same queue releases it from a kernel work item: EBUSY for a moment.
        let mut busy_until = None;
        loop {
            // SAFETY: binds our socket to a sockaddr_xdp of the right size.
            let r = unsafe {
                libc::bind(
                    s.fd.as_raw_fd(),
                    &sa as *const libc::sockaddr_xdp as *const libc::sockaddr,
                    size_of::<libc::sockaddr_xdp>() as libc::socklen_t,
                )
            };
            if r == 0 {
                break;
            }
            let e = io::Error::last_os_error();
            let deadline = *busy_until.get_or_insert_with(|| std::time::Instant::now() + BIND_BUSY_WAIT);
            if e.raw_os_error() != Some(libc::EBUSY) || std::time::Instant::now() >= deadline {
                return Err(e);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        s.need_wakeup = true;
        #[repr(C)]
        #[derive(Default)]
        struct Options {
            flags: u32,
        }
        s.zero_copy = getsockopt::<Options>(s.fd.as_fd(), libc::XDP_OPTIONS)
            .map(|o| o.flags & libc::XDP_OPTIONS_ZEROCOPY != 0)
            .unwrap_or(cfg.bind == BindMode::ZeroCopy);
        Ok(s)
    }

    /// The RX queue this socket is bound to.
    pub fn queue(&self) -> u32 {
        self.queue
    }

    /// True when bound in zero-copy mode, false in copy mode.
    pub fn zero_copy(&self) -> bool {
        self.zero_copy
    }

    /// The socket (for the XSKMAP).
    pub fn socket_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// UMEM size in bytes.
    pub fn umem_bytes(&self) -> usize {
        self.umem.len
    }

    /// The socket's drop counters.
    pub fn xsk_stats(&self) -> io::Result<XskStats> {
        let mut v: libc::xdp_statistics = unsafe_zeroed();
        let mut len = size_of::<libc::xdp_statistics>() as libc::socklen_t;
        // SAFETY: the kernel writes at most `len` bytes.
        let r = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_XDP,
                libc::XDP_STATISTICS,
                &mut v as *mut _ as *mut libc::c_void,
                &mut len,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(XskStats {
            rx_dropped: v.rx_dropped,
            rx_invalid_descs: v.rx_invalid_descs,
            rx_ring_full: v.rx_ring_full,
            rx_fill_ring_empty_descs: v.rx_fill_ring_empty_descs,
        })
    }

    /// Moves free UMEM frames into the fill ring, as many as fit.
    fn refill(&mut self) {
        let prod = self.fill.producer().load(Ordering::Relaxed);
        let cons = self.fill.consumer().load(Ordering::Acquire);
        let room = self.fill.size - prod.wrapping_sub(cons);
        let n = room.min(self.free.len() as u32);
        for i in 0..n {
            let addr = self.free.pop().expect("counted above");
            // SAFETY: index masked into the ring; only we write the producer side.
            unsafe { *self.fill.entries.add((prod.wrapping_add(i) & self.fill.mask) as usize) = addr };
        }
        if n > 0 {
            self.fill.producer().store(prod.wrapping_add(n), Ordering::Release);
        }
        if self.need_wakeup && self.fill.needs_wakeup() {
            // Zero-copy drivers sleep until asked to look at the fill ring again.
            // SAFETY: a zero-length, non-blocking receive on our socket.
            unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    std::ptr::null_mut(),
                    0,
                    libc::MSG_DONTWAIT,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                )
            };
        }
    }

    fn rx_ready(&self) -> u32 {
        let prod = self.rx.producer().load(Ordering::Acquire);
        let cons = self.rx.consumer().load(Ordering::Relaxed);
        prod.wrapping_sub(cons)
    }

    fn wait(&mut self) -> io::Result<()> {
        let mut pfd = libc::pollfd { fd: self.fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one pollfd.
        let r = unsafe { libc::poll(&mut pfd, 1, self.poll_timeout_ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        Ok(())
    }
}

fn unsafe_zeroed<T>() -> T {
    // SAFETY: only used for the plain-integer structs of linux/if_xdp.h.
    unsafe { std::mem::zeroed() }
}

impl Source for XdpSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn poll_batch(&mut self, max: usize, on_frame: &mut dyn FnMut(&Frame<'_>)) -> Result<Poll, CaptureError> {
        let io_err = |e: io::Error, name: &str| CaptureError::Io(PathBuf::from(name), e);
        let mut ready = self.rx_ready();
        if ready == 0 {
            self.refill();
            self.wait().map_err(|e| io_err(e, &self.name))?;
            ready = self.rx_ready();
            if ready == 0 {
                return Ok(Poll::Idle);
            }
        }
        let n = ready.min(max.min(u32::MAX as usize) as u32);
        let cons = self.rx.consumer().load(Ordering::Relaxed);
        let ts_ns = sys::realtime_ns();
        let chunk_mask = !(self.frame_size as u64 - 1);
        for i in 0..n {
            // SAFETY: index masked into the ring; the kernel published these entries (acquire above).
            let d = unsafe { std::ptr::read(self.rx.entries.add((cons.wrapping_add(i) & self.rx.mask) as usize)) };
            let (addr, len) = (d.addr as usize, d.len as usize);
            if addr.checked_add(len).is_some_and(|end| end <= self.umem.len) {
                // SAFETY: inside the UMEM; the kernel does not write this frame until it is in the fill ring again
                // (after the callback).
                let data = unsafe { std::slice::from_raw_parts(self.umem.ptr.add(addr), len) };
                self.frames += 1;
                self.bytes += len as u64;
                on_frame(&Frame { ts_ns, wire_len: len as u32, linktype: LinkType::ETHERNET, data });
            } else {
                self.malformed += 1;
            }
            self.free.push(d.addr & chunk_mask);
        }
        self.rx.consumer().store(cons.wrapping_add(n), Ordering::Release);
        self.refill();
        Ok(Poll::Ready(n as usize))
    }

    fn stats(&self) -> SourceStats {
        let x = self.xsk_stats().unwrap_or_default();
        // In copy mode an empty fill ring already shows in rx_dropped; in zero-copy the driver drops those frames
        // and only the fill-ring counter sees them.
        let fill_empty = if self.zero_copy { x.rx_fill_ring_empty_descs } else { 0 };
        SourceStats {
            frames: self.frames,
            bytes: self.bytes,
            drops: x.rx_dropped + x.rx_ring_full + fill_empty,
            malformed: self.malformed + x.rx_invalid_descs,
        }
    }
}
