#!/usr/bin/env bash
# test.sh — run devstack's whole test suite: unit tests, CLI tests and the
# end-to-end tests against real emulator containers.
#
# The end-to-end tests on the container engines need a Docker daemon (the
# browser test, Chromium too; one test, the AWS CLI and boto3), so they are
# marked `#[ignore]`: a plain `cargo test` on a machine without them reports
# them as ignored, never as passed; the embedded engine's tests need none of
# it and always run. This script makes a Docker engine answer
# (scripts/ensure-docker.sh), the emulator images exist
# (scripts/build-images.sh, seconds when they are up to date), Debian's
# Chromium be installed (scripts/ensure-chromium.sh) and the AWS clients be
# there (scripts/ensure-aws-clients.sh), as well as cfn-lint, and builds the Python and npm
# packages (scripts/package.sh: a release build) that the packaging and
# example tests install, then runs everything, ignored tests included; it
# fails when any of that fails. `DEVSTACK_PACKAGES=DIR` skips the packaging
# and uses the packages in DIR (target/packages of an earlier run).
#
# Arguments go to `cargo test`; those after `--` to the test binaries, e.g.
#   bash scripts/test.sh --test integration -- lifecycle::
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-docker.sh
bash scripts/build-images.sh
bash scripts/ensure-chromium.sh
DEVSTACK_AWS_CLIENTS=$(bash scripts/ensure-aws-clients.sh)
export DEVSTACK_AWS_CLIENTS
# cfn-lint, which the exported CloudFormation template must pass.
DEVSTACK_CFN_LINT=$(bash scripts/ensure-python-tools.sh cfn-lint cfn-lint==1.58.0)/cfn-lint
export DEVSTACK_CFN_LINT
if [ -z "${DEVSTACK_PACKAGES:-}" ]; then
  bash scripts/package.sh >/dev/null
  DEVSTACK_PACKAGES=$PWD/${CARGO_TARGET_DIR:-target}/packages
fi
export DEVSTACK_PACKAGES

cargo_args=()
test_args=()
after_dashes=no
for arg in "$@"; do
  if [ "$after_dashes" = no ] && [ "$arg" = "--" ]; then
    after_dashes=yes
  elif [ "$after_dashes" = yes ]; then
    test_args+=("$arg")
  else
    cargo_args+=("$arg")
  fi
done
cargo test --locked "${cargo_args[@]}" -- --include-ignored "${test_args[@]}"
