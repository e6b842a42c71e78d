"""A project's first ``.env``: the variables to ask for, and the file written from the answers.

What to ask is what production sets (``workflows.production_variables``: the deploy's
``env_vars`` and ``.env.example``'s keys). The file is ``.env.example`` with the answers put in,
its comments and other lines kept, then what only the deploy sets.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from devkit.repo import dotenv_file
from devkit.repo.github import workflows

HEADER = (
    "# Written by devkit from .env.example. It holds secrets: never commit it (.env is "
    "git-ignored).\n"
)
# Written without quotes: nothing python-dotenv would read differently (spaces, #, quotes, $).
_BARE = re.compile(r"^[A-Za-z0-9_./:@+,=-]+$")


@dataclass(frozen=True)
class Wanted:
    """One variable a project's ``.env`` should set."""

    name: str
    source: str  # the file that says production sets it, relative to the monorepo
    example: str | None  # its value in .env.example; None when only the deploy sets it

    @property
    def secret(self) -> bool:
        """Typed unseen: the name says it holds a credential."""
        return dotenv_file.looks_secret(self.name)

    @property
    def default(self) -> str | None:
        """The example's value when it is a real one (offered as the answer), else None."""
        if self.example is None or dotenv_file.is_placeholder(self.example):
            return None
        return self.example


def wanted(
    root: Path, project_dir: Path, found: list[workflows.Workflow], set_elsewhere: Collection[str]
) -> list[Wanted]:
    """What a project's ``.env`` should set: the example's keys in its order, then the ones only
    the deploy sets; never what devkit run or environment.yml (``set_elsewhere``) sets."""
    example = dotenv_file.example_values(project_dir / ".env.example", inside=root)
    production = workflows.production_variables(root, project_dir, found)
    names = [*example, *(n for n in production if n not in example)]
    return [
        Wanted(name, production.get(name, ""), example.get(name))
        for name in names
        if name not in dotenv_file.SET_BY_RUN and name not in set_elsewhere
    ]


def render(example: str | None, answers: Mapping[str, str], asked: list[Wanted]) -> str:
    """The new ``.env``: the example's text with each non-empty answer in place, then the
    variables only the deploy sets. An empty answer leaves the example's line as it was."""
    from dotenv.parser import parse_stream

    parts = [HEADER]
    for binding in parse_stream(io.StringIO(example or "")):
        answer = answers.get(binding.key or "")
        original = binding.original.string
        if binding.key is None or binding.error or not answer:
            parts.append(original)
            continue
        # python-dotenv counts the blank lines before a binding as part of it: keep them.
        stripped = original.lstrip()
        parts.append(f"{original[: len(original) - len(stripped)]}{binding.key}={quote(answer)}\n")
    if parts[-1] and not parts[-1].endswith("\n"):
        parts.append("\n")
    deploy_only = [w for w in asked if w.example is None]
    for source in dict.fromkeys(w.source for w in deploy_only):
        parts.append(f"\n# Production also sets these ({source}):\n")
        for w in deploy_only:
            if w.source == source:
                parts.append(f"{w.name}={quote(answers.get(w.name, ''))}\n")
    return "".join(parts)


def quote(value: str) -> str:
    """A value as a ``.env`` line holds it, read back by python-dotenv exactly as given."""
    if not value or _BARE.match(value):
        return value
    # Single quotes: no escapes but \\ and \' (python-dotenv's own set_key does the same).
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
