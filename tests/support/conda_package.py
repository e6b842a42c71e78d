"""Write real `.tar.bz2` conda packages: info/index.json, paths.json, files and the payload."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# A fixed build date keeps every package byte-identical between sessions (2022-06-01).
BUILD_TIMESTAMP_MS = 1_654_041_600_000

NoArch = Literal["python", "generic"]

_PLATFORM_ARCH = {
    "linux-64": ("linux", "x86_64"),
    "linux-aarch64": ("linux", "aarch64"),
    "osx-64": ("osx", "x86_64"),
    "osx-arm64": ("osx", "arm64"),
}


@dataclass(frozen=True)
class Package:
    """One conda package: metadata plus payload (path -> text) and softlinks (path -> target)."""

    name: str
    version: str
    build: str
    subdir: str
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    softlinks: Mapping[str, str] = field(default_factory=dict)
    noarch: NoArch | None = None
    entry_points: tuple[str, ...] = ()
    license: str = "MIT"
    build_number: int = 0
    purls: tuple[str, ...] = ()  # e.g. pkg:pypi/googlemaps: which PyPI distribution it is

    @property
    def filename(self) -> str:
        """The archive's file name, as it appears in repodata."""
        return f"{self.name}-{self.version}-{self.build}.tar.bz2"


def fake_hash(*parts: str) -> str:
    """A stable 7-hex-digit hash, the shape conda-build puts in build strings."""
    return hashlib.sha1("/".join(parts).encode(), usedforsecurity=False).hexdigest()[:7]


def index_json(package: Package) -> dict[str, object]:
    """The package's info/index.json."""
    data: dict[str, object] = {
        "name": package.name,
        "version": package.version,
        "build": package.build,
        "build_number": package.build_number,
        "depends": list(package.depends),
        "license": package.license,
        "subdir": package.subdir,
        "timestamp": BUILD_TIMESTAMP_MS,
    }
    if package.constrains:
        data["constrains"] = list(package.constrains)
    if package.purls:
        data["purls"] = list(package.purls)
    if package.noarch:
        data["noarch"] = package.noarch
    else:
        data["platform"], data["arch"] = _PLATFORM_ARCH[package.subdir]
    return data


def _is_executable(path: str) -> bool:
    return path.startswith(("bin/", "python-scripts/"))


def write_package(package: Package, subdir_dir: Path) -> Path:
    """Write `package` into a channel's subdir folder and return the archive's path."""
    subdir_dir.mkdir(parents=True, exist_ok=True)
    target = subdir_dir / package.filename
    paths: list[dict[str, object]] = []
    # compresslevel=1: the payloads are tiny and the whole channel must build in well under 1 s.
    with tarfile.open(target, "w:bz2", compresslevel=1) as archive:

        def add(path: str, data: bytes) -> None:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o755 if _is_executable(path) else 0o644
            info.mtime = BUILD_TIMESTAMP_MS // 1000
            archive.addfile(info, io.BytesIO(data))

        for path, text in sorted(package.files.items()):
            data = text.encode()
            add(path, data)
            paths.append(
                {
                    "_path": path,
                    "path_type": "hardlink",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size_in_bytes": len(data),
                }
            )
        for path, link_target in sorted(package.softlinks.items()):
            info = tarfile.TarInfo(path)
            info.type = tarfile.SYMTYPE
            info.linkname = link_target
            info.mtime = BUILD_TIMESTAMP_MS // 1000
            archive.addfile(info)
            paths.append({"_path": path, "path_type": "softlink", "size_in_bytes": 0})

        add("info/index.json", json.dumps(index_json(package), indent=2).encode())
        add("info/paths.json", json.dumps({"paths": paths, "paths_version": 1}).encode())
        add("info/files", "".join(f"{entry['_path']}\n" for entry in paths).encode())
        if package.noarch == "python":
            link = {
                "noarch": {"type": "python", "entry_points": list(package.entry_points)},
                "package_metadata_version": 1,
            }
            add("info/link.json", json.dumps(link).encode())
    return target


def dist_info(name: str, version: str, site_packages: str) -> dict[str, str]:
    """A minimal `.dist-info` so pip sees a conda-installed Python package as installed."""
    folder = f"{site_packages}/{name.replace('-', '_')}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    return {f"{folder}/METADATA": metadata, f"{folder}/INSTALLER": "conda\n"}
