"""A large monorepo's projects checked by two processes: this one and a forked copy of it.

At a thousand projects the per-project checks are nearly all of doctor's time, and each
project's results depend on nothing another project's checks do (``drift.*`` aside: what one
solve learns of a channel is what the next are told, so a run with them stays in one process).
A forked copy already has the run's context, so it starts checking at once (a new interpreter
would import devkit and read the monorepo again first). Projects are taken in chunks, each
process drawing the next one when it is free, so both finish together whatever the chunks cost.

The report is what one process would have made: the same results in the same order, the
secrets the copy read masked here too. Where forking is not possible or not worth it (one core,
a small monorepo, a process with threads, not Linux: see ``proc.fork``), or the child does not
finish, this process checks every project itself.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence

from devkit import parsecache, redaction
from devkit.console import LOG
from devkit.doctor import runner
from devkit.doctor.base import AnyCheck, Check, Result
from devkit.doctor.context import Context
from devkit.doctor.registry import NETWORK
from devkit.doctor.runner import Report
from devkit.proc import fork
from devkit.repo.monorepo import Project

MIN_PROJECTS = 64  # fewer, and starting and merging a child costs about what it saves
CHUNK = 8  # projects drawn at a time
_PROTOCOL = pickle.HIGHEST_PROTOCOL


def run_checks(ctx: Context, checks: Sequence[AnyCheck]) -> Report:
    """``runner.run_checks``, with the projects shared by two processes when that pays."""
    projects = list(ctx.projects)
    per_project = [c for c in checks if not isinstance(c, Check)]
    # drift.* solve against the channels, and what one project's solve finds of a channel (down,
    # refusing) is what the next ones are told: one process, so the report is the same each run.
    solving = any(c.id.startswith("drift.") for c in per_project)
    if len(projects) < MIN_PROJECTS or not per_project or solving or fork.cores() < 2:
        return runner.run_checks(ctx, checks)
    with runner.collector_paused():
        return _run_shared(ctx, checks, projects, per_project)


def _run_shared(
    ctx: Context,
    checks: Sequence[AnyCheck],
    projects: Sequence[Project],
    per_project: Sequence[AnyCheck],
) -> Report:
    # The machine's, tools' and clone's checks run in this process while the copy starts on the
    # projects; those that reach servers run first, as their failures (hosts this run found
    # down) are shared with the projects' checks through the context.
    whole = [c for c in checks if isinstance(c, Check)]
    first = [c for c in whole if c.section == NETWORK]
    by_check = {c.id: list(runner.run_one(ctx, c, None)) for c in first}
    size = max(CHUNK, -(-len(projects) // fork.Tickets.MOST))
    chunks = [projects[i : i + size] for i in range(0, len(projects), size)]
    with fork.Tickets(len(chunks)) as tickets:
        known = redaction.registered()

        def child_work() -> bytes:
            # Each chunk's results pickled as it is done, while this process still checks
            # others: pickled at the end, they were time this process spent waiting.
            done = [
                pickle.dumps(_check_chunks(ctx, per_project, chunks, [index]), _PROTOCOL)
                for index in tickets
            ]
            # What the child parsed is saved by this process, with its own (one writer); the
            # secrets it read (its projects' .env values) are masked in this one's output too.
            found = redaction.registered() - known
            return pickle.dumps((done, parsecache.added(), found), _PROTOCOL)

        child = fork.start(child_work)
        LOG.debug(
            "checking %d projects in %s",
            len(projects),
            "two processes" if child is not None else "one process (this one has threads)",
        )
        try:
            for check in whole:
                if check.id not in by_check:
                    by_check[check.id] = list(runner.run_one(ctx, check, None))
            by_project = _check_chunks(ctx, per_project, chunks, tickets)
            data = child.result() if child is not None else None
        except BaseException:
            if child is not None:
                child.stop()
            raise
    if data is None and child is not None:
        LOG.debug("the forked child did not finish: its projects are checked here")
    if data is not None:
        done, parsed, found = pickle.loads(data)  # noqa: S301 - our own child, our own pipe
        redaction.register(*found)
        for chunk in done:
            by_project.update(pickle.loads(chunk))  # noqa: S301 - as above
        parsecache.absorb(parsed)
    # Chunks a child took but did not finish (it failed, or was killed): checked here.
    left = [p for p in projects if p.name not in by_project]
    by_project.update(_check_chunks(ctx, per_project, [left], range(1)))
    results = [r for check in whole for r in by_check[check.id]]
    for project in projects:
        results.extend(by_project[project.name])
    return Report(tuple(results))


def _check_chunks(
    ctx: Context,
    checks: Sequence[AnyCheck],
    chunks: Sequence[Sequence[Project]],
    tickets: Iterable[int],
) -> dict[str, list[Result]]:
    """Each chunk this process draws a ticket for, checked (the other process draws others)."""
    done: dict[str, list[Result]] = {}
    for index in tickets:
        for project in chunks[index]:
            done[project.name] = [r for c in checks for r in runner.run_one(ctx, c, project)]
    return done
