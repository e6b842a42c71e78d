"""Secret values devkit has seen, and the one function that scrubs them from any text."""

from __future__ import annotations

import re
import threading

MASK = "****"
# Very short values ("1", "on") would turn every digit of a log into a mask; they are not
# secrets anyone could reuse, so they are left alone.
_MIN_SECRET_LENGTH = 4

# Credentials that look like themselves wherever they appear, registered or not: user:password
# in URLs, GitHub, GitLab, Slack, AWS and Google keys, bearer tokens.
_TOKEN_PATTERNS = (
    # (substrings one of which every match contains, the pattern): the cheap test skips the
    # regex for most text, which matters for doctor's JSON on a thousand projects. Sources, not
    # compiled patterns: `re` compiles (and caches) one the first time its marker turns up, so
    # a start that prints no URL or token never pays for compiling them all.
    (("@",), r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
    (("@",), r"(?<=://)(?:gh[pousr]_|github_pat_|glpat-)[^/\s@]+(?=@)"),
    (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b",
    ),
    (("glpat-",), r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    (("xox",), r"\bxox[abpr]-[A-Za-z0-9-]{10,}\b"),
    (("AKIA",), r"\bAKIA[0-9A-Z]{16}\b"),
    (("AIza",), r"\bAIza[0-9A-Za-z_-]{35}\b"),
    (("earer",), r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*"),
)

_lock = threading.Lock()
_secrets: set[str] = set()


def register(*values: str | None) -> None:
    """Remember values that must never be printed, logged or serialised."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= _MIN_SECRET_LENGTH)


def redact(text: str) -> str:
    """Replace every registered secret in ``text`` with a mask."""
    with _lock:
        # Longest first, so a secret that contains another is masked whole.
        ordered = sorted(_secrets, key=len, reverse=True)
    for value in ordered:
        if value in text:
            text = text.replace(value, MASK)
    for markers, pattern in _TOKEN_PATTERNS:
        if any(marker in text for marker in markers):
            text = re.sub(pattern, MASK, text)
    return text


def forget_all() -> None:
    """Drop every registered secret (tests start from a clean slate)."""
    with _lock:
        _secrets.clear()
