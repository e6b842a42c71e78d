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
import re

_WANTED = frozenset({"name", "version", "manager", "platform", "build", "url"})
_NEEDED = ("name", "version", "manager", "platform")


def scan(text: str) -> list[dict[str, str]] | None:
    """The package entries (the keys above, as text), or None if this reader cannot tell."""
    head = re.search(r"^package:[ \t]*(\S?)", text, re.MULTILINE)
    if head is None or head.group(1):
        return None  # no list, or `package: [...]` in flow style
    body = text[head.end() :]
    top = re.search(r"^[^\s#-]", body, re.MULTILINE)  # the next top-level key ends the list
    body = body[: top.start()] if top else body
    first = re.search(r"^([ \t]*)- ", body, re.MULTILINE)
    if first is None:
        return [] if not body.strip(" \t\n#") else None
    indent = re.escape(first.group(1))
    # One pass in C over the entries' own lines: `- key: value` starts an entry, `  key: value`
    # continues it; deeper lines (dependencies, hash, source) do not match.
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    wanted = "|".join(sorted(_WANTED))
    pattern = rf"^{indent}(?:(- )([A-Za-z_]+)|  ({wanted})):(.*)$"
    for match in re.finditer(pattern, body, re.MULTILINE):
        if match.group(1):
            current = {}
            entries.append(current)
        elif not entries:
            return None
        key = match.group(2) or match.group(3)
        if key in _WANTED:
            scalar = _scalar(match.group(4).strip())
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


def custom_value(text: str, key: str) -> str | None:
    """``metadata.custom_metadata.<key>`` as devkit writes it (block style), or None."""
    block = re.search(r"^  custom_metadata:[ \t]*\n((?:    .*\n?)*)", text, re.MULTILINE)
    if block is None:
        return None
    found = re.search(rf"^    {re.escape(key)}:(.*)$", block.group(1), re.MULTILINE)
    return _scalar(found.group(1).strip()) if found else None
