#!/usr/bin/env bash
# run.sh — devstack's benchmark suite, one command: every workload on every
# engine (DynamoDB Local, MiniStack, the embedded one), devstack beside its
# floor, median/min/max over several runs, written to BENCHMARKS.md.
#
#   bash bench/run.sh                         all engines, 5 runs each
#   bash bench/run.sh --engine embedded       one engine (repeat for several)
#   bash bench/run.sh --runs 7 --out /tmp/b.md
#   bash bench/run.sh --peers-only --runs 3 --out /tmp/peers.md
#
# A run of every engine also measures the same CodeMetrics workload done
# without devstack (DynamoDB Local's jar, moto, dynalite, dynoxide's server,
# the compose file, each with the boto3 script bench/peers/workload.py)
# beside devstack on each engine; `--peers-only` measures that table alone.
# What those routes need, bench/setup-peers.sh installs into bench/.peers/
# (git-ignored) once; one it cannot install is shown as not measured.
#
# Makes a Docker engine answer and the images exist first (as the tests do),
# builds devstack in release mode, then runs the suite (bench/suite.rs).
# Not part of the test suite: no timed tests. CI builds it, so it cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-docker.sh
bash scripts/build-images.sh
command -v /usr/bin/time >/dev/null || {
  echo "bench: /usr/bin/time is needed (apt-get install time)" >&2
  exit 1
}
# The peer table runs with --peers-only, or when no --engine picks engines.
peers=yes
for arg in "$@"; do
  case $arg in
    --peers-only) peers=yes; break ;;
    --engine) peers=no ;;
  esac
done
if [ "$peers" = yes ]; then
  bash bench/setup-peers.sh
fi
cargo build --release --locked --bin devstack
cargo bench --locked --bench suite -- --bin "${CARGO_TARGET_DIR:-target}/release/devstack" "$@"
