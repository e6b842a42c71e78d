"""The global options as every command receives them, read the same with or without typer.

typer's callback (``app.py``) and ``devkit run``'s fast path (``__main__.py``) both build the
``State`` here, so ``--root``, ``DEVKIT_ROOT`` and ``DEVKIT_DEBUG`` mean one thing on both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from devkit import console

if TYPE_CHECKING:
    from devkit.repo.monorepo import Monorepo
    from devkit.userconfig import UserConfig

ROOT_ENVVAR = "DEVKIT_ROOT"


class State(NamedTuple):  # not a dataclass: see proc.Result
    """Global options, handed to every command."""

    root: Path | None
    verbose: bool


def global_state(root: Path | None, verbose: bool) -> State:
    """The state for the options given; configures logging (``--verbose`` or DEVKIT_DEBUG)."""
    verbose = verbose or os.environ.get("DEVKIT_DEBUG", "") not in ("", "0")
    console.configure_logging(verbose)
    return State(root=root, verbose=verbose)


def root_option(given: str | None) -> Path | None:
    """``--root`` as typer reads it without the framework: the value, else DEVKIT_ROOT."""
    # click takes an empty variable for an unset one.
    value = given if given is not None else os.environ.get(ROOT_ENVVAR) or None
    return Path(value) if value is not None else None


def monorepo_of(state: State) -> tuple[Monorepo, UserConfig]:
    """The monorepo the global options point at, and the user config."""
    # Not needed to show --help, and each reads YAML files: imported by the commands that use it.
    from devkit import userconfig
    from devkit.repo import monorepo

    user = userconfig.load_user_config()
    root = monorepo.find_root(state.root, Path.cwd(), user.clone)
    repo = monorepo.load(root)
    console.warn_each(repo.warnings)
    return repo, user
