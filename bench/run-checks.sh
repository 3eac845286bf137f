#!/usr/bin/env bash
# Cost per flow and per host of user Lua checks (scripts/lua/modules/{flow,host}_checks/), against the
# engine's own work on the same capture, measured in the same run: `checkcost` (bench/src/bin/checkcost.rs)
# reads a generated capture with one engine worker (the peer: the engine's ns/flow, and the ns/host of
# building the host view), then times the check engine over every flow (batches of 512 events, as the
# alert writers hand them over) and every host, with no module, an empty check(), a trivial check
# (`if flow.bytes() > 1e15 then flow.triggerAlert(1, "x") end`) and a heavier realistic one.
# Results: doc/performance.md, "User Lua checks".
#
# Usage:
#   bench/run-checks.sh            full run (50,000 flows, 3 repeats, median reported)
#   bench/run-checks.sh --smoke    500 flows, one repeat of one round (CI: fails only if a command fails)
#
# Environment (defaults; smoke defaults after "smoke"):
#   FLOWS         flows in the generated capture (pcapgen mix) [50000; smoke 500]
#   PPF           packets per flow [10]
#   ROUNDS        timed rounds per measurement inside one checkcost run (median) [5; smoke 1]
#   ENGINE_RUNS   timed engine runs over the file inside one checkcost run (median) [3; smoke 1]
#   REPEATS       checkcost runs; every figure is the median over them [3; smoke 1]
#   PIN_CPU       core for checkcost (taskset -c) [1, or 0 on a 1-core machine]
#   OUT_DIR       inputs, logs, results [target/bench-checks; smoke target/bench-checks-smoke]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCRIPT=run-checks.sh
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_args "$@"
if ((SMOKE)); then
  FLOWS=${FLOWS:-500} ROUNDS=${ROUNDS:-1} ENGINE_RUNS=${ENGINE_RUNS:-1} REPEATS=${REPEATS:-1}
  OUT_DIR=${OUT_DIR:-$ROOT/target/bench-checks-smoke}
else
  FLOWS=${FLOWS:-50000} ROUNDS=${ROUNDS:-5} ENGINE_RUNS=${ENGINE_RUNS:-3} REPEATS=${REPEATS:-3}
  OUT_DIR=${OUT_DIR:-$ROOT/target/bench-checks}
fi
PPF=${PPF:-10}
NCPU=$(nproc)
PIN_CPU=${PIN_CPU:-$((NCPU > 1 ? 1 : 0))}
LOGS=$OUT_DIR/logs
mkdir -p "$LOGS" "$OUT_DIR/bin"
rm -f "${LOGS:?}"/*

build_release 0 -p ntopng-bench --bin pcapgen --bin checkcost
# Private copies: the target directory is shared, a later build elsewhere must not swap them mid-run.
for b in pcapgen checkcost; do cp "$ROOT/target/release/$b" "$OUT_DIR/bin/$b"; done
BIN=$OUT_DIR/bin
say "built: pcapgen, checkcost (copied to $BIN)"

PCAP=$OUT_DIR/flows.pcap
"$BIN/pcapgen" mix --flows "$FLOWS" --packets-per-flow "$PPF" -o "$PCAP" >"$LOGS/gen.log"
say "input: $(grep -oE 'wrote .*' "$LOGS/gen.log" | head -1)"

PIN=()
command -v taskset >/dev/null && PIN=(taskset -c "$PIN_CPU")

# Percentage of all CPUs busy over the next 2 s (everything on the machine).
cpu_busy() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
  sleep 2
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); t = y[2]-x[2]; printf "%.0f", (t > 0 ? 100*(y[1]-x[1])/t : 0)}'
}

LOADS=()
BUSY=()
for ((i = 1; i <= REPEATS; i++)); do
  BUSY+=("$(cpu_busy)")
  LOADS+=("$(cut -d' ' -f1 /proc/loadavg)")
  say "checkcost run $i/$REPEATS (CPUs ${BUSY[-1]}% busy before it, load ${LOADS[-1]})"
  "${PIN[@]}" "$BIN/checkcost" "$PCAP" --rounds "$ROUNDS" --engine-runs "$ENGINE_RUNS" \
    >"$LOGS/run.$i.kv" 2>"$LOGS/run.$i.txt" || {
    tail -20 "$LOGS/run.$i.txt" >&2
    die "checkcost failed (see $LOGS/run.$i.txt)"
  }
done

python3 - "$OUT_DIR" "$REPEATS" "$FLOWS" "$PPF" "$ROUNDS" "$ENGINE_RUNS" "${PIN_CPU}" "${#PIN[@]}" \
  "${BUSY[*]}" "${LOADS[*]}" "$SMOKE" <<'PY' | tee "$OUT_DIR/results.md"
import statistics, sys, subprocess
out, repeats, flows, ppf, rounds, engine_runs, pin_cpu, pinned, busy, loads, smoke = sys.argv[1:12]
runs = []
for i in range(1, int(repeats) + 1):
    kv = {}
    for line in open(f"{out}/logs/run.{i}.kv"):
        k, v = line.split()
        kv[k] = float(v)
    runs.append(kv)
med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
spread = {k: (min(r[k] for r in runs), max(r[k] for r in runs)) for k in runs[0]}
eng, view = med["engine_ns_per_flow"], med["view_ns_per_host"]
try:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
except OSError:
    commit = "?"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"User Lua checks: cost per flow and per host ({'SMOKE' if smoke == '1' else 'full'} run, commit {commit})")
print()
print(f"- input: pcapgen mix --flows {flows} --packets-per-flow {ppf}: {int(med['flows'])} flows, "
      f"{int(med['hosts'])} hosts, {int(med['packets'])} packets")
print(f"- median of {repeats} checkcost run(s) (each: median of {engine_runs} engine run(s), {rounds} round(s) per check)"
      + (f", pinned to CPU {pin_cpu}" if pinned != "0" else ""))
print(f"- machine: {cpu}; CPUs busy with other work before each run: {busy} %; load average: {loads}")
print()
print(f"Peer, same run: the engine (1 worker, nDPI) {eng:.0f} ns/flow "
      f"({med['engine_s']:.3f} s for the file); the host view (Snapshot::of) {view:.0f} ns/host.")
print()
print("| check | flow ns/flow | flows/s | % of the engine's ns/flow | host ns/host | hosts/s | x the host view's ns/host |")
print("|---|---:|---:|---:|---:|---:|---:|")
for s in ["none", "empty", "trivial", "heavy"]:
    f, h = med[f"flow_{s}_ns_per_flow"], med[f"host_{s}_ns_per_host"]
    flo, fhi = spread[f"flow_{s}_ns_per_flow"]
    print(f"| {s} | {f:.0f} ({flo:.0f}-{fhi:.0f}) | {1e9/f if f > 0 else float('inf'):,.0f} | {100*f/eng:.1f}% "
          f"| {h:.0f} | {1e9/h if h > 0 else float('inf'):,.0f} | x{h/view:.2f} |")
t, h = med["flow_trivial_ns_per_flow"], med["host_trivial_ns_per_host"]
print()
print(f"trivial Lua flow check: {t:.0f} ns/flow = {100*t/eng:.1f}% of the engine's {eng:.0f} ns/flow; "
      f"it takes 5% of one core at {0.05e9/t:,.0f} new flows/s")
print(f"trivial Lua host check: {h:.0f} ns/host = x{h/view:.2f} the host view's {view:.0f} ns/host; "
      f"run once a minute, it takes 5% of one core at {0.05*60e9/h:,.0f} hosts")
PY
say "results: $OUT_DIR/results.md; logs: $LOGS"
rm -f "$PCAP"
