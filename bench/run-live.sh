#!/usr/bin/env bash
# Live-capture benchmark: generated captures replayed with tcpreplay into a veth pair inside a
# private network namespace, captured by ntopng (XDP + AF_XDP with and without the in-kernel
# bypass, AF_PACKET with 1 and 2 workers) and by the peer `tcpdump -w /dev/null`, at increasing
# rates. See doc/performance.md, "Live capture (veth, tcpreplay)".
#
# Usage (as root):
#   bench/run-live.sh            full run (a few minutes)
#   bench/run-live.sh --smoke    one small replay per mode at one rate (< 1 min after the build);
#                                fails only if a command fails; skips (exit 0) without root/namespaces
#
# Traffic goes only into the veth pair of the namespace this script creates (no addresses, no
# routes); the namespace and every process started in it are removed on exit, also on failure.
#
# Environment (defaults in brackets; smoke defaults after "smoke"):
#   MIX_FLOWS     flows of the mixed input, pcapgen mix [4000; smoke 100]
#   MIX_PPF       packets per flow of the mixed input [50; smoke 30]
#   LONG_FLOWS    flows of the long-flow input, pcapgen long-flows [40; smoke 0 = no long-flow input]
#   LONG_PPF      packets per long flow [5000]
#   RATES         replay rates, packets/s or "top" (tcpreplay --topspeed) ["50000 100000 200000 top"; smoke "20000"]
#   TOP_RUNS      replays per capture mode at "top" (where losses vary from run to run) [3; smoke 1]
#   REPLAYERS     tcpreplay processes in parallel, each on its share of the flows [2]
#   MODES         what captures ["xdp-bypass xdp-nobypass afpacket-1 afpacket-2 tcpdump"]
#   QUEUES        RX/TX queues of each veth end (XDP: one AF_XDP socket and worker per queue) [1]
#   CEILING_RUNS  replays with nothing attached, per number of tcpreplay processes [3; smoke 1]
#   SETTLE_MS     wait after the replay before SIGTERM, for the capture to drain [1500: more than
#                 libpcap's 1 s buffer timeout, so tcpdump has read its last partly filled block]
#   WAIT_IDLE     seconds (in all) to wait for other work to leave the CPUs before measurements [900; smoke 0];
#                 a replay followed by more than 10% of other work in the next second is repeated (twice at most)
#   BUILD_WAIT    seconds to keep retrying the build (files may be mid-edit) [600; smoke 0]
#   OUT_DIR       inputs, logs, results [target/bench-live; smoke target/bench-live-smoke]
#   KEEP_INPUTS   1 keeps the generated captures [0]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCRIPT=run-live.sh
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_args "$@"

if ((SMOKE)); then
  MIX_FLOWS=${MIX_FLOWS:-100} MIX_PPF=${MIX_PPF:-30} LONG_FLOWS=${LONG_FLOWS:-0} RATES=${RATES:-20000}
  CEILING_RUNS=${CEILING_RUNS:-1} TOP_RUNS=${TOP_RUNS:-1} WAIT_IDLE=${WAIT_IDLE:-0} BUILD_WAIT=${BUILD_WAIT:-0}
  OUT_DIR=${OUT_DIR:-$ROOT/target/bench-live-smoke}
else
  MIX_FLOWS=${MIX_FLOWS:-4000} MIX_PPF=${MIX_PPF:-50} LONG_FLOWS=${LONG_FLOWS:-40} RATES=${RATES:-50000 100000 200000 top}
  CEILING_RUNS=${CEILING_RUNS:-3} TOP_RUNS=${TOP_RUNS:-3} WAIT_IDLE=${WAIT_IDLE:-900} BUILD_WAIT=${BUILD_WAIT:-600}
  OUT_DIR=${OUT_DIR:-$ROOT/target/bench-live}
fi
LONG_PPF=${LONG_PPF:-5000}
REPLAYERS=${REPLAYERS:-2}
MODES=${MODES:-xdp-bypass xdp-nobypass afpacket-1 afpacket-2 tcpdump}
QUEUES=${QUEUES:-1}
SETTLE_MS=${SETTLE_MS:-1500}
KEEP_INPUTS=${KEEP_INPUTS:-0}

# ---------------------------------------------------------------------------------------------
# The namespace: created first (to skip early when unavailable), removed on any exit with every process
# started in it (bench/lib.sh).

LOGS=$OUT_DIR/logs
mkdir -p "$LOGS"
netns_up "$QUEUES"

# ---------------------------------------------------------------------------------------------
# Tools.

IN=$OUT_DIR/inputs
LOGS=$OUT_DIR/logs
RESULTS=$OUT_DIR/results.md
mkdir -p "$IN" "$LOGS" "$OUT_DIR/bin"
rm -f "$LOGS"/*

if ! command -v tcpreplay >/dev/null; then
  say "tcpreplay missing: apt-get install tcpreplay"
  apt_install tcpreplay || die "cannot install tcpreplay (see $LOGS/apt.log)"
fi
TCPDUMP=""
if [[ " $MODES " == *" tcpdump "* ]]; then
  if ! command -v tcpdump >/dev/null; then
    say "tcpdump missing: apt-get install tcpdump (the peer)"
    apt_install tcpdump || say "NOTE: cannot install tcpdump (see $LOGS/apt.log): the tcpdump mode is skipped"
  fi
  TCPDUMP=$(command -v tcpdump || true)
  [ -n "$TCPDUMP" ] || MODES=${MODES//tcpdump/}
fi

# Build (retried while someone else's edit does not compile), then private copies of the binaries.
REL=$ROOT/target/release
build_release "$BUILD_WAIT" -p ntopng -p ntopng-bench --bin ntopng --bin pcapgen --bin pcapsplit
for b in ntopng pcapgen pcapsplit; do cp "$REL/$b" "$OUT_DIR/bin/$b"; done
NTOPNG=$OUT_DIR/bin/ntopng PCAPGEN=$OUT_DIR/bin/pcapgen PCAPSPLIT=$OUT_DIR/bin/pcapsplit
say "built ntopng, pcapgen, pcapsplit (copied to $OUT_DIR/bin)"

# ---------------------------------------------------------------------------------------------
# Inputs: each capture, and its flows split into REPLAYERS parts (one per tcpreplay process).

INPUTS=(mix)
declare -A DESC FILE COUNT
DESC[mix]="pcapgen mix --flows $MIX_FLOWS --packets-per-flow $MIX_PPF (TCP 70/UDP 25/ICMP 5, 20% IPv6, imix sizes, up to 256 flows interleaved)"
"$PCAPGEN" mix --flows "$MIX_FLOWS" --packets-per-flow "$MIX_PPF" -o "$IN/mix.pcap" >"$LOGS/gen-mix.log"
if ((LONG_FLOWS > 0)); then
  INPUTS+=(long)
  DESC[long]="pcapgen long-flows --flows $LONG_FLOWS --packets-per-flow $LONG_PPF (TCP, well-known server ports, random payloads, imix sizes, all flows interleaved)"
  "$PCAPGEN" long-flows --flows "$LONG_FLOWS" --packets-per-flow "$LONG_PPF" -o "$IN/long.pcap" >"$LOGS/gen-long.log"
fi
for input in "${INPUTS[@]}"; do
  FILE[$input]=$IN/$input.pcap
  COUNT[$input]=$(grep -oE 'wrote .*: [0-9]+ packets' "$LOGS/gen-$input.log" | grep -oE '[0-9]+ packets' | grep -oE '[0-9]+')
  "$PCAPSPLIT" "${FILE[$input]}" "$REPLAYERS" "$IN/$input.part" >"$IN/$input.parts"
  grep -v '^done in' "$LOGS/gen-$input.log" | sed "s/^/  $input: /" >&2
  sed "s/^/  $input parts: /" "$IN/$input.parts" >&2
done
sync

# ---------------------------------------------------------------------------------------------
# Helpers.

CLK_TCK=$(getconf CLK_TCK)
# utime+stime of a process (all its threads), in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# Voluntary context switches of all threads of a process (each one a sleep, then a wake-up).
wakeups() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {s += $2} END {print s + 0}'; }
# Machine-wide softirq time from /proc/stat, in clock ticks.
softirq_ticks() { awk '/^cpu / {print $8}' /proc/stat; }
rx_packets() { nsx cat "/sys/class/net/$MON/statistics/rx_packets"; }

# Percentage of all CPUs busy over the next second.
cpu_busy() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); t = y[2]-x[2]; printf "%.0f", (t > 0 ? 100*(y[1]-x[1])/t : 0)}'
}
# Waits (within the WAIT_IDLE budget) until other work leaves the CPUs; sets BUSY.
idle_deadline=$((SECONDS + WAIT_IDLE))
BUSY=0
settle() {
  BUSY=$(cpu_busy)
  while ((BUSY > 10 && SECONDS < idle_deadline)); do
    say "CPUs ${BUSY}% busy with other work: waiting (WAIT_IDLE budget left $((idle_deadline - SECONDS)) s)"
    sleep 10
    BUSY=$(cpu_busy)
  done
  ((BUSY <= 10)) || say "WARNING: CPUs ${BUSY}% busy with other work before this measurement"
}

# replay INPUT RATE NPROC LOGBASE: NPROC tcpreplay processes at once (each on its part of the flows,
# paced in proportion to its packets so that all finish together), or one on the whole file.
# Sets R_SENT (sum of "Actual: N packets"), R_SECS (longest send time), R_PPS, R_FAILED.
replay() {
  local input=$1 rate=$2 n=$3 base=$4 i pps rc=0
  local files=() counts=() pids=() opt
  if ((n == 1)); then
    files=("${FILE[$input]}") counts=("${COUNT[$input]}")
  else
    while read -r f c; do files+=("$f") counts+=("$c"); done <"$IN/$input.parts"
  fi
  for i in "${!files[@]}"; do
    if [ "$rate" = top ]; then
      opt=(--topspeed)
    else
      pps=$(awk -v r="$rate" -v c="${counts[$i]}" -v t="${COUNT[$input]}" 'BEGIN {p = r*c/t; printf "%d", (p < 1 ? 1 : p)}')
      opt=(--pps "$pps")
    fi
    ((counts[i] > 0)) || continue
    # ip netns exec execs tcpreplay: $! is tcpreplay itself.
    ip netns exec "$NS" tcpreplay -q -K -i "$INJ" "${opt[@]}" "${files[$i]}" >"$base.tcpreplay.$i" 2>&1 &
    pids+=($!)
    STARTED[$!]=1
  done
  for i in "${pids[@]}"; do
    wait "$i" || rc=$?
    unset "STARTED[$i]"
  done
  ((rc == 0)) || { cat "$base".tcpreplay.* >&2; die "tcpreplay failed (exit $rc), logs $base.tcpreplay.*"; }
  read -r R_SENT R_SECS R_FAILED < <(cat "$base".tcpreplay.* | awk '
    /^Actual:/ {n += $2; if ($(NF-1) > s) s = $(NF-1)}
    /Failed packets:/ {f += $NF}
    END {printf "%d %s %d\n", n, s, f}')
  [ "$R_SENT" -gt 0 ] || die "tcpreplay sent nothing (logs $base.tcpreplay.*)"
  R_PPS=$(awk -v n="$R_SENT" -v s="$R_SECS" 'BEGIN {printf "%.0f", (s > 0 ? n/s : 0)}')
}

median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# ---------------------------------------------------------------------------------------------
# 1. Injection ceiling: tcpreplay --topspeed into the veth, nothing attached to the monitored end.

CEIL=$OUT_DIR/ceiling.tsv
: >"$CEIL"
nprocs=(1)
((REPLAYERS > 1)) && nprocs+=("$REPLAYERS")
for input in "${INPUTS[@]}"; do
  for n in "${nprocs[@]}"; do
    say "ceiling: $input, $n tcpreplay process(es) --topspeed, nothing attached ($CEILING_RUNS runs)"
    : >"$LOGS/ceil-$input-$n.pps"
    for ((r = 1; r <= CEILING_RUNS; r++)); do
      settle
      rx0=$(rx_packets)
      replay "$input" top "$n" "$LOGS/ceil-$input-$n-$r"
      rx1=$(rx_packets)
      echo "$R_PPS" >>"$LOGS/ceil-$input-$n.pps"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$input" "$n" "$r" "$R_SENT" "$R_SECS" "$R_PPS" "$((rx1 - rx0))" "$BUSY" >>"$CEIL"
      say "  run $r: $R_SENT packets in $R_SECS s = $R_PPS pps; $((rx1 - rx0)) arrived at $MON"
    done
  done
done

# ---------------------------------------------------------------------------------------------
# 2. Each mode at each rate.

ROWS=$OUT_DIR/rows.tsv
: >"$ROWS"
REPEATED=0
XDP_DESC=""

# start_capture MODE LOG: starts it in the namespace, waits until it captures; sets CAP_PID.
start_capture() {
  local mode=$1 log=$2 ready t
  case "$mode" in
    # ip netns exec execs the program: $! is the daemon (or tcpdump) itself.
    xdp-bypass) ip netns exec "$NS" "$NTOPNG" -i "$MON" -w 0 --capture-mode xdp 2>"$log" >/dev/null & ready="capturing with" ;;
    xdp-nobypass) ip netns exec "$NS" "$NTOPNG" -i "$MON" -w 0 --capture-mode xdp --no-bypass 2>"$log" >/dev/null & ready="capturing with" ;;
    afpacket-*) ip netns exec "$NS" "$NTOPNG" -i "$MON" -w 0 --capture-mode afpacket --workers "${mode#afpacket-}" 2>"$log" >/dev/null & ready="capturing with" ;;
    tcpdump) ip netns exec "$NS" "$TCPDUMP" -i "$MON" -w /dev/null 2>"$log" >/dev/null & ready="listening on" ;;
    *) die "unknown mode '$mode' (MODES)" ;;
  esac
  CAP_PID=$!
  STARTED[$CAP_PID]=1
  for ((t = 0; t < 600; t++)); do
    grep -q "$ready" "$log" && return 0
    kill -0 "$CAP_PID" 2>/dev/null || { cat "$log" >&2; die "$mode exited before capturing (log $log)"; }
    sleep 0.05
  done
  cat "$log" >&2
  die "$mode not capturing after 30 s (log $log)"
}

# stop_capture MODE: SIGTERM, waits for the exit (30 s at most), fails on a non-zero status.
stop_capture() {
  local mode=$1 rc=0 t
  kill -TERM "$CAP_PID"
  for ((t = 0; t < 300; t++)); do
    kill -0 "$CAP_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$CAP_PID" 2>/dev/null && { kill -KILL "$CAP_PID"; die "$mode did not stop within 30 s of SIGTERM"; }
  wait "$CAP_PID" || rc=$?
  unset "STARTED[$CAP_PID]"
  ((rc == 0)) || die "$mode exited with status $rc after SIGTERM"
}

num() { grep -oE "$1" "$2" | tail -1 | grep -oE '[0-9]+' | head -1 || true; }

# measure INPUT MODE RATE RUN RUNS: one capture of one replay; sets ROW (a line for ROWS) and BUSY_AFTER.
measure() {
  local input=$1 mode=$2 rate=$3 run=$4 runs=$5 base line xl extra total drops filt saw user bypassed processed
  local rx0 rx1 si0 si1 c0 c1 w0 w1 cpu sirq at_mon lost per_m
  base=$LOGS/$input-$mode-$rate-$run
  say "$input: $mode, replay at $rate pps ($REPLAYERS tcpreplay process(es)), run $run/$runs"
  settle
  start_capture "$mode" "$base.log"
  rx0=$(rx_packets) si0=$(softirq_ticks) c0=$(cpu_ticks "$CAP_PID") w0=$(wakeups "$CAP_PID")
  replay "$input" "$rate" "$REPLAYERS" "$base"
  sleep "$(awk -v m="$SETTLE_MS" 'BEGIN {print m/1000}')"
  c1=$(cpu_ticks "$CAP_PID") w1=$(wakeups "$CAP_PID") si1=$(softirq_ticks) rx1=$(rx_packets)
  stop_capture "$mode"
  BUSY_AFTER=$(cpu_busy)
  cpu=$(awk -v a="$c0" -v b="$c1" -v h="$CLK_TCK" 'BEGIN {printf "%.2f", (b-a)/h}')
  sirq=$(awk -v a="$si0" -v b="$si1" -v h="$CLK_TCK" 'BEGIN {printf "%.2f", (b-a)/h}')
  at_mon=$((rx1 - rx0))
  if [ "$mode" = tcpdump ]; then
    total=$(num '[0-9]+ packets? captured' "$base.log")
    drops=$(num '[0-9]+ packets? dropped by kernel' "$base.log")
    filt=$(num '[0-9]+ packets? received by filter' "$base.log")
    [ -n "$total" ] && [ -n "$drops" ] || die "no tcpdump statistics in $base.log"
    saw=- user=- bypassed=- processed=$total
    extra="tcpdump: $total captured, $filt received by filter, $drops dropped by kernel"
  else
    line=$(grep -E "$MON: [0-9]+ packets \([0-9]+ bytes\) in [0-9.]+ s; .* kernel drops" "$base.log" | tail -1) \
      || die "no summary line in $base.log"
    total=$(grep -oE ': [0-9]+ packets' <<<"$line" | grep -oE '[0-9]+')
    drops=$(grep -oE '[0-9]+ kernel drops' <<<"$line" | grep -oE '[0-9]+')
    extra="${line#*"$MON: "}"
    if [[ $mode == xdp-* ]]; then
      xl=$(grep -E "$MON: XDP saw [0-9]+ packets" "$base.log" | tail -1) || die "no XDP summary line in $base.log"
      saw=$(grep -oE 'saw [0-9]+' <<<"$xl" | grep -oE '[0-9]+')
      user=$(grep -oE '[0-9]+ to user space' <<<"$xl" | grep -oE '[0-9]+')
      bypassed=$(grep -oE '[0-9]+ bypassed' <<<"$xl" | grep -oE '[0-9]+')
      # The daemon's total folds the bypassed packets back in; what user space itself took:
      processed=$((total - bypassed))
      extra="$extra | ${xl#*"$MON: "}"
      [ -n "$XDP_DESC" ] || XDP_DESC=$(grep -oE 'capturing with XDP.*' "$base.log" | head -1)
    else
      saw=- user=- bypassed=- processed=$total
    fi
  fi
  lost=$((R_SENT - total))
  per_m=$(awk -v c="$cpu" -v n="$R_SENT" 'BEGIN {printf "%.2f", (n > 0 ? c*1e6/n : 0)}')
  ROW=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$input" "$mode" "$rate" \
    "$run" "$R_PPS" "$R_SENT" "$at_mon" "$saw" "$user" "$bypassed" "$processed" "$total" "$drops" "$lost" "$cpu" "$per_m" \
    "$((w1 - w0))" "$sirq" "$BUSY" "$BUSY_AFTER" "$extra")
  say "  sent $R_SENT at $R_PPS pps; $at_mon at $MON; XDP saw $saw, to user space $user, bypassed $bypassed; processed in user space $processed; accounted $total; drops $drops; lost $lost; CPU $cpu s ($per_m s/M), $((w1 - w0)) wake-ups"
}

for input in "${INPUTS[@]}"; do
  for mode in $MODES; do
    for rate in $RATES; do
      runs=1
      [ "$rate" = top ] && runs=$TOP_RUNS
      for ((run = 1; run <= runs; run++)); do
        # Other work on the CPUs in the second after a replay may have disturbed it: repeat (twice at most).
        for ((attempt = 1; ; attempt++)); do
          measure "$input" "$mode" "$rate" "$run" "$runs"
          ((BUSY_AFTER > 10 && attempt < 3)) || break
          say "  other work took ${BUSY_AFTER}% of the CPUs right after this replay: repeating it"
          REPEATED=$((REPEATED + 1))
        done
        printf '%s\n' "$ROW" >>"$ROWS"
      done
    done
  done
done

# ---------------------------------------------------------------------------------------------
# 3. Report.

mode_name() {
  case "$1" in
    xdp-bypass) echo "ntopng XDP+AF_XDP, bypass on" ;;
    xdp-nobypass) echo "ntopng XDP+AF_XDP, --no-bypass" ;;
    afpacket-1) echo "ntopng AF_PACKET, 1 worker" ;;
    afpacket-2) echo "ntopng AF_PACKET, 2 workers" ;;
    tcpdump) echo "tcpdump -w /dev/null" ;;
    *) echo "$1" ;;
  esac
}
{
  echo "# Live capture benchmark results ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "- mode: $([ $SMOKE = 1 ] && echo SMOKE || echo full); one replay per cell ($TOP_RUNS at \"top\"); veth pair in namespace $NS ($QUEUES queue(s) per end), $REPLAYERS tcpreplay process(es) per replay, each on its share of the flows"
  echo "- machine: $(nproc) CPU(s), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r)"
  echo "- ntopng: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)'); $(tcpreplay --version 2>&1 | head -1); $([ -n "$TCPDUMP" ] && "$TCPDUMP" --version 2>&1 | head -1 || echo 'tcpdump: not run')"
  [ -n "$XDP_DESC" ] && echo "- XDP: $XDP_DESC"
  for input in "${INPUTS[@]}"; do
    echo "- input $input: ${DESC[$input]}: ${COUNT[$input]} packets, $(stat -c %s "${FILE[$input]}") bytes; parts: $(awk '{printf "%s%s packets", (NR > 1 ? ", " : ""), $2}' "$IN/$input.parts")"
  done
  echo
  echo "Injection ceiling (tcpreplay --topspeed -K into $INJ, nothing attached to $MON; aggregate = packets / longest send time):"
  echo
  echo "| input | tcpreplay processes | runs | pps per run | median pps | arrived at $MON / sent |"
  echo "|---|---:|---:|---|---:|---|"
  awk -F'\t' '{k = $1 "\t" $2; if (!(k in runs)) order[++n] = k; runs[k]++; pps[k] = pps[k] (pps[k] == "" ? "" : " ") $6; arr[k] = arr[k] (arr[k] == "" ? "" : " ") $7 "/" $4}
    END {for (i = 1; i <= n; i++) {k = order[i]; split(k, f, "\t"); m = split(pps[k], v, " ")
      for (a = 2; a <= m; a++) for (b = a; b > 1 && v[b-1]+0 > v[b]+0; b--) {t = v[b]; v[b] = v[b-1]; v[b-1] = t}
      med = (m % 2 ? v[(m+1)/2] : (v[m/2]+v[m/2+1])/2)
      printf "| %s | %s | %d | %s | %.0f | %s |\n", f[1], f[2], runs[k], pps[k], med, arr[k]}}' "$CEIL"
  echo
  echo "Capture at each rate. sent = sum of tcpreplay's \"Actual: N packets\"; at $MON = the veth's rx_packets growth;"
  echo "XDP saw / to user space / bypassed = the daemon's XDP summary line; accounted = the daemon's packet total (bypassed"
  echo "packets folded back in) or tcpdump's \"captured\"; in user space = accounted - bypassed; drops = the daemon's"
  echo "\"kernel drops\" (AF_XDP rx_dropped + rx_ring_full, or AF_PACKET tp_drops) or tcpdump's \"dropped by kernel\";"
  echo "lost = sent - accounted; CPU s = the capturing process's utime+stime from the moment it captured to just before"
  echo "SIGTERM (includes the ${SETTLE_MS} ms drain wait; excludes start-up and shutdown); softirq s = the machine's softirq time"
  echo "over the same window (/proc/stat, all CPUs, includes the sending side); wake-ups = voluntary context switches of"
  echo "all its threads over the window; busy % before / after = the CPUs' busy time in the second before the capture started and"
  echo "in the second after it stopped (a replay with more than 10% after is repeated, twice at most: $REPEATED repeat(s) in this run)."
  echo "run: the replay's number at that rate."
  echo
  echo "| input | capture | target pps | run | tcpreplay pps | sent | at $MON | XDP saw | to user space | bypassed | in user space | accounted | drops | lost | CPU s | CPU s / M pkts | wake-ups | softirq s | busy % before | busy % after |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  while IFS=$'\t' read -r input mode rate run rpps sent atmon saw user byp proc total drops lost cpu perm wk sirq busy busy2 extra; do
    echo "| $input | $(mode_name "$mode") | $rate | $run | $rpps | $sent | $atmon | $saw | $user | $byp | $proc | $total | $drops | $lost | $cpu | $perm | $wk | $sirq | $busy | $busy2 |"
  done <"$ROWS"
  echo
  echo "Not measured: per-batch processing latency. The daemon keeps no latency histogram (nothing in ntopng-user"
  echo "records batch times), so none is reported; CPU s per million packets is the cost measure instead."
  echo
  echo "Log lines behind each row:"
  echo
  while IFS=$'\t' read -r input mode rate run _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ extra; do
    echo "    $input $mode $rate #$run: $extra"
  done <"$ROWS"
} >"$RESULTS"
cat "$RESULTS"
say "results: $RESULTS; logs: $LOGS"

if [ "$KEEP_INPUTS" != 1 ]; then
  rm -f "$IN"/*.pcap
fi
