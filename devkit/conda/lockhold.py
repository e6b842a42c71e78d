"""The locked packages a re-solve should keep (``devkit lock --update``), as the channel's own
records, so the solver prefers exactly what the lock holds.

The records come from the channel rather than from the lock because a lock keeps no
``constrains`` and no build number: a record rebuilt from it would let the solver choose what
the real package forbids. A locked file the channel no longer serves is not held (it moves).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.conda import lockpip, lockscan
from devkit.conda.package import Package, parse_file_name, split_url

if TYPE_CHECKING:
    from rattler import Gateway, RepoDataRecord


@dataclass(frozen=True)
class Held:
    """What an existing lock holds, as ``--update`` needs it: per platform, its conda packages
    (name, version, build, URL) and its wheels' versions, and whether it locks ``pip:``."""

    conda: dict[str, list[Package]]
    pip: dict[str, dict[str, str]]
    pip_locked: bool

    @property
    def names(self) -> set[str]:
        """Every locked name, conda's and pip's."""
        found = {p.name for packages in self.conda.values() for p in packages}
        return found | {name for wheels in self.pip.values() for name in wheels}


def read_held(path: Path) -> Held:
    """An existing lock for ``--update``, read with the fast line reader (lockscan.py), or in
    full when its layout is not the usual one (which also reports a broken file)."""
    text = path.read_text(encoding="utf-8")
    entries = lockscan.scan(text)
    if entries is None:
        from devkit.conda import lockfile  # the thorough reader, for an unusual layout

        lock = lockfile.read(path)
        return Held(
            conda={p: list(packages.values()) for p, packages in lock.packages.items()},
            pip={p: {n: w.version for n, w in wheels.items()} for p, wheels in lock.pip.items()},
            pip_locked=lockpip.is_locked(lock),
        )
    conda: dict[str, list[Package]] = {}
    pip: dict[str, dict[str, str]] = {}
    for entry in entries:
        platform, url = entry["platform"], entry.get("url", "")
        if entry["manager"] == "pip":
            pip.setdefault(platform, {})[entry["name"]] = entry["version"]
        elif entry["manager"] == "conda":
            _, subdir, file_name = split_url(url)
            build = entry.get("build") or _build_of(file_name)
            package = Package(entry["name"], entry["version"], build, subdir, "", url=url)
            conda.setdefault(platform, []).append(package)
    status = lockscan.custom_value(text, lockpip.PIP_KEY)
    return Held(conda, pip, status in (None, lockpip.LOCKED))


def _build_of(file_name: str) -> str:
    try:
        return parse_file_name(file_name)[2]
    except ValueError:
        return ""


@dataclass(frozen=True)
class Hold:
    """For ``--update``: per platform, the locked packages to keep (preferred, py-rattler's
    ``locked_packages``) and specs that move the named ones past their locked version.

    The preference alone is not enough: a held dependency would keep a named package where it
    is (gamma 2.0 needs beta >=1.1, beta is held at 1.0, so gamma stays). ``name >locked`` makes
    the named package move, and the held packages it needs move with it. If the named packages
    cannot all move together, the solve drops those specs and keeps the rest held.
    """

    packages: Mapping[str, Sequence[Package]]
    newer: Mapping[str, Sequence[str]] = field(default_factory=dict)


async def records(
    channels: Sequence[Any], platform: str, held: Sequence[Package], gateway: Gateway
) -> list[RepoDataRecord]:
    """The channel records of ``held`` (matched by URL, else by name, version, build, subdir)."""
    from rattler import Subdir

    if not held:
        return []
    names = sorted({p.name for p in held})
    found = await gateway.query(
        channels, [Subdir(platform), Subdir("noarch")], names, recursive=False
    )
    by_url: dict[str, RepoDataRecord] = {}
    by_key: dict[tuple[str, str, str, str], RepoDataRecord] = {}
    for group in found:
        for record in group:
            by_url[record.url] = record
            key = (record.name.normalized, str(record.version), str(record.build), record.subdir)
            by_key[key] = record
    kept = []
    for package in held:
        record = by_url.get(package.url) or by_key.get(
            (package.name, package.version, package.build, package.subdir)
        )
        if record is None:
            continue
        if record.name.normalized == "python" and "pip" not in record.depends:
            # The solver adds pip to python's dependencies (micromamba's
            # add_pip_as_python_dependency) for the records it loads, not for locked ones
            # handed to it: without this, a held python would lose pip.
            record.depends = [*record.depends, "pip"]
        kept.append(record)
    return kept


def unmark(package: Package) -> Package:
    """A solved package without the ``pip`` dependency ``records`` gave a held python, so the
    lock reads as a plain solve's does."""
    if package.name != "python" or package.depends[-1:] != ("pip",):
        return package
    return replace(package, depends=package.depends[:-1])
