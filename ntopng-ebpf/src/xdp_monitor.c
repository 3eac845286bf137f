// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * ntopng's XDP program: counts every frame per CPU, builds the frame's flow key (Ethernet, up to 4
 * 802.1Q/802.1ad tags, IPv4/IPv6 without extension-header walking, TCP/UDP ports), lets flows listed in the
 * bypass map through to the kernel stack (counting them there), samples 1 in N, and hands the rest to the
 * AF_XDP socket bound to the frame's RX queue.
 *
 * Built by build.rs with clang -target bpf -O2 -g; loaded and configured by the ntopng-xdp crate.
 */
#include <linux/bpf.h>

#include "maps.h"
#include "flow_hash.h"

#define SEC(name) __attribute__((section(name), used))

/* BTF-described map definitions: the kernel and the loader read the attributes from the member types. */
#define NTOP_MAP_UINT(name, val) int(*name)[val]
#define NTOP_MAP_TYPE(name, val) __typeof__(val) *name

/* Helper calls by id (enum bpf_func_id of linux/bpf.h). */
static void *(*ntop_map_lookup)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;
static long (*ntop_redirect_map)(void *map, __u64 key, __u64 flags) = (void *)BPF_FUNC_redirect_map;

struct {
	NTOP_MAP_UINT(type, BPF_MAP_TYPE_XSKMAP);
	NTOP_MAP_UINT(max_entries, NTOP_XDP_MAX_QUEUES);
	NTOP_MAP_TYPE(key, __u32);
	NTOP_MAP_TYPE(value, __u32);
} xsks SEC(".maps");

struct {
	NTOP_MAP_UINT(type, BPF_MAP_TYPE_ARRAY);
	NTOP_MAP_UINT(max_entries, 1);
	NTOP_MAP_TYPE(key, __u32);
	NTOP_MAP_TYPE(value, struct ntop_xdp_config);
} ntop_config SEC(".maps");

struct {
	NTOP_MAP_UINT(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	NTOP_MAP_UINT(max_entries, 1);
	NTOP_MAP_TYPE(key, __u32);
	NTOP_MAP_TYPE(value, struct ntop_xdp_counters);
} ntop_stats SEC(".maps");

/* Not preallocated: memory follows the flows user space actually bypasses. */
struct {
	NTOP_MAP_UINT(type, BPF_MAP_TYPE_PERCPU_HASH);
	NTOP_MAP_UINT(max_entries, NTOP_XDP_BYPASS_ENTRIES);
	NTOP_MAP_UINT(map_flags, BPF_F_NO_PREALLOC);
	NTOP_MAP_TYPE(key, struct ntop_flow_key);
	NTOP_MAP_TYPE(value, struct ntop_bypass_counters);
} ntop_bypass SEC(".maps");

#define ETH_HLEN_ 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define MAX_VLAN_TAGS 4

enum parse_result {
	PARSE_KEY,    /* key filled */
	PARSE_NO_KEY, /* a frame without a flow key (non-IP, non-first fragment, too many tags) */
	PARSE_ERROR,  /* headers cut short */
};

static inline __u16 load_be16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

static inline int is_vlan(__u16 t)
{
	return t == ETHERTYPE_VLAN || t == ETHERTYPE_QINQ || t == ETHERTYPE_QINQ_OLD;
}

/* Fills *key (zeroed by the caller) and *hi_side (the sender is the key's hi endpoint). */
static __attribute__((always_inline)) enum parse_result parse(const __u8 *data, const __u8 *end,
							     struct ntop_flow_key *key, int *hi_side)
{
	__u8 src[16] = {}, dst[16] = {};
	__u16 sport = 0, dport = 0, vlan = 0;
	__u8 proto, version;
	const __u8 *l4;
	__u16 t;
	int i;

	if (data + ETH_HLEN_ > end)
		return PARSE_ERROR;
	t = load_be16(data + 12);
	data += ETH_HLEN_;
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		if (!is_vlan(t))
			break;
		if (data + 4 > end)
			return PARSE_ERROR;
		vlan = load_be16(data) & 0x0fff;
		t = load_be16(data + 2);
		data += 4;
	}

	if (t == ETHERTYPE_IPV4) {
		__u8 ihl;

		if (data + 20 > end)
			return PARSE_ERROR;
		if ((data[0] >> 4) != 4)
			return PARSE_ERROR;
		ihl = (data[0] & 0x0f) * 4;
		if (ihl < 20)
			return PARSE_ERROR;
		if (load_be16(data + 6) & 0x1fff)
			return PARSE_NO_KEY; /* non-first fragment: no ports to key on */
		proto = data[9];
		version = 4;
		src[10] = src[11] = dst[10] = dst[11] = 0xff;
		__builtin_memcpy(&src[12], data + 12, 4);
		__builtin_memcpy(&dst[12], data + 16, 4);
		l4 = data + ihl;
	} else if (t == ETHERTYPE_IPV6) {
		if (data + 40 > end)
			return PARSE_ERROR;
		proto = data[6];
		version = 6;
		__builtin_memcpy(src, data + 8, 16);
		__builtin_memcpy(dst, data + 24, 16);
		l4 = data + 40;
	} else {
		return PARSE_NO_KEY;
	}

	if (proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) {
		/* The user-space decoder takes ports only from a complete TCP (20) or UDP (8) header. */
		if (l4 + (proto == IPPROTO_TCP_ ? 20 : 8) > end)
			return PARSE_ERROR;
		sport = load_be16(l4);
		dport = load_be16(l4 + 2);
	}
	*hi_side = ntop_flow_key_fill(key, src, sport, dst, dport, vlan, proto, version);
	return PARSE_KEY;
}

SEC("xdp")
int xdp_monitor(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	__u64 len = end - data;
	struct ntop_xdp_counters *c;
	struct ntop_xdp_config *cfg;
	struct ntop_flow_key key;
	enum parse_result r;
	__u32 zero = 0;
	int hi_side = 0;
	long action;

	c = ntop_map_lookup(&ntop_stats, &zero);
	cfg = ntop_map_lookup(&ntop_config, &zero);
	if (!c || !cfg)
		return XDP_PASS;
	c->packets++;
	c->bytes += len;

	__builtin_memset(&key, 0, sizeof(key));
	r = parse(data, end, &key, &hi_side);
	if (r == PARSE_ERROR)
		c->parse_errors++;
	else if (r == PARSE_NO_KEY)
		c->non_ip++;

	if (r == PARSE_KEY && (cfg->flags & NTOP_XDP_F_BYPASS)) {
		struct ntop_bypass_counters *b = ntop_map_lookup(&ntop_bypass, &key);

		if (b) {
			if (hi_side) {
				b->hi_packets++;
				b->hi_bytes += len;
			} else {
				b->lo_packets++;
				b->lo_bytes += len;
			}
			c->bypassed++;
			c->bypassed_bytes += len;
			return XDP_PASS;
		}
	}

	if (cfg->sample_rate > 1) {
		__u32 rate = cfg->sample_rate;
		int keep;

		if (r == PARSE_KEY && (cfg->flags & NTOP_XDP_F_SAMPLE_FLOWS))
			keep = ntop_flow_hash32(&key) % rate == 0;
		else
			keep = c->sample_seq++ % rate == 0;
		if (!keep) {
			c->sampled_out++;
			return XDP_PASS;
		}
	}

	action = ntop_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
	if (action == XDP_REDIRECT) {
		c->redirected++;
		c->redirected_bytes += len;
	} else {
		c->passed++;
	}
	return (int)action;
}

char LICENSE[] SEC("license") = "GPL";
