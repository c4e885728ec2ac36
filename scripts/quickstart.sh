#!/usr/bin/env bash
# quickstart.sh — the bundled CodeMetrics stack, up, from a clone, on a
# machine with a Rust toolchain (installed packages need none: `devstack up`
# alone is enough there).
#
#   bash scripts/quickstart.sh                     on the embedded engine: no Docker
#   bash scripts/quickstart.sh --engine ministack  MiniStack + dynamodb-admin, as the
#                                                  CodeMetrics guide runs it
#
# Builds devstack from source first, showing cargo's progress (the first build
# takes minutes). For a container engine it makes a Docker engine answer
# (scripts/ensure-docker.sh) and makes sure the images exist (pulled when a
# registry answers, built locally from packages when not). Arguments go to
# `devstack up` after the engine.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=embedded
if [ "${1:-}" = "--engine" ] && [ -n "${2:-}" ]; then
  engine=$2
  shift 2
fi

# Everything before `devstack up` is a message: stdout carries only the
# variables `up` prints, so `eval "$(bash scripts/quickstart.sh)"` works.
if [ ! -x "${CARGO_TARGET_DIR:-target}/debug/devstack" ]; then
  echo "quickstart: building devstack from source; the first build takes a few minutes (cargo's progress follows)" >&2
fi
cargo build --locked --bin devstack >&2

case "$engine" in
  embedded) ;;
  ministack | dynamodb-local)
    bash scripts/ensure-docker.sh >&2
    # The images devstack's defaults name (the CodeMetrics manifest adds the admin UI).
    images=(aaronshaf/dynamodb-admin:5.3.3)
    if [ "$engine" = ministack ]; then
      images+=(ministackorg/ministack:1.5.33)
    else
      images+=(amazon/dynamodb-local:3.3.0)
    fi
    for image in "${images[@]}"; do
      if docker image inspect "$image" >/dev/null 2>&1; then
        continue
      fi
      if ! timeout 120 docker pull --quiet "$image" >/dev/null 2>&1; then
        echo "quickstart: cannot pull $image; building it locally" >&2
        bash scripts/build-images.sh "$image" >&2
      fi
    done
    ;;
  *)
    echo "quickstart: unknown engine \`$engine\`: use embedded, ministack or dynamodb-local" >&2
    exit 2
    ;;
esac

exec cargo run --quiet --locked --bin devstack -- -f bootstrap/devstack.toml --engine "$engine" up "$@"
