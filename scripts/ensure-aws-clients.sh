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

bin=$(bash "$(dirname "$0")/ensure-python-tools.sh" aws "$AWSCLI" "$BOTO3")
"$bin/aws" --version >&2
printf '%s\n' "$bin"
