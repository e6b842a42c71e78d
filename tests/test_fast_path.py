"""The fast paths: `devkit run`'s (which argv it takes, and that it fails exactly as the typer CLI
does) and the top-level help's (the same text as typer's at every width).

The fast path (devkit/__main__.py) starts a service without importing typer; everything else
goes through the typer CLI. Both build the run the same way (cli/run_args.py) and report through
the same handler (cli/__init__.py), so what a user sees must not depend on the way in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.__main__ import PlainRun, plain_help, plain_run, top_help
from tests.support.cli import devkit_in_process
from tests.support.fixtures import CreateEnv
from tests.support.monorepo import Monorepo

DEVKIT = Path(sys.executable).parent / "devkit"
THROUGH_TYPER = "import sys; from devkit.cli import main; main(sys.argv[1:])"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "api"], (None, "api", (), ())),
        (["--root", "/r", "run", "api"], ("/r", "api", (), ())),
        (["--root=/r", "run", "api"], ("/r", "api", (), ())),
        (["run", "api", "--"], (None, "api", (), ())),
        (["run", "api", "--", "pytest", "-x"], (None, "api", ("pytest", "-x"), ())),
        # After `--` everything is the command's, another `--` included, as click reads it.
        (["run", "api", "--", "a", "--", "-b"], (None, "api", ("a", "--", "-b"), ())),
        (["run", "api", "--port", "9000"], (None, "api", (), (("--port", "9000"),))),
        (["run", "api", "-p", "9000"], (None, "api", (), (("--port", "9000"),))),
        (["run", "api", "--port=1"], (None, "api", (), (("--port", "1"),))),
        (["run", "api", "-p", "65535"], (None, "api", (), (("--port", "65535"),))),
        (["run", "api", "--print-env"], (None, "api", (), (("--print-env", ""),))),
        (
            ["run", "api", "--host", "localhost", "--strict", "--override", "--", "x"],
            (None, "api", ("x",), (("--host", "localhost"), ("--strict", ""), ("--override", ""))),
        ),
        (
            ["run", "api", "--env-file", ".env.local", "--env-file=../shared.env"],
            (None, "api", (), (("--env-file", ".env.local"), ("--env-file", "../shared.env"))),
        ),
        (
            ["run", "api", "-p", "1", "--host=::1", "--port", "2", "--", "-p", "3"],
            (None, "api", ("-p", "3"), (("--port", "1"), ("--host", "::1"), ("--port", "2"))),
        ),
    ],
)
def test_plain_runs_take_the_fast_path(argv: list[str], expected: PlainRun) -> None:
    assert plain_run(argv) == expected


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["run"],
        ["run", "--help"],
        ["run", "api", "--help"],
        ["run", "api", "pytest"],  # a command without `--`: typer's reading, not ours
        ["run", "api", "--port", "9000", "pytest"],
        ["run", "--", "api"],
        ["run", "--port", "9000", "api"],  # an option before the project
        ["--verbose", "run", "api"],
        ["-v", "run", "api"],
        ["run", "api", "--verbose"],
        ["--root", "run", "api"],  # `run` would be the root; typer says what is missing
        ["--root", "--verbose", "run", "api"],
        ["--root=", "run", "api"],
        # Ports typer refuses, its way: not a number, out of its range, a form it reads otherwise.
        ["run", "api", "--port", "abc"],
        ["run", "api", "--port", "0"],
        ["run", "api", "--port", "65536"],
        ["run", "api", "--port", "9" * 5000],  # past int()'s 4,300 digits: typer's error
        ["run", "api", "--port", "000080"],
        ["run", "api", "--port", "+80"],
        ["run", "api", "--port", "٨٠"],
        ["run", "api", "--port="],
        ["run", "api", "--port"],
        ["run", "api", "-p9000"],
        ["run", "api", "-p=9000"],
        ["run", "api", "--port", "--strict"],
        ["run", "api", "--host", ""],
        ["run", "api", "--host", "-x"],
        ["run", "api", "--print-env=1"],
        ["run", "api", "--env-file", ""],
        ["run", "api", "--env-file", "-"],
        ["run", "api", "--env-file"],
        ["doctor", "api"],
        ["shell", "api"],
    ],
)
def test_everything_else_goes_to_typer(argv: list[str]) -> None:
    assert plain_run(argv) is None


def test_a_completion_request_goes_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_DEVKIT_COMPLETE", "complete_bash")
    assert plain_run(["run", "api"]) is None


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"]])
def test_the_top_level_help_takes_the_fast_path(argv: list[str]) -> None:
    assert plain_help(argv)


@pytest.mark.parametrize(
    "argv", [["--verbose", "--help"], ["run", "--help"], ["--help", "run"], ["--root", "."]]
)
def test_other_help_goes_to_typer(argv: list[str]) -> None:
    assert not plain_help(argv)


@pytest.mark.parametrize(
    "variable", ["_DEVKIT_COMPLETE", "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"]
)
def test_completion_switches_send_the_help_to_typer(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second changes what typer says of --install-completion.
    monkeypatch.setenv(variable, "1")
    assert not plain_help(["--help"])


# click's width is the terminal's, within 50 to 78 columns: every width it can take, and beyond.
@pytest.mark.parametrize("columns", range(40, 100))
def test_the_static_help_is_what_typer_renders(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    typer = devkit_in_process("--help")
    assert (typer.returncode, typer.stdout, typer.stderr) == (0, top_help() + "\n", "")


def test_a_bare_devkit_prints_the_same_help_to_stderr() -> None:
    typer = devkit_in_process()
    assert (typer.returncode, typer.stdout, typer.stderr) == (2, "", top_help() + "\n")


def both_ways(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """The same invocation through the fast path and through typer."""
    full_env = {**os.environ, **(env or {})}

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv,
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run([str(DEVKIT), *args]), run([sys.executable, "-c", THROUGH_TYPER, *args])


def assert_same(
    fast: subprocess.CompletedProcess[str], typer: subprocess.CompletedProcess[str]
) -> None:
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        typer.returncode,
        typer.stdout,
        typer.stderr,
    )


@pytest.fixture
def api(sample_monorepo: Monorepo, create_env: CreateEnv) -> Monorepo:
    create_env(sample_monorepo.api, shared_cache=True)
    return sample_monorepo


@pytest.mark.slow
def test_an_unknown_project_is_reported_alike(api: Monorepo) -> None:
    fast, typer = both_ways("--root", str(api.root), "run", "apx")
    assert_same(fast, typer)
    assert fast.returncode == 1 and "did you mean `api`?" in fast.stderr


@pytest.mark.slow
def test_an_escaping_name_is_the_same_usage_error(api: Monorepo) -> None:
    fast, typer = both_ways(f"--root={api.root}", "run", "../projects")
    assert_same(fast, typer)
    assert fast.returncode == 2 and "invalid project name" in fast.stderr


@pytest.mark.slow
def test_the_root_from_devkit_root_or_nowhere(api: Monorepo, tmp_path: Path) -> None:
    fast, typer = both_ways("run", "apx", env={"DEVKIT_ROOT": str(api.root)}, cwd=tmp_path)
    assert_same(fast, typer)
    assert "did you mean `api`?" in fast.stderr
    fast, typer = both_ways("run", "api", env={"DEVKIT_ROOT": ""}, cwd=tmp_path)
    assert_same(fast, typer)
    assert fast.returncode == 1 and "no monorepo found" in fast.stderr


@pytest.mark.slow
def test_preflight_failures_are_reported_alike(api: Monorepo) -> None:
    root = str(api.root)
    fast, typer = both_ways("--root", root, "run", "etl")  # its env was never created
    assert_same(fast, typer)
    assert fast.returncode == 1 and "the env `etl` of project etl is not created" in fast.stderr

    example = api.api / ".env.example"
    example.write_text(example.read_text() + "SENTRY_DSN=\n")
    fast, typer = both_ways("--root", root, "run", "api")
    assert_same(fast, typer)
    assert fast.returncode == 1 and "missing here: SENTRY_DSN" in fast.stderr

    (api.api / "environment.yml").write_text("name: api\ndependencies: [python\n")
    fast, typer = both_ways("--root", root, "run", "api")
    assert_same(fast, typer)
    assert fast.returncode == 1 and "invalid YAML" in fast.stderr


@pytest.mark.slow
def test_a_command_runs_and_exits_alike(api: Monorepo) -> None:
    code = "import sys; print(sys.argv[1:]); print('to stderr', file=sys.stderr); sys.exit(3)"
    fast, typer = both_ways(
        "--root", str(api.root), "run", "api", "--", "python", "-c", code, "--", "-x"
    )
    assert_same(fast, typer)
    assert fast.returncode == 3
    assert fast.stdout == "['--', '-x']\n"
    assert "to stderr" in fast.stderr and "devkit: running `python -c" in fast.stderr


@pytest.mark.slow
def test_run_options_are_read_alike(api: Monorepo) -> None:
    root = str(api.root)
    fast, typer = both_ways("--root", root, "run", "api", "-p", "9123", "--host=::1", "--print-env")
    assert_same(fast, typer)
    assert fast.returncode == 0 and "9123" in fast.stdout and "--port" in fast.stdout
    code = "import os; print(os.environ['PORT'], os.environ['API_KEY'])"
    # The shell's API_KEY wins over .env's, unless --override; the last --port wins.
    fast, typer = both_ways(
        *("--root", root, "run", "api", "--port", "1", "--override", "--port=8001", "--strict"),
        *("--", "python", "-c", code),
        env={"API_KEY": "from-the-shell"},
    )
    assert_same(fast, typer)
    assert (
        fast.returncode == 0
        and fast.stdout.startswith("8001 ")
        and "from-the-shell" not in fast.stdout
    )


@pytest.mark.slow
def test_env_files_are_read_alike(api: Monorepo, tmp_path: Path) -> None:
    root = str(api.root)
    first, second = tmp_path / "first.env", tmp_path / "second.env"
    first.write_text("LOG_LEVEL=first\nEXTRA=one\n")
    second.write_text("LOG_LEVEL=second\n")
    code = "import os; print(os.environ['LOG_LEVEL'], os.environ['EXTRA'])"
    # Repeatable, later files winning, each after the project's own .env.
    fast, typer = both_ways(
        *("--root", root, "run", "api", "--env-file", str(first), f"--env-file={second}"),
        *("--", "python", "-c", code),
    )
    assert_same(fast, typer)
    assert fast.returncode == 0 and fast.stdout == "second one\n"
    for missing in (tmp_path / "nowhere.env", tmp_path):
        fast, typer = both_ways("--root", root, "run", "api", "--env-file", str(missing))
        assert_same(fast, typer)
        assert fast.returncode == 2 and f"--env-file {missing}:" in fast.stderr


def imported_modules(*args: str) -> set[str]:
    """The modules ``devkit ARGS`` imported, from ``python -X importtime``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "devkit", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }


# Each costs `devkit run` start-up time and is needed only off its path to the service: the
# records on it are NamedTuples (a dataclass compiles its methods as it is defined, and
# `dataclasses` imports `inspect`), the rest is imported where it is used. (ctypes is not
# here: it is imported once the service runs, to adopt its orphans.)
OFF_THE_RUN_PATH = {
    "dataclasses", "inspect", "difflib", "shlex", "json", "secrets", "ssl",
    "urllib.request", "rattler", "psutil", "typer", "click", "rich", "questionary",
}  # fmt: skip


def test_the_plain_run_imports_only_what_starting_needs(api: Monorepo) -> None:
    args = ("--root", str(api.root), "run", "api", "--", "python", "-c", "pass")
    # The first start parses the user config, environment.yml and the workflows naming the
    # project, and keeps them on small shelves (writing them takes `secrets`, for atomic.py).
    assert "yaml" in imported_modules(*args)
    # From the second on, PyYAML's import is not needed either.
    plain = imported_modules(*args)
    assert "devkit.commands.run" in plain and "dotenv" in plain
    assert sorted(plain & (OFF_THE_RUN_PATH | {"yaml"})) == []


@pytest.mark.slow
@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"]])
def test_the_help_is_printed_alike(argv: list[str]) -> None:
    fast, typer = both_ways(*argv, env={"COLUMNS": "64"})
    assert_same(fast, typer)
    assert "Commands:" in (fast.stdout or fast.stderr)


def test_the_help_imports_no_cli_framework() -> None:
    modules = imported_modules("--help")
    assert not {m for m in modules if m.split(".")[0] in ("typer", "click", "rich")}
    assert "devkit.cli" not in modules


def test_the_plain_run_imports_neither_typer_nor_rich(api: Monorepo) -> None:
    plain = imported_modules("--root", str(api.root), "run", "api", "--", "python", "-c", "pass")
    assert "devkit.commands.run" in plain
    assert not {m for m in plain if m.split(".")[0] in ("typer", "rich", "psutil")}
    with_options = imported_modules(
        *("--root", str(api.root), "run", "api", "--strict", "-p", "9000", "--host", "::1"),
        *("--", "python", "-c", "pass"),
    )
    assert not {m for m in with_options if m.split(".")[0] in ("typer", "rich", "psutil")}
    # The same run in a form the fast path leaves to typer: the checks above can tell.
    with_option = imported_modules(
        *("--root", str(api.root), "run", "api", "-p9000"), *("--", "python", "-c", "pass")
    )
    assert "typer" in with_option
