#!/usr/bin/env bash
# check-images.sh — check that the three emulator images work and have the official run-time shape.
#
# Run after scripts/build-images.sh (or with the official images pulled). For each image it checks
# `docker inspect` (user, entrypoint, command, working dir) and then runs it:
#   amazon/dynamodb-local:3.3.0     a signed ListTables on a published loopback port answers 200
#   ministackorg/ministack:1.5.33   /_ministack/health and a signed ListTables answer 200
#   aaronshaf/dynamodb-admin:5.3.3  with DYNAMO_ENDPOINT on DynamoDB Local over a user network,
#                                   GET / answers 200
# Everything it creates is named devstack-check-<pid>-* and removed on exit. Ports are picked
# free on 127.0.0.1. Exits non-zero on the first failure, with the container's last log lines.
set -euo pipefail

DDB=amazon/dynamodb-local:3.3.0
MS=ministackorg/ministack:1.5.33
ADMIN=aaronshaf/dynamodb-admin:5.3.3
prefix="devstack-check-$$"
deadline_ms=60000

containers=()
network=""
cleanup() {
  [ ${#containers[@]} -eq 0 ] || docker rm -f "${containers[@]}" >/dev/null 2>&1 || true
  [ -z "$network" ] || docker network rm "$network" >/dev/null 2>&1 || true
}
trap cleanup EXIT

say() { printf '%s\n' "$*" >&2; }
fail() {
  printf 'check-images: FAIL: %s\n' "$1" >&2
  if [ -n "${2:-}" ]; then
    printf -- '--- last log lines of %s ---\n' "$2" >&2
    docker logs --tail 20 "$2" >&2 2>&1 || true
  fi
  exit 1
}

now_ms() { date +%s%3N; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# HTTP status of a signed DynamoDB ListTables call.
list_tables() {
  curl -s -o /dev/null -m 3 -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:dynamodb" -u test:test \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' -H 'Content-Type: application/x-amz-json-1.0' \
    -d '{}' "$1" || true
}

http_get() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" || true; }

# wait_200 CONTAINER WHAT COMMAND...: poll COMMAND until it prints 200; prints the time taken.
wait_200() {
  local container=$1 what=$2 start
  shift 2
  start=$(now_ms)
  until [ "$("$@")" = 200 ]; do
    [ "$(docker inspect --format '{{.State.Running}}' "$container")" = true ] ||
      fail "$container exited before $what answered" "$container"
    [ $(( $(now_ms) - start )) -lt $deadline_ms ] || fail "$what did not answer 200 within 60s" "$container"
    sleep 0.2
  done
  say "  $what: 200 after $(( $(now_ms) - start )) ms"
}

expect_shape() {
  local image=$1 want=$2 got
  got=$(docker image inspect --format \
    'User={{json .Config.User}} Entrypoint={{json .Config.Entrypoint}} Cmd={{json .Config.Cmd}} WorkingDir={{json .Config.WorkingDir}}' \
    "$image") || fail "image $image not found; build it with scripts/build-images.sh"
  [ "$got" = "$want" ] || fail "$image has $got, expected $want"
  say "$image: $got"
}

run() {
  local name="$prefix-$1"
  shift
  docker run -d --name "$name" "$@" >/dev/null
  containers+=("$name")
}

expect_shape "$DDB" 'User="dynamodblocal" Entrypoint=["java"] Cmd=["-jar","DynamoDBLocal.jar","-inMemory"] WorkingDir="/home/dynamodblocal"'
expect_shape "$MS" 'User="" Entrypoint=["python3","-m","ministack"] Cmd=null WorkingDir="/opt/ministack"'
expect_shape "$ADMIN" 'User="" Entrypoint=["tini"] Cmd=["node","dist/dynamodb-admin.js"] WorkingDir="/home/node/app"'

say "$DDB"
port=$(free_port)
run ddb -p "127.0.0.1:$port:8000" "$DDB" \
  -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -sharedDb -inMemory
wait_200 "$prefix-ddb" "ListTables" list_tables "http://127.0.0.1:$port/"
[ "$(docker exec "$prefix-ddb" id -un)" = dynamodblocal ] || fail "DynamoDB Local does not run as dynamodblocal"
docker exec "$prefix-ddb" curl --version >/dev/null || fail "curl missing in $DDB"

say "$MS"
port=$(free_port)
run ms -p "127.0.0.1:$port:4566" "$MS"
wait_200 "$prefix-ms" "/_ministack/health" http_get "http://127.0.0.1:$port/_ministack/health"
wait_200 "$prefix-ms" "ListTables" list_tables "http://127.0.0.1:$port/"
docker exec "$prefix-ms" python -c 'import ministack' || fail "'python' does not work in $MS"

say "$ADMIN"
network="$prefix-net"
docker network create "$network" >/dev/null
port=$(free_port)
run ddb-net --network "$network" --network-alias dynamodb-local "$DDB" \
  -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -sharedDb -inMemory
run admin --network "$network" -p "127.0.0.1:$port:8001" \
  -e DYNAMO_ENDPOINT=http://dynamodb-local:8000 -e AWS_REGION=us-east-1 \
  -e AWS_ACCESS_KEY_ID=test -e AWS_SECRET_ACCESS_KEY=test "$ADMIN"
wait_200 "$prefix-admin" "GET /" http_get "http://127.0.0.1:$port/"

say "all images OK"
