"""install.sh run with bash in a sandboxed HOME: from the checkout, piped, and via micromamba.

These tests build devkit's wheel and let pip fetch its dependencies the way a new hire's pip
would (through the machine's package index or its configured mirror); everything else is local.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.fixtures import Isolation
from tests.support.http_server import FileServer
from tests.support.install_sh import INSTALL_SH, install, path_with_uv, path_without_uv
from tests.support.world import World

# Every test here runs install.sh: real bash, real venvs, real pip or uv installs.
pytestmark = pytest.mark.slow


def test_help_and_unknown_option() -> None:
    assert "Usage: install.sh" in install("--help").stdout
    bad = install("--bogus")
    assert bad.returncode == 1 and "unknown option --bogus" in bad.stderr
    bad = install("--check", "--installer", "conda")
    assert bad.returncode == 1 and "unknown installer conda" in bad.stderr


def test_uv_is_the_installer_when_it_is_on_path(tmp_path: Path) -> None:
    auto = {"DEVKIT_INSTALLER": "auto"}
    with_uv = install("--check", env={**auto, "PATH": path_with_uv(tmp_path / "uv-bin")})
    assert with_uv.returncode == 0, with_uv.stderr
    assert re.search(r"installer: uv \(uv \d+\.\d+", with_uv.stderr)
    assert f" at {tmp_path / 'uv-bin' / 'uv'})" in with_uv.stderr
    without = install("--check", env={**auto, "PATH": path_without_uv()})
    assert "installer: pip (no uv on PATH)" in without.stderr
    # Asked for by name, uv must be there: no quiet fallback to pip.
    for asked in (["--installer", "uv-tool"], []):
        env = {"PATH": path_without_uv(), "DEVKIT_INSTALLER": "uv"}
        missing = install("--check", *asked, env=env)
        assert missing.returncode == 1
        assert "uv is not on PATH (or use --installer pip)" in missing.stderr


def test_check_reports_platform_and_prerequisites(isolate: Isolation) -> None:
    result = install("--check")
    assert result.returncode == 0, result.stderr
    assert "platform: Linux" in result.stderr and "python: " in result.stderr
    assert str(isolate.devkit_home / "data") in result.stderr
    bin_dir = isolate.home / ".local" / "bin"
    assert f"command: {bin_dir}/devkit (not on PATH yet" in result.stderr
    on_path = install("--check", env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert f"command: {bin_dir}/devkit (on PATH)" in on_path.stderr


def tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every path below `root` (links not followed) with its mode, size and mtime."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            path = Path(folder) / name
            info = path.lstat()
            found[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def cuts(script: str) -> list[tuple[str, str]]:
    """(where, prefix): the script cut before every line, and halfway through each statement."""
    found = []
    offset = 0
    for number, line in enumerate(script.splitlines(keepends=True), 1):
        found.append((f"before line {number}", script[:offset]))
        if len(line.strip()) > 1 and not line.lstrip().startswith("#"):
            found.append((f"halfway through line {number}", script[: offset + len(line) // 2]))
        offset += len(line)
    # Where a cut once left `ln -sfn <target>` as a whole command: a stray link in the cwd.
    link = re.search(r'ln -sfn "[^"]+"', script)
    assert link is not None, "install.sh no longer links with ln -sfn: update this test"
    found.append(("inside the ln -sfn line, after its target", script[: link.end()]))
    return found


PARSE_ERROR = re.compile(r"^bash: line \d+: (syntax error|unexpected EOF)", re.MULTILINE)


def only_comments(prefix: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in prefix.splitlines())


def test_a_cut_off_download_runs_nothing(isolate: Isolation, tmp_path: Path) -> None:
    # `curl | bash` runs what has arrived when the connection drops. Every cut must change
    # nothing and fail, and fail while bash parses (a syntax error), before any statement runs:
    # so these runs are quick, and no cut can start half an install. A cut that leaves only the
    # leading comments is the one exception: it is an empty script, which runs nothing, exit 0.
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DEVKIT_HOME"}  # files under HOME
    # Were a cut to run, it would get this far fast: folders made, then a refused download.
    env |= {
        "DEVKIT_SOURCE": str(tmp_path / "devkit.whl"),
        "DEVKIT_PYTHON": "none",
        "DEVKIT_MICROMAMBA_URL": "http://127.0.0.1:9",
        "LC_ALL": "C",  # bash's messages in English
    }
    before = (tree(isolate.home), tree(cwd))
    script = INSTALL_SH.read_text()
    for where, prefix in cuts(script):
        run = subprocess.run(
            ["bash"], input=prefix, cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        assert (tree(isolate.home), tree(cwd)) == before, f"cut {where} changed files"
        if only_comments(prefix):
            assert (run.returncode, run.stderr) == (0, ""), where
        else:
            assert run.returncode != 0, f"cut {where} exited 0"
            # bash 5 says "unexpected EOF while looking for matching `}'", bash 3.2 (macOS)
            # "syntax error: unexpected end of file"; a statement that ran would have said more.
            assert PARSE_ERROR.search(run.stderr), f"cut {where} ran: {run.stderr}"
            assert "devkit-install:" not in run.stderr and run.stdout == "", where
    assert subprocess.run(["bash", "-n", str(INSTALL_SH)], check=False).returncode == 0


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


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_no_python_falls_back_to_micromamba(
    installer: str,
    devkit_wheel: Path,
    test_world: World,
    http_server: FileServer,
    isolate: Isolation,
    tmp_path: Path,
) -> None:
    path = path_with_uv(tmp_path / "uv-bin") if installer == "uv" else path_without_uv()
    env = {
        "DEVKIT_INSTALLER": installer,
        "DEVKIT_SOURCE": str(devkit_wheel),
        "DEVKIT_PYTHON": "none",
        "DEVKIT_MICROMAMBA_URL": http_server.base_url,
        "PATH": os.pathsep.join(p for p in path.split(os.pathsep) if p != str(test_world.bin_dir)),
    }
    result = install("--no-setup", env=env)
    assert result.returncode == 0, result.stderr
    assert f"/env with {installer}\n" in result.stderr  # uv installs into micromamba's env too
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
