"""``devkit run``'s arguments to the run: one function for the typer command and the fast path.

Typer-free, so ``devkit/__main__.py`` can start a service without importing the CLI framework;
both ways in build the same ``RunRequest`` here and go through the same error handler.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from devkit.cli.state import State, monorepo_of
from devkit.commands import run as run_cmd
from devkit.ports import DEFAULT_HOST


def run_project(
    state: State,
    project: str,
    command: Sequence[str] | None = None,
    *,
    port: int | None = None,
    host: str = DEFAULT_HOST,
    env_files: Sequence[Path] | None = None,
    override: bool = False,
    strict: bool = False,
    print_env: bool = False,
) -> int:
    """Preflight and start ``project`` (or ``command`` in its env); the exit code."""
    monorepo, user = monorepo_of(state)
    request = run_cmd.RunRequest(
        project=project,
        command=tuple(command or ()),
        host=host,
        port=port,
        env_files=tuple(env_files or ()),
        override=override,
        strict=strict,
        print_env=print_env,
    )
    return run_cmd.run(monorepo, user, request)
