"""Running one project's planned jobs on this machine, step by step, each outcome recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from devkit import proc
from devkit.commands.check.results import (
    FAILED,
    OK,
    SKIPPED,
    EnvReady,
    StepResult,
    installed_version,
    version_fits,
)
from devkit.conda.micromamba import Micromamba
from devkit.errors import EXIT_INTERRUPTED, Terminated, ToolNotFoundError
from devkit.proc import grouprun
from devkit.redaction import redact
from devkit.repo.github.plan import PlannedJob, PlannedStep, StepKind, WorkflowPlan


@dataclass
class Output:
    """Where devkit's lines and the steps' output go: straight through, or line by line with
    the project's name in front (several projects at once)."""

    stream: TextIO
    prefix: str = ""
    stdout_fd: int | None = None  # the steps' stdout when not prefixed (None: devkit's stdout)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def say(self, text: str) -> None:
        """Write devkit's own lines (secrets scrubbed)."""
        self.write(redact(text))

    def write(self, text: str) -> None:
        """Write lines as they are, prefixed when several projects share the terminal."""
        with self.lock:
            for line in text.splitlines() or [""]:
                self.stream.write(f"{self.prefix}{line}\n")
            self.stream.flush()

    @property
    def on_output(self) -> Callable[[str], None] | None:
        """The steps' lines go through ``write`` when prefixed; else straight to the fds."""
        return self.write if self.prefix else None


@dataclass
class ProjectRun:
    """One project's jobs, run one after the other."""

    root: Path
    project: str
    env: EnvReady
    micromamba: Micromamba | ToolNotFoundError
    output: Output
    scripts: Path  # where step scripts are written, as the runner writes them to RUNNER_TEMP
    keep_going: bool = False
    received: list[int] = field(default_factory=list)  # signals devkit got: stop
    results: list[StepResult] = field(default_factory=list)

    def run(self, plans: list[WorkflowPlan]) -> list[StepResult]:
        """Every job of every plan; stops at the first signal."""
        for plan in plans:
            failed_jobs: set[str] = set()
            for job in plan.jobs:
                if self.received:
                    return self.results
                if not self._job(plan, job, failed_jobs):
                    failed_jobs.add(job.job_id)
        return self.results

    def _record(
        self, plan: WorkflowPlan, job: PlannedJob, step: PlannedStep | None, **kw: Any
    ) -> None:
        self.results.append(
            StepResult(
                project=self.project,
                workflow=_relative(plan.path, self.root),
                job=job.job_id,
                job_name=job.name,
                index=step.index if step else 0,
                step=step.name if step else "(job)",
                kind=step.kind.value if step else "job",
                **kw,
            )
        )

    def _job(self, plan: WorkflowPlan, job: PlannedJob, failed_jobs: set[str]) -> bool:
        """Run one job's steps; False when it failed."""
        blocked = [n for n in job.needs if n in failed_jobs]
        if job.skipped or blocked:
            why = job.skipped or f"needs {', '.join(blocked)}, which failed"
            self.output.say(f"· {self.project} · {job.name}: skipped: {why}")
            self._record(plan, job, None, status=SKIPPED, detail=why)
            return not blocked
        for note in job.notes:
            self.output.say(f"· {self.project} · {job.name}: {note}")
        failed = False
        for step in job.steps:
            if self.received:
                break
            go_on = not failed or self.keep_going
            if not (step.after_success if go_on else step.after_failure):
                why = "an earlier step failed" if failed else "its `if:` is false here"
                self._record(plan, job, step, status=SKIPPED, detail=f"not run: {why}")
                continue
            status, detail, seconds, code = self._step(job, step)
            allowed = status == FAILED and step.continue_on_error
            failed = failed or (status == FAILED and not allowed)
            self._record(
                plan, job, step, status=status, detail=detail, seconds=seconds,
                exit_code=code, allowed=allowed,
            )  # fmt: skip
        return not failed

    def _step(
        self, job: PlannedJob, step: PlannedStep
    ) -> tuple[str, str, float | None, int | None]:
        """Run (or report) one step: status, detail, seconds, exit code."""
        title = f"{self.project} · {job.name} · {step.name}"
        if step.kind in (StepKind.NOTHING, StepKind.SKIP):
            self.output.say(f"· {title}: {step.detail}")
            return SKIPPED, step.detail, None, None
        if step.kind is StepKind.ENV:
            mark = "✓" if self.env.status == OK else "✗"
            self.output.say(f"{mark} {title}: {self.env.detail}")
            return self.env.status, self.env.detail, self.env.seconds, None
        if not self.env.usable:
            self.output.say(f"✗ {title}: {self.env.detail}")
            return FAILED, self.env.detail, None, None
        if isinstance(self.micromamba, ToolNotFoundError):
            message = self.micromamba.message
            self.output.say(f"✗ {title}: {message}")
            return FAILED, message, None, None
        if step.kind is StepKind.BLACK:
            argv, folder, why = self._black(step)
            if not argv:
                self.output.say(f"· {title}: skipped: {why}")
                return SKIPPED, why, None, None
        else:
            argv, folder, why = self._script(step)
            if not argv:
                self.output.say(f"✗ {title}: {why}")
                return FAILED, why, None, None
        self.output.say(f"── {title} ──")
        start = time.perf_counter()
        try:
            code = grouprun.run_group(
                self.micromamba.run_argv(self.env.prefix, argv),
                cwd=folder,
                env=proc.clean_env(step.env),
                on_output=self.output.on_output,
                stdout_fd=self.output.stdout_fd,
            )
        except ToolNotFoundError as exc:  # micromamba went missing or cannot run
            self.output.say(f"✗ {step.name}: {exc.message}")
            return FAILED, exc.message, None, None
        except (KeyboardInterrupt, Terminated):  # stopped before the step could start
            return FAILED, "interrupted", None, None
        seconds = time.perf_counter() - start
        if self.received:
            self.output.say(f"✗ {step.name}: interrupted")
            return FAILED, "interrupted", seconds, code
        if code == 0:
            self.output.say(f"✓ {step.name} ({seconds:.1f} s)")
            return OK, why, seconds, code
        detail = f"exit {code}" + (" (Ctrl-C)" if code == EXIT_INTERRUPTED else "")
        self.output.say(f"✗ {step.name}: {detail} ({seconds:.1f} s)")
        return FAILED, detail, seconds, code

    def _script(self, step: PlannedStep) -> tuple[list[str], Path, str]:
        folder = self.root / step.working_directory
        if not folder.is_dir():
            where = step.working_directory or "."
            return [], folder, f"its working directory {where} does not exist"
        suffix = ".py" if step.shell[0] == "python" else ".sh"
        script = self.scripts / f"{self.project}-{step.index}-{time.monotonic_ns()}{suffix}"
        script.write_text(step.script, encoding="utf-8")
        return [a.replace("{0}", str(script)) for a in step.shell], folder, step.detail

    def _black(self, step: PlannedStep) -> tuple[list[str], Path, str]:
        have = installed_version(self.env.prefix, "black")
        wanted = step.black_version
        if have is None:
            pin = f"black={wanted}" if wanted and wanted[0].isdigit() else "black"
            return [], self.root, f"env {self.env.name} has no black: add {pin} to its env file"
        if wanted and not version_fits(have, wanted):
            return (
                [],
                self.root,
                (
                    f"the action runs black {wanted}; env {self.env.name} has black {have}, which "
                    "formats differently: pin the action's version in the env file"
                ),
            )
        return ["black", *step.black_args], self.root, f"black {have}"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
