"""With pytest-xdist every worker has a stack of its own: what one worker
writes, another never sees. Each test writes a mark of its worker and checks
that the table holds its own marks and no other worker's."""

import os
from pathlib import Path

import pytest

import orders

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.mark.parametrize("n", range(6))
def test_a_worker_sees_only_its_own_items(devstack, n):
    orders.record(f"mark-{WORKER}", str(n))
    marks = [item for item in orders.audit() if item["pk"].startswith("mark-")]
    assert {"pk": f"mark-{WORKER}", "sk": str(n)} in marks
    assert {item["pk"] for item in marks} == {f"mark-{WORKER}"}
    # Where the test ran, for a harness that checks two workers ran on two stacks.
    record = os.environ.get("EXAMPLE_RECORD_DIR")
    if record:
        Path(record, f"{WORKER}-{n}").write_text(devstack.project)
