"""A shareable support report: versions, OS, results, env package lists; secrets redacted."""

from __future__ import annotations

import contextlib
import platform
from pathlib import Path

from devkit import __version__, atomic, redaction
from devkit.conda import envs
from devkit.doctor.context import Context
from devkit.doctor.runner import Report
from devkit.errors import FileFormatError


def scrub(text: str, home: Path) -> str:
    """Remove secrets (registered or token-shaped) and the home folder's path."""
    return redaction.redact(text).replace(str(home), "~")


def write(path: Path, ctx: Context, report: Report) -> Path:
    """Write the report as Markdown, ready to paste into a support channel."""
    if ctx.monorepo is not None:
        # Register every .env value first, so none of them can appear below.
        for project in ctx.all_projects:
            # One that cannot be read (vars.dotenv reports it) holds nothing to register.
            with contextlib.suppress(FileFormatError):
                ctx.dotenv(project)
    lines = [
        "# devkit doctor report",
        "",
        f"- devkit {__version__}, Python {platform.python_version()}",
        f"- {ctx.facts.system} {platform.release()} {ctx.facts.machine}"
        + (" (under Rosetta)" if ctx.facts.rosetta else ""),
        f"- micromamba {ctx.micromamba_version or 'not found'}",
        f"- shell {ctx.facts.shell or 'unknown'}",
        "",
        "## Checks",
        "",
    ]
    for r in report.results:
        where = f" [{r.project}]" if r.project else ""
        lines.append(f"- {r.status.value.upper()} `{r.check_id}`{where}: {r.message}")
        if r.hint and r.status.value in ("warn", "fail"):
            lines.append(f"  - fix: {r.hint}")
    lines += ["", "## Env packages", ""]
    for project in ctx.projects:
        location = ctx.location(project)
        if location is None or ctx.env_status(location.prefix).state is not envs.EnvState.PRESENT:
            continue
        lines.append(f"### {project.name} (`{location.name}`)")
        lines.append("")
        lines.append("```")
        records = ctx.installed(location.prefix)
        if isinstance(records, FileFormatError):
            lines.append(f"(unreadable: {records.message})")
            records = []
        for record in records:
            lines.append(f"{record.name} {record.version} {record.build} {record.channel}")
        for name, version in sorted(envs.pip_installed(location.prefix).items()):
            lines.append(f"{name} {version} pypi")
        lines.append("```")
        lines.append("")
    text = scrub("\n".join(lines) + "\n", ctx.facts.home)
    atomic.write_text(path, text)
    return path
