"""The CLI frame end to end: the real `devkit` executable in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devkit import __version__

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "monorepo"
DEVKIT = Path(sys.executable).parent / "devkit"


def devkit(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DEVKIT), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands() -> None:
    result = devkit("--help")
    assert result.returncode == 0
    for command in ("setup", "doctor", "run", "ls"):
        assert f"\n  {command} " in result.stdout


@pytest.mark.parametrize("args", [["--version"], ["--root", ".", "--version"]])
def test_version(args: list[str]) -> None:
    result = devkit(*args)
    assert (result.returncode, result.stdout) == (0, f"devkit {__version__}\n")


def test_python_dash_m_works_too() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devkit", "--version"], capture_output=True, text=True, check=False
    )
    assert result.stdout == f"devkit {__version__}\n"


def test_bad_option_is_a_usage_error() -> None:
    result = devkit("--bogus")
    assert result.returncode == 2
    assert "No such option: --bogus" in result.stderr
    assert result.stdout == ""


def test_unknown_project_exits_1_with_did_you_mean() -> None:
    result = devkit("--root", str(EXAMPLES), "run", "nosuch")
    assert result.returncode == 1
    assert "did you mean" in result.stderr
    assert "Traceback" not in result.stderr


def test_close_name_gets_the_right_suggestion() -> None:
    result = devkit("--root", str(EXAMPLES), "run", "adress-api")
    assert "did you mean `address-api`?" in result.stderr


def test_devkit_root_env_var_and_walking_up(tmp_path: Path) -> None:
    by_env = devkit("run", "nosuch", env={"DEVKIT_ROOT": str(EXAMPLES)}, cwd=tmp_path)
    assert "address-api" in by_env.stderr
    upwards = devkit("run", "nosuch", cwd=EXAMPLES / "projects" / "ingest" / "pkg")
    assert "address-api" in upwards.stderr


def test_no_monorepo_anywhere(tmp_path: Path) -> None:
    result = devkit("run", "api", cwd=tmp_path)
    assert result.returncode == 1
    assert "no monorepo found" in result.stderr
    assert "--root" in result.stderr


def test_escaping_project_name_is_a_usage_error() -> None:
    result = devkit("--root", str(EXAMPLES), "run", "../projects")
    assert result.returncode == 2
    assert "invalid project name" in result.stderr


def test_malformed_environment_file_names_file_and_line(tmp_path: Path) -> None:
    project = tmp_path / "projects" / "api"
    project.mkdir(parents=True)
    env_file = project / "environment.yml"
    env_file.write_text("name: api\ndependencies:\n  - x>=>1\n")
    checked = devkit("--root", str(tmp_path), "doctor", "api", "--check", "env.spec")
    assert checked.returncode == 1
    assert f"{env_file}:3: invalid package spec" in checked.stdout
    env_file.write_text("name: api\ndependencies: [python\n")
    result = devkit("--root", str(tmp_path), "run", "api")
    assert result.returncode == 1
    assert f"{env_file}:2: invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_color_means_no_escape_codes(tmp_path: Path) -> None:
    result = devkit("--root", str(EXAMPLES), "run", "nosuch", env={"NO_COLOR": "1"})
    assert "\x1b[" not in result.stderr


def test_verbose_logs_go_to_stderr_only() -> None:
    result = devkit("--verbose", "--root", str(EXAMPLES), "run", "address-api", "--print-env")
    assert result.returncode == 0
    assert "PORT" in result.stdout
    assert "debug:" not in result.stdout


def test_a_bare_diff_option_takes_the_default_ref() -> None:
    from devkit.cli import optional_values

    assert optional_values(["lock", "api", "--diff"]) == ["lock", "api", "--diff="]
    assert optional_values(["lock", "api", "--diff", "--json"]) == [
        "lock",
        "api",
        "--diff=",
        "--json",
    ]
    assert optional_values(["lock", "api", "--diff", "origin/main"])[-1] == "origin/main"
    assert optional_values(["run", "api", "--", "--diff"]) == ["run", "api", "--", "--diff"]
