//! User-space handles on the program's maps: the bypass map (shared by workers) and the per-CPU counters.
//! They own duplicates of the map fds and talk bpf(2) directly, so they are `Send + Sync`, need no `&mut` and
//! outlive nothing they depend on (a map lives while any fd to it is open).

use crate::sys;
use ntopng_ebpf::{BpfFlowKey, BypassCounters, Pod, XdpConfig, XdpCounters};
use ntopng_engine::flow::Counters;
use ntopng_engine::flow_key::FlowKey;
use ntopng_engine::offload::{FlowOffload, OffloadCounters};
use std::io;
use std::mem::size_of;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

/// Reads a per-CPU value: one slot per possible CPU, each rounded up to 8 bytes.
fn read_per_cpu<T: Pod>(fd: &OwnedFd, key: &[u8], cpus: usize) -> io::Result<Option<Vec<T>>> {
    let slot = size_of::<T>().next_multiple_of(8);
    let mut buf = vec![0u8; slot * cpus];
    match sys::map_lookup(fd.as_fd(), key, &mut buf) {
        Ok(()) => Ok(Some(buf.chunks_exact(slot).map(T::read_from).collect())),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The kernel's table of bypassed flows (`ntop_bypass`, per-CPU hash keyed by the 40-byte flow key). Frames of a
/// flow in the table are counted there and passed to the kernel stack instead of reaching user space. Cheap to
/// clone; usable from any number of threads at once.
#[derive(Clone)]
pub struct BypassMap {
    fd: Arc<OwnedFd>,
    cpus: usize,
}

impl BypassMap {
    pub(crate) fn new(fd: OwnedFd) -> io::Result<BypassMap> {
        Ok(BypassMap { fd: Arc::new(fd), cpus: sys::possible_cpus()? })
    }

    /// Starts bypassing a flow, its counters at zero. `Ok(false)` when the key was already there (its counters
    /// are kept); an error when the table is full (`E2BIG`) or the kernel refuses.
    pub fn insert(&self, key: &[u8; 40]) -> io::Result<bool> {
        let zero = vec![0u8; size_of::<BypassCounters>().next_multiple_of(8) * self.cpus];
        match sys::map_update(self.fd.as_fd(), key, &zero, sys::BPF_NOEXIST) {
            Ok(()) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Stops bypassing a flow (its frames reach user space again). `Ok(false)` when it was not there.
    pub fn remove(&self, key: &[u8; 40]) -> io::Result<bool> {
        match sys::map_delete(self.fd.as_fd(), key) {
            Ok(()) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// (packets, bytes) counted in the kernel for the flow since `insert`, summed over CPUs and directions;
    /// `None` when the flow is not in the table.
    pub fn counters(&self, key: &[u8; 40]) -> io::Result<Option<(u64, u64)>> {
        Ok(self.counters_by_side(key)?.map(|c| c.total()))
    }

    /// The same counters split by the key side that sent the frames.
    pub fn counters_by_side(&self, key: &[u8; 40]) -> io::Result<Option<BypassCounters>> {
        Ok(read_per_cpu::<BypassCounters>(&self.fd, key, self.cpus)?.map(|v| {
            v.iter().fold(BypassCounters::default(), |mut acc, c| {
                acc.add(c);
                acc
            })
        }))
    }

    /// The kernel key of an engine flow key (same 40 bytes).
    pub fn key_of(k: &FlowKey) -> [u8; 40] {
        BpfFlowKey {
            lo: k.lo.0,
            hi: k.hi.0,
            lo_port: k.lo_port,
            hi_port: k.hi_port,
            vlan: k.vlan,
            l4_proto: k.l4_proto,
            ip_version: k.ip_version,
        }
        .to_bytes()
    }
}

impl std::fmt::Debug for BypassMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BypassMap").field("cpus", &self.cpus).finish_non_exhaustive()
    }
}

/// The engine's hook: workers hand classified flows to the kernel through it.
impl FlowOffload for BypassMap {
    fn insert(&self, key: &FlowKey) -> bool {
        match BypassMap::insert(self, &BypassMap::key_of(key)) {
            Ok(_) => true,
            Err(e) => {
                log::debug!("bypass map refused a flow: {e}");
                false
            }
        }
    }

    fn read(&self, key: &FlowKey) -> Option<OffloadCounters> {
        let c = self.counters_by_side(&BypassMap::key_of(key)).ok()??;
        Some(OffloadCounters {
            from_lo: Counters { packets: c.lo_packets, bytes: c.lo_bytes },
            from_hi: Counters { packets: c.hi_packets, bytes: c.hi_bytes },
        })
    }

    fn remove(&self, key: &FlowKey) {
        let _ = BypassMap::remove(self, &BypassMap::key_of(key));
    }
}

/// The program's counters summed over CPUs (and kept per CPU).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelStats {
    pub total: XdpCounters,
    pub per_cpu: Vec<XdpCounters>,
}

/// Reads the program's per-CPU counters; cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct StatsReader {
    fd: Arc<OwnedFd>,
    cpus: usize,
}

impl StatsReader {
    pub(crate) fn new(fd: OwnedFd) -> io::Result<StatsReader> {
        Ok(StatsReader { fd: Arc::new(fd), cpus: sys::possible_cpus()? })
    }

    pub fn read(&self) -> io::Result<KernelStats> {
        let per_cpu = read_per_cpu::<XdpCounters>(&self.fd, &0u32.to_ne_bytes(), self.cpus)?.unwrap_or_default();
        let mut total = XdpCounters::default();
        per_cpu.iter().for_each(|c| total.add(c));
        Ok(KernelStats { total, per_cpu })
    }
}

impl std::fmt::Debug for StatsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatsReader").field("cpus", &self.cpus).finish_non_exhaustive()
    }
}

/// Writes the config map's single entry.
pub(crate) fn write_config(fd: &OwnedFd, cfg: &XdpConfig) -> io::Result<()> {
    sys::map_update(fd.as_fd(), &0u32.to_ne_bytes(), cfg.as_bytes(), sys::BPF_ANY)
}
