"""Variable checks: `.env` present, production's variables set, nothing unused, nothing leaked.

Every message names variables, never their values.
"""

from __future__ import annotations

from devkit import atomic
from devkit.doctor.base import ProjectOutcome, Result
from devkit.doctor.context import Context
from devkit.errors import FileFormatError
from devkit.repo import dotenv_file
from devkit.repo.monorepo import Project


def dotenv_present(ctx: Context, out: ProjectOutcome) -> Result:
    """A project with a `.env.example` has its own `.env`."""
    project = out.project
    path = project.path / ".env"
    candidates = (out.monorepo.root / ".env", path, project.path / ".env.example")
    outside = [error.message for error in map(ctx.outside, candidates) if error is not None]
    if outside:
        return out.warn(
            "; ".join(outside),
            hint="keep .env and .env.example in the clone; pass a .env of yours kept elsewhere "
            "to `devkit run --env-file <path>`",
            items=outside,
        )
    if path.is_file():
        return out.ok(".env present")
    if path.exists() and not path.is_dir():
        return out.ok(".env present (a pipe: read once per devkit command)")
    if path.is_symlink() or path.exists():
        what = "a directory" if path.is_dir() else "a symlink to nothing"
        return out.fail(
            f"{path} is {what}, not a file: `devkit run` cannot load it",
            hint=f"replace it with a file of KEY=value lines (from {path.name}.example)",
            fixable=False,
        )
    if (project.path / ".env.example").is_file():
        return out.warn(
            ".env is missing (the project has a .env.example)",
            hint=f"`devkit dotenv {project.name}` asks for each value and writes it (or "
            "`devkit doctor --fix` copies .env.example, to fill in by hand)",
        )
    return out.ok("no .env needed (no .env.example)")


def fix_dotenv(ctx: Context, result: Result) -> str:
    """Copy `.env.example` to `.env`, never over an existing file; only the user may read it."""
    assert ctx.monorepo is not None and result.project is not None
    project = ctx.monorepo.project(result.project)
    target = project.path / ".env"
    outside = ctx.outside(project.path / ".env.example")
    if outside is not None:
        return f"not copied: {outside.message}"
    data = (project.path / ".env.example").read_bytes()
    # Never over a .env the user makes meanwhile; 0600: it gets secrets; whole or not at all.
    if not atomic.create_bytes(target, data, private=True):
        return f"{target} already exists; left as is"
    left = list(
        dotenv_file.placeholders_in(target.with_name(".env.example"), inside=ctx.monorepo.root)
    )
    todo = f"; still placeholders: {', '.join(left)}" if left else ""
    return f"copied .env.example to {target} (readable by you only): fill in the real values{todo}"


def missing(ctx: Context, out: ProjectOutcome) -> Result:
    """Every variable production sets has a real value locally (shell or `.env`): not empty, and
    not still the placeholder `.env.example` holds for it."""
    project = out.project
    required = ctx.github.production_variables(project)
    if not required:
        return out.ok("production sets no variables devkit knows of")
    loaded = ctx.dotenv(project)
    shell = ctx.facts.environ
    spec = ctx.spec(project)
    # environment.yml `variables:` are set by micromamba on activation, as `devkit run` knows.
    from_env_file = {} if isinstance(spec, FileFormatError) else spec.variables
    placeholders = dotenv_file.placeholders_of(ctx.env_example(project))
    unset: list[str] = []
    unfilled: list[str] = []
    for name in required:
        if name in dotenv_file.SET_BY_RUN:
            continue
        values = [shell.get(name), loaded.values.get(name), from_env_file.get(name)]
        if any(v and not dotenv_file.still_placeholder(name, v, placeholders) for v in values):
            continue
        # A copied .env.example (`doctor --fix`, `cp`) holds every key: non-empty is not set.
        has_placeholder = any(dotenv_file.still_placeholder(name, v, placeholders) for v in values)
        (unfilled if has_placeholder else unset).append(name)
    problems = []
    if unset:
        sources = sorted({required[n] for n in unset})
        problems.append(
            f"not set locally: {', '.join(unset)} (production sets them: {', '.join(sources)})"
        )
    if unfilled:
        problems.append(f"still the placeholder from .env.example: {', '.join(unfilled)}")
    if problems:
        return out.fail("; ".join(problems), hint=f"put the real values in {project.path / '.env'}")
    return out.ok(f"all {len(required)} production variables are set")


def unused(ctx: Context, out: ProjectOutcome) -> Result:
    """Every key in `.env` is used: listed for production or named in the project's code."""
    project = out.project
    path = project.path / ".env"
    # From the one read of this run (a pipe cannot be read twice).
    keys = [key for key, source in ctx.dotenv(project).sources.items() if source == path]
    if not keys:
        return out.skip("no .env keys")
    known = set(ctx.github.production_variables(project))
    candidates = [k for k in keys if k not in known and k not in dotenv_file.SET_BY_RUN]
    if not candidates:
        return out.ok(f"all {len(keys)} keys are known to production")
    code = _project_code(ctx, project)
    unused_keys = [k for k in candidates if k not in code]
    if unused_keys:
        return out.warn(
            f".env keys nothing uses: {', '.join(unused_keys)}",
            hint="remove them, or add them to .env.example so production sets them too",
        )
    return out.ok(f"all {len(keys)} keys are used")


def _project_code(ctx: Context, project: Project) -> str:
    texts = []
    for path in sorted(project.path.rglob("*.py")):
        if "site-packages" in path.parts or ctx.outside(path) is not None:
            continue
        try:
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return "\n".join(texts)


def tracked(ctx: Context, out: ProjectOutcome) -> Result:
    """`.env` is not committed to git (it holds secrets)."""
    project = out.project
    path = ctx.resolved(project.path / ".env")
    if ctx.which("git") is None:
        # Not "not tracked": without git nobody can say, and this is the secrets check.
        return out.warn(
            "git is not installed: devkit cannot tell whether .env is committed",
            hint="install git, then run `devkit doctor` again",
        )
    if path in ctx.tracked_env_files:
        return out.fail(
            f"{project.path / '.env'} is tracked by git: its secrets are in the history",
            hint=f"git rm --cached {project.path / '.env'}, add `.env` to .gitignore, and "
            "rotate every secret it held",
        )
    return out.ok(".env is not tracked by git")
