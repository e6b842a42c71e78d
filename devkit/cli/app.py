"""The typer app, its global options, and the state every command receives."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from devkit import __version__, console

if TYPE_CHECKING:
    from devkit.repo.monorepo import Monorepo
    from devkit.userconfig import UserConfig

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


@dataclass(frozen=True)
class State:
    """Global options, handed to every command."""

    root: Path | None
    verbose: bool


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
            envvar="DEVKIT_ROOT",
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
    verbose = verbose or os.environ.get("DEVKIT_DEBUG", "") not in ("", "0")
    console.configure_logging(verbose)
    ctx.obj = State(root=root, verbose=verbose)


def monorepo_of(state: State) -> tuple[Monorepo, UserConfig]:
    """The monorepo the global options point at, and the user config."""
    # Loaded by the commands that need a monorepo, not by --help.
    from devkit import userconfig
    from devkit.repo import monorepo

    user = userconfig.load_user_config()
    root = monorepo.find_root(state.root, Path.cwd(), user.clone)
    repo = monorepo.load(root)
    console.warn_each(repo.warnings)
    return repo, user
