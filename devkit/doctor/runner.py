"""Running checks: a crash becomes a failing result naming it, and the rest still run."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from devkit.console import LOG
from devkit.doctor.base import (
    AnyCheck,
    Check,
    Outcome,
    ProjectCheck,
    ProjectOutcome,
    Result,
    SpecCheck,
    SpecOutcome,
    Status,
)
from devkit.doctor.context import Context
from devkit.errors import DevkitError, FileFormatError
from devkit.redaction import redact
from devkit.repo.monorepo import Project


@dataclass(frozen=True)
class Report:
    """All results of one doctor run."""

    results: tuple[Result, ...]

    def count(self, status: Status) -> int:
        """How many results have a status."""
        return sum(1 for r in self.results if r.status is status)

    def exit_code(self, *, strict: bool = False) -> int:
        """0 when nothing failed (and, with ``strict``, nothing warned), else 1."""
        bad = {Status.FAIL, Status.WARN} if strict else {Status.FAIL}
        return 1 if any(r.status in bad for r in self.results) else 0


def run_checks(ctx: Context, checks: Sequence[AnyCheck]) -> Report:
    """Run global checks once and per-project checks once per selected project."""
    with collector_paused():
        return _run_checks(ctx, checks)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while checks run; what they built is frozen after.

    A run builds what it reads (parsed files, records, results) and keeps it to the end: the
    collector's full passes over that growing heap found next to nothing, and cost an eighth
    of a thousand-project run. What the checks built is then frozen out of later passes (the
    report and exit), and a forked copy made meanwhile does not have its pages copied by the
    collector's bookkeeping. Cycles it holds live as long as the process.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _run_checks(ctx: Context, checks: Sequence[AnyCheck]) -> Report:
    results: list[Result] = []
    for check in checks:
        if isinstance(check, Check):
            results.extend(run_one(ctx, check, None))
    per_project = [check for check in checks if not isinstance(check, Check)]
    for project in ctx.projects:
        for check in per_project:
            results.extend(run_one(ctx, check, project))
    return Report(tuple(results))


def outcome_for(
    ctx: Context, check: ProjectCheck | SpecCheck, project: Project
) -> ProjectOutcome | Result:
    """What a per-project check is given, or why it cannot run (its file does not parse)."""
    assert ctx.monorepo is not None  # there are projects only when there is a monorepo
    if isinstance(check, ProjectCheck):
        return ProjectOutcome(check, project, ctx.monorepo)
    spec = ctx.spec(project)
    if isinstance(spec, FileFormatError):
        return Outcome(check, project).skip("environment file does not parse")
    location = ctx.location(project)
    assert location is not None  # the spec parsed
    return SpecOutcome(check, project, ctx.monorepo, spec, location)


def run_one(ctx: Context, check: AnyCheck, project: Project | None) -> Iterable[Result]:
    """One check for one project (or the repo); whatever it raises becomes a result."""
    try:
        produced = _call(ctx, check, project)
        return [produced] if isinstance(produced, Result) else list(produced)
    except DevkitError as exc:
        # An expected problem (a file devkit cannot read, a tool missing) the check did not
        # turn into a result itself: report it as what it is, not as a crash.
        return [Outcome(check, project).fail(exc.message, hint=exc.hint, fixable=False)]
    except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
        LOG.debug("check %s crashed", check.id, exc_info=True)
        return [
            Outcome(check, project).fail(
                f"the check crashed: {type(exc).__name__}: {redact(str(exc))}",
                hint="this is a bug in devkit; re-run with --verbose and report it",
            )
        ]


def _call(ctx: Context, check: AnyCheck, project: Project | None) -> Iterable[Result] | Result:
    # Each kind of check is called with the outcome its signature names (see base.py).
    if isinstance(check, Check):
        return check.run(ctx, Outcome(check, None))
    assert project is not None  # the runner gives per-project checks a project
    out = outcome_for(ctx, check, project)
    if isinstance(out, Result):
        return out
    if isinstance(check, SpecCheck):
        assert isinstance(out, SpecOutcome)
        return check.run(ctx, out)
    return check.run(ctx, out)
