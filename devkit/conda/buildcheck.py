"""Whether what micromamba left at a prefix is the env it was asked to build.

micromamba's exit code does not say. It rolls an interrupted transaction back and exits 0 (a
``create`` then leaves only ``conda-meta/history``), and up to 2.6 its ``"success"`` could be
true for a transaction that failed (see docs/setup.md). So a build is done only when the prefix
holds a record for every package the transaction linked, the records meet the environment
file (or hold every package of the lockfile it was built from, its pip wheels at their locked
versions included), and the ``pip:`` requirements devkit can name are installed. Paths and
URLs in ``pip:`` are pip's to resolve: for those, pip's exit code (micromamba exits 1 when pip
fails) and devkit's own signal record have to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devkit.conda import envrecords, envs
from devkit.conda.envspec import EnvSpec
from devkit.conda.package import Package
from devkit.conda.pypi import PipPackage
from devkit.errors import FileFormatError


@dataclass(frozen=True)
class Locked:
    """The lockfile a build was given, and its packages for the env's platform."""

    path: Path
    packages: tuple[Package, ...]
    pip: tuple[PipPackage, ...] = ()  # its wheels for the platform
    pip_locked: bool = False  # whether it holds the `pip:` section (not for --no-pip)


def problems(
    prefix: Path,
    spec: EnvSpec,
    transaction: str,
    lock: Locked | None,
    platform: Callable[[], str],
) -> tuple[str, ...]:
    """What is wrong with the env micromamba built; empty when it is the env asked for.

    ``transaction`` is micromamba's ``--json`` output; ``platform`` (micromamba's) is asked
    only when the file has a selector.
    """
    try:
        records = envrecords.installed_records(prefix)
    except FileFormatError as exc:
        return (f"broken: {exc.message}",)
    installed = {(r.name.normalized, str(r.version), str(r.build)) for r in records}
    linked = linked_packages(transaction)
    missing = [label for key, label in linked if key not in installed]
    if linked and len(missing) == len(linked):
        return (
            f"interrupted: none of the {len(linked)} packages micromamba linked is recorded in "
            f"{prefix / 'conda-meta'} (micromamba rolls an interrupted transaction back and "
            "still exits 0)",
        )
    if missing:
        return (f"incomplete: {', '.join(missing)} linked but not recorded in conda-meta",)
    found: list[str] = []
    if lock is not None:
        found += [
            f"does not match {lock.path.name}: {p.label} not installed"
            for p in lock.packages
            if (p.name, p.version, p.build) not in installed
        ]
        wheels = envs.pip_installed(prefix) if lock.pip else {}
        found += [
            f"does not match {lock.path.name}: pip {w.label} not installed"
            + (f" (installed {wheels[w.name]})" if w.name in wheels else "")
            for w in lock.pip
            if wheels.get(w.name) != w.version
        ]
    else:
        selectors = any(dep.selector for dep in spec.dependencies)
        for unmet in envrecords.unmet_specs(spec, records, platform() if selectors else None):
            have = f"installed {unmet.installed}" if unmet.installed else "not installed"
            found.append(f"does not satisfy spec {unmet.text} ({have})")
    found += [f"pip: {problem}" for problem in envs.check_pip(spec, prefix).problems]
    return tuple(found)


def linked_packages(transaction: str) -> list[tuple[tuple[str, str, str], str]]:
    """The packages micromamba's ``--json`` output says it linked: (name, version, build) and
    a label. 1.x and 2.x both give ``build_string``; ``build`` is the same string."""
    try:
        data = json.loads(transaction)
    except ValueError:
        return []
    actions = data.get("actions") if isinstance(data, dict) else None
    link = actions.get("LINK") if isinstance(actions, dict) else None
    found = []
    for entry in link if isinstance(link, list) else []:
        if not isinstance(entry, dict):
            continue
        name, version = str(entry.get("name", "")), str(entry.get("version", ""))
        build = str(entry.get("build_string") or entry.get("build") or "")
        found.append(((name, version, build), f"{name} {version} {build}"))
    return found
