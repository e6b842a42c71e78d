"""How a parsed YAML or JSON value reads in an error message ("a string ('x')", "a list")."""

from __future__ import annotations


def kind(value: object, *, json: bool = False) -> str:
    """``value`` named for a "must be X, not Y" message, in YAML's words or JSON's."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "an array" if json else "a list"
    if isinstance(value, dict):
        return "an object" if json else "a mapping"
    return type(value).__name__
