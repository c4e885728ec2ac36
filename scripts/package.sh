#!/usr/bin/env bash
# package.sh — devstack's packages for this machine's platform, from this
# repository, in one command:
#
#   target/packages/python/devstack-VERSION-py3-none-PLATFORM.whl
#                                   pip / uv / pipx; maturin's `bin` bindings,
#                                   the binary plus the Python API and the
#                                   pytest plugin (python/)
#   target/packages/npm/*.tgz       npm; the main package and this platform's
#                                   (npm/), from the same binary
#
# The binary is a release build with the embedded engine (about 7 minutes
# on 2 cores from clean; seconds when target/ is up to date). maturin comes
# from PyPI, into a virtual environment of its own (scripts/ensure-python-tools.sh).
#
# Environment:
#   DEVSTACK_TOOLS_DIR   where maturin's environment lives (default ~/.cache/devstack-tools)
set -euo pipefail
cd "$(dirname "$0")/.."

MATURIN=maturin==1.16.0
out=${CARGO_TARGET_DIR:-target}/packages
tools=$(bash scripts/ensure-python-tools.sh package "$MATURIN")

rm -rf "$out"
mkdir -p "$out/python" "$out/npm"
echo "package: building the wheel (a release build of devstack: minutes from clean)" >&2
"$tools/maturin" build --release --locked --out "$out/python" >&2
wheel=$(ls "$out"/python/devstack-*.whl)

# The npm packages carry the very binary the wheel does.
binary="$out/devstack"
python3 - "$wheel" "$binary" <<'PY'
import sys, zipfile
wheel, binary = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    [name] = [n for n in z.namelist() if n.endswith(".data/scripts/devstack")]
    with open(binary, "wb") as f:
        f.write(z.read(name))
PY
chmod 755 "$binary"
bash scripts/package-npm.sh "$binary" "$out/npm" >/dev/null

echo "$wheel"
ls "$out"/npm/*.tgz
