/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Keys and values of the XDP monitor's maps, defined once for the BPF program, host C and (mirrored with
 * size/offset tests) Rust: `ntopng_ebpf::{FlowKey, BypassCounters, XdpCounters, XdpConfig}`.
 *
 * Self-contained on purpose (no libc or kernel headers): it is compiled for `-target bpf` and for the host.
 * Every struct is laid out without implicit padding, so a key built on the stack hashes and compares the same
 * everywhere once it has been zeroed.
 */
#ifndef NTOPNG_EBPF_MAPS_H
#define NTOPNG_EBPF_MAPS_H

typedef __UINT8_TYPE__ ntop_u8;
typedef __UINT16_TYPE__ ntop_u16;
typedef __UINT32_TYPE__ ntop_u32;
typedef __UINT64_TYPE__ ntop_u64;

/*
 * The identity of a flow, the same whichever direction a packet travels: the 40-byte
 * `ntopng_engine::flow_key::FlowKey`. Endpoints are ordered by (address bytes lexicographically, then port);
 * IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d); ports are the u16 values in host byte order
 * (0 when the protocol is not TCP/UDP); vlan is the innermost 802.1Q/802.1ad tag id (0 if none).
 */
struct ntop_flow_key {
	ntop_u8 lo[16];
	ntop_u8 hi[16];
	ntop_u16 lo_port;
	ntop_u16 hi_port;
	ntop_u16 vlan;
	ntop_u8 l4_proto;
	ntop_u8 ip_version;
};

/*
 * Value of the bypass map (per CPU; user space sums the CPUs), by the side of the key that sent the frame, as
 * ntopng-engine's `OffloadCounters` wants them. Bytes are frame lengths (captured bytes).
 */
struct ntop_bypass_counters {
	ntop_u64 lo_packets; /* sent by the key's lo endpoint */
	ntop_u64 lo_bytes;
	ntop_u64 hi_packets; /* sent by the key's hi endpoint */
	ntop_u64 hi_bytes;
};

/*
 * Per-CPU counters of the program. Every frame takes exactly one action:
 * packets = redirected + passed + bypassed + sampled_out. parse_errors and non_ip only describe frames
 * (such frames still take one of the actions).
 */
struct ntop_xdp_counters {
	ntop_u64 packets;          /* frames seen */
	ntop_u64 bytes;            /* their lengths (data_end - data) */
	ntop_u64 redirected;       /* bpf_redirect_map found an AF_XDP socket for the RX queue */
	ntop_u64 redirected_bytes;
	ntop_u64 passed;           /* no socket on the RX queue: XDP_PASS */
	ntop_u64 bypassed;         /* flow found in the bypass map: counted there, XDP_PASS */
	ntop_u64 bypassed_bytes;
	ntop_u64 sampled_out;      /* skipped by 1-in-N sampling: XDP_PASS */
	ntop_u64 parse_errors;     /* headers cut short (the frame still goes on, without a flow key) */
	ntop_u64 non_ip;           /* frames with no flow key: not IPv4/IPv6, >4 VLAN tags, non-first fragments */
	ntop_u64 sample_seq;       /* packet-mode sampling position on this CPU */
};

/* Config map value (one entry, written by user space before the program is attached). */
struct ntop_xdp_config {
	ntop_u32 sample_rate; /* 0 or 1: every frame; N > 1: 1 in N (see NTOP_XDP_F_SAMPLE_FLOWS) */
	ntop_u32 flags;       /* NTOP_XDP_F_* */
};

/* Look flows up in the bypass map. */
#define NTOP_XDP_F_BYPASS 0x1u
/*
 * Sample by flow: keep a frame when ntop_flow_hash32(key) % sample_rate == 0 (whole flows kept or skipped,
 * the same on every CPU). Without it (and for frames without a flow key) sampling is by packet: on each CPU
 * the 1st, (N+1)th, (2N+1)th... frame that reaches the sampling step is kept.
 */
#define NTOP_XDP_F_SAMPLE_FLOWS 0x2u

/* Map sizes compiled into the object (user space may override them at load time). */
#define NTOP_XDP_MAX_QUEUES 64
#define NTOP_XDP_BYPASS_ENTRIES 65536

#endif /* NTOPNG_EBPF_MAPS_H */
