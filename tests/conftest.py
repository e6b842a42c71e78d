"""Shared pytest configuration: the test world's fixtures live in tests/support/fixtures.py."""

from __future__ import annotations

import signal

import pytest

from tests.support import cli

pytest_plugins = ["tests.support.fixtures"]


def pytest_configure() -> None:
    # A suite started in the background of a non-interactive shell (`pytest &`, some CI
    # runners) inherits SIGINT ignored, and so would every devkit it starts: the Ctrl-C tests
    # would then wait on a process that never sees Ctrl-C. Give children a terminal's default.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _slow_marker(request: pytest.FixtureRequest) -> None:
    # tests/support/cli.py's devkit() refuses to start the executable for an unmarked test.
    cli.mark_current(request.node.get_closest_marker("slow") is not None)
