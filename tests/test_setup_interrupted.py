"""Ctrl-C, SIGTERM and SIGHUP during `devkit setup`'s env builds, at chosen steps of micromamba.

micromamba 2.x rolls an interrupted transaction back and exits 0 (see the stand-in's
`standin/interrupt.py`): these tests pause the stand-in at a step (`STANDIN_PAUSE`), signal
there, and check that no working env is lost and nothing unbuilt passes for built.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from devkit.conda import envbuild, envs, envspec
from tests.support.cli import DEVKIT
from tests.support.fixtures import Isolation
from tests.support.monorepo import Monorepo, edit_environment

# A pip requirement whose build waits (up to a minute) after writing SLOW_BUILD_MARK: the moment
# "during pip". pip and its build backend are in devkit's process group, as on a terminal.
_SLOW_PYPROJECT = """\
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "slow_build"
version = "0.1.0"
"""
_SLOW_BACKEND = """\
import os, pathlib, time


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    pathlib.Path(os.environ["SLOW_BUILD_MARK"]).write_text(str(os.getpid()))
    time.sleep(60)
    raise SystemExit("not built: nobody interrupted the slow build")
"""


def run(argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run to the end without a terminal (no prompt can be answered)."""
    return subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def devkit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run([str(DEVKIT), *map(str, args)])


def setup_api(root: Path, *extra: str) -> list[str]:
    return [
        str(DEVKIT),
        "--root",
        str(root),
        "setup",
        "--projects",
        "api",
        "--no-shell-init",
        *extra,
    ]


def interrupt_at(argv: list[str], step: str, sig: int, mark: Path) -> tuple[int, str]:
    """Run devkit until the stand-in (or pip) reaches `step`, signal it there; exit and stderr.

    SIGINT and SIGHUP go to devkit's whole process group, as a terminal sends them (micromamba
    and pip get them too); SIGTERM to devkit alone, as a cancelled CI job sends it.
    """
    env = {**os.environ, "STANDIN_PAUSE": step, "STANDIN_PAUSE_MARK": str(mark)}
    env["SLOW_BUILD_MARK"] = str(mark)
    proc = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not (mark.is_file() and mark.read_text()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"never reached {step}: {proc.communicate()}")
        time.sleep(0.01)
    if sig == signal.SIGTERM:
        proc.send_signal(sig)
    else:
        os.killpg(proc.pid, sig)
    _, stderr = proc.communicate(timeout=60)
    return proc.returncode, stderr


def _aside(prefix: Path) -> list[Path]:
    return list(prefix.parent.glob(f".{prefix.name}.devkit-previous-*"))


def _add_slow_pip(env_file: Path) -> None:
    libs = env_file.parent / "libs" / "slow_build"
    libs.mkdir(parents=True)
    (libs / "pyproject.toml").write_text(_SLOW_PYPROJECT)
    (libs / "backend.py").write_text(_SLOW_BACKEND)
    deps = yaml.safe_load(env_file.read_text())["dependencies"]
    edit_environment(env_file, dependencies=[*deps, "pins", {"pip": ["./libs/slow_build"]}])


STEPS = [
    (
        "solved",
        signal.SIGINT,
    ),  # before linking: "Interrupted by user - stopped before transaction."
    ("linked:1", signal.SIGINT),  # the first conda-meta record exists: rolled back, exit 0
    ("pip", signal.SIGINT),
    ("linked:1", signal.SIGTERM),
    ("linked:1", signal.SIGHUP),
]


@pytest.mark.slow
@pytest.mark.parametrize(("step", "sig"), STEPS)
def test_an_interrupted_rebuild_keeps_the_working_env(
    sample_monorepo: Monorepo, isolate: Isolation, tmp_path: Path, step: str, sig: int
) -> None:
    root = sample_monorepo.root
    assert run(setup_api(root, "--yes")).returncode == 0
    prefix = isolate.root_prefix / "envs" / "api"
    record = (prefix / "conda-meta" / "devkit-source").read_text()
    records = sorted(p.name for p in (prefix / "conda-meta").iterdir())
    _add_slow_pip(sample_monorepo.env_file("api"))

    code, stderr = interrupt_at(setup_api(root, "--yes"), step, sig, tmp_path / "mark")

    assert code == 128 + sig, stderr
    # The old env, whole, still recorded as built from the old file: not a mix, not a new env.
    assert _aside(prefix) == []
    assert sorted(p.name for p in (prefix / "conda-meta").iterdir()) == records
    assert (prefix / "conda-meta" / "devkit-source").read_text() == record
    works = devkit("--root", root, "run", "api", "--", "python", "-c", "import fastapi")
    assert works.returncode == 0, works.stderr
    if sig == signal.SIGINT:
        # Said either way: devkit noted the Ctrl-C before micromamba's exit 0 ("interrupted;"),
        # or its build check found the rolled-back env ("interrupted: none of the N packages"):
        # the build thread and the signal handler race, and both words are true.
        said = " ".join(stderr.split())
        assert "interrupted" in said and "the previous env is kept as it was" in said


@pytest.mark.slow
@pytest.mark.parametrize(("step", "sig"), [s for s in STEPS if s[0] != "pip"])
def test_an_interrupted_create_leaves_nothing_that_looks_built(
    sample_monorepo: Monorepo, isolate: Isolation, tmp_path: Path, step: str, sig: int
) -> None:
    root = sample_monorepo.root
    code, stderr = interrupt_at(setup_api(root, "--yes"), step, sig, tmp_path / "mark")
    assert code == 128 + sig, stderr
    prefix = isolate.root_prefix / "envs" / "api"
    assert not prefix.exists()
    checked = devkit("--root", root, "doctor", "api", "--json", "--check", "env.exists")
    assert json.loads(checked.stdout)["results"][0]["status"] == "fail"


@pytest.mark.slow
@pytest.mark.parametrize("recorded", [False, True], ids=["no-record", "record-of-older-devkit"])
def test_an_env_left_empty_fails_setup_without_a_terminal_with_the_true_reason(
    sample_monorepo: Monorepo, isolate: Isolation, tmp_path: Path, recorded: bool
) -> None:
    # What an interrupted `micromamba create` leaves, exit 0: a prefix holding conda-meta/history.
    # devkit before the fix then wrote its build record into it, as if the build had finished.
    prefix = isolate.root_prefix / "envs" / "api"
    env_file = sample_monorepo.env_file("api")
    argv = ["micromamba", "create", "-y", "-p", str(prefix), "-f", str(env_file), "--json"]
    code, _ = interrupt_at(argv, "linked:1", signal.SIGINT, tmp_path / "mark")
    assert code == 0
    assert [p.name for p in (prefix / "conda-meta").iterdir()] == ["history"]
    if recorded:
        spec = envspec.parse(env_file)
        envbuild.write_fingerprint(prefix, spec, spec.fingerprint)

    root = sample_monorepo.root
    result = run(setup_api(root))
    assert result.returncode == 1, result.stderr
    said = " ".join((result.stdout + result.stderr).split())
    assert "lists no packages" in said and "changed" not in said
    repair = f"devkit --root {root} setup --projects api --yes"
    assert repair in said
    fixed = devkit(*repair.split()[1:], "--no-shell-init")
    assert fixed.returncode == 0, fixed.stderr
    assert envs.status(prefix).state is envs.EnvState.PRESENT
    assert (prefix / "conda-meta" / "devkit-source").is_file()


@pytest.mark.slow
def test_an_interrupted_doctor_fix_keeps_the_working_env(
    sample_monorepo: Monorepo, isolate: Isolation, tmp_path: Path
) -> None:
    # doctor --fix builds in the main thread: Ctrl-C lands in devkit while micromamba rolls back.
    root = sample_monorepo.root
    assert run(setup_api(root, "--yes")).returncode == 0
    prefix = isolate.root_prefix / "envs" / "api"
    record = (prefix / "conda-meta" / "devkit-source").read_text()
    records = sorted(p.name for p in (prefix / "conda-meta").iterdir())
    _add_slow_pip(sample_monorepo.env_file("api"))
    fix = [str(DEVKIT), "--root", str(root), "doctor", "api", "--fix", "--yes"]
    code, stderr = interrupt_at(
        [*fix, "--check", "env.stale"], "linked:1", signal.SIGINT, tmp_path / "m"
    )
    assert code == 130, stderr
    assert _aside(prefix) == []
    assert sorted(p.name for p in (prefix / "conda-meta").iterdir()) == records
    assert (prefix / "conda-meta" / "devkit-source").read_text() == record
