#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine (run as root).
# Rust itself (cargo/rustc >= 1.83) is expected on the machine.
set -euo pipefail

PACKAGES=(
  clang libclang-dev pkg-config   # bindgen over the nDPI headers
  libndpi-dev libndpi-bin         # nDPI 4.2: the library and ndpiReader (benchmark peer)
  libpcap-dev                     # BPF filters (-B) compiled by libpcap; parity tests
  libsqlite3-dev                  # timeseries store (crate ntopng-tsdb, rusqlite over the system SQLite)
  time util-linux                 # /usr/bin/time and taskset for the benchmarks
  linux-libc-dev                  # XDP program: clang -target bpf includes the kernel UAPI headers (linux/bpf.h)
  iproute2 tcpreplay ethtool      # live capture: namespaces, veth pairs, replays, NIC set-up
  redis-server                    # ntopng-store tests run the Redis backend against a private server
  libsqlite3-dev                  # the alert store (rusqlite over the system SQLite)
  curl                            # REST calls from --test-script hooks and the demo
  openssl                         # the HTTPS tests make a self-signed certificate with the openssl CLI
  python3 python3-venv            # the official ntopng Python client (PyPI), run by the REST tests
  chromium                        # headless browser: tests/dashboard.rs renders httpdocs/ and checks its DOM
  lua5.4                          # luac: tests/support/seed_checks.py keeps only the seed blocks that are Lua
  libsqlite3-dev                  # -F sqlite: the flow store links the system SQLite (rusqlite without "bundled")
  clickhouse-server               # -F clickhouse: the flow-store tests and bench start Debian's server (18.16) themselves
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust (rustup or Debian's cargo) first" >&2; exit 1; }
ndpi_version=$(dpkg-query -W -f='${Version}' libndpi-dev)
case "$ndpi_version" in
  4.2*) ;;
  *) echo "warning: libndpi-dev is $ndpi_version; classification is validated against nDPI 4.2" >&2 ;;
esac
