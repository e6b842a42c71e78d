"""The ``pip:`` section as a lock sees it: which lines pip can lock, locked wheels, and which
PyPI distribution each conda package already is.

A conda package is a PyPI distribution when its record says so (``purls``: ``pkg:pypi/NAME``,
which conda-forge and rattler-build write), else when it is a Python package (it depends on
``python``) whose name is a known rename (the short table below, from grayskull's mapping that
conda-lock downloads) or, normalised the PEP 503 way, the same name on PyPI. pip does not
install again what conda installed: those names are held at conda's versions while pip
resolves, and left out of the lock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devkit.conda.package import Package

if TYPE_CHECKING:
    from devkit.conda.envspec import PipRequirement

# conda-forge names whose PyPI distribution is called otherwise (the common ones; `purls`
# answer for any package built since 2024).
KNOWN_RENAMES = {
    "pytorch": "torch",
    "pytables": "tables",
    "msgpack-python": "msgpack",
    "python-xxhash": "xxhash",
    "python-flatbuffers": "flatbuffers",
    "python-kubernetes": "kubernetes",
    "python-graphviz": "graphviz",
    "python-duckdb": "duckdb",
    "matplotlib-base": "matplotlib",
    "dask-core": "dask",
    "py-opencv": "opencv-python",
    "libopencv": "opencv-python",
    "google-cloud-bigquery-core": "google-cloud-bigquery",
    "pyqt": "pyqt5",
    "tensorflow-base": "tensorflow",
}
_PURL = re.compile(r"^pkg:pypi/([^@?#]+)")
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    """PEP 503 name normalisation (``Foo_Bar.baz`` -> ``foo-bar-baz``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class PipPackage:
    """One locked wheel of one platform: what ``pip install --require-hashes`` needs."""

    name: str  # normalised PyPI name
    version: str
    url: str
    sha256: str
    dependencies: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        """``pyairtable 1.4.0``."""
        return f"{self.name} {self.version}"

    def requirement_line(self) -> str:
        """The hash-checked line that installs exactly this wheel, nothing resolved."""
        return f"{self.name} @ {self.url} --hash=sha256:{self.sha256}"


@dataclass(frozen=True)
class PipSection:
    """A ``pip:`` section split the way a lock needs it."""

    lockable: tuple[PipRequirement, ...]  # named requirements: resolved to wheels
    options: tuple[str, ...]  # index options (--extra-index-url ...): passed to the resolver
    unlockable: tuple[PipRequirement, ...]  # paths, URLs, VCS, -e, -r: pip's to install

    @property
    def requirement_lines(self) -> tuple[str, ...]:
        """The lines the resolver is given."""
        return (*self.options, *(r.text for r in self.lockable))


# Options that say where pip finds packages: they shape the resolution, so they go with it.
_INDEX_OPTIONS = (
    "--index-url",
    "-i",
    "--extra-index-url",
    "--find-links",
    "-f",
    "--trusted-host",
    "--pre",
    "--prefer-binary",
)


def split(requirements: Iterable[PipRequirement]) -> PipSection:
    """Named requirements (lockable), index options, and what only pip can install."""
    lockable: list[PipRequirement] = []
    options: list[str] = []
    unlockable: list[PipRequirement] = []
    for req in requirements:
        text = req.text.strip()
        if text.startswith(_INDEX_OPTIONS):
            options.append(text)
        elif text.startswith(("-", ".", "/", "~")) or "://" in text or " @ " in text:
            unlockable.append(req)  # -e, -r, paths, URLs and VCS: no index wheel to pin
        elif requirement_name(text) is None:
            unlockable.append(req)
        else:
            lockable.append(req)
    return PipSection(tuple(lockable), tuple(options), tuple(unlockable))


def requirement_name(text: str) -> str | None:
    """The normalised name a PEP 508 requirement asks for, or None if it names none."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return normalise(Requirement(text).name)
    except InvalidRequirement:
        return None


def pypi_names(package: Package) -> tuple[str, ...]:
    """The PyPI distributions a conda package is (usually one; none for a C library)."""
    purls = package.extra.get("purls") or ()
    named = [m.group(1) for p in purls if (m := _PURL.match(str(p)))]
    if named:
        return tuple(dict.fromkeys(normalise(n) for n in named))
    if package.name.startswith("__") or not _needs_python(package):
        return ()
    return (normalise(KNOWN_RENAMES.get(package.name, package.name)),)


def _needs_python(package: Package) -> bool:
    return any(
        (m := _NAME.match(dep.strip())) and m.group(1) == "python" for dep in package.depends
    )


def provided(packages: Mapping[str, Package]) -> dict[str, Package]:
    """PyPI name -> the conda package that installs it, for one platform's packages.

    When two conda packages claim one PyPI name (``xxhash`` the C library and ``python-xxhash``
    the binding), the one named otherwise than the distribution wins, as in conda-lock.
    """
    found: dict[str, Package] = {}
    for package in packages.values():
        for name in pypi_names(package):
            if name not in found or normalise(package.name) != name:
                found[name] = package
    return found
