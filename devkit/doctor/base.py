"""The shape of a check: a stable id, a summary, a function returning results, maybe a fixer."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, NamedTuple

if TYPE_CHECKING:
    from devkit.conda.envs import EnvLocation
    from devkit.conda.envspec import EnvSpec
    from devkit.doctor.context import Context
    from devkit.repo.monorepo import Monorepo, Project


class Status(enum.Enum):
    """How a check came out, worst last."""

    OK = "ok"
    SKIP = "skip"
    WARN = "warn"
    FAIL = "fail"


class Result(NamedTuple):
    """One finding. Messages name things (files, packages, variables), never secret values.

    A named tuple: a thousand projects make 36,000 of them, and half cross from doctor's
    forked copy in a pickle; made and unpickled, they cost a third of a frozen dataclass.
    """

    check_id: str
    status: Status
    message: str
    hint: str | None = None
    project: str | None = None
    fixable: bool = False
    # The separate findings ``message`` joins (two or more), listed one a line in the text report.
    items: tuple[str, ...] = ()


Produced = Iterable[Result] | Result
Fixer = Callable[["Context", Result], str]


@dataclass(frozen=True)
class _Check:
    id: str
    section: str
    summary: str
    # ``fix(ctx, result)`` repairs what the result found and returns a line saying what it did.
    fix: Fixer | None = field(default=None, kw_only=True)
    per_project: ClassVar[bool] = True


@dataclass(frozen=True)
class Check(_Check):
    """A check of the machine, its tools or the clone, run once: ``run(ctx, out)``.

    Every check returns results built with its outcome and never prints.
    """

    run: Callable[[Context, Outcome], Produced]
    per_project: ClassVar[bool] = False


@dataclass(frozen=True)
class ProjectCheck(_Check):
    """A check run once per project: ``run(ctx, out)`` with ``out.project`` set."""

    run: Callable[[Context, ProjectOutcome], Produced]


@dataclass(frozen=True)
class SpecCheck(_Check):
    """A per-project check that needs the project's parsed environment file.

    The runner skips it, with the reason, when the file does not parse (``env.spec`` reports
    the error), so its body gets ``out.spec`` and ``out.location`` and never asks again.
    """

    run: Callable[[Context, SpecOutcome], Produced]


AnyCheck = Check | ProjectCheck | SpecCheck


class Outcome:
    """Builds results for one check and one project, so checks read as plain statements."""

    def __init__(self, check: AnyCheck, project: Project | None) -> None:
        self.check = check
        self.project = project

    def _make(
        self,
        status: Status,
        message: str,
        hint: str | None,
        fixable: bool | None = None,
        items: Sequence[str] = (),
    ) -> Result:
        # A check with a fixer may find things it cannot fix: it says so with fixable=False.
        can_fix = self.check.fix is not None and status in (Status.WARN, Status.FAIL)
        fixable = can_fix and fixable is not False
        name = self.project.name if self.project else None
        listed = tuple(items) if len(items) > 1 else ()
        return Result(self.check.id, status, message, hint, name, fixable, listed)

    def ok(self, message: str) -> Result:
        """All good."""
        return self._make(Status.OK, message, None)

    def warn(
        self,
        message: str,
        hint: str | None = None,
        *,
        fixable: bool | None = None,
        items: Sequence[str] = (),
    ) -> Result:
        """Works, but will bite. ``items``: the findings ``message`` joins, to list them."""
        return self._make(Status.WARN, message, hint, fixable, items)

    def fail(
        self,
        message: str,
        hint: str | None = None,
        *,
        fixable: bool | None = None,
        items: Sequence[str] = (),
    ) -> Result:
        """Broken: something will not work until fixed. ``items`` as for ``warn``."""
        return self._make(Status.FAIL, message, hint, fixable, items)

    def skip(self, message: str) -> Result:
        """Not applicable, or blocked by an earlier failure."""
        return self._make(Status.SKIP, message, None)


class ProjectOutcome(Outcome):
    """An outcome for one project of a monorepo that was found."""

    project: Project

    def __init__(self, check: AnyCheck, project: Project, monorepo: Monorepo) -> None:
        super().__init__(check, project)
        self.monorepo = monorepo


class SpecOutcome(ProjectOutcome):
    """An outcome for one project whose environment file parsed."""

    def __init__(
        self,
        check: AnyCheck,
        project: Project,
        monorepo: Monorepo,
        spec: EnvSpec,
        location: EnvLocation,
    ) -> None:
        super().__init__(check, project, monorepo)
        self.spec = spec
        self.location = location
