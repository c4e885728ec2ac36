#!/usr/bin/env bash
# package-npm.sh — the npm packages of devstack, as tarballs `npm install`
# takes: the main package `devstack` (npm/devstack: the `npx devstack`
# launcher, the vitest and jest set-ups) and the platform package of this
# machine (`@devstack/linux-x64` here; npm/platforms/*) with BINARY inside
# as bin/devstack. Both get the version of Cargo.toml.
#
#   bash scripts/package-npm.sh target/release/devstack OUTDIR
#
# Prints the tarballs' paths on stdout, one a line; messages go to stderr.
# Needs node and npm, no network.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BINARY OUTDIR" >&2
  exit 2
fi
binary=$1
outdir=$2
repo=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
  echo "package-npm.sh: \`$binary\` is not an executable file" >&2
  exit 1
fi
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "package-npm.sh: needs \`$tool\` (Node.js with npm) on PATH" >&2
    exit 1
  fi
done

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "package-npm.sh: no npm platform package for $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) cpu=x64 ;;
  aarch64 | arm64) cpu=arm64 ;;
  *) echo "package-npm.sh: no npm platform package for $(uname -m)" >&2; exit 1 ;;
esac
platform="$os-$cpu"
if [ ! -f "$repo/npm/platforms/$platform/package.json" ]; then
  echo "package-npm.sh: no template npm/platforms/$platform/package.json" >&2
  exit 1
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
if [ -z "$version" ]; then
  echo "package-npm.sh: no version in Cargo.toml" >&2
  exit 1
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The packages as they are in the repository, stamped with Cargo.toml's
# version (the main package's optional dependencies too).
cp -R "$repo/npm/devstack" "$stage/devstack"
cp -R "$repo/npm/platforms/$platform" "$stage/platform"
mkdir -p "$stage/platform/bin"
cp "$binary" "$stage/platform/bin/devstack"
chmod 755 "$stage/platform/bin/devstack" "$stage/devstack/bin/devstack.js"
node - "$version" "$stage/devstack/package.json" "$stage/platform/package.json" <<'EOF'
const fs = require('node:fs');
const [version, ...files] = process.argv.slice(2);
for (const file of files) {
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  pkg.version = version;
  for (const name of Object.keys(pkg.optionalDependencies || {})) {
    pkg.optionalDependencies[name] = version;
  }
  fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
EOF

for package in devstack platform; do
  echo "package-npm.sh: packing $(node -p "require('$stage/$package/package.json').name")@$version" >&2
  tarball=$(cd "$stage/$package" && npm pack --silent --pack-destination "$outdir" | tail -n 1)
  echo "$outdir/$tarball"
done
