#!/usr/bin/env bash
# ensure-docker.sh — make a Docker engine answer on this machine.
#
# Used by CI and by developers on machines without a running engine (no systemd).
#   scripts/ensure-docker.sh          if `docker info` answers, do nothing; otherwise install
#                                     docker.io with apt when dockerd is missing, start dockerd
#                                     detached with its log in a file, and wait until it answers.
#   scripts/ensure-docker.sh --stop   stop the engine this script started (found by its pid file)
#                                     and wait for it to exit; an engine it did not start is left alone.
#
# Environment:
#   DEVSTACK_DOCKERD_DIR   where dockerd.log and dockerd.pid live (default
#                          $XDG_RUNTIME_DIR/devstack-dockerd, else /tmp/devstack-dockerd-UID); a
#                          folder of this user's own, made with mode 0700 and refused when it is a
#                          symbolic link, belongs to another user or is open to others
set -euo pipefail

if [ -n "${DEVSTACK_DOCKERD_DIR:-}" ]; then
  dir=$DEVSTACK_DOCKERD_DIR
elif [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ]; then
  dir=$XDG_RUNTIME_DIR/devstack-dockerd
else
  dir=/tmp/devstack-dockerd-$(id -u)
fi
log="$dir/dockerd.log"
pidfile="$dir/dockerd.pid"
deadline_s=60

say() { printf 'ensure-docker: %s\n' "$*" >&2; }
die() { printf 'ensure-docker: error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' and sudo is not available"
  fi
}

engine_answers() { docker info >/dev/null 2>&1; }

# Refuses the folder unless it is one of this user's own: not a symbolic link, owned by this
# user, closed to others. In /tmp anyone may have made it first, to read or redirect the log
# or to plant a pid file that would have root signal another process.
check_private() {
  local hint="remove it, or set DEVSTACK_DOCKERD_DIR to a folder of your own"
  [ ! -L "$1" ] || die "$1 is a symbolic link; $hint"
  [ -d "$1" ] || die "$1 is not a folder; $hint"
  local owner mode
  owner=$(stat -c %u "$1")
  [ "$owner" = "$(id -u)" ] || die "$1 belongs to user $owner, not to $(id -un); $hint"
  mode=$(stat -c %a "$1")
  (( (8#$mode & 8#077) == 0 )) || die "others may use $1 (mode $mode, not 700); $hint"
}

# Makes the folder (mode 0700) when it is missing, then checks it.
make_private() {
  if [ ! -e "$1" ] && [ ! -L "$1" ]; then
    mkdir -p "$(dirname "$1")"
    # Fails if someone made it meanwhile; check_private then judges what is there.
    mkdir -m 0700 "$1" 2>/dev/null || true
  fi
  check_private "$1"
}

now_ms() { date +%s%3N; }

# "1.2s" since a start time taken with now_ms.
elapsed() {
  local ms=$(( $(now_ms) - $1 ))
  printf '%d.%ds' $(( ms / 1000 )) $(( ms % 1000 / 100 ))
}

# Whether a process exists; unlike `kill -0`, this also works for root's processes when not root.
alive() { [ -n "$1" ] && [ -d "/proc/$1" ]; }

started_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  alive "$pid" || return 1
  printf '%s\n' "$pid"
}

stop_engine() {
  local pid
  if [ -e "$dir" ] || [ -L "$dir" ]; then
    check_private "$dir"
  fi
  if ! pid=$(started_pid); then
    say "no engine started by this script is running (pid file: $pidfile)"
    rm -f "$pidfile"
    return 0
  fi
  say "stopping dockerd (pid $pid)"
  as_root kill -TERM "$pid"
  local start
  start=$(now_ms)
  while alive "$pid"; do
    if [ $(( $(now_ms) - start )) -ge $(( deadline_s * 1000 )) ]; then
      say "dockerd (pid $pid) still running after ${deadline_s}s; sending SIGKILL"
      as_root kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$pidfile"
  say "dockerd stopped after $(elapsed "$start")"
}

start_engine() {
  local err
  if err=$(docker info 2>&1 >/dev/null); then
    say "Docker engine already answers; nothing to do"
    return 0
  fi
  case $err in
    *"permission denied"*)
      die "a Docker engine is running but $(id -un) may not use its socket: ${err##*$'\n'}
add the user to the 'docker' group (then log in again) or run as root" ;;
  esac
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    say "dockerd or docker not found; installing docker.io with apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      docker.io >/dev/null
    command -v dockerd >/dev/null 2>&1 || die "dockerd still missing after installing docker.io"
  fi
  make_private "$dir"
  local pid
  if pid=$(started_pid); then
    say "dockerd started earlier (pid $pid) does not answer yet; waiting for it"
  else
    local dockerd_bin
    dockerd_bin=$(command -v dockerd)
    # Detached and with its output in a file: a background process holding CI's stdout
    # open can make the run hang.
    if [ "$(id -u)" -eq 0 ]; then
      setsid nohup "$dockerd_bin" >"$log" 2>&1 </dev/null &
      pid=$!
    else
      command -v sudo >/dev/null 2>&1 || die "need root to start dockerd and sudo is not available"
      # The pid recorded is sudo's: it passes SIGTERM on to dockerd and exits with it.
      setsid nohup sudo -n "$dockerd_bin" >"$log" 2>&1 </dev/null &
      pid=$!
    fi
    printf '%s\n' "$pid" >"$pidfile"
    say "started dockerd (pid $pid, log $log)"
  fi
  local start
  start=$(now_ms)
  until engine_answers; do
    if ! alive "$pid"; then
      printf 'ensure-docker: error: dockerd (pid %s) exited before answering; last lines of %s:\n' "$pid" "$log" >&2
      tail -n 30 "$log" >&2 || true
      rm -f "$pidfile"
      exit 1
    fi
    if [ $(( $(now_ms) - start )) -ge $(( deadline_s * 1000 )) ]; then
      printf "ensure-docker: error: dockerd did not answer 'docker info' within %ss; last lines of %s:\n" "$deadline_s" "$log" >&2
      tail -n 30 "$log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  say "Docker engine answers after $(elapsed "$start")"
}

case "${1:-}" in
  "") start_engine ;;
  --stop) stop_engine ;;
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown argument '$1' (use --stop or no argument)" ;;
esac
