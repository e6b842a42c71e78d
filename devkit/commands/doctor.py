"""``devkit doctor``: run the checks, show them, fix what is safe."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devkit import console, facts, parsecache, paths, runlock, userconfig
from devkit.doctor import bundle, registry, render
from devkit.doctor.base import AnyCheck, Result
from devkit.doctor.context import Context
from devkit.doctor.parallel import run_checks
from devkit.doctor.runner import Report
from devkit.errors import DevkitError, UsageError
from devkit.proc import fork
from devkit.repo import monorepo


@dataclass(frozen=True)
class DoctorRequest:
    """What ``devkit doctor`` was asked to do."""

    root: Path | None = None
    projects: tuple[str, ...] = ()
    check_ids: tuple[str, ...] = ()
    as_json: bool = False
    strict: bool = False
    fix: bool = False
    yes: bool = False
    bundle: Path | None = None
    # False (--no-drift): skip the checks that may solve for other platforms (drift.*).
    drift: bool = True
    # False (--no-network): skip the checks that reach servers (network.*).
    network: bool = True
    # True (--all): the text report shows every result, not only what needs attention.
    show_all: bool = False


def build_context(
    root: Path | None,
    projects: tuple[str, ...],
    machine: facts.MachineFacts | None = None,
    *,
    drift_checked: bool = False,
) -> Context:
    """Everything the checks need; a missing monorepo is a finding, not a crash."""
    user = userconfig.load_user_config()
    repo: monorepo.Monorepo | None = None
    error: DevkitError | None = None
    try:
        repo = monorepo.load(monorepo.find_root(root, Path.cwd(), user.clone))
        console.warn_each(repo.warnings)
    except DevkitError as exc:
        if projects:
            raise
        error = exc
    ctx = Context(
        facts=machine or facts.probe(),
        config=user,
        monorepo=repo,
        monorepo_error=error,
        only_projects=projects,
        drift_checked=drift_checked,
    )
    ctx.projects  # noqa: B018 - resolve names now: an unknown project is an error up front
    return ctx


def select_checks(ids: tuple[str, ...]) -> tuple[AnyCheck, ...]:
    """The checks named by id (all when none), in report order."""
    if not ids:
        return registry.CHECKS
    for check_id in ids:
        if check_id not in registry.BY_ID:
            close = difflib.get_close_matches(check_id, list(registry.BY_ID), n=1)
            raise UsageError(
                f"unknown check id `{check_id}`",
                hint=f"did you mean `{close[0]}`?" if close else "`devkit doctor --list`",
            )
    return tuple(c for c in registry.CHECKS if c.id in ids)


def list_checks() -> int:
    """Print every check id with its summary."""
    from rich.table import Table

    table = Table("id", "section", "checks that", "fix", box=None, pad_edge=False)
    for check in registry.CHECKS:
        console.add_row(table, check.id, check.section, check.summary, "yes" if check.fix else "")
    console.out().print(table)
    return 0


def doctor(request: DoctorRequest, confirm: Callable[[str], bool] | None) -> int:
    """Run the checks, report, optionally fix and re-check; the exit code comes from results."""
    checks = select_checks(request.check_ids)
    if not request.drift:
        checks = tuple(c for c in checks if not c.id.startswith("drift."))
    if not request.network:
        checks = tuple(c for c in checks if not c.id.startswith("network."))
    # What drift.platforms finds tells the env checks which fixes cannot work; a run without
    # it must not solve for them.
    drift_checked = any(c.id == "drift.platforms" for c in checks)
    ctx = build_context(request.root, request.projects, drift_checked=drift_checked)
    report = run_checks(ctx, checks)
    if request.fix and _apply_fixes(ctx, report, request, confirm):
        ctx = build_context(request.root, request.projects, drift_checked=drift_checked)
        report = run_checks(ctx, checks)
        console.info("after fixing:")
    if request.bundle is not None:
        written = bundle.write(request.bundle, ctx, report)
        console.info(f"wrote a shareable report to {written} (secrets and home path redacted)")
    _show(ctx, report, request)
    parsecache.save_all()  # after the report: the user reads it while the cache is written
    return report.exit_code(strict=request.strict)


def _show(ctx: Context, report: Report, request: DoctorRequest) -> None:
    if request.as_json:
        root = str(ctx.monorepo.root) if ctx.monorepo else None
        console.print_json(render.to_json(report, root=root, strict=request.strict))
        return
    out = console.out()
    if out.is_terminal:
        from rich.text import Text

        lines = render.to_lines(report, show_all=request.show_all, width=out.width)
        # One print: rich lays the report out at once.
        out.print(Text("\n").join(line.text() for line in lines))
        return
    # Piped or redirected: no styles to render, so rich has nothing to add but its time; a
    # large report is laid out by two processes (its text is the same).
    lines = render.to_lines(report, show_all=request.show_all, width=out.width, share=fork.halves)
    console.print_plain("\n".join(line.visible() for line in lines), masked=True)


def _apply_fixes(
    ctx: Context, report: Report, request: DoctorRequest, confirm: Callable[[str], bool] | None
) -> bool:
    fixable = [r for r in report.results if r.fixable]
    if not fixable:
        console.info("nothing to fix")
        return False
    # Fixes rebuild envs like setup does: never both at once on one machine.
    with runlock.exclusive(paths.data_dir() / "setup.lock", "devkit setup or doctor --fix"):
        return _fix_each(ctx, fixable, request, confirm)


def _fix_each(
    ctx: Context,
    fixable: list[Result],
    request: DoctorRequest,
    confirm: Callable[[str], bool] | None,
) -> bool:
    done = False
    seen: set[tuple[str | None, str]] = set()
    for result in fixable:
        check = registry.BY_ID[result.check_id]
        assert check.fix is not None
        # env.exists, env.stale and env.pins share one fixer: build each env once.
        key = (result.project, check.fix.__qualname__)
        if key in seen:
            continue
        seen.add(key)
        where = f" ({result.project})" if result.project else ""
        question = f"{result.check_id}{where}: {result.message}. Fix it?"
        if not request.yes:
            if confirm is None:
                console.warn(f"not fixing {result.check_id}{where}: no terminal to ask; pass --yes")
                continue
            if not confirm(question):
                continue
        try:
            console.info(f"fixing {result.check_id}{where}…")
            console.info("  " + check.fix(ctx, result))
            done = True
        except DevkitError as exc:
            console.error(exc)
    return done
