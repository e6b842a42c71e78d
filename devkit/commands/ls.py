"""``devkit ls``: every project with what doctor knows of its env, its Python pin and its lock."""

from __future__ import annotations

from pathlib import Path

from devkit import console, parsecache
from devkit.commands.doctor import build_context, select_checks
from devkit.doctor import listing
from devkit.doctor.parallel import run_checks


def ls(root: Path | None, as_json: bool) -> int:
    """List projects with what doctor knows of their envs (the same checks, summarised)."""
    ctx = build_context(root, ())
    if ctx.monorepo is None:
        assert ctx.monorepo_error is not None
        raise ctx.monorepo_error
    report = run_checks(ctx, select_checks(listing.CHECK_IDS))
    rows = listing.rows(ctx, report)
    if as_json:
        console.print_json(listing.to_json(rows))
    else:
        listing.show(rows)
    parsecache.save_all()
    return 0
