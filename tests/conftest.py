"""Shared pytest configuration: the test world's fixtures live in tests/support/fixtures.py."""

from __future__ import annotations

pytest_plugins = ["tests.support.fixtures"]
