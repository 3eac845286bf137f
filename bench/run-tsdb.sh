#!/usr/bin/env bash
# Write cost and disk of the interface and local-host timeseries, against the same daemon on the same capture
# with the timeseries off, measured in the same run. A generated capture (`pcapgen local-hosts`: HOSTS local
# hosts in 198.18.0.0/16, each a UDP request and reply with a remote server every minute, for SPAN seconds of
# packet time) is read with --shutdown-when-done in three modes, interleaved run by run:
#   on        -w 127.0.0.1:<free port> -d <fresh dir> --disable-login=1: web server, timeseries writer (every
#             packet-time step boundary: 1 s and 60 s iface points, 300 s host points), host checks;
#   off       -w 0: no web server, no timeseries (the peer);
#   sampling  -w 0 with NTOPNG_BENCH_STEP_SAMPLES=1: the workers' packet-time sampling only (merged and
#             discarded), to split what the workers pay from what the writer pays;
#   on1, off1 on and off on a capture of the same span with one local host: what the timeseries cost
#             regardless of the hosts (web server and host checks start, iface points), subtracted from
#             the per-host figure.
# Wall and CPU time (user + system) come from /usr/bin/time; the store (<dir>/timeseries.sqlite) is measured
# after the daemon exited (the writer is stopped, and its last pass done, before the process exits), its
# write-ahead log folded in. Printed: CPU seconds added per local host per 5-minute step, bytes per local
# host per day (host rows only, and the whole store's growth), ratios on/off.
# Results: doc/performance.md, "Timeseries: write cost and disk per local host".
#
# Usage:
#   bench/run-tsdb.sh            full run (10,000 hosts, 1 hour, 5 runs per mode, medians)
#   bench/run-tsdb.sh --smoke    100 hosts, 10 minutes, 1 run per mode (CI: fails only if a command fails)
#
# Environment (defaults; smoke defaults after "smoke"):
#   HOSTS     local hosts in the capture [10000; smoke 100]
#   SPAN      packet time covered, seconds [3600; smoke 600]
#   INTERVAL  seconds between two exchanges of a host [60]
#   REPEATS   runs per mode; every figure is the median over them [5; smoke 1]
#   WORKERS   daemon workers (--workers) [2]
#   OUT_DIR   inputs, logs, results [target/bench-tsdb; smoke target/bench-tsdb-smoke]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCRIPT=run-tsdb.sh
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_args "$@"
if ((SMOKE)); then
  HOSTS=${HOSTS:-100} SPAN=${SPAN:-600} REPEATS=${REPEATS:-1}
  OUT_DIR=${OUT_DIR:-$ROOT/target/bench-tsdb-smoke}
else
  HOSTS=${HOSTS:-10000} SPAN=${SPAN:-3600} REPEATS=${REPEATS:-5}
  OUT_DIR=${OUT_DIR:-$ROOT/target/bench-tsdb}
fi
INTERVAL=${INTERVAL:-60}
WORKERS=${WORKERS:-2}
LOGS=$OUT_DIR/logs
mkdir -p "$LOGS" "$OUT_DIR/bin"
rm -rf "${LOGS:?}"/* "$OUT_DIR"/data.*
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
command -v python3 >/dev/null || die "python3 is missing"

build_release 0 -p ntopng -p ntopng-bench --bin ntopng --bin pcapgen
# Private copies: the target directory is shared, a later build elsewhere must not swap them mid-run.
for b in ntopng pcapgen; do cp "$ROOT/target/release/$b" "$OUT_DIR/bin/$b"; done
BIN=$OUT_DIR/bin
say "built: ntopng, pcapgen (copied to $BIN)"

PCAP=$OUT_DIR/hosts.pcap PCAP1=$OUT_DIR/hosts1.pcap
"$BIN/pcapgen" local-hosts --hosts "$HOSTS" --span "$SPAN" --interval "$INTERVAL" -o "$PCAP" >"$LOGS/gen.log"
say "input: $(grep -oE 'wrote .*' "$LOGS/gen.log" | head -1)"
"$BIN/pcapgen" local-hosts --hosts 1 --span "$SPAN" --interval "$INTERVAL" -o "$PCAP1" >"$LOGS/gen1.log"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# run MODE I: one daemon run; "<wall> <user> <system> <maxrss KiB>" in $LOGS/MODE.I.time.
run() {
  local mode=$1 i=$2 data=$OUT_DIR/data.$1.$2 web env=() pcap=$PCAP
  rm -rf "$data"
  mkdir -p "$data"
  case "$mode" in
    on | on1) web=(-w "127.0.0.1:$(free_port)" --disable-login=1) ;;
    off | off1) web=(-w 0) ;;
    sampling) web=(-w 0) env=(NTOPNG_BENCH_STEP_SAMPLES=1) ;;
  esac
  [[ $mode == *1 ]] && pcap=$PCAP1
  env "${env[@]}" /usr/bin/time -f '%e %U %S %M' -o "$LOGS/$mode.$i.time" \
    "$BIN/ntopng" -i "$pcap" -m 198.18.0.0/16 --workers "$WORKERS" -d "$data" "${web[@]}" --shutdown-when-done \
    >"$LOGS/$mode.$i.log" 2>&1 || {
    tail -20 "$LOGS/$mode.$i.log" >&2
    die "ntopng ($mode, run $i) failed (see $LOGS/$mode.$i.log)"
  }
  say "$mode run $i: $(cat "$LOGS/$mode.$i.time") (wall s, user s, system s, max RSS KiB)"
}

for ((i = 1; i <= REPEATS; i++)); do
  for mode in off on sampling off1 on1; do run "$mode" "$i"; done
  # Only the last run's store is kept (they are alike).
  ((i == REPEATS)) || rm -rf "$OUT_DIR/data.on.$i"
  rm -rf "$OUT_DIR"/data.*1."$i"
done
grep -q "timeseries of hosts.pcap: written up to packet time" "$LOGS/on.$REPEATS.log" \
  || say "warning: the daemon did not log that the capture's timeseries were written (see $LOGS/on.$REPEATS.log)"

python3 - "$OUT_DIR" "$REPEATS" "$HOSTS" "$SPAN" "$INTERVAL" "$WORKERS" "$SMOKE" <<'PY' | tee "$OUT_DIR/results.md"
import os, shutil, sqlite3, statistics, subprocess, sys
out, repeats, hosts, span, interval, workers, smoke = sys.argv[1:8]
repeats, hosts, span = int(repeats), int(hosts), int(span)
modes = ["off", "on", "sampling", "off1", "on1"]
t = {m: [list(map(float, open(f"{out}/logs/{m}.{i}.time").read().split())) for i in range(1, repeats + 1)] for m in modes}
med = {m: {"wall": statistics.median(r[0] for r in t[m]), "cpu": statistics.median(r[1] + r[2] for r in t[m]),
           "rss": statistics.median(r[3] for r in t[m]) / 1024} for m in modes}
rng = {m: {"wall": (min(r[0] for r in t[m]), max(r[0] for r in t[m])),
           "cpu": (min(r[1] + r[2] for r in t[m]), max(r[1] + r[2] for r in t[m]))} for m in modes}

data = f"{out}/data.on.{repeats}"
db_path = f"{data}/timeseries.sqlite"
db = sqlite3.connect(db_path)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
rows = db.execute("""SELECT s.schema, p.res, count(*), count(DISTINCT p.series) FROM points p JOIN series s ON s.id = p.series
                     GROUP BY s.schema, p.res ORDER BY s.schema, p.res""").fetchall()
local = db.execute("SELECT count(*) FROM series WHERE schema = 'host:traffic' AND tags LIKE 'ifid=%,host=198.18.%'").fetchone()[0]
steps = db.execute("""SELECT count(DISTINCT p.t) FROM points p JOIN series s ON s.id = p.series
                      WHERE s.schema = 'host:traffic' AND p.res = 300""").fetchone()[0]
db.close()
store = os.path.getsize(db_path) + sum(os.path.getsize(db_path + x) for x in ["-wal"] if os.path.exists(db_path + x))

def vacuumed(where):
    """Size of a copy of the store keeping only the series matching `where`, vacuumed."""
    tmp = f"{out}/copy.sqlite"
    shutil.copy(db_path, tmp)
    c = sqlite3.connect(tmp)
    c.execute(f"DELETE FROM points WHERE series IN (SELECT id FROM series WHERE NOT ({where}))")
    c.execute(f"DELETE FROM series WHERE NOT ({where})")
    c.commit()
    c.execute("VACUUM")
    c.close()
    size = os.path.getsize(tmp)
    os.remove(tmp)
    return size

empty = vacuumed("0")
host_only = vacuumed("schema LIKE 'host:%'") - empty
host_rows = sum(n for s, r, n, _ in rows if s.startswith("host:"))
host_schemas = sorted({s for s, r, n, _ in rows if s.startswith("host:")})
host_steps = span // 300
day = 86400
host_rows_per_day = 288 * len(host_schemas)  # 5-minute points per local host per day, every host schema
b_row = host_only / host_rows if host_rows else float("nan")
per_host_day = b_row * host_rows_per_day
growth_per_host_day = (store - empty) / max(hosts, 1) / (span / day)
d_cpu = med["on"]["cpu"] - med["off"]["cpu"]
d_wall = med["on"]["wall"] - med["off"]["wall"]
cost = d_cpu / (hosts * host_steps) if host_steps else float("nan")
d_cpu1 = med["on1"]["cpu"] - med["off1"]["cpu"]
d_wall1 = med["on1"]["wall"] - med["off1"]["wall"]
marginal = (d_cpu - d_cpu1) / ((hosts - 1) * host_steps) if host_steps and hosts > 1 else float("nan")
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "?"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")

print(f"Timeseries: write cost and disk per local host ({'SMOKE' if smoke == '1' else 'full'} run, commit {commit})")
print()
print(f"- input: pcapgen local-hosts --hosts {hosts} --span {span} --interval {interval}; "
      f"{host_steps} host steps of 300 s; {local} local hosts with host:traffic series in the store "
      f"({steps} distinct 300 s points, the first the zero point before each series' first step)")
print(f"- ntopng -i <capture> -m 198.18.0.0/16 --workers {workers} --shutdown-when-done; medians of {repeats} run(s) per mode, "
      f"interleaved; machine: {cpu}, {os.cpu_count()} CPUs, load average now {open('/proc/loadavg').read().split()[0]}")
print()
print("| mode | wall s | CPU s (user+sys) | max RSS MiB | wall / off | CPU / off |")
print("|---|---:|---:|---:|---:|---:|")
for m, what in [("off", "off (-w 0)"), ("sampling", "sampling only (-w 0, NTOPNG_BENCH_STEP_SAMPLES=1)"),
                ("on", "on (-w, timeseries writer)"), ("off1", "off, 1 local host"), ("on1", "on, 1 local host")]:
    w, c = med[m]["wall"], med[m]["cpu"]
    (wl, wh), (cl, ch) = rng[m]["wall"], rng[m]["cpu"]
    print(f"| {what} | {w:.2f} ({wl:.2f}-{wh:.2f}) | {c:.2f} ({cl:.2f}-{ch:.2f}) | {med[m]['rss']:.0f} "
          f"| x{w / med['off']['wall']:.2f} | x{c / med['off']['cpu']:.2f} |")
print()
print("| schema | resolution s | rows | series |")
print("|---|---:|---:|---:|")
for s, r, n, k in rows:
    print(f"| {s} | {r} | {n} | {k} |")
print()
print(f"Store: {store:,} B after the run (write-ahead log folded in), {empty:,} B empty; host series alone, "
      f"vacuumed: {host_only:,} B for {host_rows:,} rows ({b_row:.1f} B per row).")
print()
print(f"write cost: {d_cpu:+.2f} CPU s ({d_wall:+.2f} s wall) on vs off = {cost * 1e6:.1f} µs CPU per local host per 5-minute step "
      f"({hosts} hosts x {host_steps} steps; includes the web server, host checks, iface points)")
print(f"  without what 1 local host costs ({d_cpu1:+.2f} CPU s, {d_wall1:+.2f} s wall on vs off): "
      f"{marginal * 1e6:.1f} µs CPU per local host per 5-minute step")
print(f"disk: {per_host_day / 1024:.1f} KiB per local host per day (host rows: {len(host_schemas)} schemas x 288 points x {b_row:.1f} B); "
      f"whole store growth {growth_per_host_day / 1024:.1f} KiB per local host per day of packet time")
print(f"steady state at 30 days' retention (288 5-minute + 720 hourly rows per series): "
      f"{b_row * (288 + 720) * len(host_schemas) / 1024:.0f} KiB per local host")
PY
say "results: $OUT_DIR/results.md; logs: $LOGS"
rm -f "$PCAP" "$PCAP1"
