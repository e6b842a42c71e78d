"""Secret values devkit has seen, and the one function that scrubs them from any text."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

MASK = "****"
# Very short values ("1", "on") would turn every digit of a log into a mask; they are not
# secrets anyone could reuse, so they are left alone.
_MIN_SECRET_LENGTH = 4

# Credentials that look like themselves wherever they appear, registered or not: user:password
# in URLs, GitHub, GitLab, Slack, AWS and Google keys, bearer tokens.
_TOKEN_PATTERNS = (
    # (substrings one of which every text the pattern matches in contains, the pattern): the
    # cheap test skips the regex for most text, which matters for doctor's JSON on a thousand
    # projects. Sources, not compiled patterns: `re` compiles (and caches) one the first time
    # its marker turns up, so a start that prints no URL or token never pays for compiling them
    # all. The URL patterns' marker is "://", not "@": "actions/checkout@v4" is in many reports.
    (("://",), r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
    (("://",), r"(?<=://)(?:gh[pousr]_|github_pat_|glpat-)[^/\s@]+(?=@)"),
    (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b",
    ),
    (("glpat-",), r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    (("xox",), r"\bxox[abpr]-[A-Za-z0-9-]{10,}\b"),
    (("AKIA",), r"\bAKIA[0-9A-Z]{16}\b"),
    (("AIza",), r"\bAIza[0-9A-Za-z_-]{35}\b"),
    # Any case: `Authorization: BEARER …` is as much a token (the marker is tested folded).
    (("bearer",), r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*"),
)
# Any marker at all, in one search: most text has none, and testing each marker in turn was
# most of redact's cost (20,000 calls for doctor's text report on a thousand projects). Text
# with none would pass no pattern's test, so skipping them all changes nothing.
_ANY_MARKER = re.compile(
    "|".join(
        f"(?i:{re.escape(m)})" if p.startswith("(?i)") else re.escape(m)
        for ms, p in _TOKEN_PATTERNS
        for m in ms
    )
)

_lock = threading.Lock()
_secrets: set[str] = set()
# Finds registered secrets in any text in one pass: a regex of the secrets' first
# _MIN_SECRET_LENGTH characters, written as a trie so each position of the text is tried
# against at most one branch per distinct character, and the secrets behind each prefix,
# longest first, to confirm a match. Searching for each secret in turn made doctor's output on a
# thousand projects cost lines × secrets. Built on the first redact after the set changes.
# The third pattern finds a secret's start or any token marker: text with neither (most of it)
# is left after one search, not two.
_Finder = tuple[re.Pattern[str], dict[str, tuple[str, ...]], re.Pattern[str]]
_finder: _Finder | None = None


def register(*values: str | None) -> None:
    """Remember values that must never be printed, logged or serialised."""
    global _finder
    with _lock:
        fresh = {v for v in values if v and len(v) >= _MIN_SECRET_LENGTH} - _secrets
        if fresh:
            _secrets.update(fresh)
            _finder = None


def redact(text: str) -> str:
    """Replace every registered secret in ``text`` with a mask."""
    finder = _current_finder()
    if finder is not None:
        pattern, candidates, anything = finder
        if anything.search(text) is None:
            return text
        text = _mask(text, _secret_spans(text, pattern, candidates))
    if _ANY_MARKER.search(text) is None:
        return text
    folded = None
    for markers, pattern in _TOKEN_PATTERNS:
        seen = text
        if pattern.startswith("(?i)"):
            seen = folded = text.casefold() if folded is None else folded
        if any(marker in seen for marker in markers):
            text = re.sub(pattern, MASK, text)
            folded = None
    return text


def prepare() -> None:
    """Build what finds the registered secrets now, not at the next ``redact``: a process about
    to fork, so that its copy shares it rather than building its own (a thousand secrets are
    tens of milliseconds of regex compiling)."""
    _current_finder()


def _current_finder() -> _Finder | None:
    global _finder
    finder = _finder  # one read: a finder is never changed, only replaced (no lock per call)
    if finder is not None or not _secrets:
        return finder
    with _lock:
        if _finder is None and _secrets:
            by_prefix: dict[str, list[str]] = {}
            for value in sorted(_secrets, key=len, reverse=True):
                by_prefix.setdefault(value[:_MIN_SECRET_LENGTH], []).append(value)
            trie = _trie_pattern(by_prefix)
            anything = re.compile(f"{trie}|{_ANY_MARKER.pattern}")
            _finder = (re.compile(trie), {k: tuple(v) for k, v in by_prefix.items()}, anything)
        return _finder


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words`` (all the same length), their shared starts merged."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})

    def branch(node: dict[str, Any]) -> str:
        parts = [re.escape(char) + branch(child) for char, child in node.items()]
        if len(parts) < 2:
            return "".join(parts)
        return "(?:" + "|".join(parts) + ")"

    return branch(trie)


def _secret_spans(
    text: str, pattern: re.Pattern[str], candidates: dict[str, tuple[str, ...]]
) -> list[tuple[int, int]]:
    """Where registered secrets occur, overlapping ones included, in order of their starts."""
    spans: list[tuple[int, int]] = []
    position = 0
    while (found := pattern.search(text, position)) is not None:
        start = found.start()
        for value in candidates[found.group()]:  # longest first
            if text.startswith(value, start):
                spans.append((start, start + len(value)))
                break
        position = start + 1  # a secret may start inside another one
    return spans


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each run of overlapping spans replaced by one mask."""
    if not spans:
        return text
    pieces: list[str] = []
    done = 0  # text[:done] is written
    run_start, run_end = spans[0]
    for start, end in spans[1:]:
        if start < run_end:  # overlaps the run: mask them as one, leaving no piece of either
            run_end = max(run_end, end)
            continue
        pieces += [text[done:run_start], MASK]
        done = run_end
        run_start, run_end = start, end
    pieces += [text[done:run_start], MASK, text[run_end:]]
    return "".join(pieces)


def registered() -> frozenset[str]:
    """Every value registered so far (a forked child hands its parent those it read)."""
    with _lock:
        return frozenset(_secrets)


def forget_all() -> None:
    """Drop every registered secret (tests start from a clean slate)."""
    global _finder
    with _lock:
        _secrets.clear()
        _finder = None
