"""A local DynamoDB for a pytest session, from your project's devstack.toml.

Fixtures:

- ``devstack`` (session): a fresh stack of the manifest (a project name of its
  own, free ports, in memory), on the embedded engine unless told otherwise;
  the AWS variables point at it for the whole session (every other ``AWS_*``
  variable is withheld, so a test never reaches a real account); removed at
  the end. Returns a :class:`devstack.Stack`.
- ``devstack_tables`` (function): the manifest's tables back at their seed
  data before the test (all of them, or those a ``devstack_reset`` marker
  names); returns the same stack.

Marker: ``@pytest.mark.devstack_reset("orders", ...)`` resets those tables
before the test (all of the manifest's with no names).

Options (command line, else ini, else the environment): ``--devstack-engine``
/ ``devstack_engine`` / ``DEVSTACK_ENGINE`` (``embedded`` when none is given),
``--devstack-file`` / ``devstack_file`` / ``DEVSTACK_FILE`` (else the
``devstack.toml`` found from the rootdir upwards).

With pytest-xdist every worker is a session of its own, so every worker gets
a stack of its own: its items, resets and streams are never seen by another
worker, and tests keep their table names.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Optional

import pytest

from devstack import DevstackError, Stack

DEFAULT_ENGINE = "embedded"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("devstack", "a local DynamoDB from devstack.toml")
    group.addoption(
        "--devstack-engine",
        default=None,
        help="the engine of the session's stack: embedded (default), dynamodb-local or ministack",
    )
    group.addoption(
        "--devstack-file",
        default=None,
        help="the manifest (default: the devstack.toml found from the rootdir upwards)",
    )
    parser.addini("devstack_engine", "the engine of the session's stack", default=None)
    parser.addini("devstack_file", "the manifest, relative to the rootdir", default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "devstack_reset(*tables): bring these manifest tables (all with none named) back to their seed data before the test",
    )


def _setting(config: pytest.Config, option: str, ini: str, variable: str) -> Optional[str]:
    return config.getoption(option) or config.getini(ini) or os.environ.get(variable) or None


@pytest.fixture(scope="session")
def devstack(pytestconfig: pytest.Config) -> Iterator[Stack]:
    """A stack of the project's manifest for this session (this xdist worker)."""
    engine = _setting(pytestconfig, "devstack_engine", "devstack_engine", "DEVSTACK_ENGINE") or DEFAULT_ENGINE
    file = _setting(pytestconfig, "devstack_file", "devstack_file", "DEVSTACK_FILE")
    root = Path(pytestconfig.rootpath)
    manifest = (root / file) if file else None
    failed = None
    try:
        stack = Stack.start(file=manifest, engine=engine, cwd=root)
    except DevstackError as err:
        failed = str(err)
    if failed is not None:
        # Outside the `except`: pytest shows devstack's message once.
        pytest.fail(failed, pytrace=False)
    try:
        with stack.environment():
            yield stack
    finally:
        stack.down()


def _reset(request: pytest.FixtureRequest, stack: Stack) -> None:
    marker = request.node.get_closest_marker("devstack_reset")
    tables = marker.args if marker is not None else ()
    failed = None
    try:
        stack.reset(*tables)
    except DevstackError as err:
        failed = str(err)
    if failed is not None:
        pytest.fail(failed, pytrace=False)


@pytest.fixture
def devstack_tables(request: pytest.FixtureRequest, devstack: Stack) -> Stack:
    """The manifest's tables (or those the ``devstack_reset`` marker names)
    back at their seed data before the test."""
    _reset(request, devstack)
    return devstack


@pytest.fixture(autouse=True)
def _devstack_reset_marker(request: pytest.FixtureRequest) -> None:
    # The marker alone is enough; with `devstack_tables` it resets once.
    if request.node.get_closest_marker("devstack_reset") is None:
        return
    if "devstack_tables" in request.fixturenames:
        return
    _reset(request, request.getfixturevalue("devstack"))
