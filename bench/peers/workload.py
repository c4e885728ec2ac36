"""The CodeMetrics workload as a boto3 script does it against any local DynamoDB.

The benchmark's peer table runs this against DynamoDB Local, moto, dynalite, dynoxide's own
server and a compose stack, the way their users script it without devstack:

    python workload.py http://127.0.0.1:PORT

1. wait until the endpoint answers ListTables (polled every 10 ms);
2. create the tables of `tables.json` (CreateTable requests, written by
   `devstack -f bootstrap/devstack.toml export --format create-table-json`), wait until each
   table and its indexes are ACTIVE (polled every 10 ms), and turn on TTL where the manifest has
   it (CreateTable cannot; `--no-ttl` leaves it out for an engine without UpdateTimeToLive);
3. load bootstrap/seed/<table>.jsonl into each table that has one, with batch_writer;
4. scan every table in full, and check that each holds what was loaded.

Prints one line, "N tables, M items", and exits non-zero on any error.
"""

import argparse
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

import boto3
from botocore.config import Config

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PREFIX = "CodeMetrics_"
# What `devstack export` says to run after CreateTable: the manifest's `ttl` attributes.
TTL = {
    "CodeMetrics_vcs-cache": "expires_at",
    "CodeMetrics_pipeline-cache": "expires_at",
}
POLL = 0.010


def wait_until_answers(endpoint, session, timeout):
    # No retries: each probe is one request, and the loop is the retry.
    probe = session.client(
        "dynamodb",
        endpoint_url=endpoint,
        config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=1,
            read_timeout=2,
        ),
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            probe.list_tables(Limit=1)
            return
        except Exception as error:  # refused, reset, not ready yet
            if time.monotonic() > deadline:
                raise SystemExit(f"{endpoint} did not answer ListTables in {timeout:.0f} s: {error}")
            time.sleep(POLL)


def wait_until_active(client, name, timeout):
    deadline = time.monotonic() + timeout
    while True:
        table = client.describe_table(TableName=name)["Table"]
        indexes = table.get("GlobalSecondaryIndexes", [])
        if table["TableStatus"] == "ACTIVE" and all(
            i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes
        ):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{name} is not ACTIVE after {timeout:.0f} s")
        time.sleep(POLL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint", help="the DynamoDB endpoint, e.g. http://127.0.0.1:8000")
    parser.add_argument("--tables", type=Path, default=HERE / "tables.json")
    parser.add_argument("--seed", type=Path, default=REPO / "bootstrap" / "seed")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument(
        "--no-ttl",
        action="store_true",
        help="leave TTL out, for an engine without UpdateTimeToLive (dynalite)",
    )
    args = parser.parse_args()

    session = boto3.session.Session(
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    wait_until_answers(args.endpoint, session, args.timeout)
    client = session.client("dynamodb", endpoint_url=args.endpoint)
    dynamodb = session.resource("dynamodb", endpoint_url=args.endpoint)

    requests = json.loads(args.tables.read_text())
    for request in requests:
        client.create_table(**request)
    for request in requests:
        name = request["TableName"]
        wait_until_active(client, name, args.timeout)
        if name in TTL and not args.no_ttl:
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL[name]},
            )

    loaded = {}
    for request in requests:
        name = request["TableName"]
        seed = args.seed / f"{name.removeprefix(PREFIX)}.jsonl"
        loaded[name] = 0
        if not seed.exists():
            continue
        with seed.open() as lines, dynamodb.Table(name).batch_writer() as batch:
            for line in lines:
                if line.strip():
                    batch.put_item(Item=json.loads(line, parse_float=Decimal))
                    loaded[name] += 1

    total = 0
    for name, expected in loaded.items():
        table = dynamodb.Table(name)
        count = 0
        page = table.scan()
        while True:
            count += len(page["Items"])
            start = page.get("LastEvaluatedKey")
            if not start:
                break
            page = table.scan(ExclusiveStartKey=start)
        if count != expected:
            raise SystemExit(f"{name}: scanned {count} items, loaded {expected}")
        total += count
    print(f"{len(loaded)} tables, {total} items")


if __name__ == "__main__":
    sys.exit(main())
