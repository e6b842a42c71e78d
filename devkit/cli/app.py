"""The typer app and its global options (`state.py` turns them into the State commands get)."""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations would have it eval() each one (about 40 ms of each `devkit --help`).

from pathlib import Path
from typing import Annotated

import typer

from devkit import __version__
from devkit.cli.state import ROOT_ENVVAR, global_state, monorepo_of

__all__ = ["app", "monorepo_of"]  # monorepo_of now lives in state.py; still importable here

app = typer.Typer(
    name="devkit",
    help=(
        "Set up, diagnose and run every service of a conda monorepo "
        "(projects/<name>/environment.yml) on a Mac or Linux machine."
    ),
    no_args_is_help=True,
    # --install-completion / --show-completion. Free at start-up: typer imports its completion
    # code whether or not they are on (measured: no difference in `devkit --help`).
    add_completion=True,
    pretty_exceptions_enable=False,
    # Plain help text: rich help pulls in markdown parsing and costs ~50 ms of start-up.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"devkit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _global(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            envvar=ROOT_ENVVAR,
            help="The monorepo (the folder holding projects/). Default: found from the "
            "current folder upwards, then the clone `devkit setup` recorded.",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Show debug logs on stderr (also DEVKIT_DEBUG=1)."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    ctx.obj = global_state(root, verbose)
