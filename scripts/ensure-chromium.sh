#!/usr/bin/env bash
# ensure-chromium.sh — make Debian's Chromium available for the admin UI
# browser test (no browser download: the distribution's package).
set -euo pipefail
# Messages only, on stderr.
exec 1>&2

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "ensure-chromium: installing Debian's chromium" >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
  || { as_root apt-get update -qq \
       && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
/usr/bin/chromium --version
