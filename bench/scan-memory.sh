#!/usr/bin/env bash
# scan-memory.sh — the numbers behind devstack's speed and memory targets,
# measured on the real emulator: loading a 100,000-item seed file, a second
# `up` that changes nothing, `reset`, and `scan` of the whole table piped to
# a file (peak memory from /usr/bin/time -v), plus `scan | head` exiting 0.
#
#   bash bench/scan-memory.sh                     # DynamoDB Local, 100,000 items
#   ENGINE=ministack ITEMS=20000 bash bench/scan-memory.sh
#   DEVSTACK_BIN=target/debug/devstack bash bench/scan-memory.sh
#
# Needs a Docker engine and the emulator images (scripts/ensure-docker.sh,
# scripts/build-images.sh). Builds a release binary unless DEVSTACK_BIN is set.
# The target: `scan` stays under 50 MB peak RSS however big the table is.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${ENGINE:-dynamodb-local}
items=${ITEMS:-100000}
limit_mb=${LIMIT_MB:-50}
if [ -z "${DEVSTACK_BIN:-}" ]; then
  cargo build --release --locked --quiet
  DEVSTACK_BIN=$PWD/target/release/devstack
fi
bin=$(cd "$(dirname "$DEVSTACK_BIN")" && pwd)/$(basename "$DEVSTACK_BIN")

work=$(mktemp -d)
project="bench-scan-$$"
cleanup() {
  (cd "$work" && "$bin" --quiet down --volumes >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT

# About 230 bytes per item: keys, a few strings, numbers and a nested map.
awk -v n="$items" 'BEGIN {
  for (i = 0; i < n; i++)
    printf "{\"pk\":\"CUSTOMER#%05d\",\"sk\":\"ORDER#%08d\",\"status\":\"%s\",\"total\":%d.%02d,\"currency\":\"EUR\",\"lines\":%d,\"placed_at\":\"2026-%02d-%02dT10:%02d:00Z\",\"address\":{\"city\":\"Lyon\",\"zip\":\"690%02d\"}}\n",
      i % 5000, i, (i % 3 ? "shipped" : "open"), i % 997, i % 100, 1 + i % 7, 1 + i % 12, 1 + i % 28, i % 60, i % 100
}' > "$work/orders.jsonl"

cat > "$work/devstack.toml" <<TOML
[project]
name = "$project"
engine = "$engine"

[services.$engine]
port = 0

[[table]]
name = "orders"
partition_key = "pk:S"
sort_key = "sk:S"
seed = ["orders.jsonl"]
TOML

cd "$work"
seconds() { local start=$1; awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'; }

echo "seed file: $items items, $(du -h orders.jsonl | cut -f1)"
start=$(date +%s.%N)
"$bin" --quiet up >/dev/null
echo "up (start $engine, create, load $items items): $(seconds "$start") s"

start=$(date +%s.%N)
"$bin" --quiet up >/dev/null
echo "up again (nothing to do): $(seconds "$start") s"

start=$(date +%s.%N)
"$bin" --quiet reset >/dev/null
echo "reset (delete, create, reload $items items): $(seconds "$start") s"

start=$(date +%s.%N)
/usr/bin/time -v -o time.txt "$bin" --quiet scan orders > scanned.jsonl
echo "scan to a file: $(seconds "$start") s"
rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' time.txt)
lines=$(wc -l < scanned.jsonl)
echo "scan: $lines items, peak RSS $((rss_kb / 1024)) MB (target < $limit_mb MB)"

set +e
"$bin" --quiet scan orders 2>head.err | head -3 >/dev/null
status=${PIPESTATUS[0]}
set -e
echo "scan | head -3: exit $status, stderr $(wc -c < head.err) bytes"

[ "$lines" -eq "$items" ] || { echo "FAIL: scan printed $lines of $items items"; exit 1; }
[ "$rss_kb" -lt $((limit_mb * 1024)) ] || { echo "FAIL: peak RSS over $limit_mb MB"; exit 1; }
[ "$status" -eq 0 ] && [ ! -s head.err ] || { echo "FAIL: scan | head was not quiet"; exit 1; }
echo "ok"
