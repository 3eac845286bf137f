// SPDX-License-Identifier: GPL-3.0-or-later
/* Host build of include/flow_hash.h for the equality tests (linked into the integration tests only). */
#include "flow_hash.h"

ntop_u32 ntop_test_flow_hash32(const struct ntop_flow_key *k)
{
	return ntop_flow_hash32(k);
}

int ntop_test_flow_key_fill(struct ntop_flow_key *k, const ntop_u8 *src, ntop_u16 sport, const ntop_u8 *dst,
			    ntop_u16 dport, ntop_u16 vlan, ntop_u8 l4_proto, ntop_u8 ip_version)
{
	return ntop_flow_key_fill(k, src, sport, dst, dport, vlan, l4_proto, ip_version);
}

#define OFF(type, field) __builtin_offsetof(struct type, field)

/* Layout as C sees it: sizes[0..4] then every field offset, in declaration order. */
static const unsigned long layout[] = {
	sizeof(struct ntop_flow_key), sizeof(struct ntop_bypass_counters), sizeof(struct ntop_xdp_counters),
	sizeof(struct ntop_xdp_config),
	OFF(ntop_flow_key, lo), OFF(ntop_flow_key, hi), OFF(ntop_flow_key, lo_port), OFF(ntop_flow_key, hi_port),
	OFF(ntop_flow_key, vlan), OFF(ntop_flow_key, l4_proto), OFF(ntop_flow_key, ip_version),
	OFF(ntop_bypass_counters, lo_packets), OFF(ntop_bypass_counters, lo_bytes),
	OFF(ntop_bypass_counters, hi_packets), OFF(ntop_bypass_counters, hi_bytes),
	OFF(ntop_xdp_counters, packets), OFF(ntop_xdp_counters, bytes), OFF(ntop_xdp_counters, redirected),
	OFF(ntop_xdp_counters, redirected_bytes), OFF(ntop_xdp_counters, passed), OFF(ntop_xdp_counters, bypassed),
	OFF(ntop_xdp_counters, bypassed_bytes), OFF(ntop_xdp_counters, sampled_out),
	OFF(ntop_xdp_counters, parse_errors), OFF(ntop_xdp_counters, non_ip), OFF(ntop_xdp_counters, sample_seq),
	OFF(ntop_xdp_config, sample_rate), OFF(ntop_xdp_config, flags),
	NTOP_XDP_F_BYPASS, NTOP_XDP_F_SAMPLE_FLOWS, NTOP_XDP_MAX_QUEUES, NTOP_XDP_BYPASS_ENTRIES,
};

unsigned long ntop_test_layout(unsigned long i)
{
	return i < sizeof(layout) / sizeof(layout[0]) ? layout[i] : ~0ul;
}
