#!/usr/bin/env bash
# quickstart.sh — the bundled CodeMetrics stack, up, on a machine that may
# have no running Docker engine and no access to a container registry.
#
# Makes a Docker engine answer (scripts/ensure-docker.sh), makes sure the
# images the CodeMetrics manifest uses exist (pulled when a registry answers,
# built locally from packages when not), then runs `devstack up` on
# bootstrap/devstack.toml. With Docker and a registry, `devstack up` alone
# does all of this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Everything before `devstack up` is a message: stdout carries only the
# variables `up` prints, so `eval "$(bash scripts/quickstart.sh)"` works.
bash scripts/ensure-docker.sh >&2

# The manifest runs MiniStack and dynamodb-admin at devstack's default tags.
for image in ministackorg/ministack:1.5.33 aaronshaf/dynamodb-admin:5.3.3; do
  if docker image inspect "$image" >/dev/null 2>&1; then
    continue
  fi
  if ! timeout 120 docker pull --quiet "$image" >/dev/null 2>&1; then
    echo "quickstart: cannot pull $image; building it locally" >&2
    bash scripts/build-images.sh "$image" >&2
  fi
done

cargo run --quiet --locked -- -f bootstrap/devstack.toml up "$@"
