#!/usr/bin/env bash
# ensure-python-tools.sh — pinned tools from PyPI in a virtual environment of
# their own, made once and reused while the pins stay the same.
#
#   scripts/ensure-python-tools.sh NAME REQUIREMENT...
#                                   creates or reuses the environment NAME;
#                                   prints its bin folder on stdout (data),
#                                   messages on stderr
#
# Environment:
#   DEVSTACK_TOOLS_DIR   where the environments live (default ~/.cache/devstack-tools)
set -euo pipefail

name=$1
shift
dir=${DEVSTACK_TOOLS_DIR:-$HOME/.cache/devstack-tools}/$name
stamp="$dir/.installed"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$*" ]; then
  echo "ensure-python-tools: installing $* into $dir" >&2
  rm -rf "$dir"
  python3 -m venv "$dir" >&2
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2
  printf '%s' "$*" >"$stamp"
fi
printf '%s\n' "$dir/bin"
