"""``devkit check``: a project's checks workflow run on this machine before the push.

Which projects (named, the one you stand in, ``--all``, or those whose workflow path filters
match what changed), their plans (``repo/github/plan.py``), their envs, then the steps, one
project after another or ``--jobs`` at once; see docs/check.md.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devkit import console, git
from devkit.commands.check import render as check_render
from devkit.commands.check import select
from devkit.commands.check.results import EnvReady, StepResult
from devkit.commands.check.select import Target
from devkit.conda import micromamba
from devkit.errors import DevkitError, ToolNotFoundError, exit_code_for_signal
from devkit.redaction import redact
from devkit.repo.github import workflows
from devkit.repo.monorepo import Monorepo, Project
from devkit.userconfig import UserConfig


@dataclass(frozen=True)
class CheckRequest:
    """Everything ``devkit check`` was asked to do."""

    projects: tuple[str, ...] = ()
    all_projects: bool = False
    changed: bool = False
    jobs: int = 1
    list_only: bool = False
    as_json: bool = False
    steps: tuple[str, ...] = ()
    job_names: tuple[str, ...] = ()
    keep_going: bool = False
    cwd: Path = field(default_factory=Path.cwd)


def this_machine() -> tuple[str, str]:
    """This machine's OS leg (``linux``, ``macos``) and ``runner.arch``."""
    system = platform.system()
    os_leg = {"Linux": "linux", "Darwin": "macos"}.get(system, system.lower())
    arch = "ARM64" if platform.machine().lower() in ("arm64", "aarch64") else "X64"
    return os_leg, arch


def check(
    monorepo: Monorepo,
    config: UserConfig,
    request: CheckRequest,
    confirm: Callable[[str], bool] | None,
) -> int:
    """Select, plan, then list or run; the exit code is 1 when a step failed."""
    start = time.perf_counter()
    projects = select.named_projects(
        monorepo,
        request.projects,
        all_projects=request.all_projects,
        changed=request.changed,
        cwd=request.cwd,
    )
    changes: git.Changes | None = None
    if projects is None:
        found = _workflows(monorepo.root)
        projects, changes = select.changed_projects(monorepo, found)
    else:
        # Only the workflows that name these projects are parsed: most are other projects'.
        folders = [f"{monorepo.config.projects_dir.strip('/')}/{p.name}" for p in projects]
        found = _workflows(monorepo.root, folders)
    os_leg, arch = this_machine()
    root_prefix = micromamba.root_prefix(config)
    targets = [
        select.plan_target(
            monorepo, p, found, root_prefix, os_leg, arch, request.steps, request.job_names
        )
        for p in projects
    ]
    select.check_picks(targets, request.steps, request.job_names)
    for target in targets:
        if not target.workflows and changes is None:
            console.warn(f"no checks workflow names {_folder(monorepo, target.project)}")
    targets = [t for t in targets if t.plans]
    changed = _changes_note(changes, targets)
    if changed is not None and not request.as_json:
        console.info(str(changed["summary"]))
    if not targets and changes is None:
        raise DevkitError(
            "nothing to check: no checks workflow names "
            + ", ".join(_folder(monorepo, p) for p in projects),
            hint="devkit check reads the workflows under .github/workflows whose `paths:` "
            "filters or `working-directory` name the project (docs/check.md)",
        )
    if request.list_only or not targets:
        rows = [row for t in targets for row in select.listing(t, monorepo.root)]
        _show(rows, request, monorepo, os_leg, changed, listed=True, code=0, seconds=None)
        return 0
    # Loaded only to run: --list needs none of the build and process machinery.
    from devkit.commands.check import envready

    try:
        mm: micromamba.Micromamba | ToolNotFoundError = micromamba.from_config(config)
    except ToolNotFoundError as exc:
        mm = exc
    ready = {t.project.name: envready.prepare_env(mm, t, confirm) for t in targets}
    results, received = _run(monorepo, targets, ready, mm, request)
    code = exit_code_for_signal(received[0]) if received else check_render.exit_code(results)
    seconds = time.perf_counter() - start
    _show(results, request, monorepo, os_leg, changed, listed=False, code=code, seconds=seconds)
    return code


def _run(
    monorepo: Monorepo,
    targets: list[Target],
    ready: dict[str, EnvReady],
    mm: micromamba.Micromamba | ToolNotFoundError,
    request: CheckRequest,
) -> tuple[list[StepResult], list[int]]:
    """Run each project's plans: in turn, or ``--jobs`` projects at once, prefixed."""
    # Loaded only to run (see check()): threads, temp files, the process group runner.
    import concurrent.futures
    import tempfile
    import threading

    from devkit.commands.check.steps import Output, ProjectRun
    from devkit.proc import grouprun

    parallel = request.jobs > 1 and len(targets) > 1
    stream = sys.stderr if request.as_json else sys.stdout
    lock = threading.Lock()
    with (
        tempfile.TemporaryDirectory(prefix="devkit-check-") as scripts,
        grouprun.group_signals() as received,
    ):
        runs = [
            ProjectRun(
                root=monorepo.root,
                project=t.project.name,
                env=ready[t.project.name],
                micromamba=mm,
                output=Output(
                    stream,
                    prefix=f"{t.project.name} | " if parallel else "",
                    # --json keeps stdout for the document: the steps' output goes to stderr.
                    stdout_fd=2 if request.as_json else None,
                    lock=lock,
                ),
                scripts=Path(scripts),
                keep_going=request.keep_going,
                received=received,
            )
            for t in targets
        ]
        if parallel:
            with concurrent.futures.ThreadPoolExecutor(max_workers=request.jobs) as pool:
                futures = [
                    pool.submit(r.run, list(t.plans)) for r, t in zip(runs, targets, strict=True)
                ]
                for future in futures:
                    future.result()
        else:
            for run, target in zip(runs, targets, strict=True):
                run.run(list(target.plans))
        signals = list(received)
    return [row for run in runs for row in run.results], signals


def _workflows(root: Path, mentioning: Sequence[str] = ()) -> list[workflows.Workflow]:
    found, errors = workflows.load_all(root, mentioning=mentioning)
    for error in errors:
        console.warn(f"skipping a workflow devkit cannot read: {error.message}")
    return found


def _changes_note(changes: git.Changes | None, targets: list[Target]) -> dict[str, object] | None:
    if changes is None:
        return None
    since = (
        f"since {changes.base[:10]} (merge base with {changes.upstream})"
        if changes.base
        else "(no upstream branch: uncommitted and untracked files only)"
    )
    names = ", ".join(t.project.name for t in targets) or "none"
    text = f"{len(changes.files)} file(s) changed {since}; projects to check: {names}"
    return {
        "base": changes.base,
        "upstream": changes.upstream,
        "files": list(changes.files),
        "summary": text,
    }


def _show(
    rows: list[StepResult],
    request: CheckRequest,
    monorepo: Monorepo,
    os_leg: str,
    changed: dict[str, object] | None,
    *,
    listed: bool,
    code: int,
    seconds: float | None,
) -> None:
    if request.as_json:
        console.print_json(
            check_render.document(
                rows,
                root=str(monorepo.root),
                os_leg=os_leg,
                listed=listed,
                changes=changed,
                code=code,
            )
        )
        return
    if listed:
        sys.stdout.write(redact("".join(f"{line}\n" for line in check_render.listing(rows))))
        return
    out = console.out()
    out.print()
    out.print(check_render.table(rows))
    if seconds is not None:
        out.print(check_render.summary(rows, seconds))


def _folder(monorepo: Monorepo, project: Project) -> str:
    return select.relative(project.path, monorepo.root)
