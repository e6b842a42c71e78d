"""Registered secrets are masked wherever they appear, however many there are."""

from __future__ import annotations

import re

import pytest

from devkit import redaction
from devkit.redaction import MASK


@pytest.fixture(autouse=True)
def _fresh_secrets() -> None:
    redaction.forget_all()


def test_every_occurrence_is_masked() -> None:
    redaction.register("s3cr3t-value", "other-token")
    text = "a s3cr3t-value, again s3cr3t-value; other-token at the end: other-token"
    assert redaction.redact(text) == f"a {MASK}, again {MASK}; {MASK} at the end: {MASK}"


def test_overlapping_and_nested_secrets_leave_no_piece_of_either() -> None:
    redaction.register("abcdXY12", "XY12efgh", "pass-phrase-long", "phrase")
    assert redaction.redact("[abcdXY12efgh]") == f"[{MASK}]"
    assert redaction.redact("[pass-phrase-long] [phrase]") == f"[{MASK}] [{MASK}]"
    assert redaction.redact("abcdXY12XY12efgh") == MASK * 2  # adjacent: nothing between


def test_regex_characters_in_secrets_are_literal() -> None:
    redaction.register("a.b*c+d(e)[f]", "^$\\|?")
    assert redaction.redact("x a.b*c+d(e)[f] y ^$\\|? z") == f"x {MASK} y {MASK} z"
    assert redaction.redact("aXbbbc+d(e)[f] ^$") == "aXbbbc+d(e)[f] ^$"


def test_secrets_sharing_a_start_are_told_apart() -> None:
    redaction.register("bucket-api-0001", "bucket-api-0001-extra", "bucket-etl")
    text = "bucket-api-0001-extra bucket-api-0001 bucket-etl bucket-api-0002"
    assert redaction.redact(text) == f"{MASK} {MASK} {MASK} bucket-api-0002"


def test_a_secret_registered_after_a_redaction_is_masked_too() -> None:
    redaction.register("first-secret")
    assert redaction.redact("first-secret second-secret") == f"{MASK} second-secret"
    redaction.register("second-secret")
    assert redaction.redact("first-secret second-secret") == f"{MASK} {MASK}"


def test_thousands_of_secrets() -> None:
    values = [f"token-{n:05d}-{'x' * (n % 7)}" for n in range(5000)]
    redaction.register(*values)
    lines = [f"line {n}: {values[n * 37]} and not-a-token-{n}" for n in range(100)]
    masked = redaction.redact("\n".join(lines)).splitlines()
    assert masked == [f"line {n}: {MASK} and not-a-token-{n}" for n in range(100)]


# Each token pattern's marker test as redact made them one by one before the one search for
# any marker; the URL patterns were tested for "@".
def _every_pattern(text: str) -> str:
    """redact without its cheap tests: the secrets, then every token pattern, in order."""
    finder = redaction._current_finder()
    if finder is not None:
        text = redaction._mask(text, redaction._secret_spans(text, *finder[:2]))
    for _, pattern in redaction._TOKEN_PATTERNS:
        text = re.sub(pattern, MASK, text)
    return text


def test_the_cheap_tests_skip_only_what_no_pattern_would_mask() -> None:
    import random

    rnd = random.Random(7)  # noqa: S311 - reproducible test data, not a secret
    redaction.register("s3cr3t-value", "acme-data", "ghp_", "https")
    pieces = ["https://", "://", "http:/", "/", "@", ":", "user", "pa ss", "x" * 20, "é", " "]
    pieces += ["ghp_", "gho_", "github_pat_", "glpat-", "glpat", "xoxb-", "xox", "AKIA", "AIza"]
    pieces += ["Bearer ", "bearer\t", "BEARER ", "BeArEr ", "earer", "0123456789ABCDEF"]
    pieces += ["abcdefghij_-"]
    pieces += ["s3cr3t-value", "acme-data", "acme", "-", "=", "\n", "actions/checkout@v4"]
    for _ in range(5000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
        assert redaction.redact(text) == _every_pattern(text), text
    redaction.forget_all()
    for _ in range(500):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
        assert redaction.redact(text) == _every_pattern(text), text


@pytest.mark.parametrize("word", ["Bearer", "bearer", "BEARER", "BeArEr"])
def test_a_bearer_token_is_masked_in_any_case(word: str) -> None:
    text = f"Authorization: {word} abcdefghijklmnop0123456789"
    assert redaction.redact(text) == f"Authorization: {MASK}"
