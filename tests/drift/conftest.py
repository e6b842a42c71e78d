"""Drift tests run the real `devkit` executable: rattler's async runtime never runs in pytest.

py-rattler's solve and gateway calls start runtime threads that can crash CPython at
interpreter shutdown, so every solve in these tests happens in a `devkit` subprocess (which
leaves through os._exit) or the micromamba stand-in. In-process tests only touch pure code
(the analysis, channel resolution, lockfile parsing, MatchSpec matching).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.drift import extra_channel
from tests.support.channel import PYTHON_RUNNING_MINOR
from tests.support.cli import devkit
from tests.support.monorepo import Monorepo, add_project

PYTHON = f"python={PYTHON_RUNNING_MINOR}"


def drift_json(root: Path, *args: str | Path) -> tuple[dict[str, Any], int]:
    """`devkit --root ROOT drift ARGS --json`: the document and the exit code (they agree)."""
    result = devkit("--root", root, "drift", *args, "--json")
    assert result.stdout, result.stderr
    document = json.loads(result.stdout)
    assert document["exit_code"] == result.returncode, result.stderr
    return document, result.returncode


def report_of(document: dict[str, Any], project: str | None = None) -> dict[str, Any]:
    """The one report of a document (or the named project's)."""
    reports = document["reports"]
    if project is None:
        assert len(reports) == 1
        return reports[0]
    return next(r for r in reports if r["project"] == project)


def by_name(entries: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Category entries keyed by package name."""
    return {entry["name"]: entry for entry in entries}


# The deliberate differences of the test world's channels, in one project: postal is not built
# for osx-arm64; numpy is 1.21.5 on Linux and Intel Macs but 1.21.6 on Apple Silicon, where the
# anaconda channel (listed first) has none, so it comes from conda-forge there; geos is unpinned.
MIXED = (PYTHON, "pandas=1.4.2", "numpy", "postal=1.1.9", "geos")


@pytest.fixture
def mixed(sample_monorepo: Monorepo) -> Monorepo:
    """The sample monorepo plus `mixed`: every category of drift at once."""
    add_project(sample_monorepo, "mixed", dependencies=MIXED, channels=("anaconda", "conda-forge"))
    return sample_monorepo


@pytest.fixture(scope="session")
def extra_channel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extra channel of tests/drift/extra_channel.py (tabulate 0.9.0 on linux-64 only)."""
    return extra_channel.build_out_of_process(tmp_path_factory.mktemp("extra-channel"))
