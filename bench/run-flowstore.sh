#!/usr/bin/env bash
# Flow store ingest: how many ended flows per second each store (embedded SQLite, ClickHouse) takes through
# the flow sink, measured in the same run: the same synthetic flow records go through `FlowDbSink` into each
# store, blocking (capture files) and non-blocking (live capture, overflow through the disk spool). The
# ClickHouse server is Debian's clickhouse-server, started by the test on a free port with a temp data dir.
#
# Usage:
#   bench/run-flowstore.sh            full run (a few minutes after the release build)
#   bench/run-flowstore.sh --smoke    2,000 flows, one run (CI: fails only if a command fails)
#
# Environment (defaults; smoke defaults after "smoke"):
#   FLOWS     flow records per store and mode [500000; smoke 2000]
#   REPEATS   runs; every rate is the median over them [3; smoke 1]
#   OUT_DIR   logs, results [target/bench-flowstore; smoke target/bench-flowstore-smoke]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCRIPT=run-flowstore.sh
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_args "$@"
if ((SMOKE)); then
  FLOWS=${FLOWS:-2000} REPEATS=${REPEATS:-1} OUT_DIR=${OUT_DIR:-$ROOT/target/bench-flowstore-smoke}
else
  FLOWS=${FLOWS:-500000} REPEATS=${REPEATS:-3} OUT_DIR=${OUT_DIR:-$ROOT/target/bench-flowstore}
fi
LOGS=$OUT_DIR/logs
RESULTS=$OUT_DIR/results.md
mkdir -p "$LOGS"
rm -f "${LOGS:?}"/*

command -v clickhouse-server >/dev/null || command -v clickhouse >/dev/null \
  || say "clickhouse-server is not installed (deploy/install-deps.sh installs it): SQLite only"

say "building the flow store test binary (release)"
cargo test --release -p ntopng-flowdb --test clickhouse --no-run >"$LOGS/build.log" 2>&1 || {
  tail -30 "$LOGS/build.log" >&2
  die "build failed (see $LOGS/build.log)"
}

for i in $(seq 1 "$REPEATS"); do
  say "run $i/$REPEATS: $FLOWS flows per store and mode"
  FLOWDB_BENCH_FLOWS=$FLOWS cargo test -q --release -p ntopng-flowdb --test clickhouse -- --ignored --nocapture \
    --exact ingest_rate >"$LOGS/run-$i.log" 2>&1 || {
    tail -30 "$LOGS/run-$i.log" >&2
    die "run $i failed (see $LOGS/run-$i.log)"
  }
done

# Lines "<store> <blocking|non-blocking> sink: ... stored in X s: RATE flows/s; N spilled, ..." of every run.
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"} else {print a[int((NR+1)/2)]}}'; }
rate() { cat "$LOGS"/run-*.log | grep -E "^$1 $2 sink:" | sed -E 's/.*: ([0-9]+) flows\/s;.*/\1/' | median; }
spilled() { cat "$LOGS"/run-*.log | grep -E "^$1 $2 sink:" | sed -E 's/.*flows\/s; ([0-9]+) spilled.*/\1/' | median; }
{
  echo "# Flow store ingest ($(date -u +%F), $FLOWS flows, median of $REPEATS runs, $(nproc) CPUs)"
  echo
  echo "| sink | SQLite flows/s | ClickHouse flows/s | ClickHouse / SQLite | rows through the spool (SQLite, ClickHouse) |"
  echo "|---|---|---|---|---|"
  for mode in blocking non-blocking; do
    s=$(rate sqlite "$mode")
    c=$(rate clickhouse "$mode")
    ratio=$(awk -v s="$s" -v c="$c" 'BEGIN { if (s > 0 && c > 0) printf "%.2f", c / s; else print "n/a" }')
    echo "| $mode | $s | ${c:-n/a} | $ratio | $(spilled sqlite "$mode"), $(spilled clickhouse "$mode") |"
  done
} >"$RESULTS"
cat "$RESULTS"
