//! Live capture through XDP and AF_XDP: the user half of `ntopng-ebpf`.
//!
//! [`XdpCapture::open`] loads the XDP program with aya, writes its config map and attaches it to the interface
//! (driver mode, falling back to generic/SKB mode with a log line when the driver refuses; detached on drop).
//! [`XdpCapture::open_sources`] then opens one AF_XDP socket per RX queue ([`XdpSource`], an
//! [`ntopng_capture::Source`]) and puts each in the program's XSKMAP. [`BypassMap`] hands flows to the kernel
//! (it implements the engine's `FlowOffload`), [`StatsReader`]/[`KernelStats`] read the program's counters, and
//! [`attached_xdp`] asks the kernel what is attached to an interface.
//!
//! Memory: UMEM pages are charged to RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK (root has it; measured
//! by the `umem_memlock_accounting` test); BPF maps are charged to the memory cgroup (kernel >= 5.11), not to
//! RLIMIT_MEMLOCK. Without CAP_IPC_LOCK the UMEMs are shrunk to fit the limit, and the startup log says so.

mod maps;
mod sys;
mod xsk;

pub use maps::{BypassMap, KernelStats, StatsReader};
pub use ntopng_ebpf::{BpfFlowKey, BypassCounters, XdpCounters};
pub use sys::{attached_xdp, AttachedXdp, XdpAttachment};
pub use xsk::{BindMode, SocketConfig, XdpSource, XskStats};

use aya::programs::xdp::XdpLinkId;
use aya::programs::{Xdp, XdpMode};
use aya::{Ebpf, EbpfLoader};
use std::io;
use std::os::fd::{AsFd, OwnedFd};

/// How to attach the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttachMode {
    /// Driver (native) mode, generic (SKB) mode when the driver refuses.
    #[default]
    Auto,
    /// Driver mode or fail.
    Driver,
    /// Generic (SKB) mode.
    Skb,
}

/// Which frames reach user space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    #[default]
    All,
    /// On each CPU the 1st, (N+1)th, (2N+1)th... frame that reaches the sampling step is kept (frames of bypassed
    /// flows are not counted): N frames on one CPU give ceil(N / n) to user space.
    Packets(u32),
    /// Whole flows: a frame is kept when `FlowKey::hash32 % n == 0` (frames without a flow key, such as ARP,
    /// are sampled by packet).
    Flows(u32),
}

/// Which RX queues get a socket.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Queues {
    /// Every active RX queue (ethtool channel count; 1 when the driver does not say).
    #[default]
    All,
    List(Vec<u32>),
}

/// Everything live capture on one interface needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureConfig {
    pub interface: String,
    pub queues: Queues,
    /// RX and fill ring entries per socket (power of two).
    pub ring_size: u32,
    /// UMEM frames per socket (power of two, >= ring_size; 0: twice the ring size).
    pub umem_frames: u32,
    /// 2048 (packets up to 1792 bytes) or 4096 (up to 3840).
    pub frame_size: u32,
    pub sampling: Sampling,
    /// Look flows up in the bypass map.
    pub bypass: bool,
    /// Bypass map capacity.
    pub bypass_entries: u32,
    pub attach: AttachMode,
    pub bind: BindMode,
    /// Longest wait in one `poll_batch` when nothing is ready.
    pub poll_timeout_ms: i32,
}

impl CaptureConfig {
    pub fn new(interface: &str) -> CaptureConfig {
        CaptureConfig {
            interface: interface.to_string(),
            queues: Queues::All,
            ring_size: 4096,
            umem_frames: 0,
            frame_size: 2048,
            sampling: Sampling::All,
            bypass: true,
            bypass_entries: ntopng_ebpf::DEFAULT_BYPASS_ENTRIES,
            attach: AttachMode::Auto,
            bind: BindMode::Auto,
            poll_timeout_ms: 10,
        }
    }

    fn kernel_config(&self) -> Result<ntopng_ebpf::XdpConfig, XdpError> {
        let (sample_rate, flows) = match self.sampling {
            Sampling::All => (0, false),
            Sampling::Packets(n) => (n, false),
            Sampling::Flows(n) => (n, true),
        };
        if matches!(self.sampling, Sampling::Packets(0) | Sampling::Flows(0)) {
            return Err(XdpError::Config("a sampling rate of 0".into()));
        }
        let mut flags = 0;
        if self.bypass {
            flags |= ntopng_ebpf::F_BYPASS;
        }
        if flows {
            flags |= ntopng_ebpf::F_SAMPLE_FLOWS;
        }
        Ok(ntopng_ebpf::XdpConfig { sample_rate, flags })
    }
}

/// Errors opening live capture.
#[derive(Debug)]
pub enum XdpError {
    /// The interface does not exist (in this thread's network namespace).
    NoInterface(String, io::Error),
    Config(String),
    /// aya could not load the object or the program (EPERM here: no BPF for this process).
    Load(String),
    /// Attaching was refused in every mode tried.
    Attach(String),
    /// A map, socket or other system call failed.
    Io(String, io::Error),
}

impl XdpError {
    /// The kernel refused BPF itself (not root, no CAP_BPF, or BPF disabled).
    pub fn is_permission(&self) -> bool {
        match self {
            XdpError::Load(m) | XdpError::Attach(m) => {
                m.contains("Operation not permitted") || m.contains("EPERM") || m.contains("Function not implemented")
            }
            XdpError::Io(_, e) => matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::ENOSYS)),
            _ => false,
        }
    }
}

impl std::fmt::Display for XdpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            XdpError::NoInterface(i, e) => write!(f, "no interface {i}: {e}"),
            XdpError::Config(m) => write!(f, "XDP capture config: {m}"),
            XdpError::Load(m) => write!(f, "loading the XDP program: {m}"),
            XdpError::Attach(m) => write!(f, "attaching the XDP program: {m}"),
            XdpError::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for XdpError {}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The mode the program ended up attached in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachedMode {
    Driver,
    Skb,
}

/// The XDP program loaded and attached to one interface. Detaches (and unloads) on drop.
pub struct XdpCapture {
    ebpf: Ebpf,
    link: Option<XdpLinkId>,
    interface: String,
    ifindex: u32,
    mode: AttachedMode,
    queues: Vec<u32>,
    socket: SocketConfig,
    config_fd: OwnedFd,
    stats: StatsReader,
    bypass: Option<BypassMap>,
    program_id: u32,
}

const MIB: u64 = 1 << 20;

impl XdpCapture {
    /// Loads the program, writes the config map and attaches to `cfg.interface` (in the calling thread's network
    /// namespace). Sockets are opened afterwards with [`XdpCapture::open_sources`].
    pub fn open(cfg: &CaptureConfig) -> Result<XdpCapture, XdpError> {
        let ifindex = sys::if_index(&cfg.interface).map_err(|e| XdpError::NoInterface(cfg.interface.clone(), e))?;
        let kcfg = cfg.kernel_config()?;
        let active = sys::rx_queue_count(&cfg.interface).ok().flatten();
        let queues: Vec<u32> = match &cfg.queues {
            Queues::All => (0..active.unwrap_or(1)).collect(),
            Queues::List(v) if v.is_empty() => return Err(XdpError::Config("an empty queue list".into())),
            Queues::List(v) => v.clone(),
        };
        if let (Some(n), Some(&q)) = (active, queues.iter().find(|&&q| active.is_some_and(|n| q >= n))) {
            return Err(XdpError::Config(format!("{} has {n} RX queues, no queue {q}", cfg.interface)));
        }
        let socket = Self::sized_sockets(cfg, queues.len())?;
        let xsk_entries = queues.iter().max().map_or(1, |&q| q + 1);

        let mut ebpf = EbpfLoader::new()
            .map_max_entries(ntopng_ebpf::MAP_XSKS, xsk_entries)
            .map_max_entries(ntopng_ebpf::MAP_BYPASS, cfg.bypass_entries.max(1))
            .load(ntopng_ebpf::object())
            .map_err(|e| XdpError::Load(chain(&e)))?;
        let map_fd = |ebpf: &Ebpf, name: &str| -> Result<OwnedFd, XdpError> {
            let map = ebpf.map(name).ok_or_else(|| XdpError::Load(format!("map {name} missing from the object")))?;
            let data = match map {
                aya::maps::Map::Array(d)
                | aya::maps::Map::PerCpuArray(d)
                | aya::maps::Map::PerCpuHashMap(d)
                | aya::maps::Map::XskMap(d) => d,
                other => return Err(XdpError::Load(format!("map {name} has an unexpected type {other:?}"))),
            };
            data.fd().as_fd().try_clone_to_owned().map_err(|e| XdpError::Io(format!("duplicating map {name}"), e))
        };
        let config_fd = map_fd(&ebpf, ntopng_ebpf::MAP_CONFIG)?;
        let stats = StatsReader::new(map_fd(&ebpf, ntopng_ebpf::MAP_STATS)?)
            .map_err(|e| XdpError::Io("counting CPUs".into(), e))?;
        let bypass = if cfg.bypass {
            Some(
                BypassMap::new(map_fd(&ebpf, ntopng_ebpf::MAP_BYPASS)?)
                    .map_err(|e| XdpError::Io("counting CPUs".into(), e))?,
            )
        } else {
            None
        };
        maps::write_config(&config_fd, &kcfg).map_err(|e| XdpError::Io("writing the config map".into(), e))?;

        let prog: &mut Xdp = ebpf
            .program_mut(ntopng_ebpf::PROGRAM)
            .ok_or_else(|| XdpError::Load(format!("program {} missing from the object", ntopng_ebpf::PROGRAM)))?
            .try_into()
            .map_err(|e: aya::programs::ProgramError| XdpError::Load(chain(&e)))?;
        prog.load().map_err(|e| XdpError::Load(chain(&e)))?;
        let program_id = prog.info().map(|i| i.id()).unwrap_or(0);
        let try_attach = |prog: &mut Xdp, mode| prog.attach_to_if_index(ifindex, mode).map_err(|e| chain(&e));
        let (link, mode) = match cfg.attach {
            AttachMode::Driver => (try_attach(prog, XdpMode::Driver).map_err(XdpError::Attach)?, AttachedMode::Driver),
            AttachMode::Skb => (try_attach(prog, XdpMode::Skb).map_err(XdpError::Attach)?, AttachedMode::Skb),
            AttachMode::Auto => match try_attach(prog, XdpMode::Driver) {
                Ok(l) => (l, AttachedMode::Driver),
                Err(e) => {
                    log::warn!(
                        "{}: the driver refused XDP in native mode ({e}); attaching in generic (SKB) mode, slower",
                        cfg.interface
                    );
                    let l = try_attach(prog, XdpMode::Skb)
                        .map_err(|e2| XdpError::Attach(format!("driver mode: {e}; SKB mode: {e2}")))?;
                    (l, AttachedMode::Skb)
                }
            },
        };

        let umem = socket.umem_frames as u64 * socket.frame_size as u64;
        log::info!(
            "XDP on {} (ifindex {ifindex}): program id {program_id} attached in {} mode; queues {:?}; sampling {:?}; \
             bypass {} ({} entries); per socket: ring {} entries, UMEM {} frames x {} B = {:.1} MiB, {:.1} MiB for \
             all queues; RLIMIT_MEMLOCK {}; CAP_IPC_LOCK {} (UMEM {}charged to that limit); BPF maps are charged to \
             the memory cgroup",
            cfg.interface,
            if mode == AttachedMode::Driver { "driver (native)" } else { "generic (SKB)" },
            queues,
            cfg.sampling,
            if cfg.bypass { "on" } else { "off" },
            cfg.bypass_entries,
            socket.ring_size,
            socket.umem_frames,
            socket.frame_size,
            umem as f64 / MIB as f64,
            (umem * queues.len() as u64) as f64 / MIB as f64,
            sys::memlock_limit().map_or("unlimited".to_string(), |l| format!("{:.1} MiB", l as f64 / MIB as f64)),
            if sys::has_cap_ipc_lock() { "yes" } else { "no" },
            if sys::has_cap_ipc_lock() { "not " } else { "" },
        );
        Ok(XdpCapture {
            ebpf,
            link: Some(link),
            interface: cfg.interface.clone(),
            ifindex,
            mode,
            queues,
            socket,
            config_fd,
            stats,
            bypass,
            program_id,
        })
    }

    /// Socket sizes for `n` queues: as asked, or shrunk to fit RLIMIT_MEMLOCK when the kernel will charge the
    /// UMEMs to it (no CAP_IPC_LOCK).
    fn sized_sockets(cfg: &CaptureConfig, n: usize) -> Result<SocketConfig, XdpError> {
        let ring = cfg.ring_size;
        if !ring.is_power_of_two() || ring < 64 {
            return Err(XdpError::Config(format!("ring size {ring}: a power of two >= 64")));
        }
        let mut s = SocketConfig {
            ring_size: ring,
            umem_frames: if cfg.umem_frames == 0 { ring * 2 } else { cfg.umem_frames },
            frame_size: cfg.frame_size,
            bind: cfg.bind,
            poll_timeout_ms: cfg.poll_timeout_ms,
        };
        if sys::has_cap_ipc_lock() {
            return Ok(s);
        }
        if let Some(limit) = sys::memlock_limit() {
            // Leave a quarter of the limit for whatever else the process locks.
            let budget = limit * 3 / 4 / n.max(1) as u64;
            let asked = s.umem_frames as u64 * s.frame_size as u64;
            if asked > budget {
                let mut frames = (budget / s.frame_size as u64).max(1);
                frames = 1 << (63 - frames.leading_zeros());
                if frames < 128 {
                    return Err(XdpError::Config(format!(
                        "RLIMIT_MEMLOCK {} KiB leaves {} KiB per queue without CAP_IPC_LOCK: too small for an AF_XDP UMEM",
                        limit >> 10,
                        budget >> 10
                    )));
                }
                s.umem_frames = frames as u32;
                s.ring_size = s.ring_size.min(s.umem_frames / 2);
                log::warn!(
                    "{}: no CAP_IPC_LOCK, RLIMIT_MEMLOCK {} KiB: UMEM shrunk from {} to {} KiB per queue, ring {} entries",
                    cfg.interface,
                    limit >> 10,
                    asked >> 10,
                    (s.umem_frames as u64 * s.frame_size as u64) >> 10,
                    s.ring_size
                );
            }
        }
        Ok(s)
    }

    /// Opens an AF_XDP socket on `queue` and puts it in the XSKMAP: from now on the queue's frames reach it.
    pub fn open_socket(&mut self, queue: u32) -> Result<XdpSource, XdpError> {
        let src = XdpSource::open(&self.interface, self.ifindex, queue, &self.socket).map_err(|e| {
            let hint = match e.raw_os_error() {
                Some(libc::ENOBUFS) => " (UMEM over RLIMIT_MEMLOCK without CAP_IPC_LOCK)",
                Some(libc::EOPNOTSUPP) if self.socket.bind == BindMode::ZeroCopy => " (no zero-copy in this driver)",
                _ => "",
            };
            XdpError::Io(format!("AF_XDP socket on {} queue {queue}{hint}", self.interface), e)
        })?;
        let map = self
            .ebpf
            .map_mut(ntopng_ebpf::MAP_XSKS)
            .ok_or_else(|| XdpError::Load(format!("map {} missing", ntopng_ebpf::MAP_XSKS)))?;
        let mut xsks: aya::maps::XskMap<&mut aya::maps::MapData> =
            map.try_into().map_err(|e: aya::maps::MapError| XdpError::Load(chain(&e)))?;
        use std::os::fd::AsRawFd;
        xsks.set(queue, src.socket_fd().as_raw_fd(), 0)
            .map_err(|e| XdpError::Io(format!("XSKMAP[{queue}]"), io::Error::other(chain(&e))))?;
        log::info!(
            "{}: AF_XDP socket on queue {queue}, {} mode, UMEM {:.1} MiB",
            self.interface,
            if src.zero_copy() { "zero-copy" } else { "copy" },
            src.umem_bytes() as f64 / MIB as f64
        );
        Ok(src)
    }

    /// One socket per configured queue, in queue order.
    pub fn open_sources(&mut self) -> Result<Vec<XdpSource>, XdpError> {
        self.queues.clone().into_iter().map(|q| self.open_socket(q)).collect()
    }

    pub fn interface(&self) -> &str {
        &self.interface
    }

    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    pub fn mode(&self) -> AttachedMode {
        self.mode
    }

    /// The queues sockets are opened on.
    pub fn queues(&self) -> &[u32] {
        &self.queues
    }

    /// Sizes each socket gets (after any shrinking to fit RLIMIT_MEMLOCK).
    pub fn socket_config(&self) -> &SocketConfig {
        &self.socket
    }

    /// The kernel's id of the loaded program (what `ip link` shows as `prog/xdp id N`).
    pub fn program_id(&self) -> u32 {
        self.program_id
    }

    /// The bypass map, when bypass is on.
    pub fn bypass(&self) -> Option<BypassMap> {
        self.bypass.clone()
    }

    pub fn stats_reader(&self) -> StatsReader {
        self.stats.clone()
    }

    /// The program's counters, summed over CPUs (and per CPU).
    pub fn kernel_stats(&self) -> io::Result<KernelStats> {
        self.stats.read()
    }

    /// Changes sampling (and bypass on/off) while running: the program reads its config for every frame.
    pub fn set_sampling(&self, sampling: Sampling, bypass: bool) -> Result<(), XdpError> {
        let probe = CaptureConfig { sampling, bypass, ..CaptureConfig::new(&self.interface) };
        let k = probe.kernel_config()?;
        maps::write_config(&self.config_fd, &k).map_err(|e| XdpError::Io("writing the config map".into(), e))
    }

    /// Detaches now (also done on drop).
    pub fn detach(mut self) -> Result<(), XdpError> {
        self.detach_inner()
    }

    fn detach_inner(&mut self) -> Result<(), XdpError> {
        let Some(link) = self.link.take() else { return Ok(()) };
        let prog: &mut Xdp = self
            .ebpf
            .program_mut(ntopng_ebpf::PROGRAM)
            .and_then(|p| p.try_into().ok())
            .ok_or_else(|| XdpError::Attach("program vanished".into()))?;
        prog.detach(link).map_err(|e| XdpError::Attach(chain(&e)))?;
        log::info!("XDP detached from {}", self.interface);
        Ok(())
    }
}

impl Drop for XdpCapture {
    fn drop(&mut self) {
        if let Err(e) = self.detach_inner() {
            log::warn!("{}: detaching XDP: {e}", self.interface);
        }
    }
}

impl std::fmt::Debug for XdpCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XdpCapture")
            .field("interface", &self.interface)
            .field("mode", &self.mode)
            .field("queues", &self.queues)
            .field("program_id", &self.program_id)
            .finish_non_exhaustive()
    }
}
