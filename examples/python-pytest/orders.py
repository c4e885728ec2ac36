"""A small orders store on DynamoDB, as a service would write it: boto3, the
table names from the environment (devstack's `[env]` sets them)."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import List, Optional

import boto3
from boto3.dynamodb.conditions import Key


def _table(variable: str):
    # boto3 reads AWS_ENDPOINT_URL, the region and the credentials itself.
    return boto3.resource("dynamodb").Table(os.environ[variable])


def get_order(customer: str, order_id: str) -> Optional[dict]:
    key = {"pk": f"CUSTOMER#{customer}", "sk": f"ORDER#{order_id}"}
    return _table("ORDERS_TABLE").get_item(Key=key).get("Item")


def orders_of(customer: str) -> List[dict]:
    found = _table("ORDERS_TABLE").query(KeyConditionExpression=Key("pk").eq(f"CUSTOMER#{customer}"))
    return found["Items"]


def open_orders() -> List[dict]:
    found = _table("ORDERS_TABLE").query(
        IndexName="by-status", KeyConditionExpression=Key("status").eq("open")
    )
    return found["Items"]


def place_order(customer: str, order_id: str, total: int, items: List[str]) -> None:
    _table("ORDERS_TABLE").put_item(
        Item={
            "pk": f"CUSTOMER#{customer}",
            "sk": f"ORDER#{order_id}",
            "status": "open",
            "placed_at": "2026-12-06T10:00:00Z",
            "total": Decimal(total),
            "items": items,
        }
    )
    record("order-placed", f"{customer}/{order_id}")


def cancel_order(customer: str, order_id: str) -> None:
    _table("ORDERS_TABLE").update_item(
        Key={"pk": f"CUSTOMER#{customer}", "sk": f"ORDER#{order_id}"},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "cancelled"},
    )
    record("order-cancelled", f"{customer}/{order_id}")


def record(kind: str, subject: str) -> None:
    _table("AUDIT_TABLE").put_item(Item={"pk": kind, "sk": subject})


def audit() -> List[dict]:
    return _table("AUDIT_TABLE").scan()["Items"]
