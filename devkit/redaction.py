"""Secret values devkit has seen, and the one function that scrubs them from any text."""

from __future__ import annotations

import threading

MASK = "****"
# Very short values ("1", "on") would turn every digit of a log into a mask; they are not
# secrets anyone could reuse, so they are left alone.
_MIN_SECRET_LENGTH = 4

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
    return text


def forget_all() -> None:
    """Drop every registered secret (tests start from a clean slate)."""
    with _lock:
        _secrets.clear()
