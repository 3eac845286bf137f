/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The symmetric flow hash of ntopng-engine (`FlowKey::hash32`) and the endpoint ordering that builds a
 * `struct ntop_flow_key`, as `static inline` C usable by the BPF program and by host C alike.
 *
 * hash32: h = 0x9747b28c; for each 32-bit word w: h ^= w; h = rotl(h, 13) * 0x9e3779b1. The words are the 32
 * address bytes (lo then hi) read 4 at a time little-endian, then (lo_port << 16 | hi_port), then
 * (vlan << 16 | l4_proto << 8 | ip_version); a murmur3 32-bit finaliser ends it. Bytes are assembled
 * explicitly, so the result does not depend on the machine's byte order.
 */
#ifndef NTOPNG_EBPF_FLOW_HASH_H
#define NTOPNG_EBPF_FLOW_HASH_H

#include "maps.h"

static inline ntop_u32 ntop_hash_word(ntop_u32 h, ntop_u32 w)
{
	h ^= w;
	h = (h << 13) | (h >> 19);
	return h * 0x9e3779b1u;
}

static inline ntop_u32 ntop_le32(const ntop_u8 *p)
{
	return (ntop_u32)p[0] | (ntop_u32)p[1] << 8 | (ntop_u32)p[2] << 16 | (ntop_u32)p[3] << 24;
}

static inline ntop_u32 ntop_flow_hash32(const struct ntop_flow_key *k)
{
	ntop_u32 h = 0x9747b28cu;
	int i;

	for (i = 0; i < 16; i += 4)
		h = ntop_hash_word(h, ntop_le32(&k->lo[i]));
	for (i = 0; i < 16; i += 4)
		h = ntop_hash_word(h, ntop_le32(&k->hi[i]));
	h = ntop_hash_word(h, (ntop_u32)k->lo_port << 16 | (ntop_u32)k->hi_port);
	h = ntop_hash_word(h, (ntop_u32)k->vlan << 16 | (ntop_u32)k->l4_proto << 8 | (ntop_u32)k->ip_version);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

/* Compares (address a, port ap) with (address b, port bp): <0, 0 or >0, as Rust's tuple ordering does. */
static inline int ntop_endpoint_cmp(const ntop_u8 *a, ntop_u16 ap, const ntop_u8 *b, ntop_u16 bp)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	if (ap != bp)
		return ap < bp ? -1 : 1;
	return 0;
}

/*
 * Fills every byte of *k from one packet's endpoints (addresses as 16 bytes, IPv4 already mapped; ports as
 * u16 values). Returns 0 when the sender is the key's lo side, 1 when it is the hi side.
 */
static inline int ntop_flow_key_fill(struct ntop_flow_key *k, const ntop_u8 *src, ntop_u16 sport, const ntop_u8 *dst,
				     ntop_u16 dport, ntop_u16 vlan, ntop_u8 l4_proto, ntop_u8 ip_version)
{
	int hi_side = ntop_endpoint_cmp(src, sport, dst, dport) > 0;
	const ntop_u8 *lo = hi_side ? dst : src;
	const ntop_u8 *hi = hi_side ? src : dst;
	int i;

	for (i = 0; i < 16; i++) {
		k->lo[i] = lo[i];
		k->hi[i] = hi[i];
	}
	k->lo_port = hi_side ? dport : sport;
	k->hi_port = hi_side ? sport : dport;
	k->vlan = vlan;
	k->l4_proto = l4_proto;
	k->ip_version = ip_version;
	return hi_side;
}

#endif /* NTOPNG_EBPF_FLOW_HASH_H */
