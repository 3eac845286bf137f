//! One flow's nDPI state, driven exactly as ndpiReader 4.2 drives it.

use crate::classification::{Classification, Metadata, Verdict};
use crate::{Detector, MAX_TCP_DISSECTED_PACKETS, MAX_UDP_DISSECTED_PACKETS, PROTOCOL_UNKNOWN};
use ndpi_sys as ffi;
use std::ffi::CStr;
use std::ptr::NonNull;

const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;

/// nDPI's per-flow state. It must not move while in use (nDPI keeps pointers into it), so it
/// lives in nDPI's own allocation and this handle only points at it.
pub struct Dissection {
    flow: NonNull<ffi::ndpi_flow_struct>,
    l4_proto: u8,
    /// Last timestamp given to nDPI, kept monotonic as ndpiReader does.
    last_ms: u64,
    /// nDPI has returned a protocol for the flow (ntopng's "detected"), even if it goes on dissecting.
    known: bool,
}

// The state belongs to one flow, processed by one worker at a time.
unsafe impl Send for Dissection {}

impl Dissection {
    /// Allocates zeroed state for a flow of L4 protocol `l4_proto`.
    pub fn new(l4_proto: u8) -> Dissection {
        // SAFETY: nDPI's allocator; the size comes from the library itself.
        let flow = unsafe {
            let size = ffi::ndpi_detection_get_sizeof_ndpi_flow_struct() as usize;
            let p = ffi::ndpi_flow_malloc(size) as *mut ffi::ndpi_flow_struct;
            let p = NonNull::new(p).expect("ndpi_flow_malloc: out of memory");
            std::ptr::write_bytes(p.as_ptr() as *mut u8, 0, size);
            p
        };
        Dissection { flow, l4_proto, last_ms: 0, known: false }
    }

    /// Feeds the IP packet `l3` (from the innermost IP header to the end of the capture) seen at
    /// `ts_ms`, the flow having seen `flow_packets` packets including this one. Returns `Done`
    /// when ndpiReader would mark detection complete: a protocol is known and no extra dissection
    /// is possible, or the packet limit (80 TCP, 24 UDP) is passed, in which case an unknown
    /// flow is given up with guessing.
    pub fn feed(&mut self, det: &mut Detector, l3: &[u8], ts_ms: u64, flow_packets: u32) -> Verdict {
        let enough = match self.l4_proto {
            IPPROTO_TCP => flow_packets > MAX_TCP_DISSECTED_PACKETS,
            IPPROTO_UDP => flow_packets > MAX_UDP_DISSECTED_PACKETS,
            _ => false,
        };
        self.last_ms = self.last_ms.max(ts_ms);
        // nDPI takes an unsigned short length: clamp oversized (TSO/GRO) frames.
        let len = l3.len().min(u16::MAX as usize) as u16;
        // SAFETY: module and flow are live; `l3` is valid for `len` bytes for the call.
        let proto = unsafe { ffi::ndpi_detection_process_packet(det.m.as_ptr(), self.flow.as_ptr(), l3.as_ptr(), len, self.last_ms) };
        self.known |= proto.app_protocol != PROTOCOL_UNKNOWN || proto.master_protocol != PROTOCOL_UNKNOWN;
        if !enough && proto.app_protocol == PROTOCOL_UNKNOWN {
            return Verdict::InProgress;
        }
        // SAFETY: live module and flow.
        if !enough && unsafe { ffi::ndpi_extra_dissection_possible(det.m.as_ptr(), self.flow.as_ptr()) } != 0 {
            return Verdict::InProgress;
        }
        Verdict::Done(if proto.app_protocol == PROTOCOL_UNKNOWN { self.give_up(det) } else { self.classification(proto, false) })
    }

    /// nDPI has named a protocol for this flow on some packet so far (detection may go on).
    pub fn protocol_known(&self) -> bool {
        self.known
    }

    /// Ends detection without a verdict (flow end, end of capture): nDPI guesses from ports/IPs.
    pub fn give_up(&mut self, det: &mut Detector) -> Classification {
        let mut guessed = 0u8;
        // SAFETY: live module and flow.
        let proto = unsafe { ffi::ndpi_detection_giveup(det.m.as_ptr(), self.flow.as_ptr(), 1, &mut guessed) };
        self.classification(proto, guessed != 0)
    }

    /// Copies everything worth keeping out of nDPI's state.
    fn classification(&self, proto: ffi::ndpi_protocol, guessed: bool) -> Classification {
        // SAFETY: the flow is live and exclusively ours.
        let f = unsafe { self.flow.as_ref() };
        let host_name = c_field(&f.host_server_name);
        // SAFETY: `tls_quic` is the union member nDPI fills for TLS, DTLS and QUIC flows; for
        // others it is zeroed, which reads as empty strings.
        let (ja3c, ja3s) = unsafe { (c_field(&f.protos.tls_quic.ja3_client), c_field(&f.protos.tls_quic.ja3_server)) };
        let extra = (host_name.is_some() || ja3c.is_some() || ja3s.is_some())
            .then(|| Box::new(Metadata { host_name, ja3_client: ja3c, ja3_server: ja3s }));
        Classification {
            master_protocol: proto.master_protocol,
            app_protocol: proto.app_protocol,
            category: proto.category,
            confidence: f.confidence as u8,
            guessed,
            risk: f.risk,
            extra,
        }
    }
}

impl Drop for Dissection {
    fn drop(&mut self) {
        // SAFETY: frees side buffers and the struct itself (allocated by ndpi_flow_malloc).
        unsafe { ffi::ndpi_free_flow(self.flow.as_ptr()) }
    }
}

/// A NUL-terminated fixed array as an owned string; None when empty.
fn c_field(buf: &[std::os::raw::c_char]) -> Option<Box<str>> {
    // SAFETY: reinterpreting c_char as u8 of the same size.
    let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr() as *const u8, buf.len()) };
    let s = CStr::from_bytes_until_nul(bytes).ok()?.to_string_lossy();
    (!s.is_empty()).then(|| s.into_owned().into_boxed_str())
}
