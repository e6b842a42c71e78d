"""One lock from laptop to CI to the image: lock.follow and `devkit ls` say, per project, whether
the env, CI and the Dockerfile all install the same conda-lock.yml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.files.conftest import NAME, create_project, devkit, trim_to_test_channel
from tests.support.monorepo import Monorepo


def ls_row(root: Path, name: str = NAME) -> dict:
    listing = json.loads(devkit(root, "ls", "--json").stdout)
    return next(row for row in listing["projects"] if row["name"] == name)


def follow(root: Path) -> dict:
    result = devkit(root, "doctor", NAME, "--check", "lock.follow", "--json")
    [found] = json.loads(result.stdout)["results"]
    return found


@pytest.mark.slow
def test_the_env_ci_and_image_follow_one_lock(sample_monorepo: Monorepo) -> None:
    root = sample_monorepo.root
    folder = create_project(root, lock=True)
    trim_to_test_channel(folder / "environment.yml")
    assert ls_row(root)["follows_lock"] is None and ls_row(root)["lock"] is False
    assert follow(root)["status"] == "skip"
    assert devkit(root, "lock", NAME, "--platforms", "linux-64").returncode == 0

    # CI and the image install the lock; the env is not built yet, which is no gap.
    assert ls_row(root)["follows_lock"] == {"env": "not built", "ci": "lock", "image": "lock"}
    assert follow(root)["status"] == "ok"
    built = devkit(root, "doctor", NAME, "--fix", "--yes", "--check", "env.exists")
    assert "from conda-lock.yml" in built.stderr, built.stderr
    assert ls_row(root)["follows_lock"] == {"env": "lock", "ci": "lock", "image": "lock"}
    found = follow(root)
    assert found["status"] == "ok"
    assert found["message"] == "conda-lock.yml is followed: env: lock, CI: lock, image: lock"
    table = devkit(root, "ls").stdout
    assert f"{NAME}" in table and "followed" in table

    # CI back to solving, and a new lock the env was not built from.
    checks = root / ".github" / "workflows" / f"{NAME}-checks.yml"
    text = checks.read_text().replace(f"{NAME}/conda-lock.yml", f"{NAME}/environment.yml")
    checks.write_text(text)
    assert devkit(root, "lock", NAME, "--platforms", "linux-64,osx-64").returncode == 0
    row = ls_row(root)
    assert row["follows_lock"] == {
        "env": "built from an older lock or file",
        "ci": "solves environment.yml",
        "image": "lock",  # devkit lock keeps the Dockerfile's sha256 current
    }
    found = follow(root)
    assert found["status"] == "warn"
    assert "env: built from an older lock or file; CI: solves environment.yml" in found["message"]
    assert "not by env, ci" in devkit(root, "ls").stdout

    # The Dockerfile checking another lock's sha256 is a gap too.
    dockerfile = folder / "Dockerfile"
    lines = dockerfile.read_text().splitlines(keepends=True)
    lines[2] = "ARG DEVKIT_LOCK_SHA256=" + "0f" * 32 + "\n"
    dockerfile.write_text("".join(lines))
    assert ls_row(root)["follows_lock"]["image"] == "checks another lock's sha256"
