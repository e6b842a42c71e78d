"""``conda-lock.yml`` in conda-lock's v1 format, read back without a solve (lockwrite.py
writes it).

micromamba installs such a file directly (``micromamba create -p P -f conda-lock.yml``; the
name must end in ``-lock.yml``). What libmamba requires of it (mamba's env_lockfile_conda.cpp):
``version: 1``; ``metadata`` with non-empty ``platforms``, ``sources`` and ``content_hash``, and
``channels`` as ``{url, used_env_vars}``; each package with ``name``, ``version``, ``manager``,
``platform``, ``url``, ``hash.md5`` or ``hash.sha256`` and ``dependencies`` as a mapping.
conda-lock's own parser also wants an md5 for conda packages and no unknown keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from devkit import limits, yamlfile
from devkit.conda import channels, lockpip
from devkit.conda.envspec import EnvSpec, applies
from devkit.conda.lockcheck import RELOCK, Checker, item_line, line_of
from devkit.conda.package import Package
from devkit.conda.platforms import PLATFORM
from devkit.conda.pypi import PipPackage
from devkit.errors import FileFormatError
from devkit.yamlfile import kind

LOCK_NAME = "conda-lock.yml"


@dataclass(frozen=True)
class Lock:
    """A parsed lockfile: its metadata and, per platform, its conda packages by name."""

    path: Path
    platforms: tuple[str, ...]
    channels: tuple[str, ...]
    sources: tuple[str, ...]
    content_hash: dict[str, str]
    source_sha256: str | None
    packages: dict[str, dict[str, Package]] = field(default_factory=dict)
    # `manager: pip` entries per platform, by normalised PyPI name.
    pip: dict[str, dict[str, PipPackage]] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)  # metadata.custom_metadata

    @property
    def source(self) -> Path | None:
        """The environment file it was made from (``sources`` are relative to the lock)."""
        return (self.path.parent / self.sources[0]) if self.sources else None


def lock_path(project_dir: Path) -> Path:
    """Where a project's lockfile lives."""
    return project_dir / LOCK_NAME


def read(path: Path) -> Lock:
    """Parse a conda-lock v1 file (devkit's or conda-lock's); errors name the file and line."""
    # Locks of big envs on several platforms run to megabytes: their own, larger limits.
    data = yamlfile.load(path, bounds=limits.LOCKFILE)
    if not isinstance(data, dict) or data.get("version") != 1:
        raise FileFormatError(
            path,
            "not a conda-lock v1 file (expected `version: 1`)",
            line=line_of(data, "version"),
            hint=RELOCK,
        )
    meta = data.get("metadata")
    entries = data.get("package")
    if not isinstance(meta, dict) or not isinstance(entries, list):
        raise FileFormatError(
            path, "expected `metadata` and a `package` list", line=line_of(data), hint=RELOCK
        )
    check = Checker(path)
    platforms = check.strings(meta, "platforms", "metadata.platforms")
    for index, platform in enumerate(platforms):
        if not PLATFORM.match(platform):
            check.fail(
                f"metadata.platforms: {platform!r} is not a platform (like linux-64 or osx-arm64)",
                item_line(meta.get("platforms"), index),
            )
    sources = check.strings(meta, "sources", "metadata.sources")
    lock_channels = check.channels(meta)
    hashes = check.mapping(meta, "content_hash", "metadata.content_hash")
    for key, value in hashes.items():
        if not isinstance(value, str):
            check.fail(
                f"metadata.content_hash.{key} must be a string, not {kind(value)}", hashes, key
            )
    inputs = check.mapping(meta, "inputs_metadata", "metadata.inputs_metadata")
    first = inputs.get(sources[0]) if sources else None
    source_sha256 = first.get("sha256") if isinstance(first, dict) else None
    if source_sha256 is not None and not isinstance(source_sha256, str):
        check.fail(
            f"metadata.inputs_metadata.{sources[0]}.sha256 must be a string", first, "sha256"
        )
    known = [
        channels.Channel(name=channels.short_name(u), url=u, fetch_url=u) for u in lock_channels
    ]
    packages: dict[str, dict[str, Package]] = {p: {} for p in platforms}
    pip: dict[str, dict[str, PipPackage]] = {}
    for index, entry in enumerate(entries):
        line = item_line(entries, index)
        if not isinstance(entry, dict):
            check.fail(f"package entry must be a mapping, not {kind(entry)}", line)
        manager = entry.get("manager")
        if not isinstance(manager, str):
            check.fail(
                f"package entry: `manager` must be conda or pip, not {kind(manager)}",
                entry,
                "manager",
            )
        if manager == "pip":
            platform, wheel = lockpip.entry(check, entry, line)
            pip.setdefault(platform, {})[wheel.name] = wheel
            continue
        if manager != "conda":
            continue
        platform, package = check.package(entry, line, known)
        packages.setdefault(platform, {})[package.name] = package
    return Lock(
        path=path,
        platforms=tuple(platforms),
        channels=lock_channels,
        sources=tuple(sources),
        content_hash=dict(hashes),
        source_sha256=source_sha256,
        packages=packages,
        pip=pip,
        custom={
            str(k): str(v)
            for k, v in check.mapping(meta, "custom_metadata", "metadata.custom_metadata").items()
        },
    )


def unsatisfied(lock: Lock, spec: EnvSpec, platform: str) -> list[str]:
    """The environment file's specs the locked packages of a platform do not satisfy (no solve)."""
    from rattler import MatchSpec

    locked = lock.packages.get(platform, {})
    problems = []
    for dep in spec.dependencies:
        if not applies(dep, platform):
            continue
        package = locked.get(dep.name)
        if package is None:
            problems.append(f"{dep.text} is not locked")
            continue
        # A channel in the spec is a name the lock stores as a (mirror) URL: match the rest.
        text = dep.text.split("::", 1)[-1]
        if not MatchSpec(text, strict=dep.lenient_note is None).matches(package.package_record()):
            problems.append(f"{dep.text} (locked {package.version} {package.build})")
    return problems
