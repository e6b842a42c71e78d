"""``shlex.split``, without shlex for a command that has nothing for it to read.

shlex reads a character at a time in Python: 501 ``run:`` commands in devkit.yaml cost
``devkit run`` 12 ms, and the deploy checks most of their time. Without a quote or a backslash
(and with ``comments=False``, as here), shlex only cuts at its own whitespace, which is what the
fast path does; anything else goes through shlex itself, the reference.
"""

from __future__ import annotations

import re

# shlex's whitespace: not str.split()'s, which also cuts at \v, \f, \x1c-\x1f, \xa0, \u2028...
_BLANKS = re.compile(r"[ \t\r\n]+")


def split(text: str) -> list[str]:
    """``shlex.split(text)``: the same words, and the same ``ValueError`` for an unclosed
    quote or a trailing backslash."""
    if "'" in text or '"' in text or "\\" in text:
        import shlex  # here: `devkit run` splits plain commands only

        return shlex.split(text)
    if text.isprintable():
        # Every blank str.split() cuts at but the space is unprintable (a control, a separator):
        # a printable text has only the one blank shlex also cuts at.
        return text.split()
    return [word for word in _BLANKS.split(text) if word]
