"""What the actions a checks workflow uses amount to on a developer's machine."""

from __future__ import annotations

import enum
import shlex
from dataclasses import dataclass
from typing import Any

from devkit import yamlfile
from devkit.repo.github.expressions import Contexts, Unknown, substitute, text_of

# `owner/repo` of the actions that set up the project's env in CI.
ENV_ACTIONS = ("mamba-org/provision-with-micromamba", "mamba-org/setup-micromamba")
BLACK_ACTION = "psf/black"
# The psf/black action's defaults (action.yml): `black --check --diff .` from the workspace.
BLACK_OPTIONS = "--check --diff"
BLACK_SRC = "."


class StepKind(enum.Enum):
    """How a step runs here."""

    RUN = "run"  # its script, in the project's env
    ENV = "env"  # provision-with-micromamba / setup-micromamba: the project's env, as built
    BLACK = "black"  # psf/black: black from the project's env
    NOTHING = "nothing"  # checkout, setup-python: done already
    SKIP = "skip"  # cannot be done here; ``detail`` says why


@dataclass(frozen=True)
class Mapped:
    """A ``uses:`` step as it runs here."""

    kind: StepKind
    detail: str
    black_args: tuple[str, ...] = ()
    black_version: str = ""


def action_name(uses: str) -> str:
    """``owner/repo`` of a ``uses:`` reference, lower-cased, without ``@ref`` or a subfolder."""
    return "/".join(uses.split("@", 1)[0].strip().lower().split("/")[:2])


def map_action(uses: str, step: yamlfile.YamlMap, ctx: Contexts) -> Mapped:
    """What ``uses:`` does here: nothing, the env, black, or skipped with the reason."""
    name = action_name(uses)
    inputs = step.get("with") if isinstance(step.get("with"), dict) else {}
    assert isinstance(inputs, dict)
    if name == "actions/checkout":
        return Mapped(StepKind.NOTHING, "nothing to do: your working tree is the checkout")
    if name == "actions/setup-python":
        wanted = text_of(inputs.get("python-version"))
        ci = f" (CI installs Python {wanted})" if wanted else ""
        return Mapped(StepKind.NOTHING, f"nothing to do: the project's env has its Python{ci}")
    if name in ENV_ACTIONS:
        env_file = text_of(inputs.get("environment-file"))
        source = f" from {env_file}" if env_file else ""
        return Mapped(StepKind.ENV, f"CI builds it{source}")
    if name == BLACK_ACTION:
        return _black(inputs, ctx)
    if uses.startswith("./"):
        return Mapped(StepKind.SKIP, f"runs the repository's own action {uses}")
    return Mapped(StepKind.SKIP, f"{uses}: devkit does not know what this action does here")


def _black(inputs: dict[str, Any], ctx: Contexts) -> Mapped:
    if text_of(inputs.get("use_pyproject")) == "true":
        return Mapped(
            StepKind.SKIP, "reads black's version from pyproject.toml, which devkit does not"
        )
    try:
        version = substitute(text_of(inputs.get("version")), ctx).strip()
        legacy = substitute(text_of(inputs.get("black_args")), ctx)
        options = substitute(text_of(inputs.get("options", BLACK_OPTIONS)), ctx)
        src = substitute(text_of(inputs.get("src", BLACK_SRC)), ctx)
    except Unknown as exc:
        return Mapped(StepKind.SKIP, f"its inputs need {exc.part}, which only a CI run knows")
    try:
        # As the action does: the deprecated black_args wins over options + src.
        args = shlex.split(legacy) if legacy.strip() else [*shlex.split(options), *shlex.split(src)]
    except ValueError as exc:
        return Mapped(StepKind.SKIP, f"its options do not parse: {exc}")
    pinned = f"black {version}" if version else "the env's black"
    detail = f"{pinned}: black {shlex.join(args)} (from the monorepo root)"
    if text_of(inputs.get("jupyter")) == "true":
        detail += " (notebooks need black's jupyter extra in the env)"
    return Mapped(StepKind.BLACK, detail, tuple(args), version)
