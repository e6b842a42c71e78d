"""A PEP 503 package index of real wheels, built by the suite and served on 127.0.0.1.

`build_index(dest)` writes tiny wheels (valid zips with METADATA, WHEEL and RECORD, installable
by pip) under `dest/files/` and simple pages under `dest/simple/<name>/` with `#sha256=` links,
as PyPI and company mirrors serve them; `dest/extra/<name>/` is a second index holding the
team's private package. Contents:

| distribution | versions | tags | requires |
| --- | --- | --- | --- |
| pyairtable | 1.4.0 | py3-none-any | requests>=2.22.0, inflection |
| googlemaps | 4.8.0 | py3-none-any | requests>=2.20.0,<3.0 |
| requests | 2.31.0, 2.32.3 | py3-none-any | |
| inflection | 0.5.1 | py3-none-any | |
| clickui | 2.0 | py3-none-any | appnope (darwin only), colorama (Windows only) |
| appnope, colorama | 0.1.4, 0.4.6 | py3-none-any | |
| fastc | 0.5 | cp<running>-cp<running>-manylinux2014_x86_64 and -macosx_11_0_arm64 (no osx-64) | |
| dotenv-cli | 3.0.0 | py3-none-any | python-dotenv>=0.19 (conda-forge has python-dotenv 0.20.0) |
| newdotenv-user | 1.0 | py3-none-any | python-dotenv>=1.0 (conflicts with conda's 0.20.0) |
| python-dotenv | 0.20.0, 1.0.1 | py3-none-any | |
| legacy-sdist | 1.0 | sdist only (.tar.gz): no wheel anywhere | |
| teamlib (extra index) | 0.3.0 | py3-none-any | |
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.channel import PYTHON_RUNNING_MINOR

_CP = "cp" + PYTHON_RUNNING_MINOR.replace(".", "")
FASTC_TAGS = (f"{_CP}-{_CP}-manylinux2014_x86_64", f"{_CP}-{_CP}-macosx_11_0_arm64")


@dataclass(frozen=True)
class Wheel:
    """One wheel of the test index."""

    name: str
    version: str
    requires: tuple[str, ...] = ()
    tag: str = "py3-none-any"
    index: str = "simple"

    @property
    def filename(self) -> str:
        """`pyairtable-1.4.0-py3-none-any.whl`."""
        return f"{self.name.replace('-', '_')}-{self.version}-{self.tag}.whl"


WHEELS: tuple[Wheel, ...] = (
    Wheel("pyairtable", "1.4.0", ("requests>=2.22.0", "inflection")),
    Wheel("googlemaps", "4.8.0", ("requests>=2.20.0,<3.0",)),
    Wheel("requests", "2.31.0"),
    Wheel("requests", "2.32.3"),
    Wheel("inflection", "0.5.1"),
    Wheel(
        "clickui",
        "2.0",
        ('appnope>=0.1; sys_platform == "darwin"', 'colorama; platform_system == "Windows"'),
    ),
    Wheel("appnope", "0.1.4"),
    Wheel("colorama", "0.4.6"),
    *(Wheel("fastc", "0.5", tag=tag) for tag in FASTC_TAGS),
    Wheel("dotenv-cli", "3.0.0", ("python-dotenv>=0.19",)),
    Wheel("newdotenv-user", "1.0", ("python-dotenv>=1.0",)),
    Wheel("python-dotenv", "0.20.0"),
    Wheel("python-dotenv", "1.0.1"),
    Wheel("teamlib", "0.3.0", index="extra"),
)
SDISTS = (("legacy-sdist", "1.0"),)


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def write_wheel(folder: Path, wheel: Wheel) -> Path:
    """A real, installable wheel: one module reporting its version, plus its metadata."""
    module = wheel.name.replace("-", "_")
    dist = f"{module}-{wheel.version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {wheel.name}\nVersion: {wheel.version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in wheel.requires)
    pure = "true" if wheel.tag.endswith("-any") else "false"
    wheel_info = f"Wheel-Version: 1.0\nRoot-Is-Purelib: {pure}\nTag: {wheel.tag}\n"
    files = {
        f"{module}/__init__.py": f'__version__ = "{wheel.version}"\n'.encode(),
        f"{dist}/METADATA": metadata.encode(),
        f"{dist}/WHEEL": wheel_info.encode(),
    }
    record = [_record_line(p, d) for p, d in files.items()] + [f"{dist}/RECORD,,"]
    path = folder / wheel.filename
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2022, 6, 1, 0, 0, 0))  # same bytes each run
            archive.writestr(info, data)
        archive.writestr(
            zipfile.ZipInfo(f"{dist}/RECORD", date_time=(2022, 6, 1, 0, 0, 0)),
            "\n".join(record) + "\n",
        )
    return path


def _sdist(folder: Path, name: str, version: str) -> Path:
    path = folder / f"{name}-{version}.tar.gz"
    data = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(f"{name}-{version}/PKG-INFO")
        info.size, info.mtime = len(data), 1_654_041_600
        archive.addfile(info, io.BytesIO(data))
    return path


def _pages(dest: Path, index: str, files: Sequence[tuple[str, Path]]) -> None:
    by_name: dict[str, list[Path]] = {}
    for name, path in files:
        by_name.setdefault(name, []).append(path)
    for name, paths in by_name.items():
        page = dest / index / name
        page.mkdir(parents=True, exist_ok=True)
        links = "".join(
            f'<a href="../../files/{p.name}#sha256={hashlib.sha256(p.read_bytes()).hexdigest()}">'
            f"{p.name}</a><br/>\n"
            for p in sorted(paths)
        )
        (page / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n")
    names = "".join(f'<a href="{n}/">{n}</a><br/>\n' for n in sorted(by_name))
    (dest / index / "index.html").write_text(f"<html><body>\n{names}</body></html>\n")


def build_index(dest: Path) -> Path:
    """Write every wheel and sdist and both indexes' pages under `dest`; return `dest`."""
    files = dest / "files"
    files.mkdir(parents=True, exist_ok=True)
    simple = [(w.name, write_wheel(files, w)) for w in WHEELS if w.index == "simple"]
    simple += [(name, _sdist(files, name, version)) for name, version in SDISTS]
    extra = [(w.name, write_wheel(files, w)) for w in WHEELS if w.index == "extra"]
    _pages(dest, "simple", simple)
    _pages(dest, "extra", extra)
    return dest


def sha256_of(dest: Path, filename: str) -> str:
    """The sha256 of one served file (what a lock must record)."""
    return hashlib.sha256((dest / "files" / filename).read_bytes()).hexdigest()
