"""Which package needs which, from the records' ``depends``: what a dropped spec took along.

A spec a platform cannot solve is left out of that platform's solve, and so is everything only
it needed: those packages are then "missing" there as a consequence of the one finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from devkit.conda.envspec import Dependency
from devkit.conda.package import Package

_DEP_NAME = re.compile(r"[^\s\[<>=!~,]+")


def dependency_names(package: Package) -> set[str]:
    """The names a package depends on."""
    # `numpy >=1.21,<2`, `python_abi 3.11.* *_cp311`, `conda-forge::zlib`: the name comes first.
    names = set()
    for dep in package.depends:
        match = _DEP_NAME.match(dep.split("::", 1)[-1].strip())
        if match:
            names.add(match.group(0).lower())
    return names


def _reachable(packages: Mapping[str, Package], roots: set[str], dropped: set[str]) -> set[str]:
    """The packages ``roots`` need, directly or not, without passing through ``dropped``."""
    seen: set[str] = set()
    todo = [name for name in roots if name in packages and name not in dropped]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(
            n for n in dependency_names(packages[name]) if n in packages and n not in dropped
        )
    return seen


class Consequences:
    """Which missing packages a label lacks only because it dropped an unsolvable spec."""

    def __init__(
        self,
        packages: Mapping[str, Mapping[str, Package]],
        direct: Sequence[Dependency] | None,
        dropped: Mapping[str, dict[str, str]],  # label -> {name: spec text} it could not solve
    ) -> None:
        self.packages = packages
        self.roots = {d.name for d in direct or ()}
        self.dropped = dropped
        self._cache: dict[tuple[str, str], set[str]] = {}

    def _needed(self, source: str, label: str) -> set[str]:
        # What `source`'s packages need from the roots, without what `label` dropped.
        key = (source, label)
        if key not in self._cache:
            skip = set(self.dropped.get(label, {})) if label else set()
            self._cache[key] = _reachable(self.packages[source], self.roots, skip)
        return self._cache[key]

    def because_of(
        self, name: str, present: Sequence[str], missing: Sequence[str]
    ) -> dict[str, tuple[str, ...]]:
        """Missing label -> the dropped specs that explain the absence there."""
        found: dict[str, tuple[str, ...]] = {}
        for label in missing:
            dropped = self.dropped.get(label)
            if not dropped:
                continue
            # Where it is present and the file's specs need it, it must be needed only
            # through what this label dropped.
            sources = [s for s in present if name in self._needed(s, "")]
            if sources and all(name not in self._needed(s, label) for s in sources):
                parents = {
                    spec
                    for dep, spec in dropped.items()
                    for s in sources
                    if name in _reachable(self.packages[s], {dep}, set())
                }
                found[label] = tuple(sorted(parents))
        return found


def required_by(packages: Mapping[str, Mapping[str, Package]], name: str) -> tuple[str, ...]:
    """The packages, on any label, that depend on ``name``."""
    return tuple(
        sorted(
            {
                other.name
                for found in packages.values()
                for other in found.values()
                if name in dependency_names(other)
            }
        )
    )
