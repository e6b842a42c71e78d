"""A build is done only when devkit has checked it: micromamba's exit 0 is not enough.

Each test makes micromamba exit 0 without building the env asked for: the stand-in interrupted
on its own (it rolls back and reports success, as micromamba 2.x does), or a wrapper around it
that builds from an edited file or loses a record afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import yaml

from devkit.conda import envbuild, envs, envspec
from devkit.conda.micromamba import Micromamba
from tests.support.cli import DEVKIT
from tests.support.fixtures import Isolation
from tests.support.monorepo import Monorepo, edit_environment
from tests.support.world import World


def _location(isolate: Isolation) -> envs.EnvLocation:
    return envs.EnvLocation("api", isolate.root_prefix / "envs" / "api")


def _add(env_file: Path, *deps: object) -> envspec.EnvSpec:
    edit_environment(
        env_file, dependencies=[*yaml.safe_load(env_file.read_text())["dependencies"], *deps]
    )
    return envspec.parse(env_file)


def wrapper(tmp_path: Path, world: World, edit: str = "", after: str = "") -> Micromamba:
    """A micromamba that runs the stand-in on an edited copy of its `-f` file (`edit`: Python
    changing `data`, the file's YAML) and then runs `after` (with `prefix`), exiting as it did."""
    script = tmp_path / "micromamba"
    script.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            f"""\
            import pathlib, subprocess, sys, yaml
            args = sys.argv[1:]
            if "create" in args:
                at = args.index("-f") + 1
                source = pathlib.Path(args[at])
                data = yaml.safe_load(source.read_text())
                {edit or "pass"}
                copy = pathlib.Path({str(tmp_path)!r}) / "edited" / source.name
                copy.parent.mkdir(exist_ok=True)
                copy.write_text(yaml.safe_dump(data))
                args[at] = str(copy)
            done = subprocess.run([{str(world.micromamba)!r}, *args])
            prefix = pathlib.Path(args[args.index("-p") + 1]) if "-p" in args else None
            {after or "pass"}
            sys.exit(done.returncode)
            """
        )
    )
    script.chmod(0o755)
    return Micromamba(script, Path(os.environ["MAMBA_ROOT_PREFIX"]))


def _kept_as_it_was(built: envbuild.BuildResult, location: envs.EnvLocation, record: str) -> None:
    assert not built.ok
    assert "the previous env is kept as it was" in built.note
    assert (location.prefix / "conda-meta" / "devkit-source").read_text() == record
    assert not list((location.prefix / "conda-meta").glob("pins-*.json"))
    assert list(location.prefix.parent.glob(".api.devkit-previous-*")) == []


@pytest.fixture
def built(sample_monorepo: Monorepo, isolate: Isolation, test_world: World) -> str:
    """api's env, built by devkit; its build record."""
    mm = Micromamba(test_world.micromamba, isolate.root_prefix)
    location = _location(isolate)
    assert envbuild.build(mm, envspec.parse(sample_monorepo.env_file("api")), location).ok
    return (location.prefix / "conda-meta" / "devkit-source").read_text()


def test_micromamba_interrupted_on_its_own_exits_0_and_builds_nothing(
    sample_monorepo: Monorepo,
    isolate: Isolation,
    test_world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    built: str,
) -> None:
    spec = _add(sample_monorepo.env_file("api"), "pins")
    mark = tmp_path / "mark"
    monkeypatch.setenv("STANDIN_PAUSE", "linked:1")
    monkeypatch.setenv("STANDIN_PAUSE_MARK", str(mark))
    mm = Micromamba(test_world.micromamba, isolate.root_prefix)
    location = _location(isolate)
    results: list[envbuild.BuildResult] = []
    thread = threading.Thread(target=lambda: results.append(envbuild.build(mm, spec, location)))
    thread.start()
    deadline = time.monotonic() + 60
    while not (mark.is_file() and mark.read_text()) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(int(mark.read_text()), signal.SIGINT)  # micromamba alone: devkit is not told
    thread.join(60)
    [result] = results
    assert result.problems[0].startswith("interrupted: none of the ")
    _kept_as_it_was(result, location, built)


def test_an_env_missing_a_spec_of_the_file_is_not_built(
    sample_monorepo: Monorepo, isolate: Isolation, test_world: World, tmp_path: Path, built: str
) -> None:
    spec = _add(sample_monorepo.env_file("api"), "pins")
    mm = wrapper(tmp_path, test_world, edit='data["dependencies"].remove("pins")')
    result = envbuild.build(mm, spec, _location(isolate))
    assert result.problems == ("does not satisfy spec pins (not installed)",)
    _kept_as_it_was(result, _location(isolate), built)


def test_a_linked_package_without_its_record_is_an_incomplete_env(
    sample_monorepo: Monorepo, isolate: Isolation, test_world: World, tmp_path: Path, built: str
) -> None:
    spec = _add(sample_monorepo.env_file("api"), "pins")
    lose = '[p.unlink() for p in (prefix / "conda-meta").glob("pins-*.json")]'
    result = envbuild.build(wrapper(tmp_path, test_world, after=lose), spec, _location(isolate))
    [problem] = result.problems
    assert problem.startswith("incomplete: pins 0.8.1 ")
    assert problem.endswith(" linked but not recorded in conda-meta")
    _kept_as_it_was(result, _location(isolate), built)


def test_a_pip_requirement_left_out_is_not_a_built_env(
    sample_monorepo: Monorepo, isolate: Isolation, test_world: World, tmp_path: Path, built: str
) -> None:
    spec = _add(sample_monorepo.env_file("api"), "pins", {"pip": ["etl_utils==0.1.0"]})
    mm = wrapper(tmp_path, test_world, edit='data["dependencies"].pop()')
    result = envbuild.build(mm, spec, _location(isolate))
    assert result.problems == ("pip: etl_utils==0.1.0 not installed",)
    _kept_as_it_was(result, _location(isolate), built)


@pytest.mark.slow
def test_an_env_missing_a_package_of_the_lock_is_not_built(
    sample_monorepo: Monorepo, isolate: Isolation, test_world: World, tmp_path: Path
) -> None:
    root = sample_monorepo.root
    locked = subprocess.run(
        [str(DEVKIT), "--root", str(root), "lock", "api"], capture_output=True, text=True
    )
    assert locked.returncode == 0, locked.stderr
    drop = 'data["package"] = [p for p in data["package"] if p["name"] != "tzdata"]'
    mm = wrapper(tmp_path, test_world, edit=drop)
    spec = envspec.parse(sample_monorepo.env_file("api"))
    result = envbuild.build(mm, spec, _location(isolate))
    [problem] = result.problems
    assert problem.startswith("does not match conda-lock.yml: tzdata 2024a ")
    assert not _location(isolate).prefix.exists()


def test_a_failed_download_points_at_the_proxy_and_mirror_settings(
    sample_monorepo: Monorepo, test_world: World, isolate: Isolation
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on: the channel host is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    edit_environment(sample_monorepo.env_file("api"), channels=[f"http://127.0.0.1:{port}/cf"])
    spec = envspec.parse(sample_monorepo.env_file("api"))
    mm = Micromamba(test_world.micromamba, isolate.root_prefix)
    result = envbuild.build(mm, spec, _location(isolate))
    assert not result.ok
    assert envbuild.NETWORK_NOTE in result.note, result.problems
