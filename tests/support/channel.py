"""Build the local conda channels the test world solves against (real packages, real repodata).

`build_channels(dest)` writes `dest/channels/<name>/<subdir>/*.tar.bz2`, indexes every channel
with `rattler.index.index_fs` and returns `dest/channels`. A `.condarc` with
`channel_alias: file://<dest>/channels` then resolves the name `conda-forge` to the local copy,
the way a company mirror would. Subdirs: noarch, linux-64, osx-64, osx-arm64.

channels/conda-forge
| package | version | subdirs | depends / notes |
| --- | --- | --- | --- |
| python | see below | linux-64, osx-64, osx-arm64 | see below |
| pip | the running interpreter's pip | noarch | exposes that pip through a .pth (offline) |
| fastapi | 0.78.0 | noarch | stand-in: `FastAPI`, `@app.get`, ASGI |
| uvicorn | 0.17.6 | noarch | stand-in HTTP server, `bin/uvicorn` entry point |
| python-dotenv | 0.20.0 | noarch | stand-in `dotenv` module |
| pins | 0.8.1 | noarch | |
| tzdata | 2024a | noarch (generic) | |
| pylint, pyright, pytest | 2.13.5, 1.1.255, 7.1.1 | noarch | record each call (toolrecorder) |
| black | 22.3.0, 23.1.0 | noarch | records each call; `--check` fails on marked files |
| toolrecorder | 1.0.0 | noarch | what the four share (test-only) |
| gmaps-conda | 4.8.0 | noarch | `purls: [pkg:pypi/googlemaps]`: not its PyPI name |
| numpy | 1.21.5 linux-64, osx-64; 1.21.6 osx-arm64 | per python minor | platform drift |
| pandas | 1.4.2 | linux-64, osx-64, osx-arm64, per python minor | numpy >=1.21.5,<2.0a0 |
| postal | 1.1.9 | linux-64, osx-64 only (missing on osx-arm64) | per python minor |
| geos | 3.10.2 | linux-64, osx-64, osx-arm64 | linux: `__glibc >=2.17`; osx-arm64: `__osx >=11.0` |
| libgcc-ng | 12.2.0 | linux-64 only | `__glibc >=2.17` |
| libcxx | 14.0.6 | osx-64, osx-arm64 only | |

channels/anaconda (no python: pair it with conda-forge)
| package | version | subdirs |
| --- | --- | --- |
| pandas | 1.4.2 (own build strings) | linux-64, osx-64, osx-arm64, per python minor |
| numpy | 1.21.5 | linux-64, osx-64, per python minor |
| pyarrow | 8.0.0 | linux-64, osx-64, osx-arm64, per python minor |

python: 3.9.18, PYTHON_311_VERSION (3.11.9, or the running interpreter's version when that is
a 3.11) and the running interpreter's version (PYTHON_RUNNING_VERSION). Depends on libgcc-ng,
`__glibc >=2.17,<3.0.a0` and tzdata on linux, libcxx and tzdata on osx; solves add pip, as
micromamba's add_pip_as_python_dependency does. On linux-64 it really runs: `bin/python` links
to the running base interpreter and `pyvenv.cfg` makes the env its sys.prefix; for a python
minor other than the running one, a .pth adds `lib/python<minor>/site-packages` so noarch
packages still import (the interpreter itself stays the running one).

Python-extension packages (numpy, pandas, postal, pyarrow) have one build per python minor in
the channel (build string `py311h…_0`) and ship an importable module with `__version__`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from tests.support.conda_package import Package, dist_info, fake_hash, write_package

PAYLOADS = Path(__file__).parent / "payloads"
SUBDIRS = ("noarch", "linux-64", "osx-64", "osx-arm64")
PLATFORMS = ("linux-64", "osx-64", "osx-arm64")
CHANNEL_NAMES = ("conda-forge", "anaconda")

_RUNNING = sys.version_info
PYTHON_RUNNING_VERSION = f"{_RUNNING.major}.{_RUNNING.minor}.{_RUNNING.micro}"
PYTHON_RUNNING_MINOR = f"{_RUNNING.major}.{_RUNNING.minor}"
PYTHON_39_VERSION = "3.9.18"
PYTHON_311_VERSION = PYTHON_RUNNING_VERSION if PYTHON_RUNNING_MINOR == "3.11" else "3.11.9"
PYTHON_VERSIONS = tuple(
    sorted(
        {PYTHON_39_VERSION, PYTHON_311_VERSION, PYTHON_RUNNING_VERSION},
        key=lambda v: tuple(int(p) for p in v.split(".")),
    )
)
FASTAPI_VERSION = "0.78.0"
UVICORN_VERSION = "0.17.6"
DOTENV_VERSION = "0.20.0"
PINS_VERSION = "0.8.1"
GMAPS_VERSION = "4.8.0"
TZDATA_VERSION = "2024a"
NUMPY_VERSIONS = {"linux-64": "1.21.5", "osx-64": "1.21.5", "osx-arm64": "1.21.6"}
PANDAS_VERSION = "1.4.2"
POSTAL_VERSION = "1.1.9"
POSTAL_SUBDIRS = ("linux-64", "osx-64")
GEOS_VERSION = "3.10.2"
LIBGCC_NG_VERSION = "12.2.0"
LIBCXX_VERSION = "14.0.6"
PYARROW_VERSION = "8.0.0"
# The checks the team's workflows run, as small stand-ins that record how they were called.
CHECK_TOOL_VERSIONS = {"pylint": "2.13.5", "pyright": "1.1.255", "pytest": "7.1.1"}
BLACK_VERSIONS = ("22.3.0", "23.1.0")
TOOLRECORDER_VERSION = "1.0.0"


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _runtime(subdir: str) -> tuple[str, ...]:
    """The C/C++ runtime every compiled package of `subdir` depends on."""
    return ("libgcc-ng >=12",) if subdir.startswith("linux") else ("libcxx >=14",)


def base_interpreter() -> Path:
    """The real interpreter behind the running one (the base of any venv), symlinks resolved."""
    return Path(getattr(sys, "_base_executable", sys.executable)).resolve()


def _payload(package: str, site: str = "site-packages") -> dict[str, str]:
    root = PAYLOADS / package
    return {
        f"{site}/{package}/{path.relative_to(root).as_posix()}": path.read_text()
        for path in sorted(root.rglob("*.py"))
    }


def _python(version: str, subdir: str) -> Package:
    minor = _minor(version)
    build = f"h{fake_hash('python', version, subdir)}_0_cpython"
    if subdir.startswith("linux"):
        depends = ("libgcc-ng >=12", "__glibc >=2.17,<3.0.a0", "tzdata")
    else:
        depends = ("libcxx >=14", "tzdata")
    files: dict[str, str] = {}
    links = {"bin/python": f"python{minor}", "bin/python3": f"python{minor}"}
    if subdir == "linux-64":
        # A venv-style interpreter: the real one, with sys.prefix at the env thanks to pyvenv.cfg.
        real = base_interpreter()
        links[f"bin/python{minor}"] = str(real)
        files["pyvenv.cfg"] = (
            f"home = {real.parent}\ninclude-system-site-packages = false\nversion = {version}\n"
        )
        if minor != PYTHON_RUNNING_MINOR:
            # conda puts noarch packages under lib/python<this package's minor>; the running
            # interpreter only reads its own minor's site-packages, so point it there.
            pth = f"lib/python{PYTHON_RUNNING_MINOR}/site-packages/_python{minor}_site.pth"
            files[pth] = (
                "import os, site, sys; site.addsitedir(os.path.join("
                f"sys.prefix, 'lib', 'python{minor}', 'site-packages'))\n"
            )
    else:
        files[f"bin/python{minor}"] = (
            f"#!/bin/sh\necho 'python {version} is built for {subdir}' >&2\nexit 126\n"
        )
    return Package("python", version, build, subdir, depends, files=files, softlinks=links)


def _noarch_python(
    name: str, version: str, python: str, files: dict[str, str], entry_points: tuple[str, ...] = ()
) -> Package:
    build = f"pyh{fake_hash(name, version)}_0"
    payload = {**files, **dist_info(name, version, "site-packages")}
    return Package(
        name,
        version,
        build,
        "noarch",
        (f"python {python}",),
        files=payload,
        noarch="python",
        entry_points=entry_points,
    )


def _module(name: str, version: str, imports: tuple[str, ...] = ()) -> str:
    lines = [f'"""{name} stand-in from the test channel."""', *(f"import {m}" for m in imports)]
    return "\n".join([*lines, f'__version__ = "{version}"', ""])


def _python_ext(
    name: str,
    version: str,
    subdir: str,
    minor: str,
    depends: tuple[str, ...] = (),
    imports: tuple[str, ...] = (),
    tag: str = "conda-forge",
) -> Package:
    major, minor_number = minor.split(".")
    build = f"py{major}{minor_number}h{fake_hash(name, version, subdir, minor, tag)}_0"
    site = f"lib/python{minor}/site-packages"
    module = name.replace("-", "_")
    files = {f"{site}/{module}/__init__.py": _module(name, version, imports)}
    files.update(dist_info(name, version, site))
    python = f"python >={minor},<{major}.{int(minor_number) + 1}.0a0"
    return Package(name, version, build, subdir, (python, *_runtime(subdir), *depends), files=files)


def _pip_site(dest: Path) -> tuple[str, str]:
    """Expose the running interpreter's pip offline; return (pip version, .pth line)."""
    spec = importlib.util.find_spec("pip")
    if spec is not None and spec.submodule_search_locations:
        pip_dir = Path(next(iter(spec.submodule_search_locations)))
        dist = next(pip_dir.parent.glob("pip-*.dist-info"), None)
        if dist is not None:
            # Only pip itself goes on the env's sys.path, not the rest of its site-packages.
            site = dest / "pip-site"
            site.mkdir(parents=True, exist_ok=True)
            for source in (pip_dir, dist):
                link = site / source.name
                if not link.is_symlink():
                    link.symlink_to(source, target_is_directory=True)
            version = dist.name.removeprefix("pip-").removesuffix(".dist-info")
            return version, f"import site; site.addsitedir({str(site)!r})\n"
    bundled = Path(os.__file__).parent / "ensurepip" / "_bundled"
    wheel = next(bundled.glob("pip-*.whl"), None)
    if wheel is None:
        raise RuntimeError("no pip to expose in the test world: install pip for this Python")
    version = wheel.name.split("-")[1]
    return version, f"import sys; sys.path.append({str(wheel)!r})\n"


def _check_tools() -> Iterator[Package]:
    """pylint, pyright, pytest and black: commands that record each call (payloads/toolrecorder)."""
    yield _noarch_python("toolrecorder", TOOLRECORDER_VERSION, ">=3.7", _payload("toolrecorder"))
    tools = [*CHECK_TOOL_VERSIONS.items(), *(("black", v) for v in BLACK_VERSIONS)]
    for tool, version in tools:
        module = (
            f'"""{tool} stand-in from the test channel: see toolrecorder."""\n'
            "from toolrecorder import run\n\n"
            f'__version__ = "{version}"\n\n\n'
            f"def main():\n    raise SystemExit(run({tool!r}, __version__))\n"
        )
        package = _noarch_python(
            tool,
            version,
            ">=3.7",
            {f"site-packages/{tool}/__init__.py": module},
            (f"{tool} = {tool}:main",),
        )
        yield replace(package, depends=(*package.depends, f"toolrecorder {TOOLRECORDER_VERSION}"))


def conda_forge(pip_version: str, pip_pth: str) -> Iterator[Package]:
    """Every package of the local conda-forge."""
    for subdir in PLATFORMS:
        for version in PYTHON_VERSIONS:
            yield _python(version, subdir)
        for minor in sorted({_minor(v) for v in PYTHON_VERSIONS}):
            yield _python_ext("numpy", NUMPY_VERSIONS[subdir], subdir, minor)
            yield _python_ext(
                "pandas", PANDAS_VERSION, subdir, minor, ("numpy >=1.21.5,<2.0a0",), ("numpy",)
            )
            if subdir in POSTAL_SUBDIRS:
                yield _python_ext("postal", POSTAL_VERSION, subdir, minor)
        geos_depends = _runtime(subdir)
        if subdir.startswith("linux"):
            geos_depends += ("__glibc >=2.17",)
        if subdir == "osx-arm64":
            geos_depends += ("__osx >=11.0",)
        library = "lib/libgeos_c.so" if subdir.startswith("linux") else "lib/libgeos_c.dylib"
        yield Package(
            "geos",
            GEOS_VERSION,
            f"h{fake_hash('geos', subdir)}_0",
            subdir,
            geos_depends,
            files={library: "geos stand-in\n"},
            license="LGPL-2.1-only",
        )
        if subdir.startswith("linux"):
            yield Package(
                "libgcc-ng",
                LIBGCC_NG_VERSION,
                "h65d4601_19",
                subdir,
                ("__glibc >=2.17",),
                files={"lib/libgcc_s.so.1": "libgcc stand-in\n"},
                license="GPL-3.0-only WITH GCC-exception-3.1",
            )
        else:
            yield Package(
                "libcxx",
                LIBCXX_VERSION,
                f"h{fake_hash('libcxx', subdir)}_0",
                subdir,
                files={"lib/libc++.1.dylib": "libc++ stand-in\n"},
                license="Apache-2.0 WITH LLVM-exception",
            )
    yield _noarch_python("fastapi", FASTAPI_VERSION, ">=3.6.1", _payload("fastapi"))
    yield _noarch_python(
        "uvicorn",
        UVICORN_VERSION,
        ">=3.7",
        _payload("uvicorn"),
        ("uvicorn = uvicorn.main:main",),
    )
    yield _noarch_python("python-dotenv", DOTENV_VERSION, ">=3.5", _payload("dotenv"))
    pins = {"site-packages/pins/__init__.py": _module("pins", PINS_VERSION)}
    yield _noarch_python("pins", PINS_VERSION, ">=3.7", pins)
    gmaps = _noarch_python(
        "gmaps-conda", GMAPS_VERSION, ">=3.7", {"site-packages/googlemaps/__init__.py": ""}
    )
    yield replace(gmaps, purls=("pkg:pypi/googlemaps",))
    yield _noarch_python(
        "pip",
        pip_version,
        ">=3.7",
        {"site-packages/_pip_standin.pth": pip_pth},
        ("pip = pip._internal.cli.main:main", "pip3 = pip._internal.cli.main:main"),
    )
    yield from _check_tools()
    yield Package(
        "tzdata",
        TZDATA_VERSION,
        "h0c530f3_0",
        "noarch",
        files={"share/zoneinfo/UTC": "TZif stand-in\n"},
        noarch="generic",
        license="LicenseRef-Public-Domain",
    )


def anaconda() -> Iterator[Package]:
    """Every package of the small local anaconda channel."""
    for subdir in PLATFORMS:
        for minor in sorted({_minor(v) for v in PYTHON_VERSIONS}):
            yield _python_ext(
                "pandas", PANDAS_VERSION, subdir, minor, ("numpy >=1.21.5",), ("numpy",), "anaconda"
            )
            if subdir != "osx-arm64":
                yield _python_ext("numpy", "1.21.5", subdir, minor, tag="anaconda")
            yield _python_ext(
                "pyarrow", PYARROW_VERSION, subdir, minor, ("numpy >=1.16.6",), tag="anaconda"
            )


async def _index(channels: list[Path]) -> None:
    from rattler.index import index_fs

    await asyncio.gather(
        *(index_fs(channel, write_zst=False, write_shards=False) for channel in channels)
    )


def build_channels(dest: Path) -> Path:
    """Write and index every local channel under `dest/channels`; return that folder."""
    root = dest / "channels"
    pip_version, pip_pth = _pip_site(dest)
    contents = {"conda-forge": conda_forge(pip_version, pip_pth), "anaconda": anaconda()}
    for name, packages in contents.items():
        for subdir in SUBDIRS:
            (root / name / subdir).mkdir(parents=True, exist_ok=True)
        for package in packages:
            write_package(package, root / name / package.subdir)
    asyncio.run(_index([root / name for name in contents]))
    return root


if __name__ == "__main__":
    # Run as `python -m tests.support.channel DEST` by the test world: rattler's runtime threads
    # can crash CPython's finalization, so the build happens in a child that skips it.
    build_channels(Path(sys.argv[1]))
    sys.stdout.flush()
    os._exit(0)
