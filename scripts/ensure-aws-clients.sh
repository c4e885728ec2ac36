#!/usr/bin/env bash
# ensure-aws-clients.sh — the official AWS CLI and boto3, from PyPI, in a
# virtual environment of their own, for the tests that check an app
# configured only from `devstack env` sees the tables.
#
#   scripts/ensure-aws-clients.sh    creates or reuses the environment; prints
#                                    its bin folder on stdout (data), messages
#                                    on stderr
#
# Environment:
#   DEVSTACK_TOOLS_DIR   where the environment lives (default ~/.cache/devstack-tools)
set -euo pipefail

AWSCLI=awscli==1.46.3
BOTO3=boto3==1.44.8

dir=${DEVSTACK_TOOLS_DIR:-$HOME/.cache/devstack-tools}/aws
stamp="$dir/.installed"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$AWSCLI $BOTO3" ]; then
  echo "ensure-aws-clients: installing $AWSCLI and $BOTO3 into $dir" >&2
  rm -rf "$dir"
  python3 -m venv "$dir" >&2
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$AWSCLI" "$BOTO3" >&2
  printf '%s' "$AWSCLI $BOTO3" >"$stamp"
fi
"$dir/bin/aws" --version >&2
printf '%s\n' "$dir/bin"
