"""Commands that make project files: new."""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations would have it eval() each one (about 40 ms of each `devkit --help`).

from typing import Annotated

import typer

from devkit.cli.app import app
from devkit.cli.prompts import ask_value, can_prompt
from devkit.cli.state import monorepo_of

_NEW_HELP = (
    "Create projects/<name>/ (environment.yml, main.py, entrypoint.sh, Dockerfile, "
    "cloudbuild.yaml, .pylintrc, .env.example, tests/) and its checks and deploy workflows from "
    "devkit's template, every placeholder filled, so the files agree by construction.\n\n"
    "On a terminal it asks for what the flags do not give; without one --gcloud-project is "
    "required and the rest take their defaults. Never overwrites. See docs/project-files.md."
)


def _new_option(flag: str, text: str) -> typer.models.OptionInfo:
    return typer.Option(flag, help=text, show_default=False)


@app.command(name="new", help=_NEW_HELP)
def new_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The project's folder, env and image name.")],
    gcloud_project: Annotated[
        str | None, _new_option("--gcloud-project", "Google Cloud project id (no default).")
    ] = None,
    service: Annotated[
        str | None, _new_option("--service", "Cloud Run service (default: the project name).")
    ] = None,
    region: Annotated[
        str | None, _new_option("--region", "Cloud Run and Artifact Registry region (us-central1).")
    ] = None,
    python: Annotated[str | None, _new_option("--python", "Python version (3.12).")] = None,
    black: Annotated[
        str | None, _new_option("--black", "black version, in CI and environment.yml (25.1.0).")
    ] = None,
    artifact_repo: Annotated[
        str | None,
        _new_option("--artifact-repo", "Artifact Registry repository (cloud-run-source-deploy)."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Take the defaults instead of asking.")
    ] = False,
    lock: Annotated[
        bool,
        typer.Option(
            "--lock",
            help="CI and the Dockerfile install projects/<name>/conda-lock.yml (CI caches the "
            "env on its hash; the image solves nothing), and devkit locks the project at once.",
        ),
    ] = False,
) -> int:
    """Create a project (see _NEW_HELP)."""
    # Loaded when the command runs, so --help and other commands skip its imports.
    from devkit.commands import new as new_cmd

    monorepo, _ = monorepo_of(ctx.obj)
    given = {
        "gcloud_project": gcloud_project,
        "service": service,
        "region": region,
        "python": python,
        "black": black,
        "artifact_repo": artifact_repo,
    }
    request = new_cmd.NewRequest(name=name, values=given, yes=yes, lock=lock)
    return new_cmd.new(monorepo, request, ask_value if can_prompt() else None)
