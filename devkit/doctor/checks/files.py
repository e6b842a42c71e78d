"""Project-file checks: which workflows belong to a project, and that they point at it.

The six files of a project repeat the same facts; these checks find where they disagree. This
module holds what the others share (which workflows are a project's, ``Findings``) and the
checks on folders: placeholders left in, workflows missing, pointing elsewhere or at nothing,
and files that do not parse. What the workflows say is checked in ``ci``; the Dockerfile,
entrypoint.sh, Cloud Build and the deploy in ``build``.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from devkit.doctor.base import Outcome, ProjectOutcome, Result, Status
from devkit.doctor.context import Context
from devkit.errors import FileFormatError
from devkit.repo import projectfiles
from devkit.repo.github import queries
from devkit.repo.github.workflows import Workflow
from devkit.repo.monorepo import Project

_TEXT_SUFFIXES = {".py", ".sh", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".md", ".txt", ".json"}
BUILD_FILES = (projectfiles.DOCKERFILE, projectfiles.ENTRYPOINT, projectfiles.CLOUDBUILD)
_TEXT_NAMES = {".pylintrc", ".env.example", ".dockerignore", ".gcloudignore"}


def rel(ctx: Context, path: Path) -> str:
    """A path as the monorepo names it (``projects/api/Dockerfile``)."""
    assert ctx.monorepo is not None
    # Paths are kept normalised, so a text prefix is relative_to's answer without parsing both
    # into parts (36,000 calls a run at a thousand projects).
    text, root = str(path), str(ctx.monorepo.root)
    if text == root:
        return "."
    base = root if root.endswith("/") else root + "/"
    if text.startswith(base):
        return text[len(base) :]
    try:
        return path.relative_to(ctx.monorepo.root).as_posix()
    except ValueError:  # a path spelled through a symlink: compare the real locations
        try:
            return path.resolve().relative_to(ctx.monorepo.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def where(ctx: Context, path: Path, line: int | None) -> str:
    """``file:line`` relative to the monorepo root."""
    return f"{rel(ctx, path)}:{line}" if line else rel(ctx, path)


def error_text(ctx: Context, error: FileFormatError) -> str:
    """A parse error's message with its path relative to the monorepo root."""
    return error.message.replace(str(error.path), rel(ctx, error.path), 1)


def folder_of(ctx: Context, project: Project) -> str:
    """``projects/<name>``."""
    return rel(ctx, project.path)


def project_workflows(ctx: Context, project: Project) -> list[Workflow]:
    """Workflows that run for the project, and ones named for it (``<name>-*.yml``) that run
    for no project at all, so a copy-pasted path is reported where it was meant to point
    (indexed once per run by the context)."""
    return ctx.github.of_project(project)


def checks_workflows(ctx: Context, project: Project) -> list[Workflow]:
    """The project's workflows that check rather than deploy."""
    return [w for w in project_workflows(ctx, project) if not ctx.github.is_deploy(w)]


def deploy_workflows(ctx: Context, project: Project) -> list[Workflow]:
    """The project's workflows that build or deploy it."""
    return [w for w in project_workflows(ctx, project) if ctx.github.is_deploy(w)]


class Findings:
    """What one check found: each finding a status and a sentence; the result is the worst."""

    def __init__(self) -> None:
        self.items: list[tuple[Status, str]] = []

    def fail(self, message: str) -> None:
        """Something that breaks CI, the build or the deploy."""
        self.items.append((Status.FAIL, message))

    def warn(self, message: str) -> None:
        """Something that works but misleads or will bite."""
        self.items.append((Status.WARN, message))

    def result(self, out: Outcome, ok: str, hint: str, *, fixable: bool | None = None) -> Result:
        """One result: OK when nothing was found, else every finding in one message."""
        if not self.items:
            return out.ok(ok)
        messages = [message for _, message in self.items]
        text = "; ".join(messages)
        if any(status is Status.FAIL for status, _ in self.items):
            return out.fail(text, hint=hint, fixable=fixable, items=messages)
        return out.warn(text, hint=hint, fixable=fixable, items=messages)


def _named_folder(ctx: Context, value: str) -> str | None:
    assert ctx.monorepo is not None
    return queries.named_folder(value, rel(ctx, ctx.monorepo.projects_dir))


def _is_text_name(name: str) -> bool:
    # Path.suffix's rule: the last dot, not the first character, not the last.
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot < len(name) - 1 else ""
    return suffix in _TEXT_SUFFIXES or name in _TEXT_NAMES or name.startswith("Dockerfile")


def placeholder(ctx: Context, out: ProjectOutcome) -> Result:
    """No template placeholder (``<project-name>``, ``<GCLOUD-PROJECT-NAME>``…) is left."""
    project = out.project
    # One listing that knows each entry's type: no stat or lstat per file unless it is a link.
    with os.scandir(project.path) as listing:
        entries = sorted((e for e in listing if _is_text_name(e.name)), key=lambda e: e.name)
    files = []
    for entry in entries:
        path = project.path / entry.name
        link = entry.is_symlink()
        # A link's target as Path.is_file sees it (a loop or a dangling link is not a file).
        if (path.is_file() if link else entry.is_file()) and ctx.outside(path, link=link) is None:
            files.append(path)
    found = projectfiles.placeholders_of(files)
    # The project's workflows as the run parsed them: no second read of each.
    for workflow in project_workflows(ctx, project):
        files.append(workflow.path)
        text = workflow.text
        found.append(
            projectfiles.placeholders(workflow.path)
            if text is None
            else projectfiles.placeholders_in(text)
        )
    hits = [(path, n, text) for path, at in zip(files, found, strict=True) for n, text in at]
    if hits:
        listed = ", ".join(f"{text} at {where(ctx, path, n)}" for path, n, text in hits[:8])
        more = f" and {len(hits) - 8} more" if len(hits) > 8 else ""
        return out.fail(
            f"template placeholders left: {listed}{more}",
            hint=f"replace each with this project's value (project `{project.name}`, the Google "
            "Cloud project, the Cloud Run service); `devkit new` fills them for new projects",
        )
    return out.ok(f"no placeholders in {len(files)} files")


def workflow_missing(ctx: Context, out: ProjectOutcome) -> Result:
    """The project has a checks workflow and a deploy workflow."""
    project = out.project
    checks, deploys = checks_workflows(ctx, project), deploy_workflows(ctx, project)
    missing = [kind for kind, found in (("checks", checks), ("deploy", deploys)) if not found]
    if not missing:
        names = ", ".join(w.path.name for w in (*checks, *deploys))
        return out.ok(f"workflows: {names}")
    broken = [error_text(ctx, e) for e in ctx.github.errors if e.path.stem.startswith(project.name)]
    return out.warn(
        f"no {' and no '.join(missing)} workflow runs for {folder_of(ctx, project)}"
        + (f" ({'; '.join(broken)})" if broken else ""),
        hint=f"add .github/workflows/{project.name}-checks.yml and -deploy.yml with every path "
        f"pointing at {folder_of(ctx, project)} (`devkit new` shows the shape)",
    )


def workflow_paths(ctx: Context, out: ProjectOutcome) -> Result:
    """``paths:`` filters and ``working-directory`` point at this project's folder."""
    project = out.project
    mine = folder_of(ctx, project)
    found = project_workflows(ctx, project)
    if not found:
        return out.skip("no workflow for this project (see files.workflow_missing)")
    findings = Findings()
    for workflow in found:
        filters = queries.path_filters(workflow)
        for event, refs in filters.items():
            named = [(r, _named_folder(ctx, r.value)) for r in refs]
            for ref, folder in named:
                if folder not in (None, "*", project.name):
                    findings.fail(
                        f"`{ref.value}` ({where(ctx, workflow.path, ref.line)}) is "
                        f"the folder of `{folder}`, not {mine}"
                    )
            if not any(f in ("*", project.name) for _, f in named):
                findings.fail(
                    f"`{event}` in {rel(ctx, workflow.path)} never triggers for changes in {mine}"
                )
        if not filters:
            findings.warn(
                f"{rel(ctx, workflow.path)} has no `paths:` filter: it runs for "
                "every change in the monorepo"
            )
        directories = queries.working_directories(workflow)
        for ref in directories:
            directory = ref.value.strip().removeprefix("./").rstrip("/")
            if directory != mine and not directory.startswith(mine + "/"):
                findings.fail(
                    f"working-directory `{ref.value}` "
                    f"({where(ctx, workflow.path, ref.line)}) is not {mine}"
                )
        if not directories:
            findings.warn(
                f"{rel(ctx, workflow.path)} sets no working-directory: its `run:` "
                "steps start at the repository root"
            )
    return findings.result(
        out,
        f"{len(found)} workflows watch and work in {mine}",
        hint=f"make every `paths:` entry `{mine}/**/*` and `working-directory: {mine}`",
    )


def parse(ctx: Context, out: ProjectOutcome) -> Result:
    """The project's Dockerfile, entrypoint.sh and cloudbuild.yaml can be read."""
    project = out.project
    parsed = {name: ctx.project_file(project, name) for name in BUILD_FILES}
    errors = [error_text(ctx, p) for p in parsed.values() if isinstance(p, FileFormatError)]
    outside = [n for n in parsed if ctx.outside(project.path / n) is not None]
    if errors and len(outside) == len(errors):
        return out.warn(
            "; ".join(errors),
            hint="keep the project's build files in the clone (a symlink within it is fine): "
            "the image is built from the clone, which cannot hold a link out of it",
            items=errors,
        )
    if errors:
        return out.fail(
            "; ".join(errors),
            hint="fix that line; the other files.* checks skip a file they cannot read",
            items=errors,
        )
    present = [name for name, p in parsed.items() if p is not None]
    if not present:
        return out.skip("no Dockerfile, entrypoint.sh or cloudbuild.yaml")
    return out.ok(f"{', '.join(present)} parse")


def workflow_orphan(ctx: Context, out: Outcome) -> Result:
    """Every project folder a workflow names exists (repo-wide)."""
    if ctx.monorepo is None:
        return out.skip("no monorepo")
    names = [p.name for p in ctx.all_projects]
    known = {"*", *names}  # a set: every workflow's every path is looked up
    findings = Findings()
    named = ctx.github.folders  # the folders each workflow names, as the index read them
    for workflow in ctx.github.workflows:
        folders = named.get(workflow.path)
        if folders is not None and folders <= known:
            continue  # nothing to point at: its lines are only looked up for a finding
        refs = [r for rs in queries.path_filters(workflow).values() for r in rs]
        refs += queries.working_directories(workflow)
        for ref in refs:
            folder = _named_folder(ctx, ref.value)
            if folder is not None and folder not in known:
                close = difflib.get_close_matches(folder, names, n=1)
                findings.fail(
                    f"`{ref.value}` ({where(ctx, workflow.path, ref.line)}) names "
                    f"no project" + (f" (did you mean `{close[0]}`?)" if close else "")
                )
    return findings.result(
        out,
        f"{len(ctx.github.workflows)} workflows, every folder they name is a project",
        hint="point it at the project's folder, or delete the workflow of a removed project",
    )


def workflow_parse(ctx: Context, out: Outcome) -> Result:
    """Every file in .github/workflows parses (repo-wide)."""
    if ctx.monorepo is None:
        return out.skip("no monorepo")
    if ctx.github.errors:
        errors = [error_text(ctx, e) for e in ctx.github.errors]
        return out.fail(
            "; ".join(errors),
            hint="fix the YAML at that line: GitHub does not run a workflow it cannot read",
            items=errors,
        )
    return out.ok(f"{len(ctx.github.workflows)} workflows parse")
