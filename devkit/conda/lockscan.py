"""A fast read of a conda-lock v1 file's package entries, for comparing two locks.

lockfile.read checks every value and keeps every line number, which takes seconds on a lock of
a few hundred packages per platform (PyYAML in pure Python); a comparison needs only each
entry's manager, name, platform, version, build and URL. devkit and conda-lock write the
``package:`` list in YAML's block style, one ``key: value`` per line, so this reads those
lines directly. Anything laid out otherwise (flow style, a key it does not expect to be
nested, an entry without its name) makes it answer None, and the caller reads the file the
thorough way, which also reports a broken one with its line.
"""

from __future__ import annotations

import json

_WANTED = frozenset({"name", "version", "manager", "platform", "build", "url"})
_NEEDED = ("name", "version", "manager", "platform")


def scan(text: str) -> list[dict[str, str]] | None:
    """The package entries (the keys above, as text), or None if this reader cannot tell."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    in_package = False
    item = ""  # the indentation of the list's "- "
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            in_package = line.startswith("package:")
            if in_package and stripped != "package:":
                return None  # `package: [...]`: flow style
            continue
        if not in_package:
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if stripped.startswith("- "):
            if current is None:
                item = indent
            elif indent != item:
                return None  # a nested list of mappings: not the layout expected
            current = {}
            entries.append(current)
            stripped = stripped[2:]
        elif current is None or len(indent) != len(item) + 2:
            continue  # nested values (dependencies, hash, source): not needed here
        key, colon, value = stripped.partition(":")
        if not colon:
            return None
        if key in _WANTED:
            scalar = _scalar(value.strip())
            if scalar is None:
                return None
            current[key] = scalar
    if any(any(k not in entry for k in _NEEDED) for entry in entries):
        return None
    return entries


def _scalar(value: str) -> str | None:
    """A one-line YAML scalar as text; None for what needs a real parser."""
    if value.startswith("'"):
        if not value.endswith("'") or len(value) < 2:
            return None
        return value[1:-1].replace("''", "'")
    if value.startswith('"'):
        try:
            loaded = json.loads(value)  # YAML's double-quoted escapes are JSON's here
        except ValueError:
            return None
        return loaded if isinstance(loaded, str) else None
    if value.startswith(("{", "[", "&", "*", "!", "|", ">")) or " #" in value:
        return None
    return value
