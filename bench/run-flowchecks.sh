#!/usr/bin/env bash
# What the flow checks cost the packet path: the daemon reads the same capture with its web server on
# (alerts are stored only then), pinned to one core with its alert writer, in three configurations:
#   off      the flow checks of ntopng_checks::flow disabled (nDPI risk checks on: the baseline)
#   default  their defaults (remote_to_local_insecure_flow and blacklisted on, no blacklist file)
#   all      all of them on, with a blacklist file (every classified flow is handed over) and the
#            flow-end checks (TCP issues, long-lived, elephant) on
# Runs alternate between configurations; the median of RUNS is reported. See doc/performance.md.
#
# Environment (defaults in brackets):
#   COPIES    copies of the shared nDPI captures in the input [5]
#   RUNS      runs per configuration [5]
#   PIN_CPU   core the daemon is pinned to [1]
#   BIN       the ntopng binary [target/release/ntopng]
#   PCAPGEN   the generator [target/release/pcapgen]
#   OUT_DIR   inputs, logs, results [target/bench-flowchecks]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCRIPT=run-flowchecks.sh
COPIES=${COPIES:-5}
RUNS=${RUNS:-5}
PIN_CPU=${PIN_CPU:-1}
BIN=${BIN:-$ROOT/target/release/ntopng}
PCAPGEN=${PCAPGEN:-$ROOT/target/release/pcapgen}
OUT_DIR=${OUT_DIR:-$ROOT/target/bench-flowchecks}
SHARED=${SHARED_DIR:-$ROOT/../shared}
LOGS=$OUT_DIR/logs
mkdir -p "$LOGS"
source bench/lib.sh
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

# run CONFIG: one daemon run; prints "proc_secs wall_secs packets checked stored".
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
  taskset -c "$PIN_CPU" "$BIN" -i "$IN" --shutdown-when-done -w "127.0.0.1:$port" -d "$data" --disable-login=1 \
    --workers 1 -X 4000000 -x 4000000 -p "$PROTOS" -m 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16 "${extra[@]}" \
    >"$LOGS/$conf.out" 2>"$LOGS/$conf.log"
  end=$(date +%s.%N)
  local line checked stored
  line=$(grep -E ' packets \([0-9]+ bytes\) in [0-9.]+ s = ' "$LOGS/$conf.log" | tail -1)
  checked=$(grep -oE 'alerts: [0-9]+ flows checked' "$LOGS/$conf.log" | grep -oE '[0-9]+' | tail -1)
  stored=$(grep -oE '[0-9]+ flow alerts stored' "$LOGS/$conf.log" | grep -oE '^[0-9]+' | tail -1)
  echo "$(sed -E 's/.* in ([0-9.]+) s = .*/\1/' <<<"$line") $(echo "$end - $start" | bc) \
$(sed -E 's/.*: ([0-9]+) packets .*/\1/' <<<"$line") ${checked:-0} ${stored:-0}"
  rm -rf "$data"
}

declare -A PROC WALL INFO
for r in $(seq 1 "$RUNS"); do
  for conf in off default all; do
    read -r p w pk c s < <(run "$conf")
    say "run $r $conf: processing ${p} s, wall ${w} s, $pk packets, $c flow events checked, $s alerts stored"
    PROC[$conf]+="$p "
    WALL[$conf]+="$w "
    INFO[$conf]="$pk $c $s"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
{
  echo "| config | packets | flow events to the writer | flow alerts | processing s (median of $RUNS) | Mpps | vs off | wall s (median) | vs off |"
  echo "|---|---|---|---|---|---|---|---|---|"
  base_p=$(echo "${PROC[off]}" | median)
  base_w=$(echo "${WALL[off]}" | median)
  for conf in off default all; do
    read -r pk c s <<<"${INFO[$conf]}"
    p=$(echo "${PROC[$conf]}" | median)
    w=$(echo "${WALL[$conf]}" | median)
    printf '| %s | %s | %s | %s | %.3f | %.2f | %+.1f%% | %.2f | %+.1f%% |\n' "$conf" "$pk" "$c" "$s" "$p" \
      "$(echo "$pk / $p / 1000000" | bc -l)" "$(echo "($p / $base_p - 1) * 100" | bc -l)" "$w" \
      "$(echo "($w / $base_w - 1) * 100" | bc -l)"
  done
  echo
  echo "processing s per run: off: ${PROC[off]}; default: ${PROC[default]}; all: ${PROC[all]}"
} | tee "$OUT_DIR/results.md"
