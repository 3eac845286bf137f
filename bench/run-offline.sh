#!/usr/bin/env bash
# Offline throughput and memory benchmark: ntopng (this repository) against Debian's ndpiReader 4.2,
# on the same generated capture files, in one run. See doc/performance.md.
#
# Usage:
#   bench/run-offline.sh            full run (several minutes)
#   bench/run-offline.sh --smoke    tiny inputs, one run each (CI: fails only if a command fails)
#
# Environment (defaults in brackets):
#   COPIES        copies of the shared nDPI captures in the DPI-heavy file [20; smoke 1]
#   RUNS          timed runs per measurement, the median is reported [5; smoke 1]
#   WARMUP        untimed runs before each measurement (page cache, CPU caches) [1; smoke 0]
#   LONG_FLOWS    flows in the long-flow file [2000; smoke 4]
#   LONG_PPF      packets per long flow [1500; smoke 1000]
#   CONC_FLOWS    flows of the "all in detection at once" memory file [100000; smoke 1000]
#   PIN_CPU       core for single-core runs (taskset -c) [1, or 0 on a 1-core machine]
#   SHARED_DIR    the shared data directory [../shared beside the repository]
#   OUT_DIR       where inputs, logs and results go [target/bench-offline, smoke: target/bench-offline-smoke]
#   KEEP_INPUTS   1 keeps the generated captures after the run [0]
#   READ_SPEED    1 runs the capture crate's read-speed test [1; smoke 0]
#   MASSIF        1 cross-checks the heap peak of the real binary with valgrind massif [1; smoke 0]
#   PCAPGEN_WAIT  seconds to keep retrying the build while pcapgen is not ready [900; smoke 0]
#   NDPIREADER    the peer binary [/usr/bin/ndpiReader]
#   PERF          1 profiles one nDPI 1-worker run per input with perf (time per library) [1 if perf exists; smoke 0]
#   WAIT_IDLE     seconds to wait for the other processes to leave the CPUs idle before measuring [600; smoke 0]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCRIPT=run-offline.sh
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_args "$@"

if ((SMOKE)); then
  COPIES=${COPIES:-1} RUNS=${RUNS:-1} WARMUP=${WARMUP:-0} LONG_FLOWS=${LONG_FLOWS:-4} LONG_PPF=${LONG_PPF:-1000}
  CONC_FLOWS=${CONC_FLOWS:-1000} READ_SPEED=${READ_SPEED:-0} MASSIF=${MASSIF:-0} WAIT_IDLE=${WAIT_IDLE:-0} PERF=${PERF:-0}
  OUT_DIR=${OUT_DIR:-$ROOT/target/bench-offline-smoke}
else
  COPIES=${COPIES:-20} RUNS=${RUNS:-5} WARMUP=${WARMUP:-1} LONG_FLOWS=${LONG_FLOWS:-2000} LONG_PPF=${LONG_PPF:-1500}
  CONC_FLOWS=${CONC_FLOWS:-100000} READ_SPEED=${READ_SPEED:-1} MASSIF=${MASSIF:-1} WAIT_IDLE=${WAIT_IDLE:-600} PERF=${PERF:-1}
  OUT_DIR=${OUT_DIR:-$ROOT/target/bench-offline}
fi
NCPU=$(nproc)
PIN_CPU=${PIN_CPU:-$((NCPU > 1 ? 1 : 0))}
SHARED_DIR=${SHARED_DIR:-$ROOT/../shared}
KEEP_INPUTS=${KEEP_INPUTS:-0}
PCAPGEN_WAIT=${PCAPGEN_WAIT:-$((SMOKE ? 0 : 900))}
NDPIREADER=${NDPIREADER:-/usr/bin/ndpiReader}
# Flow/host caps well above any input here, so no flow is dropped whatever COPIES is.
CAP=4000000

REL=$ROOT/target/release
NTOPNG=$REL/ntopng
PCAPGEN=$REL/pcapgen
MEMFLOW=$REL/memflow
IN=$OUT_DIR/inputs
LOGS=$OUT_DIR/logs
RESULTS=$OUT_DIR/results.md
mkdir -p "$IN" "$LOGS"
rm -f "$LOGS"/*

[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
command -v taskset >/dev/null || die "taskset is missing (Debian package 'util-linux')"

# ---------------------------------------------------------------------------------------------
# 1. Build (the capture generator may be mid-edit by someone else: retry until it builds).

deadline=$((SECONDS + PCAPGEN_WAIT))
while :; do
  if cargo build --release -p ntopng -p ntopng-bench >"$LOGS/build.log" 2>&1 \
    && [ -x "$PCAPGEN" ] && "$PCAPGEN" --help 2>/dev/null | grep -q 'long-flows' \
    && "$PCAPGEN" --help | grep -q 'replicate'; then
    break
  fi
  if ((SECONDS >= deadline)); then
    tail -30 "$LOGS/build.log" >&2
    die "build failed or pcapgen lacks replicate/long-flows after ${PCAPGEN_WAIT}s"
  fi
  say "build not ready (pcapgen may be in progress; see $LOGS/build.log): retrying in 30 s"
  sleep 30
done
# Private copies: the target directory is shared, a later build elsewhere must not swap them mid-run.
mkdir -p "$OUT_DIR/bin"
for b in ntopng pcapgen memflow; do cp "$REL/$b" "$OUT_DIR/bin/$b"; done
NTOPNG=$OUT_DIR/bin/ntopng PCAPGEN=$OUT_DIR/bin/pcapgen MEMFLOW=$OUT_DIR/bin/memflow
say "built: ntopng, pcapgen, memflow (copied to $OUT_DIR/bin)"

# ---------------------------------------------------------------------------------------------
# 2. Inputs.

PCAP_DIR=$SHARED_DIR/pcaps/ndpi-4.2/pcap
EXAMPLE=$SHARED_DIR/pcaps/ndpi-4.2/example
DPI=$IN/dpi.pcap
LONG=$IN/long.pcap
CONC=$IN/concurrent.pcap
TINY=$IN/tiny.pcap
if [ -d "$PCAP_DIR" ]; then
  DPI_DESC="nDPI 4.2 test captures x $COPIES copies, addresses rewritten per copy (pcapgen replicate)"
  "$PCAPGEN" replicate --from-dir "$PCAP_DIR" --copies "$COPIES" -o "$DPI" >"$LOGS/gen-dpi.log"
else
  mix_flows=$((SMOKE ? 500 : 200000))
  DPI_DESC="SYNTHETIC mix (no $PCAP_DIR): pcapgen mix --flows $mix_flows --packets-per-flow 10"
  say "NOTE: $PCAP_DIR not found: the DPI-heavy input falls back to the synthetic mix scenario"
  "$PCAPGEN" mix --flows "$mix_flows" --packets-per-flow 10 -o "$DPI" >"$LOGS/gen-dpi.log"
fi
LONG_DESC="pcapgen long-flows --flows $LONG_FLOWS --packets-per-flow $LONG_PPF (TCP, imix sizes)"
"$PCAPGEN" long-flows --flows "$LONG_FLOWS" --packets-per-flow "$LONG_PPF" -o "$LONG" >"$LOGS/gen-long.log"
CONC_DESC="pcapgen mix --flows $CONC_FLOWS --packets-per-flow 10 --concurrency $CONC_FLOWS (every flow open at once)"
"$PCAPGEN" mix --flows "$CONC_FLOWS" --packets-per-flow 10 --concurrency "$CONC_FLOWS" -o "$CONC" >"$LOGS/gen-conc.log"
"$PCAPGEN" sample -o "$TINY" >"$LOGS/gen-tiny.log"
sync # no writeback of the fresh inputs while measuring
cat "$LOGS"/gen-*.log | grep -v '^done in' >&2

# nDPI's example files: ntopng loads the companions beside protos.txt; ndpiReader is told each.
NTOP_P=() NDPI_P=()
if [ -f "$EXAMPLE/protos.txt" ]; then
  NTOP_P=(-p "$EXAMPLE/protos.txt")
  NDPI_P=(-p "$EXAMPLE/protos.txt")
  [ -f "$EXAMPLE/categories.txt" ] && NDPI_P+=(-c "$EXAMPLE/categories.txt")
  [ -f "$EXAMPLE/risky_domains.txt" ] && NDPI_P+=(-r "$EXAMPLE/risky_domains.txt")
  [ -f "$EXAMPLE/ja3_fingerprints.csv" ] && NDPI_P+=(-j "$EXAMPLE/ja3_fingerprints.csv")
  [ -f "$EXAMPLE/sha1_fingerprints.csv" ] && NDPI_P+=(-S "$EXAMPLE/sha1_fingerprints.csv")
fi
HAVE_PEER=1
if [ ! -x "$NDPIREADER" ]; then
  HAVE_PEER=0
  say "NOTE: $NDPIREADER not found (Debian libndpi-bin): the peer column stays empty"
fi

# ---------------------------------------------------------------------------------------------
# Helpers.

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"} else if (NR%2) {print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }

# now in seconds with microseconds
now() { echo "${EPOCHREALTIME/,/.}"; }

busy_jiffies() { awk '/^cpu / {print $2+$3+$4+$7+$8}' /proc/stat; }
HZ=$(getconf CLK_TCK)
MAX_TRIES=$((WAIT_IDLE > 0 ? 5 : 1))
OTHER_WORST=0

# time_cmd LOGBASE CMD... : runs CMD once (stdout to $OUT, default /dev/null; stderr to LOGBASE.err);
# sets T_WALL (s), T_RSS (max RSS, KiB) and T_OTHER: CPU seconds that other processes used
# meanwhile (all CPU time of the machine minus ours).
time_cmd() {
  local base=$1
  shift
  local t0 t1 j0 j1
  j0=$(busy_jiffies)
  t0=$(now)
  /usr/bin/time -f '%M %U %S' -o "$base.rss" "$@" >"${OUT:-/dev/null}" 2>"$base.err" || {
    tail -20 "$base.err" >&2
    die "command failed: $*"
  }
  t1=$(now)
  j1=$(busy_jiffies)
  T_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b-a}')
  read -r T_RSS us ss < <(tail -1 "$base.rss")
  T_OTHER=$(awk -v j="$((j1 - j0))" -v hz="$HZ" -v u="$us" -v s="$ss" 'BEGIN {o = j/hz - u - s; printf "%.2f", (o < 0 ? 0 : o)}')
}

# measure LOGBASE CMD... : time_cmd, repeated (up to MAX_TRIES, after settle) while other work
# took more than 0.1 s + 5% of the wall time of CPU during it; appends "wall rss other" to LOGBASE.time
measure() {
  local base=$1 try
  for ((try = 1; try <= MAX_TRIES; try++)); do
    time_cmd "$@"
    if awk -v o="$T_OTHER" -v w="$T_WALL" 'BEGIN {exit !(o <= 0.1 + 0.05*w)}' || ((try == MAX_TRIES)); then
      break
    fi
    say "other work used ${T_OTHER} s of CPU during a ${T_WALL} s run: repeating it"
    settle
  done
  awk -v o="$T_OTHER" -v w="$OTHER_WORST" 'BEGIN {exit !(o > w)}' && OTHER_WORST=$T_OTHER
  echo "$T_WALL $T_RSS $T_OTHER" >>"$base.time"
}

# ours LABEL FILE PIN(0|1) ARGS... : RUNS runs of ntopng; sets P_PACKETS P_SECS P_PPS P_FLOWS P_WALL P_RSS
ours() {
  local label=$1 file=$2 pin=$3
  shift 3
  local base=$LOGS/$label i line
  local pre=()
  ((pin)) && pre=(taskset -c "$PIN_CPU")
  : >"$base.time"
  : >"$base.proc"
  for ((i = 1; i <= WARMUP; i++)); do
    time_cmd "$base-warmup" "${pre[@]}" "$NTOPNG" -i "$file" --shutdown-when-done -w 0 -X $CAP -x $CAP "$@"
  done
  for ((i = 1; i <= RUNS; i++)); do
    measure "$base" "${pre[@]}" "$NTOPNG" -i "$file" --shutdown-when-done -w 0 -X $CAP -x $CAP "$@"
    cp "$base.err" "$base.$i.err"
    line=$(grep -E ': [0-9]+ packets \([0-9]+ bytes\) in [0-9.]+ s = [0-9]+ pps; [0-9]+ flows' "$base.err" | tail -1) \
      || die "$label: no throughput line in $base.err"
    sed -E 's/.*: ([0-9]+) packets \([0-9]+ bytes\) in ([0-9.]+) s = ([0-9]+) pps; ([0-9]+) flows.*/\1 \2 \3 \4/' <<<"$line" >>"$base.proc"
  done
  P_PACKETS=$(awk 'NR==1 {print $1}' "$base.proc")
  P_FLOWS=$(awk 'NR==1 {print $4}' "$base.proc")
  P_SECS=$(awk '{print $2}' "$base.proc" | median)
  P_PPS=$(awk '{print $3}' "$base.proc" | median)
  P_WALL=$(awk '{print $1}' "$base.time" | median)
  P_RSS=$(awk '{print $2}' "$base.time" | median)
}

# peer LABEL FILE : RUNS quiet runs of ndpiReader (wall time), one verbose run for its own
# processing time; sets P_WALL P_RSS P_SECS (its "Packet Processing Time") P_FLOWS (its "Unique flows")
peer() {
  local label=$1 file=$2
  local base=$LOGS/$label i
  : >"$base.time"
  for ((i = 1; i <= WARMUP; i++)); do
    time_cmd "$base-warmup" taskset -c "$PIN_CPU" "$NDPIREADER" -i "$file" -q -t -n 1 "${NDPI_P[@]}"
  done
  for ((i = 1; i <= RUNS; i++)); do
    measure "$base" taskset -c "$PIN_CPU" "$NDPIREADER" -i "$file" -q -t -n 1 "${NDPI_P[@]}"
  done
  P_WALL=$(awk '{print $1}' "$base.time" | median)
  P_RSS=$(awk '{print $2}' "$base.time" | median)
  OUT=$base.verbose measure "$base-verbose" taskset -c "$PIN_CPU" "$NDPIREADER" -i "$file" -t -n 1 "${NDPI_P[@]}"
  P_SECS=$(awk -F: '/Packet Processing Time/ {gsub(/[^0-9.]/, "", $2); printf "%.3f", $2/1000}' "$base.verbose")
  P_FLOWS=$(awk -F: '/Unique flows/ {gsub(/[^0-9]/, "", $2); print $2}' "$base.verbose")
}

# ---------------------------------------------------------------------------------------------
# 3. Throughput.

# Percentage of all CPUs busy over the next 2 s (everything on the machine).
cpu_busy() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
  sleep 2
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); t = y[2]-x[2]; printf "%.0f", (t > 0 ? 100*(y[1]-x[1])/t : 0)}'
}
# Waits (within the WAIT_IDLE budget) until other work leaves the CPUs; records the worst seen.
BUSY_WORST=0
idle_deadline=$((SECONDS + WAIT_IDLE))
SETTLED=0
settle() {
  local b
  ((WAIT_IDLE > 0 || SETTLED == 0)) || return 0
  SETTLED=1
  b=$(cpu_busy)
  while ((b > 10 && SECONDS < idle_deadline)); do
    say "CPUs ${b}% busy with other work: waiting for them to calm down (WAIT_IDLE budget left $((idle_deadline - SECONDS)) s)"
    sleep 15
    b=$(cpu_busy)
  done
  ((b > 10)) && say "WARNING: CPUs ${b}% busy with other work before this measurement: numbers will be low"
  ((b > BUSY_WORST)) && BUSY_WORST=$b
  return 0
}
settle
BUSY_BEFORE=$BUSY_WORST
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

ROWS=$OUT_DIR/rows.tsv
: >"$ROWS"
# row FILE_LABEL TOOL MODE CPUS PACKETS PROC_S PROC_PPS WALL_S FLOWS RSS_KB
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"; }

declare -A RSS_KB FLOWS
for input in dpi long; do
  if [ "$input" = dpi ]; then file=$DPI; else file=$LONG; fi
  say "$input: ntopng, nDPI on, 1 worker, taskset -c $PIN_CPU ($RUNS runs)"
  settle
  ours "$input-dpi-1w" "$file" 1 --workers 1 "${NTOP_P[@]}"
  row "$input" ntopng "nDPI, 1 worker" "1 (taskset)" "$P_PACKETS" "$P_SECS" "$P_PPS" "$P_WALL" "$P_FLOWS" "$P_RSS"
  packets=$P_PACKETS
  RSS_KB[$input-dpi]=$P_RSS FLOWS[$input]=$P_FLOWS

  say "$input: ntopng, --no-dpi, 1 worker, taskset -c $PIN_CPU"
  settle
  ours "$input-nodpi-1w" "$file" 1 --workers 1 --no-dpi
  row "$input" ntopng "no DPI, 1 worker" "1 (taskset)" "$P_PACKETS" "$P_SECS" "$P_PPS" "$P_WALL" "$P_FLOWS" "$P_RSS"
  RSS_KB[$input-nodpi]=$P_RSS

  say "$input: ntopng, nDPI on, 2 workers, no pinning"
  settle
  ours "$input-dpi-2w" "$file" 0 --workers 2 "${NTOP_P[@]}"
  row "$input" ntopng "nDPI, 2 workers + reader" "$NCPU (all)" "$P_PACKETS" "$P_SECS" "$P_PPS" "$P_WALL" "$P_FLOWS" "$P_RSS"

  if ((HAVE_PEER)); then
    say "$input: ndpiReader, taskset -c $PIN_CPU"
    settle
    peer "$input-ndpireader" "$file"
    proc_pps=$(awk -v p="$packets" -v s="$P_SECS" 'BEGIN {if (s > 0) printf "%.0f", p/s; else print "nan"}')
    row "$input" ndpiReader "nDPI, 1 thread" "1 (taskset)" "$packets" "$P_SECS" "$proc_pps" "$P_WALL" "$P_FLOWS" "$P_RSS"
  fi
done

# Start-up baselines (tiny file) for the RSS method.
ours tiny-dpi "$TINY" 1 --workers 1 "${NTOP_P[@]}"
RSS_KB[tiny-dpi]=$P_RSS
ours tiny-nodpi "$TINY" 1 --workers 1 --no-dpi
RSS_KB[tiny-nodpi]=$P_RSS
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY_AFTER=$(cpu_busy)

# ---------------------------------------------------------------------------------------------
# 4. Memory per flow.

MEM=$OUT_DIR/memflow.tsv
: >"$MEM"
memrow() { # LABEL DESC ARGS...
  local label=$1 desc=$2
  shift 2
  taskset -c "$PIN_CPU" "$MEMFLOW" "$@" >"$LOGS/memflow-$label.txt" 2>&1 || {
    cat "$LOGS/memflow-$label.txt" >&2
    die "memflow $label failed"
  }

  v() { awk -v k="$1" '$1 == k {print $2}' "$LOGS/memflow-$label.txt"; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$desc" "$(v dpi)" "$(v flows)" "$(v hosts)" \
    "$(v flows_in_detection_at_end)" "$(v baseline_bytes)" "$(v peak_bytes)" "$(v after_detection_bytes)" \
    "$(v bytes_per_flow_after_detection)" "$(v peak_bytes_per_flow)" "$(v ndpi_state_bytes_per_flow_in_detection)" \
    "$(v mallinfo_bytes_per_flow_after_detection)" "$(v flow_table_bytes_per_flow)" >>"$MEM"
}
say "memory: memflow (counting allocator + nDPI malloc hooks)"
memrow dpi-dpi "DPI-heavy" "$DPI" "${NTOP_P[@]}"
memrow dpi-nodpi "DPI-heavy" "$DPI" --no-dpi
memrow conc-dpi "all flows in detection at once" "$CONC" "${NTOP_P[@]}"
memrow conc-nodpi "all flows in detection at once" "$CONC" --no-dpi
memrow long-dpi "long flows" "$LONG" "${NTOP_P[@]}"

# RSS method: max RSS - start-up RSS (tiny file) - the capture file (mapped, so its pages count in RSS).
rss_per_flow() { # RSS_KB BASE_KB FILE FLOWS
  awk -v r="$1" -v b="$2" -v f="$(stat -c %s "$3")" -v n="$4" 'BEGIN {if (n > 0) printf "%.0f", (r*1024 - b*1024 - f)/n; else print "nan"}'
}
RSS_DPI=$(rss_per_flow "${RSS_KB[dpi-dpi]}" "${RSS_KB[tiny-dpi]}" "$DPI" "${FLOWS[dpi]}")
RSS_NODPI=$(rss_per_flow "${RSS_KB[dpi-nodpi]}" "${RSS_KB[tiny-nodpi]}" "$DPI" "${FLOWS[dpi]}")

MASSIF_LINE=""
if ((MASSIF)) && command -v valgrind >/dev/null && command -v ms_print >/dev/null; then
  say "memory: valgrind massif on the real binary (one copy of the DPI input)"
  small=$IN/dpi-small.pcap
  if [ -d "$PCAP_DIR" ]; then
    "$PCAPGEN" replicate --from-dir "$PCAP_DIR" --copies 1 -o "$small" >/dev/null
  else
    "$PCAPGEN" mix --flows 5000 --packets-per-flow 10 -o "$small" >/dev/null
  fi
  valgrind --tool=massif --massif-out-file="$LOGS/massif.out" "$NTOPNG" -i "$small" --workers 1 \
    --shutdown-when-done -w 0 "${NTOP_P[@]}" >/dev/null 2>"$LOGS/massif.err" || die "valgrind massif failed (see $LOGS/massif.err)"
  ms_print "$LOGS/massif.out" >"$LOGS/massif.txt"
  # Peak snapshot: requested bytes and malloc's overhead (headers, rounding).
  read -r massif_heap massif_extra < <(awk -F= '/^mem_heap_B=/ {h=$2} /^mem_heap_extra_B=/ {x=$2} /^heap_tree=peak/ {print h, x}' "$LOGS/massif.out")
  massif_flows=$(grep -oE '[0-9]+ flows,' "$LOGS/massif.err" | head -1 | grep -oE '[0-9]+')
  memrow small-dpi "one copy (massif cross-check)" "$small" "${NTOP_P[@]}"
  mf_peak=$(awk -v k=peak_bytes '$1 == k {print $2}' "$LOGS/memflow-small-dpi.txt")
  MASSIF_LINE="valgrind massif, the ntopng binary on one copy of the DPI input ($massif_flows flows, nDPI on): peak heap $(awk -v b="$massif_heap" 'BEGIN {printf "%.1f", b/1048576}') MiB requested + $(awk -v b="$massif_extra" 'BEGIN {printf "%.1f", b/1048576}') MiB malloc overhead; memflow on the same file: peak $(awk -v b="$mf_peak" 'BEGIN {printf "%.1f", b/1048576}') MiB (usable sizes, overhead excluded)"
  [ "$KEEP_INPUTS" = 1 ] || rm -f "$small"
elif ((MASSIF)); then
  say "NOTE: valgrind/ms_print not installed: massif cross-check skipped"
fi

# ---------------------------------------------------------------------------------------------
# Where the time goes: share of CPU samples per binary/library, one pinned nDPI 1-worker run per input.

PERF_LINES=""
if ((PERF)) && command -v perf >/dev/null; then
  for input in dpi long; do
    if [ "$input" = dpi ]; then file=$DPI; else file=$LONG; fi
    say "perf: $input, ntopng nDPI 1 worker"
    if perf record -q -o "$LOGS/perf-$input.data" taskset -c "$PIN_CPU" "$NTOPNG" -i "$file" --workers 1 \
      --shutdown-when-done -w 0 -X $CAP -x $CAP "${NTOP_P[@]}" >/dev/null 2>"$LOGS/perf-$input.err"; then
      perf report -i "$LOGS/perf-$input.data" --no-children --sort dso --stdio >"$LOGS/perf-$input.dso" 2>/dev/null || true
      perf report -i "$LOGS/perf-$input.data" --no-children --sort dso,sym --stdio >"$LOGS/perf-$input.sym" 2>/dev/null || true
      PERF_LINES+="$input: $(awk '/^ +[0-9.]+%/ && n < 6 {printf "%s%s %s", (n ? ", " : ""), $2, $1; n++}' "$LOGS/perf-$input.dso")"$'\n'
      PERF_LINES+="  top symbols: $(awk '/^ +[0-9.]+%/ && n < 8 {p = $1; d = $2; sub(/.*\[[.k]\] /, ""); printf "%s%s (%s) %s", (n ? ", " : ""), $0, d, p; n++}' "$LOGS/perf-$input.sym")"$'\n'
    else
      say "NOTE: perf record failed (see $LOGS/perf-$input.err): profile skipped"
    fi
  done
fi

# ---------------------------------------------------------------------------------------------
# 5. Capture reader speed.

READ_LINES=""
if ((READ_SPEED)); then
  say "capture reader: cargo test -p ntopng-capture --release --test read_speed -- --nocapture"
  cargo test -p ntopng-capture --release --test read_speed -- --nocapture >"$LOGS/read_speed.log" 2>&1 \
    || { tail -20 "$LOGS/read_speed.log" >&2; die "read_speed test failed"; }
  READ_LINES=$(grep 'read speed' "$LOGS/read_speed.log" || echo "(no line printed: shared captures missing?)")
fi

# ---------------------------------------------------------------------------------------------
# 6. Report.

{
  echo "# Offline benchmark results ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "- mode: $([ $SMOKE = 1 ] && echo SMOKE || echo full), median of $RUNS run(s) after $WARMUP untimed warm-up run(s); single-core runs pinned with taskset -c $PIN_CPU"
  echo "- machine: $NCPU CPU(s), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r), CPUs busy with other work (sampled 2 s before each throughput measurement): first ${BUSY_BEFORE}%, worst ${BUSY_WORST}%, after ${BUSY_AFTER}%; most CPU time other processes took during a kept timed run: ${OTHER_WORST} s (load average before $LOAD_BEFORE, after $LOAD_AFTER)"
  echo "- ntopng: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)'), $($NTOPNG --version 2>/dev/null | head -1)"
  echo "- peer: $([ $HAVE_PEER = 1 ] && dpkg-query -W -f='libndpi-bin ${Version}' libndpi-bin 2>/dev/null || echo none)"
  echo "- DPI-heavy input: $DPI_DESC: $(stat -c %s "$DPI") bytes"
  echo "- long-flow input: $LONG_DESC: $(stat -c %s "$LONG") bytes"
  echo
  echo "proc s / proc Mpps: processing time (ntopng's log line; ndpiReader's \"Packet Processing Time\", from one extra non-quiet run)."
  echo "wall s / wall Mpps: whole process, start-up included. ratios: ntopng / ndpiReader on the same file."
  echo
  echo "| input | tool | mode | CPUs | packets | flows | proc s | proc Mpps | wall s | wall Mpps | x ndpiReader (proc) | x ndpiReader (wall) | max RSS MiB |"
  echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '
    {n++; in_[n]=$1; tool[n]=$2; mode[n]=$3; cpus[n]=$4; pk[n]=$5; ps[n]=$6; pps[n]=$7; wall[n]=$8; fl[n]=$9; rss[n]=$10
     if ($2 == "ndpiReader") {peer_pps[$1]=$7; peer_wall_pps[$1]=($8 > 0 ? $5/$8 : 0)}}
    END {
      for (i = 1; i <= n; i++) {
        wpps = wall[i] > 0 ? pk[i]/wall[i] : 0
        rp = (in_[i] in peer_pps && peer_pps[in_[i]] > 0) ? sprintf("%.2f", pps[i]/peer_pps[in_[i]]) : "-"
        rw = (in_[i] in peer_wall_pps && peer_wall_pps[in_[i]] > 0) ? sprintf("%.2f", wpps/peer_wall_pps[in_[i]]) : "-"
        printf "| %s | %s | %s | %s | %d | %s | %.3f | %.2f | %.3f | %.2f | %s | %s | %.0f |\n", in_[i], tool[i], mode[i], cpus[i], pk[i], fl[i], ps[i], pps[i]/1e6, wall[i], wpps/1e6, rp, rw, rss[i]/1024
      }
    }' "$ROWS"
  echo
  echo "Memory per flow (memflow: one worker in-process, every live heap byte counted: Rust allocations through a"
  echo "counting global allocator, nDPI's through set_ndpi_malloc/set_ndpi_free; malloc_usable_size of each block)."
  echo "Per-flow figures include the host and MAC entries the flows created. baseline = nDPI module loaded, nothing read."
  echo
  echo "| input | nDPI | flows | hosts | in detection at end | baseline MiB | peak MiB | after detection MiB | B/flow after detection | peak B/flow | nDPI state B/flow while in detection | glibc mallinfo2 B/flow after | flow table B/flow |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %.1f | %.1f | %.1f | %s | %s | %s | %s | %s |\n", $1, ($2 == "true" ? "on" : "off"), $3, $4, $5, $6/1048576, $7/1048576, $8/1048576, $9, $10, ($2 == "true" && $5 > 0 ? $11 : "-"), $12, $13}' "$MEM"
  echo
  echo "RSS method (max RSS of the timed 1-worker runs - max RSS on a tiny file - the mapped capture file) / flows, DPI-heavy input: nDPI on $RSS_DPI B/flow, --no-dpi $RSS_NODPI B/flow"
  [ -n "$MASSIF_LINE" ] && echo "$MASSIF_LINE"
  if [ -n "$PERF_LINES" ]; then
    echo
    echo "Where the time goes (perf, share of CPU samples of the pinned nDPI 1-worker run, start-up included):"
    echo
    sed 's/^/    /' <<<"${PERF_LINES%$'\n'}"
  fi
  if [ -n "$READ_LINES" ]; then
    echo
    echo "Capture reader (cargo test -p ntopng-capture --release --test read_speed -- --nocapture):"
    echo
    sed 's/^/    /' <<<"$READ_LINES"
  fi
} >"$RESULTS"
cat "$RESULTS"
say "results: $RESULTS; logs: $LOGS"

if [ "$KEEP_INPUTS" != 1 ]; then
  rm -f "$DPI" "$LONG" "$CONC" "$TINY"
fi
