"""The shape of a check: a stable id, a summary, a function returning results, maybe a fixer."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devkit.repo.monorepo import Project


class Status(enum.Enum):
    """How a check came out, worst last."""

    OK = "ok"
    SKIP = "skip"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Result:
    """One finding. Messages name things (files, packages, variables), never secret values."""

    check_id: str
    status: Status
    message: str
    hint: str | None = None
    project: str | None = None
    fixable: bool = False


@dataclass(frozen=True)
class Check:
    """A check as data.

    ``run(ctx, out)`` returns results built with ``out`` (an ``Outcome``) and never prints;
    ``fix(ctx, result)`` repairs what the result found and returns a line saying what it did.
    """

    id: str
    section: str
    summary: str
    run: Callable[..., Iterable[Result] | Result]
    per_project: bool = False
    fix: Callable[..., str] | None = None


class Outcome:
    """Builds results for one check and one project, so checks read as plain statements."""

    def __init__(self, check: Check, project: Project | None) -> None:
        self.check = check
        self.project = project

    def _make(
        self, status: Status, message: str, hint: str | None, fixable: bool | None = None
    ) -> Result:
        # A check with a fixer may find things it cannot fix: it says so with fixable=False.
        can_fix = self.check.fix is not None and status in (Status.WARN, Status.FAIL)
        fixable = can_fix and fixable is not False
        name = self.project.name if self.project else None
        return Result(self.check.id, status, message, hint, name, fixable)

    def ok(self, message: str) -> Result:
        """All good."""
        return self._make(Status.OK, message, None)

    def warn(self, message: str, hint: str | None = None, *, fixable: bool | None = None) -> Result:
        """Works, but will bite."""
        return self._make(Status.WARN, message, hint, fixable)

    def fail(self, message: str, hint: str | None = None, *, fixable: bool | None = None) -> Result:
        """Broken: something will not work until fixed."""
        return self._make(Status.FAIL, message, hint, fixable)

    def skip(self, message: str) -> Result:
        """Not applicable, or blocked by an earlier failure."""
        return self._make(Status.SKIP, message, None)
