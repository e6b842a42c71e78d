"""Normalise free-text postal addresses before they are geocoded."""

import re

# Street suffixes as they show up in the Airtable exports, expanded to USPS spelling.
SUFFIXES = {
    "st": "Street",
    "ave": "Avenue",
    "rd": "Road",
    "blvd": "Boulevard",
    "dr": "Drive",
    "ln": "Lane",
    "ct": "Court",
    "hwy": "Highway",
}

_WHITESPACE = re.compile(r"\s+")


def _normalize_word(word: str, is_region: bool) -> str:
    bare = word.rstrip(".")
    if any(char.isdigit() for char in bare):
        return bare.upper()
    if is_region and len(bare) == 2 and bare.isalpha():
        return bare.upper()
    return SUFFIXES.get(bare.lower(), bare.capitalize())


def normalize_address(raw: str) -> str:
    """Collapse whitespace, expand street suffixes and upper-case state codes."""
    parts = [_WHITESPACE.sub(" ", part).strip() for part in raw.split(",")]
    parts = [part for part in parts if part]
    normalized = []
    for index, part in enumerate(parts):
        is_region = index == len(parts) - 1 and len(parts) > 1
        normalized.append(
            " ".join(_normalize_word(word, is_region) for word in part.split(" "))
        )
    return ", ".join(normalized)
