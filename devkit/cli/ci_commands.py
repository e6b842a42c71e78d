"""The command that runs a project's CI here: check."""

from __future__ import annotations

from typing import Annotated

import typer

from devkit.cli.app import app, monorepo_of
from devkit.cli.prompts import can_prompt, confirm

_CHECK_HELP = (
    "Run a project's checks workflow (.github/workflows) on this machine before you push: "
    "the run: steps of each job for this OS, in the project's env, from the step's folder, with "
    "the workflow's env: values; psf/black from the env; checkout and setup-python need nothing "
    "here; other actions and steps needing secrets are skipped, saying why.\n\n"
    "Without a project: the one whose folder you are in, else the projects whose workflow "
    "paths: filters match what changed since the upstream branch (as --changed). Exit 1 when a "
    "step failed. See docs/check.md."
)


@app.command(name="check", help=_CHECK_HELP)
def check_command(
    ctx: typer.Context,
    projects: Annotated[
        list[str] | None, typer.Argument(help="The projects to check.", show_default=False)
    ] = None,
    all_projects: Annotated[bool, typer.Option("--all", help="Every project.")] = False,
    changed: Annotated[
        bool,
        typer.Option(
            "--changed",
            help="The projects whose workflow paths: filters match the files changed since the "
            "merge base with the upstream branch, uncommitted and untracked ones included.",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", "-j", min=1, max=16, help="Projects checked at once (output prefixed)."
        ),
    ] = 1,
    list_: Annotated[
        bool, typer.Option("--list", help="Print the plan (what would run, what is skipped).")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="The result table as a JSON document on stdout."),
    ] = False,
    step: Annotated[
        list[str] | None,
        typer.Option("--step", help="Only steps with this name (repeatable; * wildcards)."),
    ] = None,
    job: Annotated[
        list[str] | None,
        typer.Option("--job", help="Only jobs with this id or name (repeatable; * wildcards)."),
    ] = None,
    keep_going: Annotated[
        bool,
        typer.Option(
            "--keep-going", "-k", help="Run a job's next steps after one fails (CI stops)."
        ),
    ] = False,
) -> int:
    """Run the checks workflow (see _CHECK_HELP)."""
    # Loaded when the command runs, so --help and other commands skip its imports.
    from devkit.commands import check as check_cmd

    monorepo, user = monorepo_of(ctx.obj)
    request = check_cmd.CheckRequest(
        projects=tuple(projects or ()),
        all_projects=all_projects,
        changed=changed,
        jobs=jobs,
        list_only=list_,
        as_json=as_json,
        steps=tuple(step or ()),
        job_names=tuple(job or ()),
        keep_going=keep_going,
    )
    # Building an env asks first; never with several projects' output interleaved.
    asker = confirm if can_prompt() and not as_json and jobs == 1 else None
    return check_cmd.check(monorepo, user, request, asker)
