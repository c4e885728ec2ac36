#!/usr/bin/env bash
# test.sh — run devstack's whole test suite: unit tests, CLI tests and the
# end-to-end tests against real emulator containers.
#
# Makes a Docker engine answer (scripts/ensure-docker.sh), the emulator
# images exist (scripts/build-images.sh, seconds when they are up to date)
# and Debian's Chromium be installed for the admin UI browser test
# (scripts/ensure-chromium.sh) first, so it works on a fresh machine. Extra
# arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-docker.sh
bash scripts/build-images.sh
bash scripts/ensure-chromium.sh
cargo test --locked "$@"
