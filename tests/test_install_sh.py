"""install.sh run with bash in a sandboxed HOME: from the checkout, piped, and via micromamba.

These tests build devkit's wheel and let pip fetch its dependencies the way a new hire's pip
would (through the machine's package index or its configured mirror); everything else is local.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fixtures import Isolation
from tests.support.http_server import FileServer
from tests.support.world import World

REPO = Path(__file__).resolve().parents[1]
INSTALL_SH = REPO / "install.sh"


@pytest.fixture(scope="session")
def devkit_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """devkit built once per run, as a package spec install.sh can be pointed at."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(REPO)],
        check=True,
        env=_pip_env(dict(os.environ)),
    )
    (wheel,) = out.glob("devkit_monorepo-*.whl")
    return wheel


def _pip_env(env: dict[str, str]) -> dict[str, str]:
    # The isolation fixture forbids indexes for test envs; a real install uses the machine's.
    for name in ("PIP_NO_INDEX", "PIP_CONFIG_FILE"):
        env.pop(name, None)
    return env


def install(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    script: Path = INSTALL_SH,
) -> subprocess.CompletedProcess[str]:
    full = _pip_env({**os.environ, **(env or {})})
    full.pop("CI", None)
    command = ["bash", "-s", "--", *args] if stdin is not None else ["bash", str(script), *args]
    return subprocess.run(
        command,
        input=stdin,
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def test_help_and_unknown_option() -> None:
    assert "Usage: install.sh" in install("--help").stdout
    bad = install("--bogus")
    assert bad.returncode == 1 and "unknown option --bogus" in bad.stderr


def test_check_reports_platform_and_prerequisites(isolate: Isolation) -> None:
    result = install("--check")
    assert result.returncode == 0, result.stderr
    assert "platform: Linux" in result.stderr and "python: " in result.stderr
    assert str(isolate.devkit_home / "data") in result.stderr
    bin_dir = isolate.home / ".local" / "bin"
    assert f"command: {bin_dir}/devkit (not on PATH yet" in result.stderr
    on_path = install("--check", env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert f"command: {bin_dir}/devkit (on PATH)" in on_path.stderr


def fake_bin(tmp_path: Path, programs: dict[str, str], keep: tuple[str, ...]) -> str:
    """A PATH with some real tools and some recorded from another machine."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in keep:
        real = shutil.which(name)
        if real:
            (folder / name).symlink_to(real)
    for name, output in programs.items():
        (folder / name).write_text(f"#!/bin/sh\necho '{output}'\n")
        (folder / name).chmod(0o755)
    return str(folder)


BASICS = (
    "bash",
    "cut",
    "tr",
    "dirname",
    "grep",
    "mkdir",
    "cat",
    "python3",
    "sha256sum",
    "curl",
    "git",
)


def test_rosetta_mac_is_reported(tmp_path: Path) -> None:
    # What uname and sysctl print in a Terminal set to "Open using Rosetta" on an M2 Mac.
    path = fake_bin(tmp_path, {"uname": "Darwin", "sysctl": "1"}, BASICS)
    (tmp_path / "bin" / "uname").write_text(
        '#!/bin/sh\n[ "$1" = -m ] && echo x86_64 || echo Darwin\n'
    )
    result = install("--check", env={"PATH": path})
    assert result.returncode == 0, result.stderr
    assert "runs under Rosetta" in result.stderr
    assert "(osx-arm64), under Rosetta" in result.stderr


def test_missing_git_is_named_with_the_fix(tmp_path: Path) -> None:
    path = fake_bin(tmp_path, {}, (*(b for b in BASICS if b != "git"), "uname"))
    result = install("--check", env={"PATH": path})
    assert result.returncode == 1
    assert "missing: git" in result.stderr and "apt-get install git" in result.stderr


def test_piped_then_rerun_from_the_checkout(devkit_wheel: Path, isolate: Isolation) -> None:
    env = {"DEVKIT_SOURCE": str(devkit_wheel)}
    piped = install("--no-setup", env=env, stdin=INSTALL_SH.read_text())
    assert piped.returncode == 0, piped.stderr
    link = isolate.home / ".local" / "bin" / "devkit"
    assert link.is_symlink()
    version = subprocess.run([str(link), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("devkit ")
    assert "is not on your PATH" in piped.stderr and ".bashrc" in piped.stderr
    target = os.readlink(link)
    again = install("--no-setup", env=env)  # idempotent: same venv, same link
    assert again.returncode == 0, again.stderr
    assert os.readlink(link) == target
    assert not (isolate.devkit_home / "data" / "venv.new").exists()


def test_without_a_terminal_setup_runs_with_yes(devkit_wheel: Path, isolate: Isolation) -> None:
    result = install(env={"DEVKIT_SOURCE": str(devkit_wheel)})
    # No terminal, no config: setup runs with --yes and stops at the question only a flag answers.
    assert result.returncode == 2
    assert "pass --repo" in result.stderr


def test_no_python_falls_back_to_micromamba(
    devkit_wheel: Path, test_world: World, http_server: FileServer, isolate: Isolation
) -> None:
    env = {
        "DEVKIT_SOURCE": str(devkit_wheel),
        "DEVKIT_PYTHON": "none",
        "DEVKIT_MICROMAMBA_URL": http_server.base_url,
        "PATH": os.pathsep.join(
            p for p in os.environ["PATH"].split(os.pathsep) if p != str(test_world.bin_dir)
        ),
    }
    result = install("--no-setup", env=env)
    assert result.returncode == 0, result.stderr
    data = isolate.devkit_home / "data"
    assert (data / "bin" / "micromamba").is_file()  # where `devkit setup` will find it
    assert (data / "env" / "conda-meta").is_dir()
    link = isolate.home / ".local" / "bin" / "devkit"
    assert os.readlink(link) == str(data / "env" / "bin" / "devkit")


def test_bad_checksum_in_the_fallback_installs_nothing(
    test_world: World, tmp_path: Path, isolate: Isolation
) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shutil.copy(test_world.downloads_dir / "micromamba-linux-64", mirror)
    (mirror / "micromamba-linux-64.sha256").write_text("f" * 64)
    server = FileServer(mirror).start()
    try:
        env = {
            "DEVKIT_SOURCE": "devkit-monorepo",
            "DEVKIT_PYTHON": "none",
            "DEVKIT_MICROMAMBA_URL": server.base_url,
        }
        result = install("--no-setup", env=env)
    finally:
        server.stop()
    assert result.returncode == 1 and "checksum mismatch" in result.stderr
    assert list((isolate.devkit_home / "data" / "bin").iterdir()) == []
