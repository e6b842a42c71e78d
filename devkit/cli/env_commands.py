"""Commands that make and use envs: setup, run, shell."""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations would have it eval() each one (about 40 ms of each `devkit --help`).

from pathlib import Path
from typing import Annotated

import typer

from devkit.cli.app import app
from devkit.cli.prompts import DefaultsPrompter, TerminalPrompter, ask_variable, can_prompt
from devkit.cli.state import monorepo_of

_SETUP_HELP = (
    "From a bare machine to working envs: install micromamba, clone the monorepo, create "
    "every chosen project's env from its environment.yml, and wire shell activation.\n\n"
    "Interactive on a terminal; fully scriptable with flags; safe to re-run (what is done is "
    "skipped).\n\n"
    "micromamba comes from GitHub's releases unless DEVKIT_MICROMAMBA_URL names a mirror: a "
    "folder URL holding micromamba-<platform> and micromamba-<platform>.sha256 (https, or "
    "http to localhost)."
)
_RUN_HELP = (
    "Run a project's service in its env with the variables from its .env, like production."
    "\n\nStarts `uvicorn main:app --host 127.0.0.1 --port $PORT` through `micromamba run`, "
    "or the project's `run` command from devkit.yaml, or any command given after `--`."
)


@app.command(help=_SETUP_HELP)
def setup(
    ctx: typer.Context,
    repo: Annotated[
        str | None, typer.Option("--repo", help="Git URL of the monorepo to clone.")
    ] = None,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to clone it (default ~/src/<name>).")
    ] = None,
    projects: Annotated[
        str | None,
        typer.Option("--projects", help="Comma-separated projects to create envs for."),
    ] = None,
    all_projects: Annotated[
        bool, typer.Option("--all", help="Create envs for every project.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Accept every default; ask nothing.")
    ] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=16, help="Envs created at once.")
    ] = 1,
    no_shell_init: Annotated[
        bool, typer.Option("--no-shell-init", help="Do not offer `micromamba shell init`.")
    ] = False,
    micromamba_version: Annotated[
        str | None,
        typer.Option("--micromamba-version", help="Install this micromamba release (e.g. 2.0.5)."),
    ] = None,
) -> int:
    """Set up (see _SETUP_HELP)."""
    # Loaded when the command runs, so --help and other commands skip its imports.
    from devkit.commands import setup as setup_cmd

    request = setup_cmd.SetupRequest(
        repo=repo,
        directory=directory,
        projects=tuple(p.strip() for p in (projects or "").split(",") if p.strip()),
        all_projects=all_projects,
        jobs=jobs,
        shell_init=not no_shell_init,
        micromamba_version=micromamba_version,
        root=ctx.obj.root,
    )
    prompter = TerminalPrompter() if can_prompt() and not yes else DefaultsPrompter(yes=yes)
    return setup_cmd.setup(request, prompter)


@app.command(name="run", help=_RUN_HELP)
def run_command(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project (a folder under projects/).")],
    command: Annotated[
        list[str] | None,
        typer.Argument(
            help="Run this instead of the project's service, after `--` "
            "(e.g. `devkit run api -- pytest -x`).",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", "-p", min=1, max=65535, help="Sets PORT (default: PORT, else 8080)."
        ),
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="Interface the service listens on.")
    ] = "127.0.0.1",
    env_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--env-file", help="Another .env file to load, after the project's (repeatable)."
        ),
    ] = None,
    override: Annotated[
        bool, typer.Option("--override", help="Let .env values win over the shell's.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail on a malformed .env line instead of skipping it.")
    ] = False,
    print_env: Annotated[
        bool,
        typer.Option(
            "--print-env", help="Show the variables the service would get (masked), then exit."
        ),
    ] = False,
) -> int:
    """Start a project's service (see _RUN_HELP)."""
    from devkit.cli.run_args import run_project

    return run_project(
        ctx.obj,
        project,
        command,
        port=port,
        host=host,
        env_files=env_file,
        override=override,
        strict=strict,
        print_env=print_env,
    )


@app.command(
    name="shell",
    help="Open an interactive shell in a project's env (as `micromamba activate` would), with "
    "its .env loaded, in its folder; `exit` returns.",
)
def shell_command(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project (a folder under projects/).")],
    env_file: Annotated[
        list[Path] | None,
        typer.Option("--env-file", help="Another .env file to load (repeatable)."),
    ] = None,
    override: Annotated[
        bool, typer.Option("--override", help="Let .env values win over the shell's.")
    ] = False,
) -> int:
    """Open a shell (see the help text)."""
    # Loaded when the command runs, so --help and other commands skip its imports.
    from devkit.commands import run as run_cmd
    from devkit.commands import shell as shell_cmd

    monorepo, user = monorepo_of(ctx.obj)
    request = run_cmd.RunRequest(
        project=project, env_files=tuple(env_file or ()), override=override
    )
    return shell_cmd.shell(monorepo, user, request)


@app.command(
    name="dotenv",
    help="Write a project's first .env, asking for each variable production sets (the deploy "
    "workflow's env_vars and .env.example's keys): secrets typed unseen, the example's real "
    "values offered. Written at once, readable by you only; never over an existing .env. "
    "Needs a terminal; without one it prints the commands to do it by hand.",
)
def dotenv_command(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project (a folder under projects/).")],
) -> int:
    """Write a project's .env (see the help text)."""
    from devkit.commands import dotenv as dotenv_cmd

    monorepo, _ = monorepo_of(ctx.obj)
    return dotenv_cmd.dotenv(monorepo, project, ask_variable if can_prompt() else None)
