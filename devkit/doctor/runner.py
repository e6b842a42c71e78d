"""Running checks: a crash becomes a failing result naming it, and the rest still run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from devkit.console import LOG
from devkit.doctor.base import Check, Outcome, Result, Status
from devkit.doctor.context import Context
from devkit.errors import DevkitError
from devkit.redaction import redact


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


def run_checks(ctx: Context, checks: Sequence[Check]) -> Report:
    """Run global checks once and per-project checks once per selected project."""
    results: list[Result] = []
    for check in (c for c in checks if not c.per_project):
        results.extend(run_one(ctx, check, Outcome(check, None)))
    for project in ctx.projects:
        for check in (c for c in checks if c.per_project):
            results.extend(run_one(ctx, check, Outcome(check, project)))
    return Report(tuple(results))


def run_one(ctx: Context, check: Check, out: Outcome) -> Iterable[Result]:
    """One check for one project (or the repo); whatever it raises becomes a result."""
    try:
        produced = check.run(ctx, out)
        return [produced] if isinstance(produced, Result) else list(produced)
    except DevkitError as exc:
        # An expected problem (a file devkit cannot read, a tool missing) the check did not
        # turn into a result itself: report it as what it is, not as a crash.
        return [out.fail(exc.message, hint=exc.hint, fixable=False)]
    except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
        LOG.debug("check %s crashed", check.id, exc_info=True)
        return [
            out.fail(
                f"the check crashed: {type(exc).__name__}: {redact(str(exc))}",
                hint="this is a bug in devkit; re-run with --verbose and report it",
            )
        ]
