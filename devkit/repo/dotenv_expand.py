"""How python-dotenv expands a ``.env``'s ``${VAR}`` references, worked out for ``dotenv_file``:
the values (``resolve``) and, before building any, their sizes (``check_limits``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from devkit import limits
from devkit.errors import FileFormatError

if TYPE_CHECKING:
    from dotenv.parser import Binding


def resolve(pairs: Iterable[tuple[str, str | None]]) -> dict[str, str | None]:
    """python-dotenv's ``resolve_variables(pairs, override=True)``: a ``${VAR}`` is the value
    of a line above, else the environment's, else its default. Looked up through both rather
    than a copy of ``os.environ`` made for every line, which was most of a .env's load."""
    import os
    from collections import ChainMap

    from dotenv.variables import parse_variables

    values: dict[str, str | None] = {}
    env: ChainMap[str, str | None] = ChainMap(values, os.environ)  # type: ignore[arg-type]
    for key, value in pairs:
        # Set after resolving: `A=${A}` reads the A before this line, as python-dotenv does.
        if value is None or "${" not in value:
            resolved = value  # python-dotenv's one Literal: nothing to look up (most lines)
        else:
            resolved = "".join(a.resolve(env) for a in parse_variables(value))
        values[key] = resolved
    return values


def check_limits(path: Path, bindings: Sequence[Binding]) -> None:
    """Refuse a file no process could receive, before python-dotenv builds its values.

    ``${VAR}`` is expanded once per line, so ``B=${A}${A}``, ``C=${B}${B}``, … doubles a value on
    every line: thirty lines ask for gigabytes. The sizes are worked out here the way
    python-dotenv expands (later lines see earlier ones, then the environment, then the
    ``:-default``), without building a single value.
    """
    import os

    from dotenv.variables import Variable, parse_variables

    sizes: dict[str, int | None] = {}
    for binding in bindings:
        if binding.key is None or binding.error:
            continue
        line = first_text_line(binding.original.line, binding.original.string)
        if len(sizes) >= limits.DOTENV_MAX_VARIABLES and binding.key not in sizes:
            raise FileFormatError(
                path,
                f"more than {limits.DOTENV_MAX_VARIABLES:,} variables, the most devkit reads "
                "from a .env file",
                line=line,
            )
        if binding.value is None:
            sizes[binding.key] = None
            continue
        size = 0 if "${" in binding.value else len(binding.value)  # most lines: one Literal
        for atom in parse_variables(binding.value) if size == 0 else ():
            if not isinstance(atom, Variable):
                size += len(atom.resolve({}))
            elif atom.name in sizes:
                size += sizes[atom.name] or 0
            elif atom.name in os.environ:
                size += len(os.environ[atom.name])
            else:
                size += len(atom.default or "")
        if size > limits.DOTENV_MAX_VALUE:
            raise FileFormatError(
                path,
                f"`{binding.key}` expands to {size:,} characters: no process can receive a "
                f"variable over {limits.size_text(limits.DOTENV_MAX_VALUE)} (Linux's limit)",
                line=line,
                hint="check the ${…} references on that line",
            )
        sizes[binding.key] = size
    total = sum(size or 0 for size in sizes.values())
    if total > limits.DOTENV_MAX_TOTAL:
        raise FileFormatError(
            path,
            f"its values expand to {total:,} characters: no process can receive more than "
            f"{limits.size_text(limits.DOTENV_MAX_TOTAL)} of variables (macOS's limit)",
        )


def first_text_line(line: int, original: str) -> int:
    # python-dotenv counts blank lines before a bad statement as part of it.
    stripped = original.lstrip()
    return line + original[: len(original) - len(stripped)].count("\n")
