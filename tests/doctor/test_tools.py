"""Tool checks against real programs, real rc files and real PATH folders."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from devkit.doctor.base import Status
from devkit.doctor.registry import BY_ID
from tests.doctor.conftest import MakeCtx, run_check
from tests.support.fixtures import Isolation
from tests.support.world import World


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_git_found_and_missing(make_ctx: MakeCtx, tmp_path: Path) -> None:
    assert run_check(make_ctx(), "git.installed").status is Status.OK
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    missing = run_check(make_ctx(environ={"PATH": str(empty)}), "git.installed")
    assert missing.status is Status.FAIL
    mac = run_check(make_ctx(environ={"PATH": str(empty)}, system="Darwin"), "git.installed")
    assert "xcode-select --install" in (mac.hint or "")


def test_micromamba_found_and_recent(make_ctx: MakeCtx, test_world: World) -> None:
    assert run_check(make_ctx(), "micromamba.installed").status is Status.OK
    result = run_check(make_ctx(), "micromamba.version")
    assert result.status is Status.OK
    assert test_world.micromamba_version in result.message


def test_micromamba_missing(
    make_ctx: MakeCtx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert run_check(make_ctx(), "micromamba.installed").status is Status.FAIL
    assert run_check(make_ctx(), "micromamba.version").status is Status.SKIP


def test_micromamba_too_old(
    make_ctx: MakeCtx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a 1.3 release prints for --version.
    old = executable(tmp_path / "micromamba", "#!/bin/sh\necho 1.3.1\n")
    monkeypatch.setenv("DEVKIT_MICROMAMBA", str(old))
    result = run_check(make_ctx(), "micromamba.version")
    assert result.status is Status.FAIL and "older than 1.4.0" in result.message


def test_micromamba_that_does_not_run(
    make_ctx: MakeCtx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A truncated download: executable bit set, but not a program.
    broken = tmp_path / "micromamba"
    broken.write_bytes(b"\x7fELF\x02\x01")
    broken.chmod(0o755)
    monkeypatch.setenv("DEVKIT_MICROMAMBA", str(broken))
    result = run_check(make_ctx(), "micromamba.version")
    assert result.status is Status.FAIL and "does not run" in result.message


def test_root_prefix_states(make_ctx: MakeCtx, isolate: Isolation) -> None:
    assert run_check(make_ctx(), "micromamba.root_prefix").status is Status.WARN
    isolate.root_prefix.mkdir()
    assert run_check(make_ctx(), "micromamba.root_prefix").status is Status.OK
    isolate.root_prefix.rmdir()
    isolate.root_prefix.write_text("not a folder")
    assert run_check(make_ctx(), "micromamba.root_prefix").status is Status.FAIL


def test_shell_init_missing_then_fixed_by_micromamba(make_ctx: MakeCtx, isolate: Isolation) -> None:
    ctx = make_ctx(home=isolate.home, shell="bash", system="Linux")
    result = run_check(ctx, "shell.init")
    assert result.status is Status.WARN and result.fixable
    fix = BY_ID["shell.init"].fix
    assert fix is not None
    fix(ctx, result)
    assert ">>> mamba initialize >>>" in (isolate.home / ".bashrc").read_text()
    assert run_check(ctx, "shell.init").status is Status.OK


@pytest.mark.parametrize("shell", ["bash", "fish"])
def test_a_block_for_another_root_prefix_is_found_and_replaced(
    make_ctx: MakeCtx, isolate: Isolation, tmp_path: Path, shell: str
) -> None:
    from devkit.conda import micromamba

    ctx = make_ctx(home=isolate.home, shell=shell, system="Linux")
    rc = ctx.facts.rc_file()
    assert rc is not None
    # What an older setup (or another tool) left: micromamba's block for another root.
    old = micromamba.Micromamba(micromamba.locate(ctx.config), tmp_path / "old-root")
    subprocess.run(old.command("shell", "init", "-s", shell), check=True, capture_output=True)
    result = run_check(ctx, "shell.init")
    assert result.status is Status.WARN and result.fixable
    assert f"for root prefix {tmp_path / 'old-root'}, but devkit's envs" in result.message
    fix = BY_ID["shell.init"].fix
    assert fix is not None
    fix(ctx, result)
    assert run_check(ctx, "shell.init").status is Status.OK
    assert rc.read_text().count(">>> mamba initialize >>>") == 1


def test_shell_rc_file_per_os_and_shell(make_ctx: MakeCtx, isolate: Isolation) -> None:
    home = isolate.home
    assert (
        make_ctx(home=home, shell="bash", system="Darwin").facts.rc_file() == home / ".bash_profile"
    )
    assert make_ctx(home=home, shell="zsh").facts.rc_file() == home / ".zshrc"
    fish = make_ctx(home=home, shell="fish").facts.rc_file()
    assert fish == home / ".config" / "fish" / "config.fish"
    assert run_check(make_ctx(home=home, shell="tcsh"), "shell.init").status is Status.SKIP


def test_conda_base_auto_activated(make_ctx: MakeCtx) -> None:
    base = {"CONDA_DEFAULT_ENV": "base", "CONDA_PREFIX": "/Users/ana/anaconda3", "PATH": ""}
    assert run_check(make_ctx(environ=base), "path.conda_base").status is Status.WARN
    assert run_check(make_ctx(environ={"PATH": ""}), "path.conda_base").status is Status.OK


def test_other_conda_on_path(make_ctx: MakeCtx, tmp_path: Path) -> None:
    anaconda_bin = tmp_path / "anaconda3" / "bin"
    executable(anaconda_bin / "conda", "#!/bin/sh\n")
    executable(anaconda_bin / "python", "#!/bin/sh\n")
    result = run_check(make_ctx(environ={"PATH": str(anaconda_bin)}), "path.other_conda")
    assert result.status is Status.WARN and "conda at" in result.message
    clean = tmp_path / "clean"
    clean.mkdir()
    assert run_check(make_ctx(environ={"PATH": str(clean)}), "path.other_conda").status is Status.OK


def test_pyenv_shims_before_envs(make_ctx: MakeCtx, isolate: Isolation) -> None:
    env_bin = str(isolate.root_prefix / "envs" / "api" / "bin")
    shims = "/Users/ana/.pyenv/shims"
    ahead = run_check(
        make_ctx(environ={"PATH": os.pathsep.join([shims, env_bin])}), "path.pyenv_shims"
    )
    assert ahead.status is Status.WARN
    behind = run_check(
        make_ctx(environ={"PATH": os.pathsep.join([env_bin, shims])}), "path.pyenv_shims"
    )
    assert behind.status is Status.OK
    assert run_check(make_ctx(environ={"PATH": env_bin}), "path.pyenv_shims").status is Status.OK


def test_condarc_settings_that_change_solves(
    make_ctx: MakeCtx, isolate: Isolation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test world's CONDARC only remaps channels to the local mirror: that is fine.
    assert run_check(make_ctx(home=isolate.home), "condarc.solve_settings").status is Status.OK
    # What micromamba's official installer writes.
    (isolate.home / ".condarc").write_text(
        "channels:\n  - conda-forge\n  - nodefaults\nchannel_priority: strict\n"
    )
    result = run_check(make_ctx(home=isolate.home), "condarc.solve_settings")
    assert result.status is Status.WARN
    assert "channel_priority: strict" in result.message
    # Priority set low and overridden higher up: the merged value is what counts.
    (isolate.root_prefix).mkdir(parents=True, exist_ok=True)
    (isolate.root_prefix / ".condarc").write_text("channel_priority: disabled\n")
    (isolate.home / ".condarc").write_text("channel_priority: flexible\n")
    result = run_check(make_ctx(home=isolate.home), "condarc.solve_settings")
    assert result.status is Status.WARN and f"flexible ({isolate.home / '.condarc'})" in (
        result.message
    )


def test_condarc_files_lists_what_was_read_and_what_devkit_cannot_honour(
    make_ctx: MakeCtx, isolate: Isolation, test_world: World
) -> None:
    ok = run_check(make_ctx(home=isolate.home), "condarc.files")
    assert ok.status is Status.OK and str(test_world.condarc) in ok.message
    (isolate.home / ".condarc").write_text("channels: [oops\n")
    broken = run_check(make_ctx(home=isolate.home), "condarc.files")
    assert broken.status is Status.WARN and "micromamba skips it too" in broken.message
    (isolate.home / ".condarc").write_text("client_cert: /etc/me.pem\n")
    unhonoured = run_check(make_ctx(home=isolate.home), "condarc.files")
    assert unhonoured.status is Status.WARN
    assert "`client_cert`" in unhonoured.message and "no client certificate" in unhonoured.message
    (isolate.home / ".condarc").write_text("channels: " + "[" * 5000 + "]" * 5000 + "\n")
    deep = run_check(make_ctx(home=isolate.home), "condarc.files")
    assert deep.status is Status.WARN and "nested more than 64 levels" in deep.message
