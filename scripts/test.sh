#!/usr/bin/env bash
# test.sh — run devstack's whole test suite: unit tests, CLI tests and the
# end-to-end tests against real emulator containers.
#
# Makes a Docker engine answer (scripts/ensure-docker.sh) and the emulator
# images exist (scripts/build-images.sh, seconds when they are up to date)
# first, so it works on a fresh machine. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-docker.sh
bash scripts/build-images.sh
cargo test --locked "$@"
