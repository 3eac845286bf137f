#!/usr/bin/env bash
# What the flow checks cost the packet path: the daemon reads the same capture with its web server on
# (alerts are stored only then), pinned to one core with its alert writer, in three configurations:
#   off      the flow checks of ntopng_checks::flow disabled (nDPI risk checks on: the baseline)
#   default  their defaults (remote_to_local_insecure_flow and blacklisted on, no blacklist file)
#   all      all of them on, with a blacklist file (every classified flow is handed over) and the
#            flow-end checks (TCP issues, long-lived, elephant) on
# Runs alternate between configurations; the median of RUNS is reported. See doc/performance.md.
#
# Usage:
#   bench/run-flowchecks.sh            full run
#   bench/run-flowchecks.sh --smoke    one copy, one run per configuration (CI: fails only if a command fails)
#
# Environment (defaults in brackets):
#   COPIES    copies of the shared nDPI captures in the input [5; smoke 1]
#   RUNS      runs per configuration [5; smoke 1]
#   PIN_CPU   core the daemon is pinned to [1]
#   BIN       the ntopng binary [target/release/ntopng]
#   PCAPGEN   the generator [target/release/pcapgen]
#   OUT_DIR   inputs, logs, results [target/bench-flowchecks]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCRIPT=run-flowchecks.sh
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_args "$@"
if ((SMOKE)); then
  COPIES=${COPIES:-1} RUNS=${RUNS:-1} OUT_DIR=${OUT_DIR:-$ROOT/target/bench-flowchecks-smoke}
else
  COPIES=${COPIES:-5} RUNS=${RUNS:-5} OUT_DIR=${OUT_DIR:-$ROOT/target/bench-flowchecks}
fi
PIN_CPU=${PIN_CPU:-$(($(nproc) > 1 ? 1 : 0))}
BIN=${BIN:-$ROOT/target/release/ntopng}
PCAPGEN=${PCAPGEN:-$ROOT/target/release/pcapgen}
SHARED=${SHARED_DIR:-$ROOT/../shared}
LOGS=$OUT_DIR/logs
mkdir -p "$LOGS"
[ -x "$BIN" ] || die "$BIN missing: cargo build --release -p ntopng -p ntopng-bench"
[ -d "$SHARED/pcaps/ndpi-4.2/pcap" ] || skip "$SHARED/pcaps/ndpi-4.2 not found"
command -v curl >/dev/null || die "curl is missing"

IN=$OUT_DIR/dpi.pcap
if [ ! -s "$IN" ]; then
  say "generating $IN ($COPIES copies of the nDPI captures)"
  "$PCAPGEN" replicate --from-dir "$SHARED/pcaps/ndpi-4.2/pcap" --copies "$COPIES" -o "$IN" >"$LOGS/gen.log"
fi
PROTOS=$SHARED/pcaps/ndpi-4.2/example/protos.txt
BLACKLIST=$OUT_DIR/blacklist.txt
# 256 remote /24s: a list of realistic size that matches some flows of the input.
for i in $(seq 0 255); do echo "198.51.$i.0/24"; done >"$BLACKLIST"
KEYS="unexpected_dns unexpected_dhcp unexpected_ntp unexpected_smtp remote_to_local_insecure_flow blacklisted
  blacklisted_client_contact blacklisted_server_contact tcp_packets_issues long_lived_flows elephant_flows"

# run CONFIG: one daemon run; prints "proc_secs wall_secs packets checked stored cpu_secs loop_cpu_secs".
run() {
  local conf=$1 port data action extra=() pre="" k start end
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  data=$OUT_DIR/data-$conf
  rm -rf "$data"
  case $conf in
    off) action=disable ;;
    default) action= ;;
    all) action=enable; extra=(--blacklist-file "$BLACKLIST") ;;
  esac
  if [ -n "$action" ]; then
    for k in $KEYS; do
      pre+="curl -s 'http://127.0.0.1:$port/lua/rest/v2/$action/check.lua?check_subdir=flow&script_key=$k' >/dev/null; "
    done
    extra+=(--test-script-pre "$pre")
  fi
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$LOGS/$conf.time" taskset -c "$PIN_CPU" "$BIN" -i "$IN" --shutdown-when-done -w "127.0.0.1:$port" -d "$data" --disable-login=1 \
    --workers 1 -X 4000000 -x 4000000 -p "$PROTOS" -m 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16 "${extra[@]}" \
    >"$LOGS/$conf.out" 2>"$LOGS/$conf.log"
  end=$(date +%s.%N)
  local line checked stored
  line=$(grep -E ' packets \([0-9]+ bytes\) in [0-9.]+ s = ' "$LOGS/$conf.log" | tail -1)
  checked=$(grep -oE 'alerts: [0-9]+ flows checked' "$LOGS/$conf.log" | grep -oE '[0-9]+' | tail -1)
  stored=$(grep -oE '[0-9]+ flow alerts stored' "$LOGS/$conf.log" | grep -oE '^[0-9]+' | tail -1)
  echo "$(sed -E 's/.* in ([0-9.]+) s = .*/\1/' <<<"$line") $(echo "$end - $start" | bc) \
$(sed -E 's/.*: ([0-9]+) packets .*/\1/' <<<"$line") ${checked:-0} ${stored:-0} $(awk '{print $1 + $2}' "$LOGS/$conf.time") \
$(grep -oE 'packet loop CPU time [0-9.]+' "$LOGS/$conf.log" | grep -oE '[0-9.]+$' | tail -1)"
  rm -rf "$data"
}

declare -A PROC WALL CPU LOOP INFO
for r in $(seq 1 "$RUNS"); do
  for conf in off default all; do
    read -r p w pk c s u l < <(run "$conf")
    say "run $r $conf: processing ${p} s, packet loop CPU ${l} s, wall ${w} s, CPU ${u} s, $pk packets, $c flow events checked, $s alerts stored"
    LOOP[$conf]+="$l "
    PROC[$conf]+="$p "
    WALL[$conf]+="$w "
    CPU[$conf]+="$u "
    INFO[$conf]="$pk $c $s"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minimum() { tr ' ' '\n' | grep -v '^$' | sort -g | head -1; }
pct() { echo "($1 / $2 - 1) * 100" | bc -l; }
{
  echo "Packet loop CPU: CPU time of the thread that reads and processes the packets (the packet path; other"
  echo "processes do not count in it), median and minimum of $RUNS runs. Processing: the packet loop's elapsed time (ntopng's log"
  echo "line), median and minimum; CPU: user + system time of the whole process (start-up, Lua VMs, alert writer and"
  echo "shutdown included), median; wall: whole process, median."
  echo
  echo "| config | packets | flow events to the writer | flow alerts | packet loop CPU s (median) | vs off | packet loop CPU s (min) | vs off | processing s (median) | vs off | processing s (min) | vs off | process CPU s | vs off | wall s | vs off |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  bl=$(echo "${LOOP[off]}" | median); blm=$(echo "${LOOP[off]}" | minimum)
  bp=$(echo "${PROC[off]}" | median); bm=$(echo "${PROC[off]}" | minimum)
  bc_=$(echo "${CPU[off]}" | median); bw=$(echo "${WALL[off]}" | median)
  for conf in off default all; do
    read -r pk c s <<<"${INFO[$conf]}"
    p=$(echo "${PROC[$conf]}" | median); m=$(echo "${PROC[$conf]}" | minimum)
    u=$(echo "${CPU[$conf]}" | median); w=$(echo "${WALL[$conf]}" | median); l=$(echo "${LOOP[$conf]}" | median)
    lm=$(echo "${LOOP[$conf]}" | minimum)
    printf '| %s | %s | %s | %s | %.3f | %+.1f%% | %.3f | %+.1f%% | %.3f | %+.1f%% | %.3f | %+.1f%% | %.2f | %+.1f%% | %.2f | %+.1f%% |\n' "$conf" "$pk" "$c" "$s" \
      "$l" "$(pct "$l" "$bl")" "$lm" "$(pct "$lm" "$blm")" "$p" "$(pct "$p" "$bp")" "$m" "$(pct "$m" "$bm")" "$u" "$(pct "$u" "$bc_")" "$w" "$(pct "$w" "$bw")"
  done
  echo
  for conf in off default all; do echo "- $conf: packet loop CPU s ${LOOP[$conf]}; processing s ${PROC[$conf]}; process CPU s ${CPU[$conf]}"; done
} | tee "$OUT_DIR/results.md"
