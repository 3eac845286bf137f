#!/usr/bin/env bash
# REST latency benchmark: the daemon monitors a veth (inside a private network namespace) into which
# tcpreplay loops a generated capture of FLOWS flows, so FLOWS flows stay active while packets keep
# being processed; `restload` then calls the REST API back to back and records each call's latency in
# an HDR histogram. The peer is `connect/test` measured in the same run (the web server and Lua
# engine with no state to read): the other calls are reported as ratios to it.
# Results: doc/performance.md, "REST latency".
#
# Usage (as root):
#   bench/run-rest.sh            full run (100k flows, 20 s of calls)
#   bench/run-rest.sh --smoke    2,000 flows, 2 s (fails only if a command fails; skips without root)
#
# Environment (defaults; smoke defaults after "smoke"):
#   FLOWS     active flows [100000; smoke 2000]
#   PPF       packets per flow in the looped capture [4]
#   RATE      replay rate, packets/s [100000; smoke 20000]
#   SECONDS_  seconds of REST calls [20; smoke 2]
#   CLIENTS   concurrent REST clients [2]
#   OUT_DIR   inputs, logs, results [target/bench-rest; smoke target/bench-rest-smoke]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCRIPT=run-rest.sh
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_args "$@"
if ((SMOKE)); then
  FLOWS=${FLOWS:-2000} RATE=${RATE:-20000} SECONDS_=${SECONDS_:-2} OUT_DIR=${OUT_DIR:-$ROOT/target/bench-rest-smoke}
else
  FLOWS=${FLOWS:-100000} RATE=${RATE:-100000} SECONDS_=${SECONDS_:-20} OUT_DIR=${OUT_DIR:-$ROOT/target/bench-rest}
fi
PPF=${PPF:-4}
CLIENTS=${CLIENTS:-2}
LOGS=$OUT_DIR/logs
mkdir -p "$LOGS" "$OUT_DIR/bin" "$OUT_DIR/data"
rm -rf "${LOGS:?}"/* "${OUT_DIR:?}/data"/*

netns_up 1
command -v tcpreplay >/dev/null || apt_install tcpreplay || die "cannot install tcpreplay (see $LOGS/apt.log)"

build_release 0 -p ntopng -p ntopng-bench --bin ntopng --bin pcapgen --bin restload
for b in ntopng pcapgen restload; do cp "$ROOT/target/release/$b" "$OUT_DIR/bin/$b"; done
BIN=$OUT_DIR/bin

# The looped capture: FLOWS flows of PPF packets (benchmark addresses 198.18.0.0/15 and 2001:db8::/32).
"$BIN/pcapgen" mix --flows "$FLOWS" --packets-per-flow "$PPF" -o "$OUT_DIR/flows.pcap" >"$LOGS/gen.log"
say "input: $(grep -oE 'wrote .*' "$LOGS/gen.log" | head -1)"

PORT=3000
# `ip netns exec` execs the program: $! is the daemon itself (a shell function would add a subshell).
ip netns exec "$NS" "$BIN/ntopng" -i "$MON" -w "127.0.0.1:$PORT" -d "$OUT_DIR/data" --disable-login=1 -m 198.18.0.0/15 \
  -t "$ROOT" >"$LOGS/ntopng.log" 2>&1 &
DAEMON=$!
STARTED[$DAEMON]=1
ip netns exec "$NS" tcpreplay -q -K --loop=0 --pps "$RATE" -i "$INJ" "$OUT_DIR/flows.pcap" >"$LOGS/tcpreplay.log" 2>&1 &
REPLAY=$!
STARTED[$REPLAY]=1

# Until (almost) every flow is active: 2 minutes at most.
flows=0
for _ in $(seq 240); do
  flows=$(nsx "$BIN/restload" --base "http://127.0.0.1:$PORT" --seconds 0 --print-field num_flows \
    --call data=/lua/rest/v2/get/interface/data.lua?ifid=0 2>/dev/null || echo 0)
  ((flows * 100 >= FLOWS * 95)) && break
  sleep 0.5
done
((flows * 100 >= FLOWS * 95)) || { tail -20 "$LOGS/ntopng.log" >&2; die "only $flows of $FLOWS flows active after 2 minutes"; }
say "$flows flows active; calling the REST API for ${SECONDS_} s with $CLIENTS client(s) while the replay goes on"

nsx "$BIN/restload" --base "http://127.0.0.1:$PORT" --seconds "$SECONDS_" --clients "$CLIENTS" --json \
  --call connect_test=/lua/rest/v2/connect/test.lua \
  --call interface_data=/lua/rest/v2/get/interface/data.lua?ifid=0 \
  --call flow_active=/lua/rest/v2/get/flow/active.lua?ifid=0 \
  --call flow_active_100=/lua/rest/v2/get/flow/active.lua?ifid=0\&perPage=100 \
  --call host_active=/lua/rest/v2/get/host/active.lua?ifid=0 \
  >"$OUT_DIR/latency.json" 2>"$LOGS/restload.log" || { cat "$LOGS/restload.log" >&2; die "REST calls failed"; }

kill -TERM "$REPLAY" 2>/dev/null || true
wait "$REPLAY" 2>/dev/null || true
unset "STARTED[$REPLAY]"
kill -TERM "$DAEMON"
rc=0
wait "$DAEMON" || rc=$?
((rc == 0)) || die "ntopng exited with status $rc (log $LOGS/ntopng.log)"
unset "STARTED[$DAEMON]"
STALL=$(grep -oE 'worker stall.*' "$LOGS/ntopng.log" | tail -1 || true)

python3 - "$OUT_DIR/latency.json" "$FLOWS" "$RATE" "$CLIENTS" "$SECONDS_" "$STALL" <<'PY' | tee "$OUT_DIR/results.md"
import json, sys
res = json.load(open(sys.argv[1]))
flows, rate, clients, secs, stall = sys.argv[2:7]
base = res["connect_test"]["p50_ms"] or 1e-9
print(f"REST latency, {flows} active flows, replay looping at {rate} pps, {clients} client(s) for {secs} s")
print()
print("| call | calls | p50 ms | p90 ms | p99 ms | max ms | p50 / connect_test p50 |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, r in res.items():
    print(f"| {name} | {r['calls']} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.2f} | x{r['p50_ms']/base:.1f} |")
if stall:
    print()
    print(f"Daemon at exit: {stall}")
PY
