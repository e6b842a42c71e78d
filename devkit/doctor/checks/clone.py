"""Clone checks: the monorepo is found, is a git clone of the right remote, and is up to date."""

from __future__ import annotations

from devkit import git
from devkit.doctor.base import Outcome, Result
from devkit.doctor.context import Context
from devkit.repo import clonestate


def found(ctx: Context, out: Outcome) -> Result:
    """devkit knows where the monorepo is, and it is a finished clone holding projects."""
    if ctx.monorepo is None:
        error = ctx.monorepo_error
        return out.fail(
            error.message if error else "no monorepo found",
            hint=(error.hint if error and error.hint else "pass --root, or run `devkit setup`"),
        )
    # A clone killed part-way has its origin and no commit: "found, 0 projects" would pass it.
    problem = clonestate.unfinished(ctx.monorepo, use_git=ctx.which("git") is not None)
    if problem is not None:
        return out.fail(problem.message, hint=problem.hint)
    count = len(ctx.all_projects)
    if count == 0:
        return out.warn(
            f"{ctx.monorepo.root}: {ctx.monorepo.projects_dir} holds no project (a folder with "
            "an environment.yml)",
            hint="`devkit new <name>` creates one",
        )
    found_at = f"{ctx.monorepo.root} ({count} project{'s' * (count != 1)})"
    outside = ctx.monorepo.outside_projects()
    if outside:
        return out.warn(
            f"{found_at}; " + "; ".join(str(o) for o in outside),
            hint="keep projects inside the clone (a symlink within it is fine)",
        )
    return out.ok(found_at)


NO_GIT = "git is not installed (see git.installed)"


def is_git(ctx: Context, out: Outcome) -> Result:
    """The monorepo is a git work tree."""
    if ctx.monorepo is None:
        return out.skip("no monorepo")
    if ctx.which("git") is None:
        return out.fail(
            f"{NO_GIT}: devkit cannot tell whether {ctx.monorepo.root} is a clone",
            hint="install git (macOS: xcode-select --install)",
        )
    top = git.toplevel(ctx.monorepo.root)
    if top is None:
        return out.fail(
            f"{ctx.monorepo.root} is not inside a git clone",
            hint="clone the monorepo with `devkit setup --repo URL` instead of copying it",
        )
    return out.ok(f"git work tree at {top}")


def remote(ctx: Context, out: Outcome) -> Result:
    """The clone's origin is the repository devkit was set up with."""
    if ctx.monorepo is None or ctx.config.repo_url is None:
        return out.skip("no repository recorded by `devkit setup`")
    if ctx.which("git") is None:
        return out.skip(NO_GIT)
    url = git.remote_url(ctx.monorepo.root)
    if url is None:
        return out.fail(
            "the clone has no `origin` remote",
            hint=f"git -C {ctx.monorepo.root} remote add origin {ctx.config.repo_url}",
        )
    if not git.same_remote(url, ctx.config.repo_url):
        return out.fail(
            f"origin is {url}, but devkit was set up with {ctx.config.repo_url}",
            hint="point devkit at the right clone (--root), or fix the remote: "
            f"git -C {ctx.monorepo.root} remote set-url origin {ctx.config.repo_url}",
        )
    return out.ok(f"origin is {url}")


def behind(ctx: Context, out: Outcome) -> Result:
    """How far the clone is behind its upstream, as of the last fetch."""
    if ctx.monorepo is None:
        return out.skip("no monorepo")
    if ctx.which("git") is None:
        return out.skip(NO_GIT)
    counts = git.ahead_behind(ctx.monorepo.root)
    if counts is None:
        return out.skip("the current branch has no upstream")
    ahead, behind_by = counts
    if behind_by:
        return out.warn(
            f"{behind_by} commit{'s' * (behind_by != 1)} behind upstream (as of the last fetch)",
            hint=f"git -C {ctx.monorepo.root} pull --ff-only",
        )
    return out.ok(f"up to date with upstream (as of the last fetch; {ahead} ahead)")
