"""The orders store against the session's stack (the `devstack` fixture)."""

import pytest

import orders


def test_reads_a_seeded_order(devstack):
    order = orders.get_order("ada", "0001")
    assert order["status"] == "shipped"
    assert order["total"] == 4200
    assert order["items"] == ["keyboard", "mouse"]


def test_queries_an_index(devstack_tables):
    assert {o["sk"] for o in orders.open_orders()} >= {"ORDER#0002", "ORDER#0003"}


@pytest.mark.devstack_reset("orders", "audit")
def test_places_an_order(devstack):
    orders.place_order("grace", "0100", 500, ["pen"])
    assert [o["sk"] for o in orders.orders_of("grace")] == ["ORDER#0003", "ORDER#0100"]
    assert orders.audit() == [{"pk": "order-placed", "sk": "grace/0100"}]


def test_starts_from_the_seed_data_again(devstack_tables):
    # Whatever an earlier test placed or cancelled is gone.
    assert [o["sk"] for o in orders.orders_of("grace")] == ["ORDER#0003"]
    assert orders.audit() == []
    orders.cancel_order("grace", "0003")
    assert orders.get_order("grace", "0003")["status"] == "cancelled"


def test_the_stack_is_the_sessions_own(devstack):
    import os

    assert os.environ["AWS_ENDPOINT_URL"] == devstack.endpoint
    assert os.environ["ORDERS_TABLE"] == devstack.table("orders") == "orders-service-orders"
    assert "AWS_PROFILE" not in os.environ
