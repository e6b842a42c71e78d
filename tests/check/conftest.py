"""The check tests' world: one env with the recording pylint/pyright/pytest/black, built once per
session, and a fresh monorepo per test whose `svc` project uses it through the team's workflow."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from devkit.conda import envbuild, envspec
from tests.support.channel import BLACK_VERSIONS, CHECK_TOOL_VERSIONS, PYTHON_RUNNING_MINOR
from tests.support.fixtures import STRIPPED_NAMES, STRIPPED_PREFIXES, Isolation
from tests.support.monorepo import environment_yml, git
from tests.support.world import World

BLACK = BLACK_VERSIONS[0]
ENV_TEXT = environment_yml(
    "svc",
    (
        f"python={PYTHON_RUNNING_MINOR}",
        *(f"{tool}={version}" for tool, version in CHECK_TOOL_VERSIONS.items()),
        f"black={BLACK}",
    ),
)

# The team's checks workflow (seed: team-python-setup.md), plus `env:` at both levels and a
# step that reads a matrix value, so a test can see values and expressions arrive.
CHECKS_WORKFLOW = f"""\
name: svc Checks
on:
  push:
    branches: [main]
    paths:
      - "projects/svc/**/*"
  pull_request:
    branches: [main]
    paths:
      - "projects/svc/**/*"
defaults:
  run:
    shell: bash
    working-directory: projects/svc
env:
  CHECK_LEVEL: workflow
  CHECK_FROM_WORKFLOW: "yes"
concurrency:
  group: ${{{{ github.workflow }}}}-${{{{ github.ref }}}}
  cancel-in-progress: true

jobs:
  type_and_lint_checking:
    name: check (${{{{ matrix.python-version }}}}, ${{{{ matrix.os }}}})
    runs-on: ${{{{ matrix.os }}}}
    timeout-minutes: 30
    env:
      CHECK_LEVEL: job
      CHECK_PYTHON: py${{{{ matrix.python-version }}}}
    strategy:
      fail-fast: false
      matrix:
        os: ["ubuntu-latest", "macos-latest"]
        python-version: ["{PYTHON_RUNNING_MINOR}"]
    steps:
      - uses: actions/checkout@v2
      - uses: actions/setup-python@v2
        with:
          python-version: "{PYTHON_RUNNING_MINOR}"
      - uses: mamba-org/provision-with-micromamba@main
        with:
          channel-priority: disabled
          environment-file: projects/svc/environment.yml
      - name: Bash
        shell: bash -l {{0}}
        run: pyright .
      - name: Run PyLint
        shell: bash -l {{0}}
        run: pylint main.py pkg/
      - name: Run PyTest
        shell: bash -l {{0}}
        run: pytest .
  format_checking:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v2
      - uses: actions/setup-python@v2
        with:
          python-version: 3.9
      - uses: psf/black@stable
        with:
          version: "{BLACK}"
          src: "./projects/svc"
"""

DEPLOY_WORKFLOW = """\
name: svc Deploy
on:
  push:
    branches: [main]
    paths:
      - "projects/svc/**/*"
defaults:
  run:
    working-directory: projects/svc
jobs:
  Deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v3
      - name: "gcloud build"
        run: gcloud builds submit --tag us-central1-docker.pkg.dev/acme/run/svc
"""


@dataclass(frozen=True)
class SharedEnv:
    """The session's root prefix holding env `svc`."""

    root_prefix: Path
    prefix: Path


@pytest.fixture(scope="session")
def checks_env(test_world: World, tmp_path_factory: pytest.TempPathFactory) -> SharedEnv:
    """Env `svc` (python, pylint, pyright, pytest, black) made once by the stand-in, with the
    build record devkit writes, so `devkit check` finds it up to date."""
    base = tmp_path_factory.mktemp("checks-env")
    root = base / "mamba-root"
    prefix = root / "envs" / "svc"
    env_file = base / "environment.yml"
    env_file.write_text(ENV_TEXT)
    (base / "home").mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(STRIPPED_PREFIXES) and k not in STRIPPED_NAMES
    }
    env.update(
        HOME=str(base / "home"),
        CONDARC=str(test_world.condarc),
        CONDA_PKGS_DIRS=str(test_world.pkgs_cache),
    )
    argv = [str(test_world.micromamba), "create", "-y", "-r", str(root), "-p", str(prefix)]
    argv += ["-f", str(env_file), "--json", "--log-level", "error"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["success"], done.stderr
    spec = envspec.parse(env_file)
    envbuild.write_fingerprint(prefix, spec, spec.fingerprint)
    return SharedEnv(root, prefix)


@dataclass(frozen=True)
class ChecksRepo:
    """A monorepo with `projects/svc` and its two workflows, committed on main and pushed."""

    root: Path
    log: Path  # where the tools record their calls

    @property
    def svc(self) -> Path:
        return self.root / "projects" / "svc"

    def calls(self) -> list[dict[str, object]]:
        """Every recorded tool call, in order."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def workflow(self, text: str, name: str = "svc-checks.yml") -> None:
        (self.root / ".github" / "workflows" / name).write_text(text)


def write_svc(root: Path) -> None:
    """The svc project's files and workflows."""
    svc = root / "projects" / "svc"
    (svc / "pkg").mkdir(parents=True)
    (svc / "tests").mkdir()
    (svc / "environment.yml").write_text(ENV_TEXT)
    (svc / "main.py").write_text('"""svc."""\n')
    (svc / "pkg" / "__init__.py").write_text("")
    (svc / "tests" / "test_main.py").write_text("def test_ok():\n    assert True\n")
    flows = root / ".github" / "workflows"
    flows.mkdir(parents=True)
    (flows / "svc-checks.yml").write_text(CHECKS_WORKFLOW)
    (flows / "svc-deploy.yml").write_text(DEPLOY_WORKFLOW)
    (root / ".gitignore").write_text("__pycache__/\n")


@pytest.fixture
def checks_repo(
    tmp_path: Path, checks_env: SharedEnv, isolate: Isolation, monkeypatch: pytest.MonkeyPatch
) -> ChecksRepo:
    """A fresh clone-like monorepo using the session's env (its root prefix for this test)."""
    root = tmp_path / "monorepo"
    write_svc(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "svc")
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", bare.name)
    git(root, "remote", "add", "origin", str(bare))
    git(root, "push", "-q", "-u", "origin", "main")
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("MAMBA_ROOT_PREFIX", str(checks_env.root_prefix))
    monkeypatch.setenv("TOOLRECORDER_LOG", str(log))
    return ChecksRepo(root, log)


Devkit = Callable[..., subprocess.CompletedProcess[str]]
