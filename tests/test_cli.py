"""The CLI frame end to end: the real `devkit` executable in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devkit import __version__
from tests.support.cli import DEVKIT, devkit, devkit_in_process
from tests.support.fixtures import Isolation

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "monorepo"


@pytest.mark.slow
def test_help_lists_the_commands() -> None:
    result = devkit("--help")
    assert result.returncode == 0
    for command in ("setup", "doctor", "run", "ls"):
        assert f"\n  {command} " in result.stdout


@pytest.mark.slow
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
    result = devkit_in_process("--bogus")
    assert result.returncode == 2
    assert "No such option: --bogus" in result.stderr
    assert result.stdout == ""


def test_unknown_project_exits_1_with_did_you_mean() -> None:
    result = devkit_in_process("--root", str(EXAMPLES), "run", "nosuch")
    assert result.returncode == 1
    assert "did you mean" in result.stderr
    assert "Traceback" not in result.stderr


def test_close_name_gets_the_right_suggestion() -> None:
    result = devkit_in_process("--root", str(EXAMPLES), "run", "adress-api")
    assert "did you mean `address-api`?" in result.stderr


@pytest.mark.slow
def test_devkit_root_env_var_and_walking_up(tmp_path: Path) -> None:
    by_env = devkit("run", "nosuch", env={"DEVKIT_ROOT": str(EXAMPLES)}, cwd=tmp_path)
    assert "address-api" in by_env.stderr
    upwards = devkit("run", "nosuch", cwd=EXAMPLES / "projects" / "ingest" / "pkg")
    assert "address-api" in upwards.stderr


def test_no_monorepo_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = devkit_in_process("run", "api")
    assert result.returncode == 1
    assert "no monorepo found" in result.stderr
    assert "--root" in result.stderr


def test_escaping_project_name_is_a_usage_error() -> None:
    result = devkit_in_process("--root", str(EXAMPLES), "run", "../projects")
    assert result.returncode == 2
    assert "invalid project name" in result.stderr


def test_malformed_environment_file_names_file_and_line(tmp_path: Path) -> None:
    project = tmp_path / "projects" / "api"
    project.mkdir(parents=True)
    env_file = project / "environment.yml"
    env_file.write_text("name: api\ndependencies:\n  - x>=>1\n")
    checked = devkit_in_process("--root", str(tmp_path), "doctor", "api", "--check", "env.spec")
    assert checked.returncode == 1
    # The report wraps long lines at spaces: read it as one line.
    assert f"{env_file}:3: invalid package spec" in " ".join(checked.stdout.split())
    env_file.write_text("name: api\ndependencies: [python\n")
    result = devkit_in_process("--root", str(tmp_path), "run", "api")
    assert result.returncode == 1
    assert f"{env_file}:2: invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_color_means_no_escape_codes(tmp_path: Path) -> None:
    result = devkit_in_process("--root", str(EXAMPLES), "run", "nosuch")
    assert "\x1b[" not in result.stderr


@pytest.mark.slow
def test_verbose_logs_go_to_stderr_only() -> None:
    result = devkit("--verbose", "--root", str(EXAMPLES), "run", "address-api", "--print-env")
    assert result.returncode == 0
    assert "PORT" in result.stdout
    assert "debug:" not in result.stdout


def in_bash(script: str) -> subprocess.CompletedProcess[str]:
    """`script` run by `bash -c` with $0 = the devkit executable."""
    # typer names the shell to complete for from the processes devkit runs under (shellingham),
    # so devkit runs from bash, as a user's would; `$(...)` keeps a bash process between them
    # (bash would exec a lone command in its place).
    return subprocess.run(
        ["bash", "-c", script, str(DEVKIT)],
        env={**os.environ, "SHELL": "/bin/bash"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_show_completion_prints_a_bash_script_that_completes() -> None:
    shown = in_bash('out=$("$0" --show-completion) && printf "%s\\n" "$out"')
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _devkit_completion devkit" in shown.stdout
    # Loaded the way a .bashrc would, the script completes devkit's own commands.
    completed = in_bash(
        'eval "$("$0" --show-completion)"; COMP_WORDS=(devkit s); COMP_CWORD=1; '
        '_devkit_completion "$0"; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    assert completed.stdout.split() == ["setup", "shell"], completed.stderr


@pytest.mark.slow
def test_install_completion_writes_to_this_home(isolate: Isolation) -> None:
    result = in_bash('out=$("$0" --install-completion) && printf "%s\\n" "$out"')
    assert result.returncode == 0, result.stderr
    assert "bash completion installed in" in result.stdout
    assert ".bash_completions/devkit.sh" in (isolate.home / ".bashrc").read_text()
    assert (isolate.home / ".bash_completions" / "devkit.sh").is_file()


@pytest.mark.slow
def test_setup_help_names_the_micromamba_mirror() -> None:
    # Behind a company network GitHub's releases may be out of reach: the help says what to set.
    result = devkit("setup", "--help")
    assert result.returncode == 0
    assert "DEVKIT_MICROMAMBA_URL" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["new", "x" * 300, "--gcloud-project", "acme-data", "--yes"],
        ["doctor", "x" * 300],
        ["run", "x" * 300],
        ["shell", "x" * 300],
        ["lock", "x" * 300],
        ["drift", "x" * 300],
    ],
)
def test_an_over_long_project_name_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES, root)
    result = devkit("--root", str(root), *args)
    assert result.returncode == 2, result.stderr
    assert "invalid project name" in result.stderr and "at most 255 bytes" in result.stderr
    assert "crashed" not in result.stderr and "x" * 300 not in result.stderr


def test_a_process_that_started_rattlers_runtime_skips_finalization() -> None:
    # py-rattler's runtime threads crash CPython's finalization about one run in three
    # ("PyGILState_Release: thread state must be current", SIGABRT): cli.main must leave through
    # rattler_runtime.exit_now once the runtime started, so an atexit hook never runs.
    script = (
        "import atexit\n"
        "from devkit.conda import rattler_runtime\n"
        "with rattler_runtime.rattler_calls():\n"
        "    pass\n"
        "atexit.register(lambda: print('finalized', flush=True))\n"
        "from devkit.cli import main\n"
        "main(['--help'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and "finalized" not in result.stdout


def test_after_rattler_ran_devkit_leaves_without_interpreter_finalization() -> None:
    # py-rattler's runtime threads crash CPython's finalization now and then (a segfault at
    # exit, exit code -11): once they ran, `cli.main` must leave through os._exit. atexit
    # handlers run only in a normal finalization, so one printing shows that it did not.
    script = (
        "import atexit, sys\n"
        "from devkit.conda import rattler_runtime\n"
        "with rattler_runtime.rattler_calls():\n"
        "    pass\n"
        "atexit.register(lambda: print('finalized'))\n"
        "from devkit.cli import main\n"
        f"main(['--root', {str(EXAMPLES)!r}, 'ls'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "finalized" not in done.stdout


def test_every_doctor_option_is_documented() -> None:
    import typer

    from devkit.cli.invoke import app  # the app with every command registered

    command = typer.main.get_command(app).commands["doctor"]  # type: ignore[attr-defined]
    table = (REPO / "docs" / "doctor.md").read_text().split("## Options", 1)[1]
    table = table.split("\n## ", 1)[0]
    options = [o for p in command.params for o in p.opts if o.startswith("--") and o != "--help"]
    assert "--no-drift" in options
    missing = [o for o in options if f"`{o}" not in table]
    assert missing == []


def test_cli_and_run_docs_state_one_masking_rule() -> None:
    def rule(page: str) -> str:
        text = (REPO / "docs" / page).read_text()
        assert "**Masking.**" in text, page
        return " ".join(text.split("**Masking.**", 1)[1].split("\n\n", 1)[0].split())

    assert rule("cli.md") == rule("run.md")


def test_a_bare_diff_option_takes_the_default_ref() -> None:
    from devkit.cli.invoke import optional_values

    assert optional_values(["lock", "api", "--diff"]) == ["lock", "api", "--diff="]
    assert optional_values(["lock", "api", "--diff", "--json"]) == [
        "lock",
        "api",
        "--diff=",
        "--json",
    ]
    assert optional_values(["lock", "api", "--diff", "origin/main"])[-1] == "origin/main"
    assert optional_values(["run", "api", "--", "--diff"]) == ["run", "api", "--", "--diff"]
