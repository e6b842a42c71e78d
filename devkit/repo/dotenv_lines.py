"""python-dotenv's parse of a ``.env`` (``parse_stream``), quicker for the plain files most are.

Its parser reads each statement through half a dozen regexes and counts the newlines of every
piece it consumes: about 0.4 ms a file, the better part of a doctor run's ``.env`` reading. A
file whose every line is blank, a ``#`` comment or ``KEY=value`` (unquoted, or quoted with
nothing to unescape) is split here into the very bindings python-dotenv gives; any other file
is left to python-dotenv.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dotenv.parser import Binding

# Each alternative is a line python-dotenv reads the same way whatever follows it. Anything
# else (`export`, spaces around `=`, escapes, a quote left open, indentation) is not plain.
_PLAIN_LINE = re.compile(
    r"""(?x)
    \#.*
  | (?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?:
        (?P<bare>[^\s'"\#].*)?
      | "(?P<double>[^"\\]*)"(?:[ \t]*\#.*)?[ \t]*
      | '(?P<single>[^'\\]*)'(?:[ \t]*\#.*)?[ \t]*
    )
    """
)
# What python-dotenv cuts from an unquoted value: an inline comment (after whitespace).
_INLINE_COMMENT = re.compile(r"\s+#.*")


def parse(text: str) -> list[Binding]:
    """``list(dotenv.parser.parse_stream(io.StringIO(text)))``, keys, values, original text,
    line numbers and errors alike."""
    from dotenv.parser import parse_stream

    plain = _plain(text)
    return list(parse_stream(io.StringIO(text))) if plain is None else plain


def _plain(text: str) -> list[Binding] | None:
    from dotenv.parser import Binding, Original

    text = text.removeprefix("\ufeff")  # as python-dotenv's reader does
    if "\r" in text:
        return None  # its line counting treats a lone CR as a line break, split() does not
    lines = text.split("\n")
    last = len(lines) - 1  # the piece after the last newline: "" when the text ends with one
    bindings: list[Binding] = []
    blank_from = 0  # python-dotenv counts the blank lines before a statement as part of it
    for number, line in enumerate(lines):
        newline = "\n" if number < last else ""
        if not line:
            continue
        match = _PLAIN_LINE.fullmatch(line)
        if match is None:
            return None
        original = Original("\n" * (number - blank_from) + line + newline, blank_from + 1)
        key = match.group("key")
        value = None
        if key is not None:
            bare, double, single = match.group("bare", "double", "single")
            value = _INLINE_COMMENT.sub("", bare).rstrip() if bare else double or single or ""
        bindings.append(Binding(key, value, original, False))
        blank_from = number + 1
    if blank_from < last:  # blank lines at the end: a statement of nothing
        bindings.append(
            Binding(None, None, Original("\n" * (last - blank_from), blank_from + 1), False)
        )
    return bindings
