"""The quick parse of plain `.env` files gives exactly python-dotenv's bindings, for any text."""

from __future__ import annotations

import io
import random

import pytest
from dotenv.parser import parse_stream

from devkit.repo import dotenv_lines

CASES = [
    "",
    "\n",
    "\n\n\n",
    "A=1",
    "A=1\n",
    "A=1\n\n",
    "\n\nA=1\nB=2\n\n\n",
    "\ufeffA=1\n",
    "# only a comment",
    "# comment\nA=1\n#\n\nB=two words  # note\nC=x#not-a-comment\nD=\nE=trailing   \n",
    'A="quoted"\nB=\'single\'\nC="" \nD="with # hash"  # comment\nE="x"#c\n',
    'A="open\nB=2\n',
    'A="esc\\"aped"\n',
    "A='it''s'\n",
    "export A=1\n",
    "A = 1\n",
    "A= # empty\n",
    "A=#hash\n",
    "  A=1\n",
    "A=1\r\nB=2\r\n",
    "A=1\rB=2\n",
    "A.B=1\n",
    "'A'=1\n",
    "A\n",
    'A="x" junk\n',
    "A=1\x0bB\n",
    "A=1\x85\n",
    "\x0cA=1\n",
    "A=${B:-x} ${C}\n",
    "=1\n",
    "A=1\n   \nB=2\n",
]


def _dotenv(text: str) -> list[object]:
    return list(parse_stream(io.StringIO(text)))


@pytest.mark.parametrize("text", CASES)
def test_same_bindings_as_python_dotenv(text: str) -> None:
    assert dotenv_lines.parse(text) == _dotenv(text)


def test_same_bindings_for_random_texts() -> None:
    # Lines put together from the pieces the grammar turns on, plain and not.
    pieces = ["A", "b_2", "=", "==", " ", "\t", "#", '"', "'", "\\", "x", "1", "export ", "$"]
    pieces += ["\n", "\n", "\n", "\r", "${A}", "é", "\x85", "\ufeff"]
    rng = random.Random(20261207)  # noqa: S311 - a fixed seed: the same texts each run
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert dotenv_lines.parse(text) == _dotenv(text), repr(text)


def test_same_bindings_for_random_plain_looking_files() -> None:
    # Whole lines, mostly plain, so the quick path is what gets compared.
    lines = ["", "", "# c", "#", "A=1", "B_2=x y  # n", "C=", 'D="q # h"', "E='s'  # c", "F=a#b"]
    lines += ['G="" ', "H=v\\w", "I=é ", "J=${A}", "export K=1", "L = 2", " M=3", 'N="o']
    rng = random.Random(7)  # noqa: S311 - a fixed seed: the same texts each run
    fast = 0
    for _ in range(3000):
        text = "\n".join(rng.choice(lines) for _ in range(rng.randint(0, 8)))
        text += rng.choice(["", "\n", "\n\n"])
        fast += dotenv_lines._plain(text) is not None
        assert dotenv_lines.parse(text) == _dotenv(text), repr(text)
    assert fast > 1000


def test_plain_files_are_not_left_to_python_dotenv() -> None:
    # What makes it quick: a file of ordinary lines never reaches python-dotenv's parser.
    text = '# settings\nA=1\n\nB="two"\nC=three  # note\nD=\n'
    assert dotenv_lines._plain(text) == _dotenv(text)
