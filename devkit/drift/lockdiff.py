"""What one lock changes against another (``devkit lock --update`` and ``--diff``): per
platform, what was added, removed, upgraded, downgraded or rebuilt, direct dependencies apart;
and where the Mac and Linux sections differ now and did not before.

A lock is seen here as its sections: platform -> (manager, name) -> (version, build), so a lock
read from a file, one from git and one just solved compare alike.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devkit.conda import lockscan, pypi
from devkit.conda.package import parse_file_name, split_url
from devkit.drift.analysis import is_expected_platform_only

if TYPE_CHECKING:
    from devkit.conda.lockfile import Lock

Key = tuple[str, str]  # (manager, name): conda and pip may both have a `requests`
Sections = Mapping[str, Mapping[Key, tuple[str, str]]]
KINDS = ("added", "removed", "upgraded", "downgraded", "rebuilt")


@dataclass(frozen=True)
class Change:
    """One package that is not what it was on one platform."""

    name: str
    manager: str  # conda or pip
    old: str | None  # version; None when added
    new: str | None  # version; None when removed
    kind: str  # one of KINDS
    direct: bool  # named in environment.yml (a spec or a `pip:` requirement)
    old_build: str = ""
    new_build: str = ""

    @property
    def label(self) -> str:
        """``numpy 1.21.5 → 1.21.6``, ``pyairtable (pip) added 1.4.0``."""
        name = self.name if self.manager == "conda" else f"{self.name} (pip)"
        if self.kind == "added":
            return f"{name} added {self.new}"
        if self.kind == "removed":
            return f"{name} removed (was {self.old})"
        if self.kind == "rebuilt":
            return f"{name} {self.new} rebuilt {self.old_build} → {self.new_build}"
        return f"{name} {self.old} → {self.new}"


@dataclass(frozen=True)
class OsDifference:
    """A package whose Linux and Mac sections disagree: versions by platform ('' = absent)."""

    name: str
    manager: str
    versions: dict[str, str]


@dataclass(frozen=True)
class LockDiff:
    """Every change, per platform, and the Mac-vs-Linux picture before and after."""

    platforms: tuple[str, ...]
    changes: dict[str, tuple[Change, ...]]
    now_differ: tuple[OsDifference, ...] = ()  # differ now, did not before
    no_longer_differ: tuple[OsDifference, ...] = ()  # differed before (versions as they were)
    still_differ: tuple[OsDifference, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether nothing changed at all."""
        return not any(self.changes.values()) and not self.now_differ and not self.no_longer_differ


def sections(lock: Lock) -> dict[str, dict[Key, tuple[str, str]]]:
    """A lock's packages as comparable sections (conda entries and pip wheels)."""
    found: dict[str, dict[Key, tuple[str, str]]] = {}
    for platform in lock.platforms:
        section = found.setdefault(platform, {})
        for package in lock.packages.get(platform, {}).values():
            section[("conda", package.name)] = (package.version, package.build)
        for wheel in lock.pip.get(platform, {}).values():
            section[("pip", wheel.name)] = (wheel.version, wheel.url.rsplit("/", 1)[-1])
    return found


def read_sections(text: str, where: Path) -> dict[str, dict[Key, tuple[str, str]]]:
    """A lock's text as sections: scanned fast, else (an unusual layout) read in full; a lock
    that does not parse is a FileFormatError naming ``where``."""
    entries = lockscan.scan(text)
    if entries is None:
        # The thorough reader, only for a layout the line reader does not know: it costs
        # --diff a tenth of a second to import, and seconds to read a big lock.
        import tempfile

        from devkit.conda import lockfile

        if not where.is_file() or where.read_text(encoding="utf-8") != text:
            with tempfile.TemporaryDirectory(prefix="devkit-lock-") as folder:
                copy = Path(folder) / where.name
                copy.write_text(text, encoding="utf-8")
                return sections(lockfile.read(copy))
        return sections(lockfile.read(where))
    found: dict[str, dict[Key, tuple[str, str]]] = {}
    for entry in entries:
        manager, platform = entry["manager"], entry["platform"]
        if manager == "pip":
            key, detail = ("pip", pypi.normalise(entry["name"])), entry.get("url", "")
            found.setdefault(platform, {})[key] = (entry["version"], detail.rsplit("/", 1)[-1])
        elif manager == "conda":
            key = ("conda", entry["name"])
            build = entry.get("build") or _build_of(entry.get("url", ""))
            found.setdefault(platform, {})[key] = (entry["version"], build)
    return found


def _build_of(url: str) -> str:
    """The build string in a package URL (older conda-lock files have no ``build`` key)."""
    try:
        return parse_file_name(split_url(url)[2])[2]
    except ValueError:
        return ""


def compare(old: Sections, new: Sections, direct: Collection[Key] = ()) -> LockDiff:
    """What ``new`` changes against ``old`` (``old`` empty: everything is added)."""
    platforms = tuple(dict.fromkeys([*new, *old]))
    changes = {
        platform: _changes(old.get(platform, {}), new.get(platform, {}), direct)
        for platform in platforms
    }
    before, after = _os_differences(old), _os_differences(new)
    return LockDiff(
        platforms=platforms,
        changes=changes,
        now_differ=tuple(d for key, d in after.items() if key not in before),
        no_longer_differ=tuple(d for key, d in before.items() if key not in after),
        still_differ=tuple(d for key, d in after.items() if key in before),
    )


def _changes(
    old: Mapping[Key, tuple[str, str]],
    new: Mapping[Key, tuple[str, str]],
    direct: Collection[Key],
) -> tuple[Change, ...]:
    found = []
    for key in sorted({*old, *new}, key=lambda k: (k[1], k[0])):
        manager, name = key
        was, now = old.get(key), new.get(key)
        if was == now:
            continue
        if was is None or now is None:
            kind = "added" if was is None else "removed"
        elif was[0] == now[0]:
            kind = "rebuilt"
        else:
            kind = "upgraded" if _newer(manager, now[0], was[0]) else "downgraded"
        found.append(
            Change(
                name=name,
                manager=manager,
                old=was[0] if was else None,
                new=now[0] if now else None,
                kind=kind,
                direct=key in direct,
                old_build=was[1] if was else "",
                new_build=now[1] if now else "",
            )
        )
    return tuple(found)


def _newer(manager: str, a: str, b: str) -> bool:
    """Version order: conda's for conda packages, PEP 440 for wheels; text as a last resort."""
    from packaging.version import InvalidVersion
    from packaging.version import Version as Pep440
    from rattler import Version
    from rattler.exceptions import InvalidVersionError

    try:
        if manager == "pip":
            return Pep440(a) > Pep440(b)
        return Version(a) > Version(b)  # conda's order: 1.21.10 > 1.21.9, 2024a > 2023c
    except (InvalidVersion, InvalidVersionError):
        return a > b


def _os_of(platform: str) -> str:
    return platform.split("-")[0]


def _os_differences(section: Sections) -> dict[Key, OsDifference]:
    """Packages whose versions on Linux platforms are not those on Mac platforms."""
    linux = [p for p in section if _os_of(p) == "linux"]
    mac = [p for p in section if _os_of(p) == "osx"]
    if not linux or not mac:
        return {}
    keys: set[Key] = set()
    for platform in (*linux, *mac):
        keys.update(section[platform])
    found = {}
    for key in sorted(keys, key=lambda k: (k[1], k[0])):
        versions = {p: (section[p].get(key) or ("", ""))[0] for p in (*linux, *mac)}
        on_linux = {versions[p] for p in linux}
        on_mac = {versions[p] for p in mac}
        if on_linux == on_mac:
            continue
        if "" in on_linux | on_mac and is_expected_platform_only(key[1]):
            continue  # libgcc-ng on Linux, libcxx on Macs: normal, not a difference
        found[key] = OsDifference(key[1], key[0], versions)
    return found


def direct_keys(conda_names: Iterable[str], pip_names: Iterable[str]) -> set[Key]:
    """The (manager, name) keys environment.yml names."""
    return {("conda", n) for n in conda_names} | {("pip", n) for n in pip_names}
