#!/usr/bin/env bash
# The main job on a fresh machine: install, build, and monitor the default live interface
# (XDP + AF_XDP, or AF_PACKET where XDP cannot attach), writing every ended flow as a JSON line.
# Without a default route (or without root) it monitors a generated sample capture instead.
# Stop with Ctrl-C: the flows still active are written out at shutdown.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p ntopng -p ntopng-bench
DATA=${DATA:-$PWD/data}
mkdir -p "$DATA"
IFACE=${IFACE:-$(ip route show default 2>/dev/null | awk '/^default/ { for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')}
if [ -n "$IFACE" ] && [ "$(id -u)" -eq 0 ]; then
  echo "monitoring $IFACE; ended flows go to $DATA/flows.jsonl (Ctrl-C to stop)"
  exec ./target/release/ntopng -i "$IFACE" -d "$DATA" -F "jsonl;$DATA/flows.jsonl" "$@"
fi
echo "no default interface (or not root): monitoring a generated sample capture instead"
./target/release/pcapgen sample -o "$DATA/sample.pcap"
./target/release/ntopng -i "$DATA/sample.pcap" -d "$DATA" -F "jsonl;$DATA/flows.jsonl" --shutdown-when-done "$@"
echo "flows written to $DATA/flows.jsonl; the first three:"
head -n 3 "$DATA/flows.jsonl"
