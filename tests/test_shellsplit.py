"""shellsplit.split is shlex.split: the same words, the same errors, for any text."""

from __future__ import annotations

import itertools
import random
import re
import shlex
import sys

import pytest

from devkit import shellsplit

# Every character str.split() cuts at that shlex does not, shlex's own whitespace, what shlex
# reads specially (quotes, backslash, `#` which split() does not take as a comment) and plain
# text around them.
_UNICODE_BLANKS = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
_ALPHABET = ["a", "é", " ", "\t", "\n", "\r", "'", '"', "\\", "#", "$", "=", "\0", "\x0b", "\xa0"]


def _outcome(split: object, text: str) -> object:
    try:
        return split(text)  # type: ignore[operator]
    except ValueError as exc:
        return ("ValueError", str(exc))


def test_every_blank_str_split_knows_is_seen() -> None:
    # The table the random texts draw from holds what Python calls whitespace, all of it.
    assert {" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u3000"} <= set(
        _UNICODE_BLANKS
    )


@pytest.mark.parametrize("blank", _UNICODE_BLANKS, ids=lambda c: f"U+{ord(c):04X}")
def test_each_blank_cuts_where_shlex_cuts(blank: str) -> None:
    for text in (f"a{blank}b", f"{blank}a", f"a{blank}", f"{blank}{blank}", f"a {blank} b"):
        assert shellsplit.split(text) == shlex.split(text), repr(text)


def test_every_short_text_splits_as_shlex_splits() -> None:
    for length in range(4):
        for pieces in itertools.product(_ALPHABET, repeat=length):
            text = "".join(pieces)
            assert _outcome(shellsplit.split, text) == _outcome(shlex.split, text), repr(text)


def test_commands_split_as_shlex_splits() -> None:
    pieces = ["uvicorn", "main:app", "--port", "$PORT", "--host=127.0.0.1", "#", "é", "x"]
    pieces += [" ", "  ", "\t", "\r\n", "\n", "'", '"', "\\", "'q r'", '"d e"', "\\ ", "\\\n"]
    pieces += ["\0", *_UNICODE_BLANKS]
    rnd = random.Random(7)  # noqa: S311 - reproducible test data, not a secret
    for _ in range(5000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 14)))
        assert _outcome(shellsplit.split, text) == _outcome(shlex.split, text), repr(text)


@pytest.mark.parametrize("text", ["run 'open", 'run "open', "run trailing\\", "a 'b' \"c"])
def test_what_shlex_refuses_is_refused_alike(text: str) -> None:
    with pytest.raises(ValueError) as refused:
        shlex.split(text)
    with pytest.raises(ValueError, match=re.escape(str(refused.value))):
        shellsplit.split(text)


def test_a_printable_text_has_no_blank_but_the_space() -> None:
    # What the fast path's str.split() rests on, for every character there is.
    assert [c for c in _UNICODE_BLANKS if c.isprintable()] == [" "]
