"""Wrapping a report's lines as textwrap would, faster."""

from __future__ import annotations

import re

_OTHER_SPACES = "\t\n\x0b\x0c\r"  # what TextWrapper makes spaces (tabs expanded first)
_TO_SPACE = str.maketrans(dict.fromkeys(_OTHER_SPACES, " "))
_SPACES = re.compile(r"( +)")
# What keeps a text from being words between single spaces: other whitespace (anything
# str.strip() removes, as \s is), two spaces, a space at either end.
_NOT_PLAIN = re.compile(r"[^\S ]|  |\A | \Z")


def wrap(text: str, width: int, start: int, indent: int) -> list[str]:
    """``textwrap.wrap(text, width, initial_indent=" " * start, subsequent_indent=" " * indent,
    break_long_words=False, break_on_hyphens=False)``, line for line: a path or URL stays
    whole, even when wider than the line. Its steps without a TextWrapper built for each of
    the report's lines (20,000 at 1000 projects); tests/doctor/test_render.py compares them."""
    # TextWrapper's munging: tabs expanded, its other whitespace made spaces; words are then
    # the runs between spaces (its wordsep_simple_re), and a whitespace chunk is what
    # str.strip() empties, as it tests.
    if width <= 0:
        raise ValueError(f"invalid width {width!r} (must be > 0)")  # as TextWrapper refuses it
    if _NOT_PLAIN.search(text) is None:
        return _wrap_plain(text, width, start, indent)
    if any(char in text for char in _OTHER_SPACES):  # translate() costs more than the tests
        text = text.expandtabs().translate(_TO_SPACE)
    chunks = [c for c in _SPACES.split(text) if c]
    chunks.reverse()
    lines: list[str] = []
    while chunks:
        prefix = indent if lines else start
        room = width - prefix
        if lines and chunks[-1].strip() == "":
            del chunks[-1]  # no line but the first starts with whitespace
        line: list[str] = []
        length = 0
        while chunks and length + len(chunks[-1]) <= room:
            line.append(chunks.pop())
            length += len(line[-1])
        if chunks and not line and len(chunks[-1]) > room:
            line.append(chunks.pop())  # too long for any line: alone, unbroken
        if line and line[-1].strip() == "":
            del line[-1]
        if line:
            lines.append(" " * prefix + "".join(line))
    return lines


def _wrap_plain(text: str, width: int, start: int, indent: int) -> list[str]:
    """``wrap`` for words between single spaces, a line at a time rather than a word at a time
    (most of the report's texts). TextWrapper's greedy fill then ends a line at the last space
    within its room (the space dropped, fitting or not), or after a first word longer than the
    room, which it leaves whole."""
    lines: list[str] = []
    size = len(text)
    at = 0  # where the next line's first word starts
    while at < size:
        prefix = indent if lines else start
        room = width - prefix
        if size - at <= room:
            end = size
        else:
            # (a room of 0 or less holds no word, and would be a slice from the end)
            end = text.rfind(" ", at, at + room + 1) if room > 0 else -1
            if end == -1:
                end = text.find(" ", at)
                end = size if end == -1 else end
        lines.append(" " * prefix + text[at:end])
        at = end + 1
    return lines
