"""Service checks: what `devkit run` starts exists, and its port is free."""

from __future__ import annotations

from devkit import ports
from devkit.doctor.base import ProjectOutcome, Result
from devkit.doctor.context import Context
from devkit.errors import PreflightError
from devkit.ports import DEFAULT_HOST, DEFAULT_PORT


def main_module(ctx: Context, out: ProjectOutcome) -> Result:
    """`main.py` exists where the default run command (`uvicorn main:app`) expects it."""
    project = out.project
    if project.settings.run is not None:
        return out.skip("devkit.yaml sets the run command")
    if not (project.path / "main.py").is_file():
        return out.fail(
            f"{project.path / 'main.py'} does not exist; `devkit run {project.name}` serves "
            "main:app",
            hint="add main.py with a FastAPI `app`, or set the project's `run:` in devkit.yaml",
        )
    return out.ok("main.py present")


def port_free(ctx: Context, out: ProjectOutcome) -> Result:
    """The port `devkit run` would use is free on 127.0.0.1."""
    project = out.project
    # The same files, in the same order, as `devkit run` reads.
    values = ctx.dotenv(project).values
    raw = ctx.facts.environ.get("PORT") or values.get("PORT") or str(DEFAULT_PORT)
    try:
        port = ports.parse_port(raw, "the shell or .env")
        free = ports.is_free(DEFAULT_HOST, port)
    except PreflightError as exc:
        return out.fail(exc.message, hint=exc.hint)
    if free:
        return out.ok(f"port {port} is free")
    return out.warn(
        f"port {port} is in use by {ports.holder(port).describe()}",
        hint=f"stop it, or run on another port: devkit run {project.name} --port {port + 1}",
    )
