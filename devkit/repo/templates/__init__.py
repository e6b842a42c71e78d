"""The new-project template (data files next to this module) and the substitution that fills it.

Layout: ``project/`` becomes ``<projects folder>/<name>/``; each file in ``workflows/`` becomes
``.github/workflows/<name>-<file>``. A trailing ``.tmpl`` is dropped from file names (the
template's Python files carry it so devkit's own linters and type checker leave them alone);
every ``*.sh`` is written executable.

Variants: ``NAME@VARIANT`` is written as ``NAME`` when ``values["variant"]`` is ``VARIANT`` (and
the plain ``NAME`` is then left out); otherwise it is left out. ``devkit new --lock`` renders
the ``lock`` variant (``Dockerfile@lock``: the image built from conda-lock.yml).

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
    variant = values.get("variant", "")
    rendered = [
        _render(item, f"{projects_dir}/{name}/{relative}", values)
        for item, relative in _chosen(_walk(root / "project"), variant)
    ]
    rendered += [
        _render(item, f".github/workflows/{name}-{relative}", values)
        for item, relative in _chosen(_walk(root / "workflows"), variant)
    ]
    return rendered


def _chosen(items: list[tuple[Traversable, str]], variant: str) -> list[tuple[Traversable, str]]:
    """``NAME@VARIANT`` as ``NAME`` for the active variant, in place of the plain ``NAME``."""
    replaced = (
        {relative.rpartition("@")[0] for _, relative in items if relative.endswith(f"@{variant}")}
        if variant
        else set()
    )
    chosen = []
    for item, relative in items:
        if "@" in relative.rsplit("/", 1)[-1]:
            base, _, suffix = relative.rpartition("@")
            if suffix == variant:
                chosen.append((item, base))
        elif relative not in replaced:
            chosen.append((item, relative))
    return chosen


def read(relative: str) -> str:
    """One template file's text as it is in the package (``project/Dockerfile@lock``)."""
    item = resources.files(__name__)
    for part in relative.split("/"):
        item = item / part
    return item.read_text(encoding="utf-8")


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
