"""devkit lock --update: move the named packages, hold the rest, say what moved per platform."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devkit.conda import lockfile
from tests.drift import update_channel
from tests.drift.conftest import PYTHON, devkit
from tests.support.fixtures import PackageIndex
from tests.support.monorepo import Monorepo, add_project, edit_environment

PLATFORMS = "linux-64,osx-arm64"


def lock(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return devkit("--root", root, "lock", *args, timeout=240)


def versions(path: Path, platform: str = "linux-64") -> dict[str, str]:
    parsed = lockfile.read(path)
    found = {name: p.version for name, p in parsed.packages[platform].items()}
    found.update({f"pip:{name}": w.version for name, w in parsed.pip.get(platform, {}).items()})
    return found


@pytest.fixture
def updates(sample_monorepo: Monorepo, tmp_path: Path) -> tuple[Monorepo, Path]:
    """Project `up` on a channel at stage 1, locked; the channel is then at stage 2."""
    channel = update_channel.build_out_of_process(tmp_path / "channel", 1)
    add_project(
        sample_monorepo, "up", dependencies=("alpha", "beta", "gamma"), channels=(channel.as_uri(),)
    )
    result = lock(sample_monorepo.root, "up", "--platforms", PLATFORMS)
    assert result.returncode == 0, result.stderr
    update_channel.build_out_of_process(tmp_path / "channel", 2)
    return sample_monorepo, sample_monorepo.project("up") / "conda-lock.yml"


@pytest.mark.slow
def test_update_moves_the_named_package_and_holds_the_rest(
    updates: tuple[Monorepo, Path],
) -> None:
    repo, path = updates
    assert versions(path) == {"alpha": "1.0", "beta": "1.0", "gamma": "1.0"}
    before = path.read_bytes()

    dry = lock(repo.root, "up", "--platforms", PLATFORMS, "--update", "alpha", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "linux-64: alpha 1.0 → 1.1" in dry.stdout
    assert "osx-arm64: alpha 1.0 → 1.1" in dry.stdout
    assert "dry run: projects/up/conda-lock.yml not written" in dry.stdout
    assert path.read_bytes() == before

    moved = lock(repo.root, "up", "--platforms", PLATFORMS, "--update", "alpha")
    assert moved.returncode == 0, moved.stderr
    assert "wrote projects/up/conda-lock.yml" in moved.stdout
    assert versions(path) == {"alpha": "1.1", "beta": "1.0", "gamma": "1.0"}
    assert versions(path, "osx-arm64") == {"alpha": "1.1", "beta": "1.0", "gamma": "1.0"}

    # gamma 2.0 needs beta >=1.1: beta moves with it, and the output says so.
    moved = lock(repo.root, "up", "--platforms", PLATFORMS, "--update", "GAMMA")
    assert moved.returncode == 0, moved.stderr
    assert "linux-64: beta 1.0 → 1.1; gamma 1.0 → 2.0" in moved.stdout
    assert versions(path) == {"alpha": "1.1", "beta": "1.1", "gamma": "2.0"}

    again = lock(repo.root, "up", "--platforms", PLATFORMS, "--update", "alpha")
    assert "linux-64: nothing moved" in again.stdout


@pytest.mark.slow
def test_a_plain_lock_moves_everything(updates: tuple[Monorepo, Path]) -> None:
    repo, path = updates
    assert lock(repo.root, "up", "--platforms", PLATFORMS).returncode == 0
    assert versions(path) == {"alpha": "1.1", "beta": "1.1", "gamma": "2.0"}


@pytest.mark.slow
def test_update_names_locked_packages_only(updates: tuple[Monorepo, Path]) -> None:
    repo, path = updates
    result = lock(repo.root, "up", "--update", "alpha,nosuch")
    assert result.returncode == 2
    assert "not in projects/up/conda-lock.yml: nosuch" in result.stderr
    path.unlink()
    result = lock(repo.root, "up", "--update", "alpha")
    assert result.returncode == 1 and "up has no conda-lock.yml to update" in result.stderr
    result = lock(repo.root, "up", "--dry-run")
    assert result.returncode == 2 and "--dry-run goes with --update" in result.stderr


@pytest.mark.slow
def test_update_holds_locked_wheels_too(sample_monorepo: Monorepo, pip_index: PackageIndex) -> None:
    root = sample_monorepo.root
    add_project(
        sample_monorepo, "air", dependencies=(PYTHON,), pip=("pyairtable==1.4.0", "requests<2.32")
    )
    assert lock(root, "air", "--platforms", "linux-64").returncode == 0
    path = sample_monorepo.project("air") / "conda-lock.yml"
    assert versions(path)["pip:requests"] == "2.31.0"
    # Loosened: a plain lock would take requests 2.32.3; updating something else keeps 2.31.0.
    edit_environment(
        sample_monorepo.env_file("air"),
        dependencies=[PYTHON, {"pip": ["pyairtable==1.4.0", "requests"]}],
    )
    held = lock(root, "air", "--platforms", "linux-64", "--update", "inflection")
    assert held.returncode == 0, held.stderr
    assert "linux-64: nothing moved" in held.stdout
    assert versions(path)["pip:requests"] == "2.31.0"
    # The held python reads as a plain solve's: no `pip` dependency added to its entry.
    python = lockfile.read(path).packages["linux-64"]["python"]
    assert not any(dep.split()[0] == "pip" for dep in python.depends)
    moved = lock(root, "air", "--platforms", "linux-64", "--update", "requests")
    assert "linux-64: requests (pip) 2.31.0 → 2.32.3" in moved.stdout, moved.stderr
    assert versions(path)["pip:requests"] == "2.32.3"
