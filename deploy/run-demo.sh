#!/usr/bin/env bash
# The main job on a fresh machine: install, build, and monitor. Until live capture lands
# (AF_XDP/AF_PACKET sources), it monitors a generated sample capture and writes the ended
# flows as JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p ntopng -p ntopng-bench
DATA=${DATA:-$PWD/data}
mkdir -p "$DATA"
./target/release/pcapgen sample -o "$DATA/sample.pcap"
./target/release/ntopng -i "$DATA/sample.pcap" -d "$DATA" -F "jsonl;$DATA/flows.jsonl" --shutdown-when-done "$@"
echo "flows written to $DATA/flows.jsonl; the first three:"
head -n 3 "$DATA/flows.jsonl"
