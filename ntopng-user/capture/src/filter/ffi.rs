//! The few libpcap entry points the filter needs: compile an expression for a link type
//! without any capture open, run the compiled program, free it.
//!
//! Declared by hand (no bindgen, no `pcap` crate): the types are tiny and have been stable in
//! libpcap's ABI for decades.

#![allow(non_camel_case_types)]

use libc::{c_char, c_int, c_uint};

/// An open libpcap handle (only "dead" ones here), opaque.
#[repr(C)]
pub(super) struct pcap_t {
    _opaque: [u8; 0],
}

/// One BPF instruction (read only by libpcap).
#[allow(dead_code)]
#[repr(C)]
pub(super) struct bpf_insn {
    pub(super) code: u16,
    pub(super) jt: u8,
    pub(super) jf: u8,
    pub(super) k: u32,
}

/// A compiled program; its instructions are allocated by `pcap_compile` and released by
/// `pcap_freecode`.
#[repr(C)]
pub(super) struct bpf_program {
    pub(super) bf_len: c_uint,
    pub(super) bf_insns: *mut bpf_insn,
}

/// Netmask to pass when the capture network is unknown (only `ip broadcast` needs one).
pub(super) const PCAP_NETMASK_UNKNOWN: u32 = 0xffff_ffff;

#[link(name = "pcap")]
extern "C" {
    pub(super) fn pcap_open_dead(linktype: c_int, snaplen: c_int) -> *mut pcap_t;
    pub(super) fn pcap_compile(
        p: *mut pcap_t,
        program: *mut bpf_program,
        expression: *const c_char,
        optimize: c_int,
        netmask: u32,
    ) -> c_int;
    pub(super) fn pcap_geterr(p: *mut pcap_t) -> *mut c_char;
    pub(super) fn pcap_freecode(program: *mut bpf_program);
    pub(super) fn pcap_close(p: *mut pcap_t);
    /// Runs `insns` over the `buflen` captured bytes of a packet `wirelen` bytes long; 0 rejects.
    pub(super) fn bpf_filter(insns: *const bpf_insn, packet: *const u8, wirelen: c_uint, buflen: c_uint) -> c_uint;
}
