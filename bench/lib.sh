# Helpers shared by the bench scripts (sourced, not run): messages, a private network namespace with a
# veth pair that is removed on exit with every process started in it, package installation, the build.
#
# The sourcing script sets SCRIPT (its name, for messages) and LOGS (a directory) before using them.

say() { echo "== [$(date +%T)] $*" >&2; }
die() {
  echo "$SCRIPT: $*" >&2
  exit 1
}
skip() {
  echo "SKIP $SCRIPT: $*" >&2
  exit 0
}

# bench_args "$@": the options every bench script takes: --smoke sets SMOKE=1, --help prints the
# script's header comment (up to `set -euo`).
SMOKE=0
bench_args() {
  local a
  for a in "$@"; do
    case "$a" in
      --smoke) SMOKE=1 ;;
      -h | --help)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
      *)
        echo "$SCRIPT: unknown argument '$a' (try --help)" >&2
        exit 2
        ;;
    esac
  done
}

# apt_install PKG...: quietly, retrying once after an index update; output in $LOGS/apt.log.
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$LOGS/apt.log" 2>&1 \
    || { apt-get update -qq >>"$LOGS/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$LOGS/apt.log" 2>&1; }
}

# netns_up QUEUES: creates namespace $NS holding a veth pair $MON (monitored) <-> $INJ (injected), no
# addresses, no routes, no IPv6 chatter; skips the script when namespaces are unavailable. Processes
# started in it are registered in STARTED (pid => 1) by the caller and killed by netns_cleanup.
NS=ntopng-bench-$$
MON=mon0
INJ=inj0
declare -A STARTED
netns_cleanup() {
  local p
  for p in "${!STARTED[@]}"; do
    # Only our own children: a recycled pid is never signalled.
    [ "$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $2}')" = "$$" ] && kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null || true
  done
  ip netns del "$NS" 2>/dev/null || true
}
netns_up() {
  local queues=${1:-1}
  [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP, AF_PACKET)"
  command -v ip >/dev/null || skip "iproute2 (ip) is missing"
  trap netns_cleanup EXIT
  trap 'exit 130' INT TERM
  ip netns add "$NS" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
  nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  nsx sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  nsx ip link add "$MON" numrxqueues "$queues" numtxqueues "$queues" type veth peer name "$INJ" \
    numrxqueues "$queues" numtxqueues "$queues"
  nsx ip link set "$MON" up
  nsx ip link set "$INJ" up
  nsx ip link set lo up
}
nsx() { ip netns exec "$NS" "$@"; }

# build_release WAIT PKG-AND-BIN-ARGS...: cargo build --release, retried for WAIT seconds while files may
# be mid-edit; log in $LOGS/build.log.
build_release() {
  local wait=$1 deadline
  shift
  deadline=$((SECONDS + wait))
  until cargo build --release "$@" >"$LOGS/build.log" 2>&1; do
    if ((SECONDS >= deadline)); then
      tail -30 "$LOGS/build.log" >&2
      die "build failed (see $LOGS/build.log)"
    fi
    say "build failed (files may be mid-edit, see $LOGS/build.log): retrying in 30 s"
    sleep 30
  done
}
