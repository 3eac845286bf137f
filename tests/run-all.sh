#!/usr/bin/env bash
# Installs what is needed and runs the whole test suite, then the benchmark smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
if [ ! -d ../shared/pcaps ]; then
  echo "NOTE: ../shared/pcaps not found: tests that need the shared captures will print SKIP"
fi
cargo test --release --workspace
# Benchmarks run only as smoke tests here (tiny inputs, one run; the live and REST ones skip without root).
bash bench/run-offline.sh --smoke
bash bench/run-live.sh --smoke
bash bench/run-rest.sh --smoke
bash bench/run-checks.sh --smoke
bash bench/run-tsdb.sh --smoke
bash bench/run-flowchecks.sh --smoke
bash bench/run-flowstore.sh --smoke
