"""A resolved conda package, however devkit learnt of it: a solve, a lockfile, an installed env."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rattler import PackageRecord, RepoDataRecord

_EXTENSIONS = (".tar.bz2", ".conda")


@dataclass(frozen=True)
class Package:
    """One package of one platform, with what a lockfile or a comparison needs."""

    name: str
    version: str
    build: str
    subdir: str
    channel: str  # display name, e.g. "conda-forge"
    url: str = ""
    build_number: int = 0
    md5: str | None = None
    sha256: str | None = None
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        """``numpy 1.21.5 py39h…_0``."""
        return f"{self.name} {self.version} {self.build}"

    def package_record(self) -> PackageRecord:
        """A py-rattler PackageRecord, so MatchSpecs can be matched against this package."""
        from rattler import BuildString, PackageRecord

        return PackageRecord(
            self.name,
            self.version,
            BuildString(self.build),
            self.build_number,
            self.subdir,
            depends=list(self.depends),
        )


def split_url(url: str) -> tuple[str, str, str]:
    """``…/conda-forge/linux-64/numpy-1.21.5-py39_0.tar.bz2`` -> (channel URL, subdir, file)."""
    base, _, file_name = url.rstrip("/").rpartition("/")
    channel, _, subdir = base.rpartition("/")
    return channel, subdir, file_name


def parse_file_name(file_name: str) -> tuple[str, str, str]:
    """``numpy-1.21.5-py39_0.tar.bz2`` -> ("numpy", "1.21.5", "py39_0")."""
    stem = file_name
    for extension in _EXTENSIONS:
        stem = stem.removesuffix(extension)
    name, version, build = stem.rsplit("-", 2)
    return name, version, build


def from_repodata(record: RepoDataRecord, channel: str) -> Package:
    """A solved py-rattler record as a Package (with its ``purls``, for Python packages)."""
    depends = tuple(record.depends)
    extra: dict[str, Any] = {}
    if any(dep.split(" ")[0] == "python" for dep in depends):
        # py-rattler has no accessor for `purls` (which PyPI name a package is); its JSON does.
        purls = json.loads(record.to_json()).get("purls")
        if purls:
            extra["purls"] = tuple(purls)
    return Package(
        name=record.name.normalized,
        version=str(record.version),
        build=str(record.build),
        subdir=record.subdir,
        channel=channel,
        url=record.url,
        build_number=record.build_number,
        md5=record.md5.hex() if record.md5 else None,
        sha256=record.sha256.hex() if record.sha256 else None,
        depends=depends,
        constrains=tuple(record.constrains),
        extra=extra,
    )
