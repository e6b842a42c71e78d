"""A job's matrix and runners: every entry, and the one this machine's OS leg runs."""

from __future__ import annotations

import itertools
from typing import Any

from devkit.repo.github.expressions import Contexts, Unknown, substitute, text_of


def runner_family(labels: list[str]) -> str | None:
    """``linux``, ``macos``, ``windows`` for runner labels, None when no label says."""
    for label in (label.lower() for label in labels):
        if label.startswith("ubuntu") or label == "linux":
            return "linux"
        if label.startswith("macos"):
            return "macos"
        if label.startswith("windows"):
            return "windows"
    return None


def matrix_entries(matrix: Any) -> list[dict[str, Any]]:
    """Every combination of a ``strategy.matrix``, ``exclude`` and ``include`` applied."""
    if matrix is None:
        return [{}]
    if not isinstance(matrix, dict):
        raise Unknown(text_of(matrix))
    keys = [k for k in matrix if k not in ("include", "exclude")]
    values = [v if isinstance(v, list) else [v] for v in (matrix[k] for k in keys)]
    entries = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]
    if not keys:
        entries = []

    def same(a: Any, b: Any) -> bool:
        return text_of(a) == text_of(b)

    for rule in matrix.get("exclude") or []:
        if isinstance(rule, dict):
            entries = [e for e in entries if not all(same(e.get(k), v) for k, v in rule.items())]
    for extra in matrix.get("include") or []:
        if not isinstance(extra, dict):
            continue
        fits = [e for e in entries if all(same(e[k], v) for k, v in extra.items() if k in keys)]
        for entry in fits:
            entry.update(extra)
        if not fits:
            entries.append(dict(extra))
    return entries or [{}]


def runs_on(value: Any, ctx: Contexts) -> list[str]:
    """A job's runner labels, ``${{ matrix.os }}`` resolved from the entry in ``ctx``."""
    if isinstance(value, dict):
        value = value.get("labels")
    labels = value if isinstance(value, list) else [value]
    found: list[str] = []
    for label in labels:
        if label is None:
            continue
        try:
            found.append(substitute(text_of(label), ctx))
        except Unknown:
            found.append(text_of(label))
    return found


def choose(fitting: list[tuple[dict[str, Any], str]], python: str | None) -> tuple[Any, str]:
    """The entry whose Python is the env's (the env has one), else the first."""
    if python:
        for entry, runs_on in fitting:
            versions = [text_of(v) for k, v in entry.items() if "python" in k.lower()]
            if any(python == v or python.startswith(v + ".") for v in versions):
                return entry, runs_on
    return fitting[0]
