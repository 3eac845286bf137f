#!/usr/bin/env bash
# The main job on a fresh machine: install, build, and monitor the default live interface
# (XDP + AF_XDP, or AF_PACKET where XDP cannot attach) with the dashboard and the REST API v2 on
# http://<host>:3000 (user admin, password admin: the GUI asks to change it at first login), state in the
# embedded store under ./data, every ended flow also written as a JSON line to data/flows.jsonl.
# Without a default route (or without root) it monitors a generated sample capture instead and keeps its
# state on :3000 until Ctrl-C.
# Stop with Ctrl-C: the flows still active are written out at shutdown.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p ntopng -p ntopng-bench
DATA=${DATA:-$PWD/data}
PORT=${PORT:-3000}
mkdir -p "$DATA"
IFACE=${IFACE:-$(ip route show default 2>/dev/null | awk '/^default/ { for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')}
if [ -n "$IFACE" ] && [ "$(id -u)" -eq 0 ]; then
  echo "monitoring $IFACE; dashboard and REST on http://$(hostname -f 2>/dev/null || hostname):$PORT (admin/admin);"
  echo "ended flows go to $DATA/flows.jsonl (Ctrl-C to stop)"
  exec ./target/release/ntopng -i "$IFACE" -w "$PORT" -d "$DATA" -F "jsonl;$DATA/flows.jsonl" "$@"
fi
echo "no default interface (or not root): monitoring a generated sample capture instead"
./target/release/pcapgen sample -o "$DATA/sample.pcap"
echo "dashboard and REST on http://localhost:$PORT (admin/admin); Ctrl-C to stop"
exec ./target/release/ntopng -i "$DATA/sample.pcap" -w "$PORT" -d "$DATA" -F "jsonl;$DATA/flows.jsonl" "$@"
