"""The doctor's drift.platforms check: failing, warning, passing, cached, skipped with --no-drift.

Run through the real executable: the check solves in-process, which must never happen inside
pytest (see conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devkit.doctor.registry import BY_ID
from tests.drift.conftest import PYTHON, devkit
from tests.support.channel import POSTAL_VERSION
from tests.support.fixtures import Isolation
from tests.support.monorepo import Monorepo, add_project


def drift_check(root: Path, project: str, *extra: str) -> dict:
    result = devkit(
        "--root", root, "doctor", project, "--check", "drift.platforms", "--json", *extra
    )
    document = json.loads(result.stdout)
    assert document["exit_code"] == result.returncode
    [found] = document["results"]
    assert found["section"] == "Drift" and found["project"] == project
    return found


@pytest.mark.slow
def test_drift_check_fails_on_an_unsolvable_spec(mixed: Monorepo) -> None:
    result = drift_check(mixed.root, "mixed")
    assert result["status"] == "fail"
    assert f"osx-arm64: postal={POSTAL_VERSION}: no osx-arm64 build" in result["message"]
    assert "devkit drift mixed" in result["hint"]


@pytest.mark.slow
def test_drift_check_warns_on_drift_and_passes_without(sample_monorepo: Monorepo) -> None:
    warned = drift_check(sample_monorepo.root, "etl")
    assert warned["status"] == "warn"
    assert "numpy 1.21.5 (linux-64, osx-64) vs 1.21.6 (osx-arm64)" in warned["message"]
    passed = drift_check(sample_monorepo.root, "api")
    assert passed["status"] == "ok"
    assert passed["message"] == "same direct versions and channels on linux-64, osx-64, osx-arm64"


@pytest.mark.slow
def test_drift_check_uses_its_cache_until_the_file_changes(
    sample_monorepo: Monorepo, isolate: Isolation
) -> None:
    root = sample_monorepo.root
    assert drift_check(root, "api")["status"] == "ok"
    [entry] = (isolate.devkit_home / "cache" / "drift").glob("*.json")
    # Doctor believes its cache: a planted finding shows, proving no solve happened.
    cached = json.loads(entry.read_text())
    cached["report"]["channel_drift"] = [
        {"name": "planted", "channels": {"linux-64": "a", "osx-64": "b"}}
    ]
    entry.write_text(json.dumps(cached))
    planted = drift_check(root, "api")
    assert (
        planted["status"] == "warn"
        and "planted from a (linux-64) vs b (osx-64)" in planted["message"]
    )
    # An edit to environment.yml invalidates it: solved again, the truth comes back.
    env_file = sample_monorepo.env_file("api")
    env_file.write_text(env_file.read_text() + "\n")
    assert drift_check(root, "api")["status"] == "ok"


@pytest.mark.slow
def test_drift_check_needs_no_network_to_fail_softly(sample_monorepo: Monorepo) -> None:
    add_project(sample_monorepo, "far", dependencies=(PYTHON,), channels=("http://127.0.0.1:9/x",))
    result = drift_check(sample_monorepo.root, "far")
    assert result["status"] == "warn" and "cannot check drift" in result["message"]
    assert "http://127.0.0.1:9/x" in result["message"]


@pytest.mark.slow
def test_no_drift_skips_the_check(sample_monorepo: Monorepo) -> None:
    result = devkit("--root", sample_monorepo.root, "doctor", "api", "--json", "--no-drift")
    ids = {r["id"] for r in json.loads(result.stdout)["results"]}
    assert "drift.platforms" not in ids
    assert {"lock.stale", "lock.platforms", "env.exists"} <= ids


def test_the_checks_are_registered_and_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "drift.md").read_text()
    for check_id in ("drift.platforms", "lock.stale", "lock.platforms"):
        assert BY_ID[check_id].per_project
        assert f"### `{check_id}`" in docs
