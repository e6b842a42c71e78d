"""Creating the chosen projects' envs, several at once, skipping the ones already current."""

from __future__ import annotations

import concurrent.futures
import contextlib
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from devkit import console
from devkit.conda import envbuild, envs, envspec, lockfile
from devkit.conda.micromamba import Micromamba
from devkit.errors import DevkitError, FileFormatError
from devkit.repo.monorepo import Project


class StepStatus(enum.Enum):
    """How one step of setup came out."""

    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class Step(NamedTuple):
    """One row of setup's closing table."""

    name: str
    status: StepStatus
    detail: str


@dataclass
class Summary:
    """What each step did, for the closing table; ``on_step`` shows each as it is recorded."""

    on_step: Callable[[Step], None] | None = None
    rows: list[Step] = field(default_factory=list)

    def _add(self, step: Step) -> None:
        self.rows.append(step)
        if self.on_step is not None:
            self.on_step(step)

    def done(self, name: str, detail: str) -> None:
        """A step that did its work."""
        self._add(Step(name, StepStatus.DONE, detail))

    def skip(self, name: str, detail: str) -> None:
        """A step with nothing to do, or left for later."""
        self._add(Step(name, StepStatus.SKIPPED, detail))

    def fail(self, name: str, detail: str) -> None:
        """A step that failed: setup exits 1."""
        self._add(Step(name, StepStatus.FAILED, detail))

    @property
    def failed(self) -> bool:
        """Whether any step failed."""
        return any(step.status is StepStatus.FAILED for step in self.rows)


def check_name_clashes(plans: list[tuple[Project, envspec.EnvSpec]]) -> None:
    """Two projects claiming one env name would overwrite each other's env: refuse up front."""
    for name, claimants in envs.name_claims(plans).items():
        if len(claimants) > 1:
            raise DevkitError(
                f"projects {' and '.join(claimants)} both name their env `{name}`",
                hint="give each project its own `name:` in its environment.yml",
            )


def build_envs(
    mm: Micromamba,
    projects: list[Project],
    *,
    jobs: int,
    summary: Summary,
    confirm: Callable[[str], bool],
    interactive: bool,
    rerun: str = "devkit setup",
) -> None:
    """Create or update each env; one failure does not stop the others.

    An env that is left unusable, or not current because there was no terminal to ask (not
    ``interactive``) is a failure, with the command that repairs it (``rerun`` + options).
    """
    plans: list[tuple[Project, envspec.EnvSpec]] = []
    for project in projects:
        try:
            plans.append((project, envspec.parse(project.env_file)))
        except FileFormatError as exc:
            summary.fail(f"env {project.name}", exc.message)
    check_name_clashes(plans)

    todo: list[tuple[Project, envspec.EnvSpec, envs.EnvLocation]] = []
    for project, spec in plans:
        location = envs.locate(mm.root_prefix, project, spec)
        status = envs.status(location.prefix)
        present = status.state is envs.EnvState.PRESENT
        if present and envbuild.is_current(location.prefix, spec, mm):
            summary.skip(f"env {project.name}", f"`{location.name}` is up to date")
            continue
        if not location.prefix.exists():
            todo.append((project, spec, location))
            continue
        why = _not_current(location, spec, status)
        # Rebuilding replaces the env: never without a yes.
        if confirm(f"Rebuild env `{location.name}`? It {why}."):
            todo.append((project, spec, location))
            continue
        repair = f"{rerun} --projects {project.name} --yes"
        if present and interactive:  # usable, and the user chose to keep it
            summary.skip(
                f"env {project.name}",
                f"`{location.name}` left as is: it {why} (rebuild: `{repair}`)",
            )
        else:
            summary.fail(
                f"env {project.name}",
                f"`{location.name}` left as is: it {why}; repair: `{repair}`",
            )
    if not todo:
        return
    console.info(f"building {len(todo)} env(s), {max(1, jobs)} at a time…")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))
    futures: dict[concurrent.futures.Future[envbuild.BuildResult], tuple[Project, envs.EnvLocation]]
    futures = {}
    reported: set[concurrent.futures.Future[envbuild.BuildResult]] = set()
    try:
        for project, spec, location in todo:
            futures[pool.submit(envbuild.build, mm, spec, location)] = (project, location)
        for future in concurrent.futures.as_completed(futures):
            reported.add(future)
            _report(summary, future, *futures[future])
    except BaseException:
        # Ctrl-C reached micromamba too (same process group); each build cleans up after itself
        # (envbuild.build), so wait for them, then say what became of each env.
        pool.shutdown(wait=True, cancel_futures=True)
        with contextlib.suppress(OSError):  # after a hangup the terminal is gone (EIO)
            for future, (project, location) in futures.items():
                if future not in reported:
                    _report(summary, future, project, location)
        raise
    pool.shutdown(wait=True)


def _report(
    summary: Summary,
    future: concurrent.futures.Future[envbuild.BuildResult],
    project: Project,
    location: envs.EnvLocation,
) -> None:
    step = f"env {project.name}"
    if future.cancelled():
        summary.fail(step, "not built: interrupted before its build started")
        return
    exc = future.exception()
    if isinstance(exc, DevkitError):  # e.g. a malformed conda-lock.yml: this env only
        summary.fail(step, exc.message)
    elif exc is not None:  # Ctrl-C or SIGTERM: the build put things back as they were
        kept = (
            "the previous env is kept as it was"
            if location.prefix.exists()
            else (f"nothing is left at {location.prefix}")
        )
        summary.fail(step, f"interrupted; {kept}")
    else:
        result = future.result()
        if result.ok:
            summary.done(step, result.describe(f"`{location.name}`"))
        else:
            summary.fail(step, "; ".join(p for p in (*result.problems, result.note) if p))


def _not_current(location: envs.EnvLocation, spec: envspec.EnvSpec, status: envs.EnvStatus) -> str:
    """Why an existing env is not current, as the rest of "It …": the real reason, not a guess."""
    if status.state is not envs.EnvState.PRESENT:
        return f"is broken: {status.reason}"
    if envbuild.read_fingerprint(location.prefix) is None:
        return "has no build record: devkit did not build it, or its build did not finish"
    lock = " (or its conda-lock.yml)" if lockfile.lock_path(spec.path.parent).is_file() else ""
    return f"was built before {spec.path.name}{lock} last changed"
