//! `memflow`: heap bytes per flow of the engine on a capture file, measured exactly.
//!
//! ```text
//! memflow FILE [-p protos.txt] [--no-dpi] [--max-flows N] [--json]
//! ```
//!
//! It drives one engine worker over the file in this process, as `ntopng --workers 1` does
//! (same config, same decode and `Worker::process` calls, same end-of-input give-up), and
//! counts every live heap byte:
//!
//! * Rust allocations through a counting global allocator;
//! * nDPI's C allocations through `set_ndpi_malloc` / `set_ndpi_free` hooks (nDPI 4.2 routes
//!   its flow state, side buffers and strdup'ed strings through them).
//!
//! Both count `malloc_usable_size` of each block (the bytes the block really holds, without
//! glibc's 8-byte chunk header), into one current total and one high-water mark. glibc's
//! `mallinfo2()` deltas are printed next to them as a cross-check (they include chunk headers
//! and anything allocated by plain `malloc` in C code that does not go through the hooks).
//!
//! Reported points: the baseline (nDPI module loaded, worker built, nothing read), the peak while
//! reading, the moment the last frame has been processed (flows still in detection hold their
//! nDPI state), and after the end-of-input give-up (every nDPI state freed: what a flow costs
//! once classified).

use clap::Parser;
use ndpi::DetectorConfig;
use ntopng_capture::CaptureFile;
use ntopng_engine::flow::{Detection, Flow};
use ntopng_engine::worker::{Shared, Worker};
use ntopng_engine::EngineConfig;
use ntopng_wire::decode;
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

/// Live heap bytes, Rust and nDPI together.
static CUR: AtomicI64 = AtomicI64::new(0);
/// High-water mark of `CUR` since the last reset.
static PEAK: AtomicI64 = AtomicI64::new(0);
/// Live bytes allocated through nDPI's hooks only.
static NDPI_CUR: AtomicI64 = AtomicI64::new(0);
static NDPI_PEAK: AtomicI64 = AtomicI64::new(0);
/// Live blocks (Rust + nDPI), to estimate malloc's per-chunk header overhead.
static BLOCKS: AtomicI64 = AtomicI64::new(0);
static NDPI_ALLOCS: AtomicU64 = AtomicU64::new(0);

#[inline]
fn usable(p: *mut u8) -> i64 {
    // SAFETY: `p` is a live block from glibc's malloc family (System uses malloc/posix_memalign).
    unsafe { libc::malloc_usable_size(p as *mut libc::c_void) as i64 }
}

#[inline]
fn grow(n: i64) {
    let now = CUR.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            BLOCKS.fetch_add(1, Ordering::Relaxed);
            grow(usable(p));
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            BLOCKS.fetch_add(1, Ordering::Relaxed);
            grow(usable(p));
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        BLOCKS.fetch_sub(1, Ordering::Relaxed);
        CUR.fetch_sub(usable(p), Ordering::Relaxed);
        System.dealloc(p, layout)
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = usable(p);
        let q = System.realloc(p, layout, new_size);
        if !q.is_null() {
            grow(usable(q) - before);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

unsafe extern "C" fn ndpi_malloc_hook(size: usize) -> *mut libc::c_void {
    let p = libc::malloc(size);
    if !p.is_null() {
        let n = usable(p as *mut u8);
        BLOCKS.fetch_add(1, Ordering::Relaxed);
        NDPI_ALLOCS.fetch_add(1, Ordering::Relaxed);
        let now = NDPI_CUR.fetch_add(n, Ordering::Relaxed) + n;
        NDPI_PEAK.fetch_max(now, Ordering::Relaxed);
        grow(n);
    }
    p
}

unsafe extern "C" fn ndpi_free_hook(p: *mut libc::c_void) {
    if p.is_null() {
        return;
    }
    let n = usable(p as *mut u8);
    BLOCKS.fetch_sub(1, Ordering::Relaxed);
    NDPI_CUR.fetch_sub(n, Ordering::Relaxed);
    CUR.fetch_sub(n, Ordering::Relaxed);
    libc::free(p)
}

/// glibc's view: bytes in use in all arenas plus mmapped chunks (includes chunk headers).
fn mallinfo_in_use() -> i64 {
    // SAFETY: plain query of allocator statistics.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as i64
}

#[derive(Debug, Parser)]
#[command(name = "memflow", about = "Heap bytes per flow of one engine worker over a capture file")]
struct Cli {
    /// Capture file (pcap/pcapng).
    file: PathBuf,
    /// nDPI protocols file (companion categories/risky-domain/JA3/SHA1 files beside it too), as ntopng -p.
    #[arg(short = 'p', long)]
    protocols: Option<PathBuf>,
    /// Turn nDPI off (our own flow/host records only).
    #[arg(long)]
    no_dpi: bool,
    /// Flow cap (ntopng -X).
    #[arg(long, default_value_t = 4_000_000)]
    max_flows: usize,
    /// Host cap (ntopng -x).
    #[arg(long, default_value_t = 4_000_000)]
    max_hosts: usize,
    /// One JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy)]
struct Point {
    heap: i64,
    ndpi: i64,
    blocks: i64,
    mallinfo: i64,
}

fn point() -> Point {
    Point {
        heap: CUR.load(Ordering::Relaxed),
        ndpi: NDPI_CUR.load(Ordering::Relaxed),
        blocks: BLOCKS.load(Ordering::Relaxed),
        mallinfo: mallinfo_in_use(),
    }
}

fn main() -> ExitCode {
    // Before anything of nDPI is allocated.
    // SAFETY: installs plain function pointers; the hooks are thread-safe.
    unsafe {
        ndpi_sys::set_ndpi_malloc(Some(ndpi_malloc_hook));
        ndpi_sys::set_ndpi_free(Some(ndpi_free_hook));
    }
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("memflow: {e}");
            ExitCode::FAILURE
        }
    }
}

fn per(bytes: i64, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        bytes as f64 / n as f64
    }
}

fn run(cli: &Cli) -> Result<(), String> {
    let ndpi = if cli.no_dpi {
        None
    } else {
        Some(match &cli.protocols {
            Some(p) if !p.is_file() => return Err(format!("-p {}: no such file", p.display())),
            Some(p) => DetectorConfig::with_protocols_dir_companions(p),
            None => DetectorConfig::default(),
        })
    };
    let cfg = EngineConfig {
        workers: 1,
        max_flows: cli.max_flows,
        max_hosts: cli.max_hosts,
        ndpi,
        ..EngineConfig::default()
    };
    let decode_opts = cfg.decode;
    let file = CaptureFile::open(&cli.file).map_err(|e| format!("{}: {e}", cli.file.display()))?;
    let mut w = Worker::new(0, Shared::new(cfg), None).map_err(|e| e.to_string())?;

    let base = point();
    PEAK.store(base.heap, Ordering::Relaxed);
    NDPI_PEAK.store(base.ndpi, Ordering::Relaxed);
    let started = Instant::now();
    let mut frames = file.frames();
    for f in frames.by_ref() {
        let d = decode(f.linktype.0, f.data, decode_opts);
        w.process(&f, &d);
    }
    let elapsed = started.elapsed();
    let last = point();
    let peak = PEAK.load(Ordering::Relaxed);
    let ndpi_peak = NDPI_PEAK.load(Ordering::Relaxed);
    let in_detection = w.state.flows.iter().filter(|f| matches!(f.detection, Detection::InProgress(_))).count();
    w.end_of_input();
    let after = point();

    let flows = w.state.flows.len();
    let hosts = w.state.hosts.len();
    let macs = w.state.macs.len();
    let packets = w.state.iface.total.packets;
    let table = w.state.flows.heap_bytes();
    let flow_size = std::mem::size_of::<Option<Flow>>();
    // SAFETY: pure function of the library build.
    let ndpi_flow_struct = unsafe { ndpi_sys::ndpi_detection_get_sizeof_ndpi_flow_struct() } as usize;
    let _ = frames.stats();

    let rows: Vec<(&str, String)> = vec![
        ("file", format!("{:?}", cli.file.display().to_string())),
        ("dpi", (!cli.no_dpi).to_string()),
        ("packets", packets.to_string()),
        ("flows", flows.to_string()),
        ("hosts", hosts.to_string()),
        ("macs", macs.to_string()),
        ("flows_in_detection_at_end", in_detection.to_string()),
        ("seconds", format!("{:.3}", elapsed.as_secs_f64())),
        ("baseline_bytes", base.heap.to_string()),
        ("peak_bytes", peak.to_string()),
        ("last_frame_bytes", last.heap.to_string()),
        ("after_detection_bytes", after.heap.to_string()),
        ("ndpi_baseline_bytes", base.ndpi.to_string()),
        ("ndpi_peak_bytes", ndpi_peak.to_string()),
        ("ndpi_after_bytes", after.ndpi.to_string()),
        ("mallinfo_after_minus_baseline", (after.mallinfo - base.mallinfo).to_string()),
        ("blocks_after_minus_baseline", (after.blocks - base.blocks).to_string()),
        ("bytes_per_flow_after_detection", format!("{:.1}", per(after.heap - base.heap, flows))),
        ("peak_bytes_per_flow", format!("{:.1}", per(peak - base.heap, flows))),
        ("mallinfo_bytes_per_flow_after_detection", format!("{:.1}", per(after.mallinfo - base.mallinfo, flows))),
        ("ndpi_state_bytes_per_flow_in_detection", format!("{:.1}", per(last.heap - after.heap, in_detection))),
        ("flow_table_bytes", table.to_string()),
        ("flow_table_bytes_per_flow", format!("{:.1}", per(table as i64, flows))),
        ("sizeof_flow_slot", flow_size.to_string()),
        ("sizeof_ndpi_flow_struct", ndpi_flow_struct.to_string()),
        ("ndpi_allocations", NDPI_ALLOCS.load(Ordering::Relaxed).to_string()),
    ];
    if cli.json {
        let body: Vec<String> = rows
            .iter()
            .map(|(k, v)| {
                let v = if v.parse::<f64>().is_ok() || v == "true" || v == "false" || v.starts_with('"') {
                    v.clone()
                } else {
                    format!("{v:?}")
                };
                format!("\"{k}\": {v}")
            })
            .collect();
        println!("{{{}}}", body.join(", "));
    } else {
        for (k, v) in rows {
            println!("{k} {v}");
        }
    }
    Ok(())
}
