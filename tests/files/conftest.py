"""Project-file test helpers: a project made by `devkit new` (the passing case) to break."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from devkit.commands import new as new_cmd
from devkit.doctor.base import Result
from devkit.doctor.context import Context
from devkit.repo import monorepo
from tests.doctor.conftest import make_ctx, run_check  # noqa: F401 - shared fixture
from tests.support.channel import PYTHON_RUNNING_MINOR
from tests.support.monorepo import Monorepo

NAME = "svc"
GCLOUD = "acme-data"


@dataclass(frozen=True)
class Fresh:
    """A monorepo holding project `svc`, just created from the template."""

    root: Path

    @property
    def project(self) -> Path:
        """`projects/svc`."""
        return self.root / "projects" / NAME

    def file(self, relative: str) -> Path:
        """A file of the project."""
        return self.project / relative

    def workflow(self, kind: str) -> Path:
        """`.github/workflows/svc-<kind>.yml`."""
        return self.root / ".github" / "workflows" / f"{NAME}-{kind}.yml"

    def replace(self, path: Path, old: str, new: str, count: int = 1) -> None:
        """Edit a file; the text to replace must be there."""
        text = path.read_text()
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, count))

    def line_of(self, path: Path, needle: str) -> int:
        """The first line holding `needle`."""
        lines = path.read_text().splitlines()
        return next(n for n, text in enumerate(lines, 1) if needle in text)


def create_project(root: Path, name: str = NAME, lock: bool = False, **flags: str) -> Path:
    """Write a project from the template into the monorepo at `root`, like `devkit new`
    (`devkit new --lock` with `lock`; the lock itself is not written)."""
    given = {"gcloud_project": GCLOUD, "python": PYTHON_RUNNING_MINOR, **flags}
    values = new_cmd.resolve(name, given, None, lock)
    repo = monorepo.load(root)
    new_cmd.create(repo, values)
    return repo.projects_dir / name


@pytest.fixture
def fresh(sample_monorepo: Monorepo) -> Fresh:
    """The sample monorepo plus `svc` from the template: every files.* check passes on it."""
    create_project(sample_monorepo.root)
    return Fresh(sample_monorepo.root)


def check(ctx: Context, check_id: str, project: str | None = NAME) -> Result:
    """One check's result for `svc` (or the repo when `project` is None)."""
    return run_check(ctx, check_id, project)


DEVKIT = Path(sys.executable).parent / "devkit"
NOT_IN_TEST_CHANNEL = {"pytest", "httpx", "pylint", "pyright", "black"}
# A lock with one linux-64 package: enough for what the Dockerfile checks read.
SMALL_LOCK = """\
version: 1
metadata:
  content_hash: {linux-64: x}
  channels: [{url: https://conda.anaconda.org/conda-forge, used_env_vars: []}]
  platforms: [linux-64]
  sources: [environment.yml]
package:
- name: tzdata
  version: 2024a
  manager: conda
  platform: linux-64
  dependencies: {}
  url: https://conda.anaconda.org/conda-forge/noarch/tzdata-2024a-h0c530f3_0.conda
  hash: {md5: 0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f}
"""


def devkit(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real devkit executable against the monorepo at `root`; never raises on its exit."""
    return subprocess.run(
        [str(DEVKIT), "--root", str(root), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def trim_to_test_channel(env_file: Path) -> None:
    """Drop the template's packages the test channel lacks from an environment.yml."""
    data = yaml.safe_load(env_file.read_text())
    data["dependencies"] = [
        d for d in data["dependencies"] if str(d).split("=")[0] not in NOT_IN_TEST_CHANNEL
    ]
    env_file.write_text(yaml.safe_dump(data, sort_keys=False))
