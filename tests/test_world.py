"""Tests of the test world itself: the local channels, the micromamba stand-in, the fixtures."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import rattler

from tests.support.channel import (
    FASTAPI_VERSION,
    NUMPY_VERSIONS,
    PYTHON_RUNNING_MINOR,
    UVICORN_VERSION,
)
from tests.support.fixtures import REAL_HOME, CreateEnv, Isolation
from tests.support.home_guard import snapshot, touched
from tests.support.http_server import FileServer
from tests.support.monorepo import GitOrigin, Monorepo, add_project, git
from tests.support.world import World

ACTION_KEYS = {
    "name",
    "version",
    "build",
    "build_string",
    "build_number",
    "channel",
    "url",
    "subdir",
    "fn",
    "size",
    "timestamp",
    "depends",
    "constrains",
    "license",
    "md5",
    "sha256",
}
LIST_KEYS = {
    "name",
    "version",
    "build_string",
    "build_number",
    "channel",
    "base_url",
    "platform",
    "dist_name",
}


def mamba(
    *args: str | Path, env: dict[str, str] | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the stand-in found on PATH (the isolate fixture puts it first)."""
    done = subprocess.run(
        ["micromamba", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def mamba_json(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    """Run the stand-in with --json and parse stdout."""
    return json.loads(mamba(*args, "--json", env=env, check=True).stdout)


def repodata(world: World, channel: str, subdir: str) -> dict[str, Any]:
    """A local channel subdir's repodata.json."""
    return json.loads((world.channels_dir / channel / subdir / "repodata.json").read_text())


def versions(world: World, channel: str, subdir: str, name: str) -> set[str]:
    """The versions of `name` in one subdir."""
    packages = repodata(world, channel, subdir)["packages"].values()
    return {p["version"] for p in packages if p["name"] == name}


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def root(isolate: Isolation) -> Path:
    """The isolated MAMBA_ROOT_PREFIX."""
    return isolate.root_prefix


# -- the channels --------------------------------------------------------------------------


def test_channels_have_every_subdir_indexed(test_world: World) -> None:
    for channel in ("conda-forge", "anaconda"):
        for subdir in ("noarch", "linux-64", "osx-64", "osx-arm64"):
            assert (test_world.channels_dir / channel / subdir / "repodata.json").is_file()


def test_channels_carry_deliberate_platform_differences(test_world: World) -> None:
    for subdir, version in NUMPY_VERSIONS.items():
        assert versions(test_world, "conda-forge", subdir, "numpy") == {version}
    assert versions(test_world, "conda-forge", "linux-64", "postal") == {"1.1.9"}
    assert versions(test_world, "conda-forge", "osx-arm64", "postal") == set()
    assert versions(test_world, "conda-forge", "osx-64", "libgcc-ng") == set()
    assert versions(test_world, "conda-forge", "linux-64", "libcxx") == set()
    assert versions(test_world, "anaconda", "linux-64", "pyarrow") == {"8.0.0"}


def test_condarc_maps_channel_names_to_local_channels(test_world: World) -> None:
    text = test_world.condarc.read_text()
    assert f"channel_alias: {test_world.channel_alias}" in text
    assert test_world.channel_url("conda-forge").startswith("file://")


# -- simple commands -----------------------------------------------------------------------


def test_version_is_bare(test_world: World) -> None:
    done = mamba("--version", check=True)
    assert done.stdout == f"{test_world.micromamba_version}\n"


def test_info_json_has_contract_keys(root: Path) -> None:
    info = mamba_json("info", "-r", root)
    for key in (
        "micromamba version",
        "libmamba version",
        "platform",
        "virtual packages",
        "envs directories",
        "package cache",
        "channels",
        "base environment",
        "env location",
    ):
        assert key in info
    assert info["platform"] == "linux-64"
    assert any(v.startswith("__glibc=") for v in info["virtual packages"])
    assert info["base environment"] == str(root)


def test_unknown_flag_is_a_usage_error() -> None:
    done = mamba("create", "--no-such-flag")
    assert done.returncode == 109
    assert "The following argument was not expected: --no-such-flag" in done.stderr


# -- create, list, install, remove ---------------------------------------------------------


def test_created_env_has_real_prefix_records(
    sample_monorepo: Monorepo, create_env: CreateEnv, root: Path
) -> None:
    prefix = create_env(sample_monorepo.api)
    assert prefix == root / "envs" / "api"
    records = {
        r.name.normalized: r
        for r in map(rattler.PrefixRecord.from_path, (prefix / "conda-meta").glob("*.json"))
    }
    assert str(records["fastapi"].version) == FASTAPI_VERSION
    assert str(records["uvicorn"].version) == UVICORN_VERSION
    assert str(records["python"].version).startswith(PYTHON_RUNNING_MINOR)
    assert {"pip", "python-dotenv", "libgcc-ng", "tzdata"} <= records.keys()
    assert (prefix / "bin" / "uvicorn").is_file()
    assert str(prefix) in mamba_json("env", "list")["envs"]


def test_list_json_entries(sample_monorepo: Monorepo, create_env: CreateEnv) -> None:
    prefix = create_env(sample_monorepo.api)
    entries = mamba_json("list", "-p", prefix)
    assert isinstance(entries, list)
    assert all(set(entry) == LIST_KEYS for entry in entries)
    fastapi = next(e for e in entries if e["name"] == "fastapi")
    assert fastapi["channel"] == "conda-forge"
    assert fastapi["platform"] == "noarch"
    assert fastapi["dist_name"].startswith(f"fastapi-{FASTAPI_VERSION}-")


def test_create_install_remove_json_shapes(tmp_path: Path, root: Path) -> None:
    prefix = tmp_path / "env"
    base = ("-y", "-r", root, "-p", prefix, "--log-level", "error")
    dry = mamba_json("create", *base, f"python={PYTHON_RUNNING_MINOR}", "pins", "--dry-run")
    assert dry["dry_run"] is True and dry["success"] is True
    assert not prefix.exists()

    created = mamba_json("create", *base, f"python={PYTHON_RUNNING_MINOR}", "pins")
    assert set(created) == {"actions", "dry_run", "prefix", "success"}
    assert created["prefix"] == str(prefix)
    actions = created["actions"]
    assert actions["PREFIX"] == str(prefix)
    assert {"FETCH", "LINK"} <= actions.keys() and "UNLINK" not in actions
    assert all(set(entry) == ACTION_KEYS for entry in actions["LINK"])
    assert {e["name"] for e in actions["LINK"]} >= {"python", "pins", "pip"}

    again = mamba_json("install", *base, "pins")
    assert again["message"] == "All requested packages already installed"
    assert "actions" not in again

    removed = mamba_json("remove", *base, "pins")
    assert [e["name"] for e in removed["actions"]["UNLINK"]] == ["pins"]
    assert "pins" not in {e["name"] for e in mamba_json("list", "-p", prefix)}


def test_create_recreates_conda_prefix_but_refuses_other_folders(
    tmp_path: Path, root: Path
) -> None:
    prefix = tmp_path / "env"
    mamba_json("create", "-y", "-r", root, "-p", prefix, "tzdata")
    (prefix / "stale.txt").write_text("old")
    mamba_json("create", "-y", "-r", root, "-p", prefix, "tzdata")
    assert not (prefix / "stale.txt").exists()

    folder = tmp_path / "not-an-env"
    folder.mkdir()
    done = mamba("create", "-y", "-r", root, "-p", folder, "tzdata", "--log-level", "error")
    assert done.returncode == 1
    assert "Non-conda folder exists at prefix" in done.stderr


def test_unsolvable_reports_solver_problems(tmp_path: Path, root: Path) -> None:
    args = ("create", "-y", "-r", root, "-p", tmp_path / "env", "postal", "python")
    done = mamba(*args, "--platform", "osx-arm64", "--json", "--log-level", "error")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result == {"solver_problems": ["nothing provides requested postal"], "success": False}
    assert "critical libmamba Could not solve for environment specs" in done.stderr
    # --json alone silences the log lines.
    quiet = mamba(*args, "--platform", "osx-arm64", "--json")
    assert quiet.returncode == 1 and quiet.stderr == ""


def test_platform_solves_show_numpy_drift(tmp_path: Path, root: Path) -> None:
    def numpy_for(platform: str) -> str:
        result = mamba_json(
            "create", "-y", "--dry-run", "-r", root, "-p", tmp_path / platform,
            "--platform", platform, "python", "numpy",
        )  # fmt: skip
        return next(e["version"] for e in result["actions"]["LINK"] if e["name"] == "numpy")

    assert numpy_for("linux-64") == "1.21.5"
    assert numpy_for("osx-arm64") == "1.21.6"
    subdir = mamba_json(
        "create", "-y", "--dry-run", "-r", root, "-p", tmp_path / "s", "python", "numpy",
        env={"CONDA_SUBDIR": "osx-64"},
    )  # fmt: skip
    assert {e["subdir"] for e in subdir["actions"]["LINK"]} == {"osx-64", "noarch"}


def test_osx_virtual_package_needs_override(tmp_path: Path, root: Path) -> None:
    args = ("create", "-y", "--dry-run", "-r", root, "-p", tmp_path / "e", "geos")
    args += ("--platform", "osx-arm64", "--json", "--log-level", "error")
    failed = mamba(*args)
    assert failed.returncode == 1
    problems = json.loads(failed.stdout)["solver_problems"]
    assert problems == ["nothing provides __osx >=11.0 needed by geos-3.10.2"]
    solved = mamba(*args, env={"CONDA_OVERRIDE_OSX": "12.0"})
    assert solved.returncode == 0, solved.stderr
    assert json.loads(solved.stdout)["success"] is True


def test_mixed_channel_env_file(tmp_path: Path, root: Path, sample_monorepo: Monorepo) -> None:
    folder = add_project(
        sample_monorepo,
        "reports",
        dependencies=("python", "anaconda::pyarrow=8.0.0", "pandas=1.4.2"),
        channels=("conda-forge", "anaconda"),
    )
    result = mamba_json(
        "create", "-y", "--dry-run", "-r", root, "-p", tmp_path / "reports",
        "-f", folder / "environment.yml",
    )  # fmt: skip
    channels = {e["name"]: e["channel"] for e in result["actions"]["LINK"]}
    assert channels["pyarrow"] == "anaconda"
    assert channels["python"] == "conda-forge"


def test_pip_section_and_variables(sample_monorepo: Monorepo, create_env: CreateEnv) -> None:
    prefix = create_env(sample_monorepo.etl)
    entries = {e["name"]: e for e in mamba_json("list", "-p", prefix)}
    assert entries["etl_utils"]["channel"] == "pypi"
    assert entries["etl_utils"]["build_string"] == "pypi_0"
    assert "etl_utils" not in {e["name"] for e in mamba_json("list", "-p", prefix, "--no-pip")}
    state = json.loads((prefix / "conda-meta" / "state").read_text())
    assert state == {"env_vars": {"ETL_MODE": "batch"}}
    job = mamba("run", "-p", prefix, "--cwd", sample_monorepo.etl, "python", "job.py", check=True)
    assert job.stdout.strip() == "etl ready 1.4.2"
    shown = mamba("run", "-p", prefix, "python", "-c", "import os; print(os.environ['ETL_MODE'])")
    assert shown.stdout.strip() == "batch"


def test_named_env_update_and_remove(root: Path) -> None:
    mamba_json("create", "-y", "-n", "demo", "python=3.9", "pins")
    prefix = root / "envs" / "demo"
    check = ("run", "-n", "demo", "python", "-c", "import pins, sys; print(sys.prefix)")
    assert mamba(*check, check=True).stdout.strip() == str(prefix)
    updated = mamba_json("update", "-y", "-n", "demo", f"python={PYTHON_RUNNING_MINOR}")
    assert [e["name"] for e in updated["actions"]["UNLINK"]] == ["python"]
    assert mamba(*check, check=True).stdout.strip() == str(prefix)
    assert mamba_json("env", "remove", "-y", "-n", "demo") == {"success": True}
    assert not prefix.exists()
    assert str(prefix) not in mamba_json("env", "list")["envs"]


def _paused(args: list[str], step: str, mark: Path) -> subprocess.Popen[str]:
    """The stand-in running `args`, paused at `step` (its pid in `mark`) until signalled."""
    env = {**os.environ, "STANDIN_PAUSE": step, "STANDIN_PAUSE_MARK": str(mark)}
    proc = subprocess.Popen(
        ["micromamba", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while not (mark.is_file() and mark.read_text()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)
    return proc


def test_an_interrupted_create_rolls_back_and_exits_0(tmp_path: Path, root: Path) -> None:
    # micromamba 2.x: the step finishes, the transaction is undone, and it reports success.
    prefix = tmp_path / "env"
    args = ["create", "-y", "-r", str(root), "-p", str(prefix), "python", "pins"]
    proc = _paused([*args, "--json", "--log-level", "error"], "linked:1", tmp_path / "mark")
    assert len(list((prefix / "conda-meta").glob("*.json"))) == 1
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "Transaction interrupted, rollbacking" in stderr
    result = json.loads(stdout)
    assert result["success"] is True and {"python", "pins"} <= {
        e["name"] for e in result["actions"]["LINK"]
    }
    assert [p.relative_to(prefix) for p in prefix.rglob("*")] == [
        Path("conda-meta"),
        Path("conda-meta/history"),
    ]

    before = tmp_path / "before"
    proc = _paused([*args[:-3], str(before), "python", "pins"], "solved", tmp_path / "mark2")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "Interrupted by user - stopped before transaction." in stderr
    assert [p.name for p in before.rglob("*")] == ["conda-meta", "history"]


def test_an_interrupted_install_puts_the_env_back(tmp_path: Path, root: Path) -> None:
    prefix = tmp_path / "env"
    mamba_json("create", "-y", "-r", root, "-p", prefix, "tzdata")
    records = sorted(p.name for p in (prefix / "conda-meta").iterdir())
    args = ["install", "-y", "-r", str(root), "-p", str(prefix), "python", "pins"]
    proc = _paused(args, "linked:2", tmp_path / "mark")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Transaction interrupted, rollbacking" in stderr
    assert sorted(p.name for p in (prefix / "conda-meta").iterdir()) == records
    assert not (prefix / "bin" / "python").exists()


def test_env_export_formats(tmp_path: Path, root: Path) -> None:
    prefix = tmp_path / "env"
    mamba_json("create", "-y", "-r", root, "-p", prefix, "tzdata")
    yaml_text = mamba("env", "export", "-p", prefix, check=True).stdout
    assert "channels:\n- conda-forge\n" in yaml_text
    assert "- tzdata=2024a=h0c530f3_0" in yaml_text
    explicit = mamba("env", "export", "-p", prefix, "--explicit", check=True).stdout
    assert "@EXPLICIT" in explicit and "tzdata-2024a-h0c530f3_0.tar.bz2#" in explicit
    exported = mamba_json("env", "export", "-p", prefix)
    assert exported["dependencies"] == ["tzdata=2024a=h0c530f3_0"]


# -- run -----------------------------------------------------------------------------------


@pytest.fixture
def tiny_env(tmp_path: Path, root: Path) -> Path:
    """A python env created straight from specs."""
    prefix = tmp_path / "py"
    mamba_json("create", "-y", "-r", root, "-p", prefix, f"python={PYTHON_RUNNING_MINOR}")
    return prefix


def test_run_activates_and_passes_exit_codes(tiny_env: Path, tmp_path: Path) -> None:
    code = "import os, sys; print(sys.prefix, os.environ['CONDA_PREFIX'], os.environ['X']); exit(7)"
    done = mamba("run", "-p", tiny_env, "-e", "X=1", "--cwd", tmp_path, "python", "-c", code)
    assert done.returncode == 7
    assert done.stdout.split() == [str(tiny_env), str(tiny_env), "1"]
    killed = mamba("run", "-p", tiny_env, "python", "-c", "import os; os.kill(os.getpid(), 9)")
    assert killed.returncode == 128 + signal.SIGKILL


@pytest.mark.slow
def test_run_forwards_sigterm_but_dies_on_sigint(tiny_env: Path, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(30)"
    )

    def start() -> tuple[subprocess.Popen[bytes], int]:
        pid_file.unlink(missing_ok=True)
        proc = subprocess.Popen(["micromamba", "run", "-p", str(tiny_env), "python", "-c", script])
        deadline = time.monotonic() + 10
        while not (pid_file.is_file() and pid_file.read_text()):
            assert time.monotonic() < deadline, "child never started"
            time.sleep(0.02)
        return proc, int(pid_file.read_text())

    proc, _ = start()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 128 + signal.SIGTERM

    proc, child = start()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == -signal.SIGINT
    try:
        os.kill(child, 0)  # the child outlives the stand-in, as with the real micromamba
    finally:
        os.kill(child, signal.SIGKILL)


@pytest.mark.slow
def test_uvicorn_serves_health(sample_monorepo: Monorepo, create_env: CreateEnv) -> None:
    prefix = create_env(sample_monorepo.api)
    port = free_port()
    server = ["uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        ["micromamba", "run", "-p", str(prefix), "--cwd", str(sample_monorepo.api), *server],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    assert r.status == 200
                    assert json.loads(r.read()) == {"status": "ok"}
                    break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
                time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=10)
    assert f"Uvicorn running on http://127.0.0.1:{port}" in stderr
    assert "Finished server process" in stderr


# -- shell init ----------------------------------------------------------------------------


def test_shell_init_writes_one_block(isolate: Isolation, root: Path) -> None:
    bashrc = isolate.home / ".bashrc"
    bashrc.write_text("alias ll='ls -l'\n")
    for _ in range(2):
        mamba("shell", "init", "-s", "bash", "-r", root, check=True)
    text = bashrc.read_text()
    assert text.startswith("alias ll='ls -l'\n")
    assert text.count("# >>> mamba initialize >>>") == 1
    assert text.rstrip().endswith("# <<< mamba initialize <<<")
    assert f"export MAMBA_ROOT_PREFIX='{root}';" in text
    assert "micromamba()" in mamba("shell", "hook", "-s", "bash", check=True).stdout


# -- downloads, git, isolation -------------------------------------------------------------


def test_http_server_serves_release_assets(http_server: FileServer) -> None:
    for path in ("micromamba-linux-64", "latest/download/micromamba-osx-arm64"):
        with urllib.request.urlopen(http_server.url(path)) as response:
            binary = response.read()
        with urllib.request.urlopen(http_server.url(path + ".sha256")) as response:
            digest = response.read().decode()
        assert digest == hashlib.sha256(binary).hexdigest()
        assert binary.startswith(b"#!")
    assert http_server.requests[-1] == "/latest/download/micromamba-osx-arm64.sha256"


def test_git_origin_clones(git_origin: GitOrigin, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", git_origin.url, str(clone))
    assert (clone / "projects" / "api" / "environment.yml").is_file()
    assert not (clone / "projects" / "api" / ".env").exists()  # ignored, never committed
    assert (clone / "projects" / "api" / ".env.example").is_file()


def test_isolate_points_everything_at_tmp(isolate: Isolation, test_world: World) -> None:
    assert Path.home() == isolate.home != REAL_HOME
    assert os.environ["MAMBA_ROOT_PREFIX"] == str(isolate.root_prefix)
    assert os.environ["CONDARC"] == str(test_world.condarc)
    assert os.environ["PATH"].split(os.pathsep)[0] == str(test_world.bin_dir)
    assert os.environ["NO_COLOR"] == "1" and os.environ["COLUMNS"] == "80"
    assert os.environ["GIT_CONFIG_NOSYSTEM"] == "1"
    assert list(test_world.bin_dir.iterdir()) == [test_world.micromamba]


def test_home_guard_notices_changes(tmp_path: Path) -> None:
    home = tmp_path / "fake-home"
    (home / ".conda").mkdir(parents=True)
    before = snapshot(home)
    assert touched(before, snapshot(home)) == []
    (home / ".condarc").write_text("channels: [x]\n")
    (home / ".conda" / "environments.txt").write_text("/env\n")
    assert touched(before, snapshot(home)) == [".conda", ".conda/environments.txt", ".condarc"]
