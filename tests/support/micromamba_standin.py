"""A micromamba stand-in honouring the contract devkit relies on; solves and links with rattler.

Installed by the test world as a launcher script named `micromamba` (see `write_launcher`).
Commands: --version, info, env list|create|update|remove|export, list, create, install,
update, remove, run, shell init|deinit|reinit|hook. Heavy imports (rattler, yaml) happen only
in the commands that need them, so `run`, `--version` and `shell` start fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from tests.support.standin.cli import UsageError, parse
from tests.support.standin.context import Context, StandinError

DEFAULT_VERSION = "2.0.5"
REPO_ROOT = Path(__file__).resolve().parents[2]

USAGE = """Version: {version}

Usage: micromamba [OPTIONS] [SUBCOMMAND]

Subcommands:
  shell      Generate shell init scripts
  create     Create new environment
  install    Install packages in active environment
  update     Update packages in active environment
  remove     Remove packages from active environment
  list       List packages in active environment
  run        Run an executable in an environment
  info       Information about micromamba
  env        See `mamba env --help`
"""


def dispatch(ctx: Context) -> int:
    """Run the parsed command; return its exit code."""
    from tests.support.standin import activation, query, transaction

    command = ctx.invocation.command
    if command in (("create",), ("env", "create")):
        return transaction.transact(ctx, "create")
    if command in (("install",), ("env", "update")):
        return transaction.transact(ctx, "install")
    if command == ("update",):
        return transaction.transact(ctx, "update")
    if command == ("remove",):
        return transaction.transact(ctx, "remove")
    if command == ("env", "remove"):
        return transaction.remove_env(ctx)
    if command == ("env", "list"):
        return query.env_list(ctx)
    if command == ("env", "export"):
        return query.env_export(ctx)
    if command == ("list",):
        return query.list_packages(ctx)
    if command == ("info",):
        return query.info(ctx)
    if command == ("run",):
        return activation.run(ctx)
    if command and command[0] == "shell":
        return activation.shell(ctx)
    print(USAGE.format(version=ctx.version))
    return 0


def run_cli(
    argv: Sequence[str],
    version: str = DEFAULT_VERSION,
    exe: Path | None = None,
    env: dict[str, str] | None = None,
) -> int:
    """Parse and run one micromamba command line in-process; return the exit code."""
    try:
        invocation = parse(argv)
    except UsageError as error:
        print(f"{error}\nRun with --help for more information.", file=sys.stderr)
        return error.code
    if "--version" in invocation.flags:
        print(version)
        return 0
    ctx = Context(invocation, env if env is not None else dict(os.environ), version, exe or _exe())
    if "--help" in invocation.flags or not invocation.command:
        print(USAGE.format(version=version))
        return 0
    try:
        return dispatch(ctx)
    except StandinError as error:
        ctx.log("critical", str(error))
        return 1


def _exe() -> Path:
    return Path(os.path.abspath(sys.argv[0])) if sys.argv and sys.argv[0] else Path("micromamba")


def main(argv: Sequence[str] | None = None, version: str = DEFAULT_VERSION) -> NoReturn:
    """Entry point of the launcher: run, flush, and leave without interpreter finalization."""
    code = run_cli(sys.argv[1:] if argv is None else argv, version)
    sys.stdout.flush()
    sys.stderr.flush()
    # rattler's runtime threads can crash CPython's finalization (abort or segfault at exit);
    # micromamba's exit code must be the command's, so skip finalization altogether.
    os._exit(code)


def write_launcher(path: Path, version: str = DEFAULT_VERSION) -> Path:
    """Write an executable `micromamba` script that runs this stand-in with this interpreter."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!{sys.executable} -I\n"
        '"""micromamba stand-in launcher written by the devkit test world."""\n'
        "import sys\n"
        f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "from tests.support.micromamba_standin import main\n"
        f"main(version={version!r})\n"
    )
    path.chmod(0o755)
    return path
