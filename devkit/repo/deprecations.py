"""Building blocks the project files name (GitHub actions, base images), and which are past
their time.

Facts, each with its date and source, so a reader can check them and a maintainer can add the
next one. The verdicts take ``today`` so they are testable and age the way the facts do.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

# GitHub Actions deprecated each JavaScript runtime, then forced actions onto the next one:
# Node 12 (github.blog/changelog 2022-09-22), Node 16 (2023-09-22), Node 20 (2025-09-19; forced
# onto Node 24 from 2026-06-02, removed from the runners 2026-09-16).
NODE_DEPRECATED = {
    "node12": dt.date(2022, 9, 22),
    "node16": dt.date(2023, 9, 22),
    "node20": dt.date(2025, 9, 19),
}

# `runs.using` of each major, from the actions' own action.yml; majors not listed are current.
ACTION_RUNTIMES: dict[str, dict[int, str]] = {
    "actions/checkout": {1: "node12", 2: "node12", 3: "node16", 4: "node20"},
    "actions/setup-python": {1: "node12", 2: "node12", 3: "node16", 4: "node16", 5: "node20"},
    "mamba-org/setup-micromamba": {1: "node20", 2: "node20"},
    "google-github-actions/auth": {0: "node16", 1: "node16", 2: "node20"},
    "google-github-actions/setup-gcloud": {0: "node16", 1: "node16", 2: "node20"},
    "google-github-actions/deploy-cloudrun": {0: "node16", 1: "node16", 2: "node20"},
}
# The first major on Node 24, which is what a deprecated one should move to.
CURRENT_MAJOR = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "mamba-org/setup-micromamba": 3,
    "google-github-actions/auth": 3,
    "google-github-actions/setup-gcloud": 3,
    "google-github-actions/deploy-cloudrun": 3,
}
# Whole actions that were retired in favour of another.
RETIRED_ACTIONS = {
    # "This action is deprecated and no longer maintained" (its v16 release, 2023-05).
    "mamba-org/provision-with-micromamba": (
        "mamba-org/setup-micromamba@v3",
        "deprecated and unmaintained since 2023-05",
    ),
}

# Debian end of life (end of LTS), from the Debian LTS announcements; codename and version.
DEBIAN_EOL = {
    "stretch": dt.date(2022, 6, 30),
    "buster": dt.date(2024, 6, 30),
    "bullseye": dt.date(2026, 8, 31),
    "bookworm": dt.date(2028, 6, 30),
    "trixie": dt.date(2030, 6, 30),
}
DEBIAN_VERSIONS = {
    "9": "stretch",
    "10": "buster",
    "11": "bullseye",
    "12": "bookworm",
    "13": "trixie",
}
CURRENT_DEBIAN = "debian:trixie-slim"
# The build stage of a locked project's image: mambaorg/micromamba (Docker Hub), micromamba
# 2.0.5 (2024-12) on Debian; every micromamba devkit supports installs a lock's pip wheels.
CURRENT_MICROMAMBA_TAG = "2.0.5"
# Mambaforge was discouraged in 2023-09 and sunset in 2024-07 (conda-forge news, 2024-07-29):
# no more releases; Miniforge3 is the same thing under its lasting name.
RETIRED_IMAGES = {"condaforge/mambaforge": "condaforge/miniforge3"}


@dataclass(frozen=True)
class Verdict:
    """Why a building block is past its time, and what replaces it."""

    reason: str
    replacement: str


# A monorepo's workflows use the same few actions and images over and over: decided once each.
@functools.lru_cache(maxsize=4096)
def action_verdict(uses: str, today: dt.date) -> Verdict | None:
    """A ``uses:`` reference (``owner/repo@ref``) that is deprecated on ``today``, else None."""
    name, _, ref = uses.strip().partition("@")
    name = name.lower()
    if name in RETIRED_ACTIONS:
        replacement, why = RETIRED_ACTIONS[name]
        return Verdict(why, replacement)
    runtimes = ACTION_RUNTIMES.get(name)
    match = re.match(r"^v?(\d+)", ref)
    if runtimes is None or match is None:
        return None
    runtime = runtimes.get(int(match.group(1)))
    if runtime is None or NODE_DEPRECATED[runtime] > today:
        return None
    node = runtime.removeprefix("node")
    return Verdict(
        f"Node {node}, deprecated {NODE_DEPRECATED[runtime].isoformat()}",
        f"{name}@v{CURRENT_MAJOR[name]}",
    )


@functools.lru_cache(maxsize=4096)
def image_verdict(image: str, today: dt.date) -> Verdict | None:
    """A ``FROM`` image that is retired or past end of life on ``today``, else None."""
    repo, tag = split_image(image)
    if repo in RETIRED_IMAGES:
        return Verdict("retired by conda-forge in 2024-07", f"{RETIRED_IMAGES[repo]}:<version>")
    codename = debian_codename(repo, tag)
    if codename is None:
        return None
    eol = DEBIAN_EOL[codename]
    if eol > today:
        return None
    return Verdict(
        f"Debian {codename}, end of life {eol.isoformat()}: no security fixes",
        CURRENT_DEBIAN,
    )


def debian_codename(repo: str, tag: str | None) -> str | None:
    """The Debian release an image is built on, when its name says so (``python:3.9-buster``)."""
    words = re.split(r"[-_.:]", tag or "")
    for word in words:
        if word in DEBIAN_EOL:
            return word
    if repo == "debian" and words and words[0] in DEBIAN_VERSIONS:
        return DEBIAN_VERSIONS[words[0]]
    return None


def split_image(image: str) -> tuple[str, str | None]:
    """``docker.io/library/debian:buster-slim`` -> ``("debian", "buster-slim")``."""
    name = image.split("@", 1)[0]
    tag = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    for prefix in ("docker.io/", "index.docker.io/"):
        name = name.removeprefix(prefix)
    name = name.removeprefix("library/")
    return name.lower(), tag
