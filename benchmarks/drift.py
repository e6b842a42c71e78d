"""Time devkit drift's three-platform solve of the seed's environment.yml against bare py-rattler.

Prints figures and asserts nothing. Run from the repository root with devkit's interpreter:

    NO_COLOR=1 .venv/bin/python benchmarks/drift.py --runs 5

The seed's environment.yml (below, as data) names 26 packages of conda-forge and anaconda. No
real channel is read: the script builds a seed-shaped channel with the test world's package
writer (tests/support/conda_package.py) in a temp dir (or uses --channel-dir), every seed
package at its pinned version among a few others, with a dependency web, per platform and
Python minor; an `anaconda` channel carries its own builds of some. By default the channels are
served over HTTP on 127.0.0.1, so py-rattler's repodata cache matters: "cold" is an empty cache,
"warm" the cache of a previous run.

Measured, each the median of --runs:
- devkit in-process: channel resolution + `devkit.conda.solve.solve` + the drift analysis;
- bare py-rattler in-process: `rattler.solve` of the same specs, channels, platforms and virtual
  packages, one platform after the other on one gateway, as devkit does;
- end to end: `devkit drift seed --json` against a bare `python -c` doing the bare solve.
The overhead target is devkit in-process < 30% over bare py-rattler.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SEED_ENV = """\
name: seed
channels:
  - conda-forge
  - anaconda
  - defaults
dependencies:
  - pandas=1.4.2
  - geopandas=0.11.0
  - numpy=1.21.5
  - pylint=2.12.2
  - black=22.3.0
  - python=3.9
  - types-mypy-extensions=0.4.19
  - pandas-stubs=1.2
  - pytest=7.1.1
  - fsspec=2022.5.0
  - gcsfs=2022.5.0
  - fastapi=0.78.0
  - uvicorn=0.17.6
  - pyarrow=8.0.0
  - google-cloud-storage=2.4.0
  - google-cloud-bigquery=3.2.0
  - google-cloud-logging=3.3.1
  - pandas-gbq=0.17.6
  - pyright=1.1.255
  - great-expectations==0.15.11
  - postal=1.1.9
  - pydantic=1.9.1
  - python-dotenv=0.20.0
  - geojson=2.5.0
  - swifter=1.3.4
  - pip=22.3.1
  - pip:
      - pyairtable==1.4.0
      - googlemaps==4.8.0
"""
PLATFORMS = ("linux-64", "osx-64", "osx-arm64")
MINORS = ("3.8", "3.9", "3.10")
# name -> (kind, versions, depends). kind: "noarch" (pure Python), "ext" (one build per platform
# and Python minor), "lib" (one build per platform). The pinned seed version is always present.
CATALOGUE: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "numpy": ("ext", ("1.21.4", "1.21.5", "1.22.4", "1.23.5"), ("libopenblas",)),
    "pandas": (
        "ext",
        ("1.4.1", "1.4.2", "1.4.3", "1.5.3"),
        ("numpy >=1.21,<2", "python-dateutil", "pytz"),
    ),
    "pyarrow": ("ext", ("7.0.0", "8.0.0", "9.0.0"), ("numpy >=1.16", "libarrow")),
    "shapely": ("ext", ("1.8.2", "1.8.5"), ("geos", "numpy")),
    "pyproj": ("ext", ("3.3.1", "3.4.0"), ("proj", "certifi")),
    "postal": ("ext", ("1.1.8", "1.1.9"), ("libpostal",)),
    "pydantic": ("ext", ("1.9.0", "1.9.1", "1.10.2"), ("typing-extensions >=3.7.4.3",)),
    "psutil": ("ext", ("5.9.0", "5.9.4"), ()),
    "markupsafe": ("ext", ("2.1.1", "2.1.2"), ()),
    "aiohttp": ("ext", ("3.8.1", "3.8.3"), ("attrs", "multidict", "yarl", "charset-normalizer")),
    "multidict": ("ext", ("6.0.2", "6.0.4"), ()),
    "yarl": ("ext", ("1.7.2", "1.8.2"), ("idna", "multidict")),
    "grpcio": ("ext", ("1.46.3", "1.51.1"), ("six",)),
    "protobuf": ("ext", ("3.20.1", "4.21.9"), ()),
    "ruamel.yaml": ("ext", ("0.17.21",), ()),
    "scipy": ("ext", ("1.8.1", "1.9.3"), ("numpy >=1.19",)),
    "libopenblas": ("lib", ("0.3.20", "0.3.21"), ()),
    "libarrow": ("lib", ("7.0.0", "8.0.0", "9.0.0"), ("libprotobuf",)),
    "libprotobuf": ("lib", ("3.20.1", "3.21.9"), ()),
    "geos": ("lib", ("3.10.2", "3.11.0"), ()),
    "proj": ("lib", ("9.0.0", "9.1.0"), ("sqlite",)),
    "libpostal": ("lib", ("1.1",), ()),
    "sqlite": ("lib", ("3.38.5", "3.40.0"), ()),
    "openssl": ("lib", ("1.1.1q", "3.0.7"), ()),
    "nodejs": ("lib", ("16.15.1", "18.12.1"), ()),
    "geopandas": ("noarch", ("0.10.2", "0.11.0", "0.11.1"), ("pandas >=1.0", "shapely", "pyproj")),
    "pylint": (
        "noarch",
        ("2.12.2", "2.13.9"),
        ("astroid >=2.9", "isort", "mccabe", "platformdirs", "toml"),
    ),
    "astroid": ("noarch", ("2.9.3", "2.11.7"), ("wrapt", "lazy-object-proxy")),
    "black": (
        "noarch",
        ("22.1.0", "22.3.0", "22.6.0"),
        ("click >=8", "mypy_extensions", "pathspec", "platformdirs", "tomli"),
    ),
    "types-mypy-extensions": ("noarch", ("0.4.19",), ()),
    "pandas-stubs": ("noarch", ("1.2.0.62",), ()),
    "pytest": (
        "noarch",
        ("7.1.1", "7.1.2", "7.2.0"),
        ("attrs", "iniconfig", "packaging", "pluggy", "py", "tomli"),
    ),
    "fsspec": ("noarch", ("2022.3.0", "2022.5.0", "2022.11.0"), ()),
    "gcsfs": (
        "noarch",
        ("2022.3.0", "2022.5.0"),
        ("fsspec", "aiohttp", "google-auth", "google-cloud-storage", "requests"),
    ),
    "fastapi": ("noarch", ("0.78.0", "0.85.0"), ("starlette", "pydantic >=1.6.2")),
    "starlette": ("noarch", ("0.19.1", "0.20.4"), ("anyio",)),
    "anyio": ("noarch", ("3.6.1", "3.6.2"), ("idna", "sniffio")),
    "uvicorn": ("noarch", ("0.17.6", "0.20.0"), ("click >=7", "h11")),
    "google-cloud-storage": (
        "noarch",
        ("2.4.0", "2.6.0"),
        (
            "google-api-core",
            "google-auth",
            "google-cloud-core",
            "google-resumable-media",
            "requests",
        ),
    ),
    "google-cloud-bigquery": (
        "noarch",
        ("3.2.0", "3.4.0"),
        ("google-api-core", "google-cloud-core", "proto-plus", "protobuf", "pyarrow >=3", "grpcio"),
    ),
    "google-cloud-logging": (
        "noarch",
        ("3.3.1", "3.4.0"),
        ("google-api-core", "google-cloud-core", "proto-plus", "protobuf"),
    ),
    "google-cloud-core": ("noarch", ("2.3.1", "2.3.2"), ("google-api-core", "google-auth")),
    "google-api-core": (
        "noarch",
        ("2.8.2", "2.10.2"),
        ("googleapis-common-protos", "protobuf", "requests", "google-auth"),
    ),
    "googleapis-common-protos": ("noarch", ("1.56.4", "1.57.0"), ("protobuf",)),
    "google-auth": ("noarch", ("2.9.1", "2.15.0"), ("cachetools", "pyasn1-modules", "rsa", "six")),
    "google-resumable-media": ("noarch", ("2.3.3", "2.4.0"), ("google-crc32c",)),
    "google-crc32c": ("noarch", ("1.1.2",), ()),
    "proto-plus": ("noarch", ("1.20.6", "1.22.1"), ("protobuf",)),
    "pandas-gbq": (
        "noarch",
        ("0.17.6", "0.18.1"),
        ("google-cloud-bigquery", "pandas", "pydata-google-auth", "pyarrow"),
    ),
    "pydata-google-auth": ("noarch", ("1.4.0",), ("google-auth",)),
    "pyright": ("noarch", ("1.1.255", "1.1.280"), ("nodejs",)),
    "great-expectations": (
        "noarch",
        ("0.15.11", "0.15.30"),
        (
            "jinja2",
            "jsonschema",
            "pandas",
            "numpy",
            "scipy",
            "ruamel.yaml",
            "tqdm",
            "requests",
            "altair",
        ),
    ),
    "altair": ("noarch", ("4.2.0",), ("jinja2", "jsonschema", "pandas", "toolz")),
    "jinja2": ("noarch", ("3.1.2",), ("markupsafe",)),
    "jsonschema": ("noarch", ("4.6.0", "4.17.3"), ("attrs",)),
    "python-dotenv": ("noarch", ("0.20.0", "0.21.0"), ()),
    "geojson": ("noarch", ("2.5.0",), ()),
    "swifter": ("noarch", ("1.3.4",), ("pandas", "dask", "tqdm", "psutil")),
    "dask": ("noarch", ("2022.5.0", "2022.11.1"), ("fsspec", "toolz", "pyyaml", "packaging")),
    "pip": ("noarch", ("22.1.2", "22.3.1", "23.0.1"), ()),
    **{
        name: ("noarch", versions, ())
        for name, versions in {
            "tqdm": ("4.64.0", "4.64.1"),
            "requests": ("2.28.1", "2.28.2"),
            "attrs": ("21.4.0", "22.1.0"),
            "packaging": ("21.3", "22.0"),
            "click": ("8.1.3",),
            "h11": ("0.13.0",),
            "idna": ("3.3", "3.4"),
            "sniffio": ("1.3.0",),
            "charset-normalizer": ("2.1.1",),
            "certifi": ("2022.9.24",),
            "six": ("1.16.0",),
            "toml": ("0.10.2",),
            "tomli": ("2.0.1",),
            "isort": ("5.10.1",),
            "mccabe": ("0.6.1", "0.7.0"),
            "platformdirs": ("2.5.2", "2.6.0"),
            "pathspec": ("0.9.0", "0.10.2"),
            "mypy_extensions": ("0.4.3",),
            "iniconfig": ("1.1.1",),
            "pluggy": ("1.0.0",),
            "py": ("1.11.0",),
            "wrapt": ("1.14.1",),
            "lazy-object-proxy": ("1.8.0",),
            "typing-extensions": ("4.3.0", "4.4.0"),
            "python-dateutil": ("2.8.2",),
            "pytz": ("2022.1", "2022.6"),
            "cachetools": ("5.2.0",),
            "pyasn1-modules": ("0.2.8",),
            "rsa": ("4.9",),
            "toolz": ("0.12.0",),
            "pyyaml": ("6.0",),
        }.items()
    },
}
ANACONDA = ("pandas", "numpy", "pyarrow", "scipy")


def _catalogue_packages(tag: str, names: tuple[str, ...] | None = None) -> Iterator[object]:
    from tests.support.conda_package import Package, fake_hash

    runtime = {"linux": ("libgcc-ng >=12",), "osx": ("libcxx >=14",)}
    for subdir in PLATFORMS:
        os_name = subdir.split("-")[0]
        if tag == "conda-forge":
            runtime_package = (
                ("libgcc-ng", "12.2.0") if os_name == "linux" else ("libcxx", "14.0.6")
            )
            yield Package(*runtime_package, "h0_0", subdir)
            for minor in MINORS:
                depends = (*runtime[os_name], "openssl", "sqlite", "tzdata")
                build = f"h{fake_hash('python', minor, subdir)}_0_cpython"
                yield Package("python", f"{minor}.16", build, subdir, depends)
        for name, (kind, versions, deps) in CATALOGUE.items():
            if names is not None and name not in names:
                continue
            if tag == "anaconda" and name == "numpy" and subdir == "osx-arm64":
                continue  # as on the real anaconda channel of 2022: no Apple Silicon numpy
            for version in versions:
                if kind == "lib":
                    build = f"h{fake_hash(name, version, subdir, tag)}_0"
                    yield Package(name, version, build, subdir, (*runtime[os_name], *deps))
                elif kind == "ext":
                    for minor in MINORS:
                        major, micro = minor.split(".")
                        python = f"python >={minor},<{major}.{int(micro) + 1}.0a0"
                        build = f"py{major}{micro}h{fake_hash(name, version, subdir, minor, tag)}_0"
                        yield Package(
                            name, version, build, subdir, (python, *runtime[os_name], *deps)
                        )
    if tag == "conda-forge":
        yield Package("tzdata", "2022g", "h0_0", "noarch", noarch="generic")
        for name, (kind, versions, deps) in CATALOGUE.items():
            if kind == "noarch":
                for version in versions:
                    build = f"pyh{fake_hash(name, version)}_0"
                    yield Package(
                        name, version, build, "noarch", ("python >=3.7", *deps), noarch="python"
                    )


def build_channels(dest: Path) -> Path:
    """Write and index the seed-shaped channels under `dest/channels` (run in a child)."""
    from rattler.index import index_fs

    from tests.support.conda_package import write_package

    root = dest / "channels"
    for tag, names in (("conda-forge", None), ("anaconda", ANACONDA)):
        for subdir in ("noarch", *PLATFORMS):
            (root / tag / subdir).mkdir(parents=True, exist_ok=True)
        for package in _catalogue_packages(tag, names):
            write_package(package, root / tag / package.subdir)  # type: ignore[arg-type]

    async def index() -> None:
        await asyncio.gather(
            *(
                index_fs(root / tag, write_zst=False, write_shards=False)
                for tag in ("conda-forge", "anaconda")
            )
        )

    asyncio.run(index())
    return root


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (quietly); yield its base URL."""
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


class Quiet(http.server.SimpleHTTPRequestHandler):
    """No access log on stderr; HTTP/1.1 keep-alive, as a real channel server."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return


def paired(
    devkit: Callable[[int], object], bare: Callable[[int], object], runs: int
) -> tuple[float, float]:
    """Median ms of each, the two alternating run by run so drifts of the machine hit both."""
    times: dict[str, list[float]] = {"devkit": [], "bare": []}
    order = [("devkit", devkit), ("bare", bare)]
    for index in range(runs):
        # Who goes first alternates too: the first of a pair can pay for the other's warm-up.
        for label, run in order if index % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            run(index)
            times[label].append((time.perf_counter() - start) * 1000)
    return statistics.median(times["devkit"]), statistics.median(times["bare"])


def bare_solve(channels: list[str], specs: list[str], targets: list, cache: Path) -> int:
    """The baseline: py-rattler's solve with nothing around it; returns the record count."""
    from rattler import (
        BuildString,
        Channel,
        ChannelPriority,
        Gateway,
        GenericVirtualPackage,
        MatchSpec,
        PackageName,
        Subdir,
        Version,
        solve,
    )

    gateway = Gateway(cache_dir=cache, show_progress=False)

    async def one(platform: str, virtuals: list) -> list:
        return await solve(
            [Channel(c) for c in channels],
            [MatchSpec(s) for s in specs],
            gateway=gateway,
            platforms=[Subdir(platform), Subdir("noarch")],
            virtual_packages=[
                GenericVirtualPackage(PackageName(n), Version(v), BuildString(b))
                for n, v, b in virtuals
            ],
            channel_priority=ChannelPriority.Disabled,
            add_pip_as_python_dependency=True,
            channel_relations="disabled",
        )

    async def run() -> list:
        # One platform after the other, like devkit (devkit/conda/solve.py says why not gathered).
        return [await one(p, v) for p, v in targets]

    return sum(len(r) for r in asyncio.run(run()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (median shown)")
    parser.add_argument("--channel-dir", type=Path, help="use channels already built here")
    parser.add_argument("--file", action="store_true", help="read channels as file:// (no HTTP)")
    parser.add_argument("--build-channel", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare-solve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_channel or args.bare_solve:
        # Children of this script; both use py-rattler's async runtime, so leave with os._exit.
        if args.build_channel:
            build_channels(args.build_channel)
        else:
            bare_solve(**json.loads(args.bare_solve[0]), cache=Path(args.bare_solve[1]))
        sys.stdout.flush()
        os._exit(0)

    work = Path(tempfile.mkdtemp(prefix="devkit-drift-bench-"))
    try:
        code = _run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.stdout.flush()
    # This process ran py-rattler's async runtime: skip finalization (conda/rattler_runtime.py).
    os._exit(code)


def _run(args: argparse.Namespace, work: Path) -> int:
    from rich.console import Console
    from rich.table import Table

    channel_dir: Path | None = args.channel_dir
    start = time.perf_counter()
    if channel_dir is None:
        channel_dir = work / "channels"
        subprocess.run(
            [sys.executable, __file__, "--build-channel", str(work)], check=True, cwd=REPO
        )
    build_s = time.perf_counter() - start
    records = sum(1 for _ in channel_dir.rglob("*.tar.bz2"))
    with contextlib.ExitStack() as stack:
        alias = channel_dir.as_uri() if args.file else stack.enter_context(serve(channel_dir))
        rows, packages = _measure(args.runs, work, alias)
    source = "file://" if args.file else "HTTP on 127.0.0.1"
    table = Table(
        title=f"seed environment.yml, 3 platforms, {packages} packages resolved; channels of "
        f"{records} packages over {source} (built in {build_s:.1f} s); median of {args.runs}"
    )
    for column in ("case", "devkit ms", "bare py-rattler ms", "overhead"):
        table.add_column(column, justify="left" if column == "case" else "right")
    for label, devkit_ms, bare_ms in rows:
        overhead = (devkit_ms - bare_ms) / bare_ms * 100 if bare_ms else float("inf")
        table.add_row(label, f"{devkit_ms:.1f}", f"{bare_ms:.1f}", f"{overhead:+.0f}%")
    console = Console()
    console.print(table)
    in_process = [(d - b) / b * 100 for label, d, b in rows if label.startswith("in-process")]
    verdict = "meets" if max(in_process) < 30 else "misses"
    console.print(f"in-process overhead target < 30%: {verdict} ({max(in_process):+.0f}% worst)")
    return 0


def _measure(runs: int, work: Path, alias: str) -> tuple[list[tuple[str, float, float]], int]:
    condarc = work / "condarc"
    condarc.write_text(f"channel_alias: {alias}\ndefault_channels: [{alias}/anaconda]\n")
    root = work / "monorepo"
    (root / "projects" / "seed").mkdir(parents=True)
    (root / "projects" / "seed" / "environment.yml").write_text(SEED_ENV)
    os.environ.update({"CONDARC": str(condarc), "MAMBA_ROOT_PREFIX": str(work / "mamba")})

    # Imported here, not at the top: the timed `--bare-solve` child must not load rich and
    # the test support modules that harness brings.
    from harness import devkit_exe

    from devkit.conda import envspec
    from devkit.conda.platforms import split_virtual
    from devkit.conda.solve import solve
    from devkit.drift.project import Options, plan, solved_report
    from devkit.repo import monorepo

    repo = monorepo.load(root)
    project = repo.project("seed")
    spec = envspec.parse(project.env_file)

    def devkit_once(cache: Path) -> int:
        request = plan(repo, project, spec, Options(pins=False), work / "mamba")
        solves = solve(request, cache)
        report = solved_report(project, spec, request, solves, root)
        return sum(report.counts.values())

    request = plan(repo, project, spec, Options(pins=False), work / "mamba")
    bare_args = {
        "channels": [c.fetch_url for c in request.channels],
        "specs": [d.text for d in request.specs],
        "targets": [
            (t.platform, [split_virtual(v) for v in t.virtual_packages]) for t in request.targets
        ],
    }

    def bare_once(cache: Path) -> None:
        bare_solve(**bare_args, cache=cache)  # type: ignore[arg-type]

    rows: list[tuple[str, float, float]] = []
    warm = {"devkit": work / "devkit-warm", "bare": work / "bare-warm"}
    packages = devkit_once(warm["devkit"])
    bare_once(warm["bare"])
    rows.append(
        (
            "in-process, cold cache",
            *paired(
                lambda i: devkit_once(work / f"devkit-cold-{i}"),
                lambda i: bare_once(work / f"bare-cold-{i}"),
                runs,
            ),
        )
    )
    rows.append(
        (
            "in-process, warm cache",
            *paired(lambda i: devkit_once(warm["devkit"]), lambda i: bare_once(warm["bare"]), runs),
        )
    )

    env = dict(os.environ, NO_COLOR="1")

    def cli(home: Path) -> None:
        subprocess.run(
            [str(devkit_exe()), "--root", str(root), "drift", "seed", "--json"],
            env=dict(env, DEVKIT_HOME=str(home)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )

    def bare_cli(cache: Path) -> None:
        argv = [sys.executable, __file__, "--bare-solve", json.dumps(bare_args), str(cache)]
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)

    cli(work / "cli-warm")
    bare_cli(work / "bare-cli-warm")
    rows.append(
        (
            "end to end (new process), cold",
            *paired(
                lambda i: cli(work / f"cli-cold-{i}"),
                lambda i: bare_cli(work / f"bare-cli-cold-{i}"),
                runs,
            ),
        )
    )
    rows.append(
        (
            "end to end (new process), warm",
            *paired(
                lambda i: cli(work / "cli-warm"), lambda i: bare_cli(work / "bare-cli-warm"), runs
            ),
        )
    )
    return rows, packages


if __name__ == "__main__":
    main()
