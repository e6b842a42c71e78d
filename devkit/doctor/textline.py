"""A line of the text report: its text and where its styles go, a rich ``Text`` only on demand.

A thousand projects' report is 50,000 lines. Made as rich ``Text`` each (which strips control
codes from every line as it is made) they cost more than the rest of the report; going to a
pipe or a file, as most long reports do, nothing of them is used but their text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from rich.text import Span, Text

# What rich's Text takes out of every line it is given (rich.control.STRIP_CONTROL_CODES): the
# plain text printed without rich drops the same.
_STRIPPED = re.compile("[\a\b\v\f\r]")


class Line(NamedTuple):
    """One line: ``plain`` styled by ``style`` as a whole and by ``spans`` in parts."""

    plain: str
    style: str = ""
    spans: tuple[Span, ...] = ()
    tab_size: int | None = None

    def text(self) -> Text:
        """The line as rich ``Text``, as it would have been made directly."""
        from rich.text import Text

        return Text(self.plain, self.style, spans=list(self.spans), tab_size=self.tab_size)

    def visible(self) -> str:
        """The text printed without styles: ``text().plain``, without making the ``Text``."""
        if _STRIPPED.search(self.plain) is None:
            return self.plain
        from rich.control import strip_control_codes

        return strip_control_codes(self.plain)


class Prefix:
    """A line's styled start, laid out once: its text and where its styles go."""

    def __init__(self, *parts: tuple[str, str]) -> None:
        from rich.text import Span

        self.plain = "".join(part for part, _ in parts)
        spans: list[Span] = []
        offset = 0
        for part, style in parts:
            if part and style:  # as Text.append: no span for an unstyled or empty part
                spans.append(Span(offset, offset + len(part), style))
            offset += len(part)
        self.spans = tuple(spans)

    def line(self, rest: str) -> Line:
        """The prefix and ``rest``: what ``Text.assemble(*parts, rest)`` makes (the same text,
        spans and tab size). Text drops control codes from the whole as from each part, and
        only ``rest`` (last, unstyled) may hold any."""
        return Line(self.plain + rest, "", self.spans, 8)
