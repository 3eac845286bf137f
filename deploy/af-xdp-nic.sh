#!/usr/bin/env bash
# Prepares a NIC for XDP + AF_XDP capture (run as root): N combined queues, one worker each;
# a symmetric RSS key so both directions of a flow land on the same queue (and so the same
# worker); receive offloads off so XDP sees the frames as they were on the wire.
#   usage: deploy/af-xdp-nic.sh <interface> [queues]
set -euo pipefail
IFACE=${1:?usage: $0 <interface> [queues]}
QUEUES=${2:-$(nproc)}
command -v ethtool >/dev/null || { echo "ethtool is needed (apt-get install ethtool)" >&2; exit 1; }

# One RX queue per capture worker.
ethtool -L "$IFACE" combined "$QUEUES" 2>/dev/null || echo "note: $IFACE does not support setting channels"

# A Toeplitz key of repeated 0x6d5a is symmetric: hash(a->b) == hash(b->a).
KEYLEN=$(ethtool -x "$IFACE" 2>/dev/null | awk '/RSS hash key/ {getline; print split($0, a, ":")}')
KEYLEN=${KEYLEN:-40}
KEY=$(for ((i = 0; i < KEYLEN / 2; i++)); do printf '6d:5a:'; done | sed 's/:$//')
ethtool -X "$IFACE" hkey "$KEY" equal "$QUEUES" 2>/dev/null || echo "note: $IFACE does not accept an RSS key; flows may split across queues"
# Hash TCP and UDP on addresses and ports.
for proto in tcp4 udp4 tcp6 udp6; do
  ethtool -N "$IFACE" rx-flow-hash "$proto" sdfn 2>/dev/null || true
done

# XDP sees frames before the stack: keep VLAN tags in them and do not merge segments.
ethtool -K "$IFACE" rxvlan off gro off lro off 2>/dev/null || true
ip link set "$IFACE" promisc on
echo "$IFACE: $QUEUES queue(s), symmetric RSS, VLAN stripping and GRO/LRO off"
