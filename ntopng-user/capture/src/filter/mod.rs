//! BPF filters (`-B`), compiled and run by the system libpcap so the syntax and semantics are
//! exactly tcpdump's.
//!
//! A BPF program is specific to a link type (the offsets of the IP header differ), and a
//! pcapng file or a set of sources may mix link types, so one [`BpfFilter`] keeps a program
//! per link type, compiled on first use. Compiling takes a global lock (libpcap's compiler was
//! not reentrant in older releases); running a program does not, and costs one small linear
//! lookup plus the BPF interpreter.

mod ffi;

use crate::{Frame, LinkType};
use std::ffi::{CStr, CString};
use std::sync::Mutex;

/// Serialises every call into libpcap's compiler.
static COMPILE_LOCK: Mutex<()> = Mutex::new(());
/// Snapshot length of the dead handle programs are compiled against (libpcap's maximum).
const COMPILE_SNAPLEN: libc::c_int = 262_144;
/// Optimise programs, as tcpdump does.
const OPTIMIZE: libc::c_int = 1;
/// What libpcap puts before every parser message; our error already says as much.
const PARSE_ERROR_PREFIX: &str = "can't parse filter expression: ";

#[derive(Debug)]
pub struct FilterError {
    pub expression: String,
    pub message: String,
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid packet filter \"{}\": {}", self.expression, self.message)
    }
}
impl std::error::Error for FilterError {}

/// One filter expression, compiled per link type on first use of that link type.
pub struct BpfFilter {
    expression: String,
    c_expression: CString,
    /// Program per link type, or libpcap's reason why the expression does not compile for it.
    programs: Vec<(LinkType, Result<Program, String>)>,
    /// Index in `programs` of the last link type seen (frames come in runs of one type).
    last: usize,
}

impl BpfFilter {
    /// Checks the expression (against Ethernet) and keeps it for other link types.
    pub fn new(expression: &str) -> Result<BpfFilter, FilterError> {
        let error = |message: String| FilterError { expression: expression.to_string(), message };
        let c_expression = CString::new(expression).map_err(|_| error("contains a NUL byte".into()))?;
        let ethernet = Program::compile(&c_expression, LinkType::ETHERNET).map_err(error)?;
        Ok(BpfFilter {
            expression: expression.to_string(),
            c_expression,
            programs: vec![(LinkType::ETHERNET, Ok(ethernet))],
            last: 0,
        })
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// Compiles for `linktype` ahead of time (sources call this when they learn their link types).
    pub fn prepare(&mut self, linktype: LinkType) -> Result<(), FilterError> {
        let slot = self.slot(linktype);
        match &self.programs[slot].1 {
            Ok(_) => Ok(()),
            Err(message) => Err(FilterError { expression: self.expression.clone(), message: message.clone() }),
        }
    }

    /// True when the frame passes. A link type that was not prepared and fails to compile rejects.
    #[inline]
    pub fn matches(&mut self, frame: &Frame<'_>) -> bool {
        let slot = match self.programs.get(self.last) {
            Some((linktype, _)) if *linktype == frame.linktype => self.last,
            _ => self.slot(frame.linktype),
        };
        self.last = slot;
        match &self.programs[slot].1 {
            Ok(program) => program.matches(frame.data, frame.wire_len),
            Err(_) => false,
        }
    }

    /// Index of the program for `linktype`, compiling it the first time.
    #[cold]
    fn slot(&mut self, linktype: LinkType) -> usize {
        if let Some(index) = self.programs.iter().position(|(lt, _)| *lt == linktype) {
            return index;
        }
        // A failure is remembered too: frames of that link type are rejected.
        self.programs.push((linktype, Program::compile(&self.c_expression, linktype)));
        self.programs.len() - 1
    }
}

/// A compiled BPF program, owned and freed here.
struct Program {
    code: ffi::bpf_program,
}

// SAFETY: the program is plain memory owned by this value alone (libpcap keeps no reference
// to it), and the interpreter only reads it, so it may move to and be used from any thread.
unsafe impl Send for Program {}

impl Program {
    /// Compiles `expression` for `linktype`; the error is libpcap's message.
    fn compile(expression: &CStr, linktype: LinkType) -> Result<Program, String> {
        let dlt = libc::c_int::try_from(dlt_of(linktype)).map_err(|_| format!("unknown link type {}", linktype.0))?;
        let _guard = COMPILE_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // SAFETY: plain libpcap calls on a handle created, used and closed here, under the lock;
        // the error string is copied out before the handle is closed.
        unsafe {
            let handle = ffi::pcap_open_dead(dlt, COMPILE_SNAPLEN);
            if handle.is_null() {
                return Err("libpcap could not open a handle to compile with".into());
            }
            let mut code = ffi::bpf_program { bf_len: 0, bf_insns: std::ptr::null_mut() };
            let status = ffi::pcap_compile(handle, &mut code, expression.as_ptr(), OPTIMIZE, ffi::PCAP_NETMASK_UNKNOWN);
            let result = if status == 0 {
                Ok(Program { code })
            } else {
                let message = CStr::from_ptr(ffi::pcap_geterr(handle)).to_string_lossy();
                Err(message.strip_prefix(PARSE_ERROR_PREFIX).unwrap_or(&message).to_string())
            };
            ffi::pcap_close(handle);
            result
        }
    }

    #[inline]
    fn matches(&self, data: &[u8], wire_len: u32) -> bool {
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        // SAFETY: the program came from pcap_compile and is alive; the interpreter reads at
        // most `caplen` bytes of `data`, which has at least that many.
        unsafe { ffi::bpf_filter(self.code.bf_insns, data.as_ptr(), wire_len, caplen) != 0 }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        // SAFETY: compiled by pcap_compile and freed only here.
        unsafe { ffi::pcap_freecode(&mut self.code) }
    }
}

/// The libpcap DLT_ value for a LINKTYPE_ value. Files store LINKTYPE_ numbers; the compiler
/// wants the platform's DLT_ numbers, which differ for a handful of historical types.
fn dlt_of(linktype: LinkType) -> u32 {
    const LINKTYPE_ATM_RFC1483: u32 = 100;
    const LINKTYPE_RAW: u32 = 101;
    const LINKTYPE_SLIP_BSDOS: u32 = 102;
    const LINKTYPE_PPP_BSDOS: u32 = 103;
    const LINKTYPE_ATM_CLIP: u32 = 106;
    match linktype.0 {
        LINKTYPE_ATM_RFC1483 => 11,
        // DLT_RAW is 14 on OpenBSD, 12 elsewhere.
        LINKTYPE_RAW if cfg!(target_os = "openbsd") => 14,
        LINKTYPE_RAW => 12,
        LINKTYPE_SLIP_BSDOS => 15,
        LINKTYPE_PPP_BSDOS => 16,
        LINKTYPE_ATM_CLIP => 19,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ethernet_ipv4_tcp(dst_port: u16) -> Vec<u8> {
        let mut p = vec![0u8; 14 + 20 + 20];
        p[12..14].copy_from_slice(&[0x08, 0x00]);
        p[14] = 0x45;
        p[16..18].copy_from_slice(&40u16.to_be_bytes());
        p[22] = 64;
        p[23] = 6; // TCP
        p[36..38].copy_from_slice(&dst_port.to_be_bytes());
        p
    }

    fn frame(linktype: LinkType, data: &[u8]) -> Frame<'_> {
        Frame { ts_ns: 0, wire_len: data.len() as u32, linktype, data }
    }

    #[test]
    fn compiles_and_matches() {
        let mut f = BpfFilter::new("tcp port 80").unwrap();
        assert_eq!(f.expression(), "tcp port 80");
        let web = ethernet_ipv4_tcp(80);
        let ssh = ethernet_ipv4_tcp(22);
        assert!(f.matches(&frame(LinkType::ETHERNET, &web)));
        assert!(!f.matches(&frame(LinkType::ETHERNET, &ssh)));
        // The same packet without its Ethernet header, as raw IP.
        f.prepare(LinkType::RAW).unwrap();
        assert!(f.matches(&frame(LinkType::RAW, &web[14..])));
        assert!(!f.matches(&frame(LinkType::RAW, &ssh[14..])));
        // Lazily compiled for a link type never prepared.
        assert!(f.matches(&frame(LinkType::IPV4, &web[14..])));
        // Short frames are rejected, not read past.
        assert!(!f.matches(&frame(LinkType::ETHERNET, &web[..20])));
        assert!(!f.matches(&frame(LinkType::ETHERNET, &[])));
    }

    #[test]
    fn bad_expressions_name_themselves() {
        let e = BpfFilter::new("tcp prt 80").err().unwrap();
        assert_eq!(e.expression, "tcp prt 80");
        assert!(e.to_string().starts_with("invalid packet filter \"tcp prt 80\": "), "{e}");
        assert!(e.message.contains("syntax error"), "{e}");
        assert!(BpfFilter::new("tcp\0").is_err());
    }

    #[test]
    fn a_link_type_that_cannot_compile_rejects() {
        let mut f = BpfFilter::new("ether host 00:11:22:33:44:55").unwrap();
        let err = f.prepare(LinkType::RAW).unwrap_err();
        assert!(!err.message.is_empty());
        assert_eq!(f.prepare(LinkType::RAW).unwrap_err().message, err.message);
        assert!(!f.matches(&frame(LinkType::RAW, &ethernet_ipv4_tcp(80)[14..])));
        let mut unknown = BpfFilter::new("ip").unwrap();
        assert!(!unknown.matches(&frame(LinkType(0x7fff_0000), &[0x45; 40])));
    }

    #[test]
    fn filter_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<BpfFilter>();
    }
}
