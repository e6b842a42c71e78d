"""The new-project template (data files next to this module) and the substitution that fills it.

Layout: ``project/`` becomes ``<projects folder>/<name>/``; each file in ``workflows/`` becomes
``.github/workflows/<name>-<file>``. A trailing ``.tmpl`` is dropped from file names (the
template's Python files carry it so devkit's own linters and type checker leave them alone);
every ``*.sh`` is written executable.

Substitution: ``{{ variable }}`` (a lowercase name, spaces optional) is replaced by its value.
GitHub's own ``${{ expression }}`` is left alone, and so is anything that is not a known
variable's name in this form. A template naming a variable devkit does not know is an error, so
a typo in a fork fails loudly instead of shipping braces. See docs/project-files.md.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from devkit.errors import DevkitError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

PLACEHOLDER = re.compile(r"(?<!\$)\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
TEMPLATE_SUFFIX = ".tmpl"


@dataclass(frozen=True)
class RenderedFile:
    """One file to write: where (relative to the monorepo root), what, and whether to chmod +x."""

    path: str
    text: str
    executable: bool


def fill(text: str, values: Mapping[str, str], source: str = "template") -> str:
    """Replace every ``{{ name }}``; an unknown name is an error naming the source file."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise DevkitError(
                f"{source} uses `{{{{ {name} }}}}`, which devkit new does not fill",
                hint="known variables: " + ", ".join(sorted(values)),
            )
        return values[name]

    return PLACEHOLDER.sub(substitute, text)


def render(values: Mapping[str, str], projects_dir: str) -> list[RenderedFile]:
    """Every template file, filled, at its place in the monorepo (``values["project"]`` names
    the project; ``folder`` is added: ``<projects_dir>/<project>``)."""
    root = resources.files(__name__)  # works from a wheel, a zip or a checkout
    name = values["project"]
    # `folder` is where the project lands, so workflows follow a devkit.yaml `projects_dir`.
    values = {**values, "folder": f"{projects_dir}/{name}"}
    rendered = [
        _render(item, f"{projects_dir}/{name}/{relative}", values)
        for item, relative in _walk(root / "project")
    ]
    rendered += [
        _render(item, f".github/workflows/{name}-{relative}", values)
        for item, relative in _walk(root / "workflows")
    ]
    return rendered


def _render(item: Traversable, target: str, values: Mapping[str, str]) -> RenderedFile:
    target = target.removesuffix(TEMPLATE_SUFFIX)
    text = fill(item.read_text(encoding="utf-8"), values, source=f"template {target}")
    return RenderedFile(target, text, executable=target.endswith(".sh"))


def _walk(folder: Traversable, prefix: str = "") -> list[tuple[Traversable, str]]:
    found: list[tuple[Traversable, str]] = []
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            found.extend(_walk(item, f"{prefix}{item.name}/"))
        else:
            found.append((item, f"{prefix}{item.name}"))
    return found
