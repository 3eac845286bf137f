//! The system libpcap as the independent reference: open a savefile with
//! `pcap_open_offline_with_tstamp_precision` and read it with `pcap_next_ex`, optionally with
//! a filter installed by `pcap_setfilter`. Test-only; the crate itself never reads files
//! through libpcap.

#![allow(non_camel_case_types, dead_code)]

use libc::{c_char, c_int, c_uint};
use std::ffi::{CStr, CString};
use std::path::Path;

#[repr(C)]
struct pcap_t {
    _opaque: [u8; 0],
}

#[repr(C)]
struct pcap_pkthdr {
    ts: libc::timeval,
    caplen: u32,
    len: u32,
}

#[repr(C)]
struct bpf_program {
    bf_len: c_uint,
    bf_insns: *mut libc::c_void,
}

const PCAP_ERRBUF_SIZE: usize = 256;
const PCAP_TSTAMP_PRECISION_NANO: c_uint = 1;
const PCAP_NETMASK_UNKNOWN: u32 = 0xffff_ffff;
const NEXT_OK: c_int = 1;
const NEXT_EOF: c_int = -2;

#[link(name = "pcap")]
extern "C" {
    fn pcap_open_offline_with_tstamp_precision(
        path: *const c_char,
        precision: c_uint,
        errbuf: *mut c_char,
    ) -> *mut pcap_t;
    fn pcap_next_ex(p: *mut pcap_t, header: *mut *mut pcap_pkthdr, data: *mut *const u8) -> c_int;
    fn pcap_compile(
        p: *mut pcap_t,
        program: *mut bpf_program,
        expr: *const c_char,
        optimize: c_int,
        netmask: u32,
    ) -> c_int;
    fn pcap_setfilter(p: *mut pcap_t, program: *mut bpf_program) -> c_int;
    fn pcap_freecode(program: *mut bpf_program);
    fn pcap_geterr(p: *mut pcap_t) -> *mut c_char;
    fn pcap_datalink(p: *mut pcap_t) -> c_int;
    fn pcap_close(p: *mut pcap_t);
}

/// One packet as libpcap returns it, time stamp in nanosecond precision.
#[derive(Debug, Clone)]
pub struct RefFrame {
    pub tv_sec: i64,
    /// Nanoseconds (the file is opened with nanosecond precision).
    pub tv_frac: i64,
    pub caplen: u32,
    pub len: u32,
    pub data: Vec<u8>,
}

pub enum RefNext {
    Frame(RefFrame),
    End,
    /// libpcap gave up on the file with this message.
    Error(String),
}

/// A savefile opened by libpcap.
pub struct Reference {
    handle: *mut pcap_t,
}

impl Reference {
    /// Opens `path`; the error is libpcap's message.
    pub fn open(path: &Path) -> Result<Reference, String> {
        let c_path = CString::new(path.to_str().expect("utf-8 path")).unwrap();
        let mut errbuf = [0 as c_char; PCAP_ERRBUF_SIZE];
        // SAFETY: valid C string and error buffer of libpcap's documented size.
        let handle = unsafe {
            pcap_open_offline_with_tstamp_precision(c_path.as_ptr(), PCAP_TSTAMP_PRECISION_NANO, errbuf.as_mut_ptr())
        };
        if handle.is_null() {
            // SAFETY: libpcap NUL-terminates the message.
            return Err(unsafe { CStr::from_ptr(errbuf.as_ptr()) }.to_string_lossy().into_owned());
        }
        Ok(Reference { handle })
    }

    /// Installs a filter compiled for this file's link type, as tcpdump -r does.
    pub fn set_filter(&mut self, expression: &str) -> Result<(), String> {
        let c_expr = CString::new(expression).unwrap();
        let mut program = bpf_program { bf_len: 0, bf_insns: std::ptr::null_mut() };
        // SAFETY: open handle, valid program struct; the program is freed after being copied
        // into the handle by pcap_setfilter.
        unsafe {
            if pcap_compile(self.handle, &mut program, c_expr.as_ptr(), 1, PCAP_NETMASK_UNKNOWN) != 0 {
                return Err(self.error());
            }
            let status = pcap_setfilter(self.handle, &mut program);
            pcap_freecode(&mut program);
            if status != 0 {
                return Err(self.error());
            }
        }
        Ok(())
    }

    /// The DLT_ value libpcap reports for the file.
    pub fn datalink(&self) -> i32 {
        // SAFETY: open handle.
        unsafe { pcap_datalink(self.handle) }
    }

    pub fn next_frame(&mut self) -> RefNext {
        let mut header: *mut pcap_pkthdr = std::ptr::null_mut();
        let mut data: *const u8 = std::ptr::null();
        // SAFETY: open handle; on success libpcap points both at its own buffers, valid until
        // the next call, and we copy out of them at once.
        unsafe {
            match pcap_next_ex(self.handle, &mut header, &mut data) {
                NEXT_OK => {
                    let h = &*header;
                    let bytes = if h.caplen == 0 {
                        Vec::new()
                    } else {
                        std::slice::from_raw_parts(data, h.caplen as usize).to_vec()
                    };
                    RefNext::Frame(RefFrame {
                        tv_sec: h.ts.tv_sec,
                        tv_frac: h.ts.tv_usec,
                        caplen: h.caplen,
                        len: h.len,
                        data: bytes,
                    })
                }
                NEXT_EOF => RefNext::End,
                _ => RefNext::Error(self.error()),
            }
        }
    }

    fn error(&self) -> String {
        // SAFETY: open handle; libpcap NUL-terminates its message buffer.
        unsafe { CStr::from_ptr(pcap_geterr(self.handle)) }.to_string_lossy().into_owned()
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        // SAFETY: opened by us, closed once.
        unsafe { pcap_close(self.handle) }
    }
}
