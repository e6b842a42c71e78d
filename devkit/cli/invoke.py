"""The typer CLI: every command module registered on ``app``, typer's own errors shown its way."""

from __future__ import annotations

import sys

import typer

from devkit.cli.app import app
from devkit.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

# Imported for their side effect: each registers its commands on `app`, and the order here
# is the order `devkit --help` lists them in (set up, run, then check, then create).
from devkit.cli import env_commands  # isort: skip
from devkit.cli import check_commands  # isort: skip
from devkit.cli import ci_commands  # isort: skip
from devkit.cli import project_commands  # isort: skip

_COMMAND_MODULES = (env_commands, check_commands, ci_commands, project_commands)


# Options whose value may be left out (`devkit lock api --diff`): typer has no such option, so
# a bare one (last, or before another option) becomes `--diff=` before parsing.
_OPTIONAL_VALUE = ("--diff",)


def optional_values(argv: list[str]) -> list[str]:
    """``[..., "--diff"]`` -> ``[..., "--diff="]``; ``--diff REF`` and ``--diff=REF`` stay."""
    result = []
    for index, arg in enumerate(argv):
        following = argv[index + 1] if index + 1 < len(argv) else None
        if arg == "--":
            result += argv[index:]
            break
        if arg in _OPTIONAL_VALUE and (following is None or following.startswith("-")):
            arg = f"{arg}="
        result.append(arg)
    return result


def invoke(argv: list[str] | None) -> int:
    """Parse ``argv`` (default: ``sys.argv``) and run the command; devkit's errors propagate."""
    command = typer.main.get_command(app)
    args = optional_values(sys.argv[1:] if argv is None else argv)
    try:
        result = command.main(args=args, prog_name="devkit", standalone_mode=False)
    except typer.Abort:
        return EXIT_INTERRUPTED  # the handler says "Interrupted."
    except typer.TyperException as exc:
        # Argument parsing errors (unknown option, missing argument): typer's own rendering.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    return result if isinstance(result, int) else EXIT_OK
