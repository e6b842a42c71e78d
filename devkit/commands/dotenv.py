"""``devkit dotenv``: write a project's first ``.env``, asking for each variable production sets.

``devkit setup`` offers the same at its end (``offer``), for every project it built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devkit import atomic, console, paths
from devkit.commands.envsetup import Summary
from devkit.conda import envspec
from devkit.errors import DevkitError, FileFormatError, UsageError
from devkit.repo import dotenv_create, dotenv_file
from devkit.repo.github import workflows
from devkit.repo.monorepo import Monorepo, Project

AskValue = Callable[[str, str | None, bool], str]
"""(question, the answer offered, secret) -> the answer; empty leaves it to fill in later."""


@dataclass(frozen=True)
class Written:
    """A ``.env`` devkit wrote, and the variables still to fill in (names only)."""

    path: Path
    unfilled: tuple[str, ...]

    def describe(self) -> str:
        """One line for the user: where, who may read it, what is left."""
        left = f"; still to fill in: {', '.join(self.unfilled)}" if self.unfilled else ""
        return f"wrote {shown(self.path)} (readable by you only){left}"


def needs_dotenv(project: Project) -> bool:
    """The project has a ``.env.example`` and nothing at all where its ``.env`` goes."""
    path = project.path / ".env"
    return (project.path / ".env.example").is_file() and not (path.exists() or path.is_symlink())


def wanted_for(monorepo: Monorepo, project: Project) -> list[dotenv_create.Wanted]:
    """The variables to ask for (an unreadable workflow is doctor's to report, not ours)."""
    found, _ = workflows.load_all(monorepo.root)
    try:
        set_by_env_file = envspec.parse(project.env_file, dependencies=False).variables
    except FileFormatError:
        set_by_env_file = {}
    return dotenv_create.wanted(monorepo.root, project.path, found, set_by_env_file)


def question(wanted: dotenv_create.Wanted) -> str:
    """How a variable is asked for."""
    notes = []
    if wanted.secret:
        notes.append("secret, not shown")
    if wanted.example is None:
        notes.append(f"the deploy sets it: {wanted.source}")
    if wanted.default is None:
        notes.append("empty: fill in later")
    return f"{wanted.name} ({'; '.join(notes)})" if notes else wanted.name


def create(monorepo: Monorepo, project: Project, ask: AskValue) -> Written | None:
    """Ask for each variable, then write the ``.env`` (0600) at once; None if one appeared
    meanwhile (it is left as it is)."""
    asked = wanted_for(monorepo, project)
    example = project.path / ".env.example"
    answers = {w.name: ask(question(w), w.default, w.secret) for w in asked}
    text = dotenv_create.render(_read(example, monorepo.root), answers, asked)
    path = project.path / ".env"
    if not atomic.create_text(path, text, private=True):
        return None
    # Read back as `devkit run` will: this registers the secrets, and "still to fill in" is
    # decided by the rule doctor and run use.
    values = dotenv_file.load([path]).values
    placeholders = dotenv_file.placeholders_in(example, inside=monorepo.root)
    unfilled = tuple(
        w.name
        for w in asked
        if not values.get(w.name)
        or dotenv_file.still_placeholder(w.name, values[w.name], placeholders)
    )
    return Written(path, unfilled)


def offer(
    monorepo: Monorepo,
    projects: list[Project],
    confirm: Callable[[str, str], bool] | None,
    ask: AskValue,
    summary: Summary,
) -> dict[str, Written]:
    """setup's step: offer each project its first .env (`devkit run` needs one, and a fresh
    clone has none). ``confirm`` is None when nobody can answer (no terminal, or --yes)."""
    written: dict[str, Written] = {}
    for project in projects:
        if not needs_dotenv(project):
            continue
        step = f".env {project.name}"
        where = (project.path / ".env").relative_to(monorepo.root).as_posix()
        later = f"`devkit dotenv {project.name}` asks for its values"
        if confirm is None:
            detail = f"{where} is missing; not asked (no terminal, or --yes): {later}"
            summary.skip(step, detail)
            continue
        try:
            count = len(wanted_for(monorepo, project))
            question = f"Create {where} now? (asks for the {count} variables production sets)"
            if not confirm(question, "--yes"):
                summary.skip(step, f"{where} not created: {later}")
                continue
            done = create(monorepo, project, ask)
        except DevkitError as exc:  # an unreadable .env.example: this project only
            summary.fail(step, exc.message)
            continue
        if done is None:
            summary.skip(step, f"{where} appeared meanwhile; left as it is")
            continue
        written[project.name] = done
        summary.done(step, done.describe())
    return written


def by_hand(project: Project, asked: list[dotenv_create.Wanted]) -> str:
    """The exact commands that make the ``.env`` without devkit asking."""
    path = project.path / ".env"
    example = project.path / ".env.example"
    names = ", ".join(w.name for w in asked if w.default is None)
    fill = f"then set {names} in it" if names else "then check its values"
    if example.is_file():
        # umask: cp gives a new file the example's mode, and this one will hold secrets.
        return f"(umask 077 && cp -n {shown(example)} {shown(path)}), {fill}"
    return f"write {shown(path)} (chmod 600) with {names}"


def dotenv(monorepo: Monorepo, name: str, ask: AskValue | None) -> int:
    """``devkit dotenv <project>``."""
    project = monorepo.project(name)
    path = project.path / ".env"
    if path.exists() or path.is_symlink():
        raise _exists(project)
    asked = wanted_for(monorepo, project)
    if not asked and not (project.path / ".env.example").is_file():
        console.info(f"nothing to write: production sets no variables for {name}")
        return 0
    if ask is None:
        raise UsageError(
            f"no terminal to ask for the values of {shown(path)}",
            hint=f"run it in a terminal, or: {by_hand(project, asked)}",
        )
    written = create(monorepo, project, ask)
    if written is None:
        raise _exists(project)
    console.info(written.describe())
    return 0


def _exists(project: Project) -> DevkitError:
    return DevkitError(
        f"{shown(project.path / '.env')} already exists; devkit never overwrites it",
        hint=f"edit it (`devkit doctor {project.name}` names what is missing), "
        "or move it away and run this again",
    )


def _read(example: Path, root: Path) -> str | None:
    # One that resolves outside the clone is not copied into the new .env (as if absent).
    if not example.is_file() or paths.escapes(example, root) is not None:
        return None
    try:
        return example.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(example, f"cannot read: {exc}") from exc


def shown(path: Path) -> str:
    """A path as the user can paste it here: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
