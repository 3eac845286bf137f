//! One nDPI detection module, configured the way ndpiReader configures it.

use ndpi_sys as ffi;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

/// Files nDPI can load before it is finalised (ntopng's `-p` is `protocols`).
#[derive(Debug, Clone, Default)]
pub struct DetectorConfig {
    /// Custom protocols (`host:"example"@Name`, port rules, IP rules).
    pub protocols: Option<PathBuf>,
    pub categories: Option<PathBuf>,
    pub risky_domains: Option<PathBuf>,
    pub malicious_ja3: Option<PathBuf>,
    pub malicious_sha1: Option<PathBuf>,
}

impl DetectorConfig {
    /// Picks up the companion files ndpiReader's test suite loads when they sit next to
    /// `protocols` (categories.txt, risky_domains.txt, ja3_fingerprints.csv, sha1_fingerprints.csv).
    pub fn with_protocols_dir_companions(protocols: &Path) -> DetectorConfig {
        let dir = protocols.parent().unwrap_or(Path::new("."));
        let existing = |name: &str| Some(dir.join(name)).filter(|p| p.is_file());
        DetectorConfig {
            protocols: Some(protocols.to_path_buf()),
            categories: existing("categories.txt"),
            risky_domains: existing("risky_domains.txt"),
            malicious_ja3: existing("ja3_fingerprints.csv"),
            malicious_sha1: existing("sha1_fingerprints.csv"),
        }
    }
}

#[derive(Debug)]
pub enum DetectorError {
    /// The library in the process is not the one the bindings were generated for.
    VersionMismatch(String),
    InitFailed,
    /// A file given in the configuration could not be loaded.
    BadFile { what: &'static str, path: PathBuf },
}

impl std::fmt::Display for DetectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DetectorError::VersionMismatch(s) => write!(f, "libndpi mismatch: {s}"),
            DetectorError::InitFailed => write!(f, "ndpi_init_detection_module failed"),
            DetectorError::BadFile { what, path } => write!(f, "cannot load nDPI {what} file {}", path.display()),
        }
    }
}
impl std::error::Error for DetectorError {}

/// A detection module. Create one per worker thread.
pub struct Detector {
    pub(crate) m: NonNull<ffi::ndpi_detection_module_struct>,
}

// The module is used by one thread at a time (it is not Sync); moving it to its worker is fine.
unsafe impl Send for Detector {}

/// nDPI 4.2's module constructor initialises libgcrypt, which aborts the process when two threads
/// initialise it at once (seen with workers of two interfaces starting together): constructors take turns.
static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Detector {
    pub fn new(cfg: &DetectorConfig) -> Result<Detector, DetectorError> {
        check_library()?;
        let m = {
            let _turn = INIT.lock().unwrap_or_else(|p| p.into_inner());
            // SAFETY: plain constructor; NULL is handled.
            NonNull::new(unsafe { ffi::ndpi_init_detection_module(ffi::ndpi_no_prefs) })
        }
        .ok_or(DetectorError::InitFailed)?;
        let det = Detector { m };
        let mut all = ffi::ndpi_protocol_bitmask_struct_t::default();
        // NDPI_BITMASK_SET_ALL is a macro: every bit set.
        // SAFETY: the bitmask is a plain array of integers.
        unsafe {
            std::ptr::write_bytes(&mut all as *mut _ as *mut u8, 0xff, std::mem::size_of_val(&all));
            ffi::ndpi_set_protocol_detection_bitmask2(det.m.as_ptr(), &all);
        }
        type Loader = unsafe extern "C" fn(*mut ffi::ndpi_detection_module_struct, *const std::os::raw::c_char) -> i32;
        let loads: [(&'static str, &Option<PathBuf>, Loader); 5] = [
            ("protocols", &cfg.protocols, ffi::ndpi_load_protocols_file as Loader),
            ("categories", &cfg.categories, ffi::ndpi_load_categories_file as Loader),
            ("risky domains", &cfg.risky_domains, ffi::ndpi_load_risk_domain_file as Loader),
            ("malicious JA3", &cfg.malicious_ja3, ffi::ndpi_load_malicious_ja3_file as Loader),
            ("malicious SHA1", &cfg.malicious_sha1, ffi::ndpi_load_malicious_sha1_file as Loader),
        ];
        for (what, path, load) in loads {
            let Some(path) = path else { continue };
            let bad = || DetectorError::BadFile { what, path: path.clone() };
            let c = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| bad())?;
            if !path.is_file() {
                return Err(bad());
            }
            // SAFETY: module is live, path is a NUL-terminated string.
            if unsafe { load(det.m.as_ptr(), c.as_ptr()) } < 0 {
                return Err(bad());
            }
        }
        // SAFETY: must follow the loads, as nDPI builds its automata here.
        unsafe { ffi::ndpi_finalize_initialization(det.m.as_ptr()) };
        Ok(det)
    }

    /// Number of protocol ids (built-in and custom) the module knows.
    pub fn num_protocols(&self) -> u16 {
        // SAFETY: live module.
        unsafe { ffi::ndpi_get_num_supported_protocols(self.m.as_ptr()) as u16 }
    }

    /// Name of a protocol id ("Unknown" for unknown ids).
    pub fn protocol_name(&self, id: u16) -> String {
        // SAFETY: live module; nDPI returns a static or module-owned string.
        cstr(unsafe { ffi::ndpi_get_proto_name(self.m.as_ptr(), id) }).unwrap_or_else(|| "Unknown".into())
    }

    pub fn category_name(&self, category: u32) -> String {
        // SAFETY: as above.
        cstr(unsafe { ffi::ndpi_category_get_name(self.m.as_ptr(), category as _) }).unwrap_or_default()
    }

    /// Breed id and name of a protocol id.
    pub fn breed(&self, id: u16) -> (u32, String) {
        // SAFETY: as above.
        unsafe {
            let b = ffi::ndpi_get_proto_breed(self.m.as_ptr(), id);
            (b as u32, cstr(ffi::ndpi_get_proto_breed_name(self.m.as_ptr(), b)).unwrap_or_default())
        }
    }

    /// Default category of a protocol id.
    pub fn protocol_category(&self, id: u16) -> u32 {
        let p = ffi::ndpi_protocol { master_protocol: 0, app_protocol: id, category: 0 };
        // SAFETY: as above.
        unsafe { ffi::ndpi_get_proto_category(self.m.as_ptr(), p) as u32 }
    }

    pub fn protocol_id(&self, name: &str) -> Option<u16> {
        let c = CString::new(name).ok()?;
        // SAFETY: as above.
        let id = unsafe { ffi::ndpi_get_protocol_id(self.m.as_ptr(), c.as_ptr() as *mut _) };
        (id >= 0).then_some(id as u16)
    }
}

impl Drop for Detector {
    fn drop(&mut self) {
        // SAFETY: every Dissection borrowing this module has ended (they take &mut Detector per call).
        unsafe { ffi::ndpi_exit_detection_module(self.m.as_ptr()) }
    }
}

pub(crate) fn cstr(p: *const std::os::raw::c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: nDPI returns NUL-terminated strings.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// Refuses to run against a libndpi whose flow struct differs from the bindings' (another version).
fn check_library() -> Result<(), DetectorError> {
    // SAFETY: pure getters.
    let (size, api) = unsafe { (ffi::ndpi_detection_get_sizeof_ndpi_flow_struct() as usize, ffi::ndpi_get_api_version()) };
    if size != std::mem::size_of::<ffi::ndpi_flow_struct>() || api as u32 != ffi::NDPI_API_VERSION {
        return Err(DetectorError::VersionMismatch(format!(
            "flow struct {size} B (bindings {}), API {api} (bindings {})",
            std::mem::size_of::<ffi::ndpi_flow_struct>(),
            ffi::NDPI_API_VERSION
        )));
    }
    Ok(())
}

/// The library's revision string ("4.2.0").
pub fn revision() -> String {
    // SAFETY: static string.
    cstr(unsafe { ffi::ndpi_revision() }).unwrap_or_default()
}
