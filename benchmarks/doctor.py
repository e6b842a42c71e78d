"""Time `devkit doctor --no-drift --no-network` and `devkit ls` on monorepos laid out as the team's.

The generator mirrors `examples/monorepo` (itself built from the team's setup write-up). Project
i is a copy of `address-api` (the write-up's environment.yml: pinned, conda-forge mixed with
anaconda and defaults, a `pip:` section) or of `ingest` (conda-forge only, a `pip:` section),
alternately, named `<example>-<i>`: environment.yml, .env.example and a filled-in .env (the
deploy's values where it sets them, a token of the project's own otherwise), Dockerfile,
entrypoint.sh (executable), cloudbuild.yaml, .pylintrc, main.py, pkg/, tests/, plus its two
workflows `.github/workflows/<name>-checks.yml` and `<name>-deploy.yml` with their `paths:`
filters and `working-directory`. The example's name is replaced by the project's in every file
but the Python ones; devkit.yaml gives each `address-api` copy the example's run command. The
repo is committed and pushed to a bare origin (upstream set), as a clone would be.

A share of the projects (--env-share) have an env. Envs are written, not solved (the test world's
channels lack most of the write-up's packages): one template prefix per example holds a
conda-meta record for every conda pin of its file plus the packages such a solve brings in
(~210 records for address-api, ~120 for ingest, with file lists), bin/python and the pip
dist-infos. Each project's prefix hard-links those records and gets devkit's fingerprint of its
own environment.yml, so doctor sees envs built by devkit, current and matching their pins.

Every command runs as a whole process in an isolated home (HOME, XDG_*, DEVKIT_HOME,
MAMBA_ROOT_PREFIX, CONDARC and git config under a temp dir; the test world's micromamba stand-in
on PATH). `doctor-cold` is doctor with its parse cache (`<cache>/parsed`) removed before each
run, as on the first run after an upgrade; `doctor` runs with the cache its warmup left, as
every later run does. Prints wall and CPU medians (CPU: user+sys of the finished children, git
included), the least-squares slope (ms per project) and intercept (fixed cost), the slopes
between sizes and the growth from one size to the next. Prints figures, asserts nothing:

    .venv/bin/python benchmarks/doctor.py --sizes 10,100,1000 --runs 3 --large-runs 1

`--baseline DEVKIT` times another devkit (e.g. a checkout of main's) on the same monorepos: each
of its runs, warmups included, is paired with one of this devkit's with the same arguments, back
to back, the one going first alternating round by round (ABBA), and the report adds its medians
and the paired ratios (median over the rounds of this devkit's wall, and CPU, ÷ the baseline's).
It gets a DEVKIT_HOME of its own (two devkits of different code sharing one parse cache empty
each other's shelves); `doctor-cold` removes each one's parse cache before each of its runs. On
a noisy machine the ratio is the figure to read:

    .venv/bin/python benchmarks/doctor.py --sizes 100,1000 --runs 7 --large-runs 7 \
        --baseline ../before/.venv/bin/devkit

`--profile FILE` also runs one doctor at --profile-size projects under cProfile and prints its
top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import (
    baseline_devkit,
    devkit_exe,
    int_list,
    isolated_env,
    json_report,
    non_negative_int,
    positive_int,
    precompile_devkit,
    print_report,
    scratch_dir,
    write_git_config,
)
from rich.console import Console
from rich.table import Table
from seed import (
    EXAMPLES,
    SAMPLE,
    Example,
    load_examples,
    project_names,
    write_config,
    write_project,
)

from devkit import parsecache
from tests.support.channel import base_interpreter
from tests.support.world import World, build_world

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (10, 100, 1000)
LARGE_SIZE = 1000  # sizes from here on take --large-runs and --large-warmups
DEFAULT_RUNS = 3
DEFAULT_LARGE_RUNS = 1
DEFAULT_WARMUPS = 1
DEFAULT_LARGE_WARMUPS = 0
DEFAULT_ENV_SHARE = 0.5
DEFAULT_SAMPLE = 20
DEFAULT_TIMEOUT_S = 900.0
DEFAULT_PROFILE_SIZE = 100
PROFILE_TOP = 15
# devkit's entry chain every call goes through: left out of the cumulative list.
ENTRY_CHAIN = ("devkit/__main__.py", "devkit/cli/__init__.py")
# Issue 15: doctor --no-drift on the team's layout, wall time on 2 cores.
TARGET_WALL_MS = {100: 600.0, 1000: 3000.0}
TARGET_SPEEDUP = 20.0
# Linear growth: the cost of each project added from 100 to 1000 stays within this factor of
# the cost of each project added from 10 to 100.
TARGET_SLOPE_RATIO = 1.5
JSON_SCHEMA_VERSION = 2
_SUMMARY = re.compile(r"Summary: (\d+) ok, (\d+) warnings?, (\d+) failed, (\d+) skipped")

# ---------------------------------------------------------------------------------------------
# The envs: what a solve of each example's file installs, written as conda-meta records.

PYTHON_MINOR = "3.9"
PYTHON_VERSION = "3.9.18"  # what `python=3.9` solves to
# Conda packages of the address-api solve that come from `anaconda` rather than conda-forge
# (its file lists both, and CI solves with channel-priority disabled).
FROM_ANACONDA = frozenset({"pyarrow"})
# Packages every solve of these files brings in (conda-forge names, linux-64 flavoured).
_COMMON = """
_libgcc_mutex=0.1 _openmp_mutex=4.5 bzip2=1.0.8 ca-certificates=2022.12.7
ld_impl_linux-64=2.39 libblas=3.9.0 libcblas=3.9.0 libffi=3.4.2 libgcc-ng=12.2.0
libgfortran-ng=12.2.0 libgfortran5=12.2.0 libgomp=12.2.0 liblapack=3.9.0 libnsl=2.0.0
libopenblas=0.3.21 libsqlite=3.40.0 libstdcxx-ng=12.2.0 libuuid=2.32.1 libzlib=1.2.13
ncurses=6.3 openssl=3.0.7 readline=8.1.2 tk=8.6.12 tzdata=2022g xz=5.2.6 setuptools=65.6.3
wheel=0.38.4 six=1.16.0 python-dateutil=2.8.2 pytz=2022.7 python_abi=3.9 certifi=2022.12.7
charset-normalizer=2.1.1 idna=3.4 requests=2.28.1 urllib3=1.26.13 aiohttp=3.8.3 attrs=22.2.0
click=8.1.3 starlette=0.19.1 anyio=3.6.2 h11=0.14.0 typing_extensions=4.4.0
google-auth=2.15.0 google-api-core=2.11.0 googleapis-common-protos=1.57.0 protobuf=4.21.12
grpcio=1.51.1 cachetools=5.2.0 rsa=4.9 pyasn1=0.4.8 pyasn1-modules=0.2.7 astroid=2.9.3
isort=5.11.4 mccabe=0.6.1 platformdirs=2.6.0 tomli=2.0.1 pluggy=1.0.0 iniconfig=1.1.1
packaging=22.0 nodejs=18.12.1 arrow-cpp=8.0.0
"""
COMMON_PACKAGES = tuple(tuple(p.split("=", 1)) for p in _COMMON.split())
# Records an env of each example holds in all (pins, common packages, then fillers named
# `lib<example>-dep<k>` standing for the rest of the solve: gdal, proj, the arrow stack, ...).
ENV_RECORDS = {"address-api": 210, "ingest": 120}
# Files a record lists: real records list every file of the package (python's thousands).
RECORD_FILES = {"python": 3000, "pandas": 1000, "numpy": 600, "nodejs": 400, "arrow-cpp": 400}
DEFAULT_RECORD_FILES = 40
NOT_PYTHON = re.compile(r"^(_|lib|ld_impl|ca-certificates|bzip2|ncurses|openssl|readline|tk$|xz$)")
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)\s*(==|=)\s*([^\s=]+)$")


@dataclass(frozen=True)
class Package:
    """One conda package an env holds."""

    name: str
    version: str
    channel: str
    files: int

    @property
    def is_python_lib(self) -> bool:
        return self.name != "python" and not NOT_PYTHON.match(self.name)


def native_subdir() -> str:
    """This machine's conda platform (records say where they were built for)."""
    system = {"Linux": "linux", "Darwin": "osx"}.get(platform.system(), "linux")
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return f"{system}-64"
    return "osx-arm64" if system == "osx" else f"{system}-aarch64"


def pinned_version(name: str, operator: str, version: str) -> str:
    """A version a solve picks for `name=version` (fuzzy) or `name==version` (exact)."""
    if name == "python":
        return PYTHON_VERSION
    if operator == "=" and version.count(".") < 2:
        return f"{version}.0"  # `pandas-stubs=1.2` is 1.2.*
    return version


def env_packages(example: str, environment: dict[str, object]) -> list[Package]:
    """Every conda package a solve of the example's file installs (its pins satisfied)."""
    channels = environment.get("channels") or []
    assert isinstance(channels, list)
    mixed = "anaconda" in channels
    found: dict[str, Package] = {}
    deps = environment.get("dependencies") or []
    assert isinstance(deps, list)
    for dep in deps:
        match = _PIN.match(dep) if isinstance(dep, str) else None
        if match is None:
            continue
        name, operator, version = match.groups()
        channel = "anaconda" if mixed and name in FROM_ANACONDA else "conda-forge"
        files = RECORD_FILES.get(name, DEFAULT_RECORD_FILES)
        found[name] = Package(name, pinned_version(name, operator, version), channel, files)
    for name, version in COMMON_PACKAGES:
        files = RECORD_FILES.get(name, DEFAULT_RECORD_FILES)
        found.setdefault(name, Package(name, version, "conda-forge", files))
    filler = 0
    while len(found) < ENV_RECORDS[example]:
        filler += 1
        name = f"lib{example}-dep{filler}"
        found[name] = Package(name, "1.0.0", "conda-forge", DEFAULT_RECORD_FILES)
    return sorted(found.values(), key=lambda p: p.name)


def pip_requirements(environment: dict[str, object]) -> list[tuple[str, str]]:
    """`name==version` requirements of the file's `pip:` section."""
    found: list[tuple[str, str]] = []
    for dep in environment.get("dependencies") or []:  # type: ignore[union-attr]
        if isinstance(dep, dict):
            for requirement in dep.get("pip") or []:
                name, _, version = str(requirement).partition("==")
                found.append((name.strip(), version.strip()))
    return found


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def package_files(package: Package) -> list[str]:
    """The paths a record lists, shaped like the package's kind."""
    if package.name == "python":
        site = f"lib/python{PYTHON_MINOR}"
        return ["bin/python", "bin/python3", f"bin/python{PYTHON_MINOR}"] + [
            f"{site}/stdlib{i // 100:02d}/module{i:04d}.py" for i in range(package.files - 3)
        ]
    if package.is_python_lib:
        module = package.name.replace("-", "_")
        site = f"lib/python{PYTHON_MINOR}/site-packages"
        info = f"{site}/{module}-{package.version}.dist-info"
        return [f"{info}/{n}" for n in ("INSTALLER", "METADATA", "RECORD")] + [
            f"{site}/{module}/part{i:04d}.py" for i in range(package.files - 3)
        ]
    return [f"lib/{package.name}/file{i:04d}" for i in range(package.files - 1)] + [
        f"lib/lib{package.name}.so"
    ]


def record_json(package: Package, subdir: str) -> tuple[str, str]:
    """(file name, text) of the conda-meta record micromamba writes for `package`."""
    py = PYTHON_MINOR.replace(".", "")
    digest = _digest(package.name, package.version, package.channel)
    if package.name == "python":
        build = f"h{digest[:7]}_0_cpython"
    elif package.is_python_lib:
        build = f"py{py}h{digest[:7]}_0"
    else:
        build = f"h{digest[:7]}_0"
    fn = f"{package.name}-{package.version}-{build}.tar.bz2"
    channel = f"https://conda.anaconda.org/{package.channel}/{subdir}"
    files = package_files(package)
    depends = [f"python >={PYTHON_MINOR},<3.10.0a0", f"python_abi {PYTHON_MINOR}.* *_cp{py}"]
    record = {
        "build": build,
        "build_number": 0,
        "depends": depends if package.is_python_lib else ["libgcc-ng >=12"],
        "license": "BSD-3-Clause",
        "md5": digest[:32],
        "name": package.name,
        "sha256": digest,
        "size": 1000 * package.files,
        "subdir": subdir,
        "timestamp": 1670000000000,
        "version": package.version,
        "fn": fn,
        "url": f"{channel}/{fn}",
        "channel": channel,
        "extracted_package_dir": f"/opt/pkgs/{fn.removesuffix('.tar.bz2')}",
        "requested_specs": [],
        "files": files,
        "paths_data": {
            "paths_version": 1,
            "paths": [
                {
                    "_path": path,
                    "path_type": "hardlink",
                    "sha256": _digest(fn, path),
                    "size_in_bytes": 1000 + index,
                }
                for index, path in enumerate(files)
            ],
        },
        "link": {"source": f"/opt/pkgs/{fn.removesuffix('.tar.bz2')}", "type": 1},
    }
    return f"{fn.removesuffix('.tar.bz2')}.json", json.dumps(record, indent=2)


@dataclass(frozen=True)
class EnvTemplate:
    """What every env of one example holds: records to link, dist-info folders to make."""

    meta: Path  # a conda-meta folder of records
    dist_infos: tuple[str, ...]  # folder names under site-packages

    def install(self, prefix: Path) -> None:
        """Lay the env out at `prefix` (records hard-linked, copied across file systems)."""
        meta = prefix / "conda-meta"
        meta.mkdir(parents=True)
        for record in self.meta.iterdir():
            try:
                os.link(record, meta / record.name)
            except OSError:
                shutil.copyfile(record, meta / record.name)
        (prefix / "bin").mkdir()
        (prefix / "bin" / "python").symlink_to(base_interpreter())
        site = prefix / "lib" / f"python{PYTHON_MINOR}" / "site-packages"
        for name in self.dist_infos:
            (site / name).mkdir(parents=True)


def build_env_template(dest: Path, example: str, environment: dict[str, object]) -> EnvTemplate:
    """Write the records of the example's solve under `dest/conda-meta`."""
    meta = dest / "conda-meta"
    meta.mkdir(parents=True)
    packages = env_packages(example, environment)
    subdir = native_subdir()
    for package in packages:
        name, text = record_json(package, subdir)
        (meta / name).write_text(text, encoding="utf-8")
    dist_infos = [
        f"{p.name.replace('-', '_')}-{p.version}.dist-info" for p in packages if p.is_python_lib
    ]
    dist_infos += [
        f"{name.replace('-', '_')}-{version}.dist-info"
        for name, version in pip_requirements(environment)
    ]
    return EnvTemplate(meta, tuple(dist_infos))


def write_fingerprint(prefix: Path, env_file: Path) -> None:
    """What `devkit/conda/envbuild.py` records after a build, so the env reads as current."""
    record = {
        "environment_file": str(env_file),
        "sha256": hashlib.sha256(env_file.read_bytes()).hexdigest(),
    }
    (prefix / "conda-meta" / "devkit-source").write_text(json.dumps(record), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The monorepo: examples/monorepo's projects and workflows, once per generated project.


def has_env(index: int, share: float) -> bool:
    """Whether project `index` (from 1) has an env: about share × N of them, spread evenly
    over pairs of projects, so each example gets its share."""
    pair = (index - 1) // len(EXAMPLES) + 1
    return int(pair * share) > int((pair - 1) * share)


def git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def generate_monorepo(
    dest: Path,
    count: int,
    examples: Sequence[Example],
    env_templates: dict[str, EnvTemplate],
    share: float,
    root_prefix: Path,
    env: dict[str, str],
) -> list[Path]:
    """Write and push the monorepo of `count` projects; return the prefixes of its envs."""
    dest.mkdir(parents=True)
    shutil.copyfile(SAMPLE / ".gitignore", dest / ".gitignore")
    (dest / "README.md").write_text(f"# Monorepo\n\n{count} services live in `projects/`.\n")
    runs: dict[str, str] = {}
    prefixes: list[Path] = []
    for index, (name, example) in enumerate(project_names(count, examples), start=1):
        folder = write_project(dest, name, example)
        if example.run:
            runs[name] = example.run
        if has_env(index, share):
            prefix = root_prefix / "envs" / name
            if not prefix.exists():
                env_templates[example.name].install(prefix)
            # Envs are shared across sizes; the fingerprint names this monorepo's file.
            write_fingerprint(prefix, folder / "environment.yml")
            prefixes.append(prefix)
    write_config(dest, runs)
    origin = dest.parent / f"{dest.name}-origin.git"
    git(dest.parent, env, "init", "-q", "--bare", "-b", "main", str(origin))
    for args in (
        ("init", "-q", "-b", "main"),
        ("add", "-A"),
        ("commit", "-q", "-m", "generated monorepo"),
        ("remote", "add", "origin", str(origin)),
        ("push", "-q", "-u", "origin", "main"),
    ):
        git(dest, env, *args)
    return prefixes


# ---------------------------------------------------------------------------------------------
# Timing.


@dataclass(frozen=True)
class Sample:
    """One whole-process run."""

    wall_ms: float
    cpu_ms: float  # user + sys of the process and the children it waited for


@dataclass(frozen=True)
class Timing:
    """Runs of one command on one monorepo, and what its last run said."""

    command: str  # "doctor", "doctor-cold" (no parse cache) or "ls"
    projects: int
    envs: int
    samples: tuple[Sample, ...]
    exit_code: int
    outcome: str  # doctor: its summary counts; ls: the env states
    timed_out: bool = False
    # The baseline's runs, one per round of `samples` (empty without --baseline), and what its
    # last run said: a ratio against a baseline that failed would compare nothing.
    baseline_samples: tuple[Sample, ...] = ()
    baseline_exit_code: int = 0
    baseline_outcome: str = ""

    @property
    def wall_ms(self) -> float:
        if self.timed_out or not self.samples:
            return float("inf")
        return statistics.median(s.wall_ms for s in self.samples)

    @property
    def cpu_ms(self) -> float:
        if self.timed_out or not self.samples:
            return float("inf")
        return statistics.median(s.cpu_ms for s in self.samples)

    @property
    def paired(self) -> bool:
        """Whether there are baseline figures: a baseline was timed and nothing timed out."""
        return bool(self.baseline_samples) and not self.timed_out

    @property
    def baseline_wall_ms(self) -> float | None:
        if not self.paired:
            return None
        return statistics.median(s.wall_ms for s in self.baseline_samples)

    @property
    def baseline_cpu_ms(self) -> float | None:
        if not self.paired:
            return None
        return statistics.median(s.cpu_ms for s in self.baseline_samples)

    @property
    def wall_ratio(self) -> float | None:
        """Median over the rounds of this devkit's wall ÷ the baseline's in the same round."""
        return self._ratio(lambda sample: sample.wall_ms)

    @property
    def cpu_ratio(self) -> float | None:
        """Median over the rounds of this devkit's CPU ÷ the baseline's in the same round."""
        return self._ratio(lambda sample: sample.cpu_ms)

    def _ratio(self, figure: Callable[[Sample], float]) -> float | None:
        if not self.paired:
            return None
        pairs = zip(self.samples, self.baseline_samples, strict=True)
        return statistics.median(figure(mine) / figure(theirs) for mine, theirs in pairs)


@dataclass(frozen=True)
class Devkit:
    """A devkit script to time and the environment its runs get (its own DEVKIT_HOME)."""

    exe: Path
    env: dict[str, str]

    def argv(self, command: str, repo: Path) -> list[str]:
        if command.startswith("doctor"):
            # --no-network: the probes measure the network, not devkit (and stay off the internet).
            return [str(self.exe), "--root", str(repo), "doctor", "--no-drift", "--no-network"]
        return [str(self.exe), "--root", str(repo), "ls", "--json"]

    def run(
        self, command: str, repo: Path, timeout: float
    ) -> tuple[Sample, subprocess.CompletedProcess[str]] | None:
        """One timed run of `command`; None on timeout."""
        if command == "doctor-cold":  # every run as the first after an upgrade or a new clone
            shutil.rmtree(Path(self.env["DEVKIT_HOME"]) / "cache" / "parsed", ignore_errors=True)
        return run_once(self.argv(command, repo), self.env, timeout)


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(
    argv: Sequence[str], env: dict[str, str], timeout: float
) -> tuple[Sample, subprocess.CompletedProcess[str]] | None:
    """One run, timed: wall and the CPU of the children it reaped; None on timeout."""
    cpu = children_cpu_s()
    start = time.perf_counter()
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, check=False, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None
    wall = time.perf_counter() - start
    return Sample(wall * 1000.0, (children_cpu_s() - cpu) * 1000.0), done


def doctor_outcome(stdout: str) -> str:
    match = _SUMMARY.search(stdout)
    if match is None:
        return "no summary"
    return "/".join(match.groups())


def ls_outcome(stdout: str) -> str:
    try:
        states = [p["env"] for p in json.loads(stdout)["projects"]]
    except (ValueError, KeyError, TypeError):
        return "unreadable"
    counts = {state: states.count(state) for state in sorted(set(states))}
    return ", ".join(f"{state} {n}" for state, n in counts.items())


def measure(
    command: str,
    repo: Path,
    count: int,
    envs_built: int,
    runs: int,
    warmups: int,
    devkit: Devkit,
    timeout: float,
    baseline: Devkit | None = None,
) -> Timing:
    """Time `command` round by round; with a baseline, each round runs both, back to back, this
    devkit first in even rounds and the baseline first in odd ones (ABBA): neither the load's
    drift nor the caches the one before leaves warm favour one of them."""
    pair = [devkit] if baseline is None else [devkit, baseline]
    outcome_of = ls_outcome if command == "ls" else doctor_outcome
    samples: list[Sample] = []
    baseline_samples: list[Sample] = []
    exit_code, outcome = 0, ""
    baseline_exit_code, baseline_outcome = 0, ""
    for index in range(warmups + runs):
        flipped = index % 2 == 1
        ran: list[tuple[Sample, subprocess.CompletedProcess[str]]] = []
        for one in pair[::-1] if flipped else pair:
            measured = one.run(command, repo, timeout)
            if measured is None:  # a round without both runs pairs nothing: it ends here
                return Timing(
                    command,
                    count,
                    envs_built,
                    tuple(samples),
                    -1,
                    "",
                    timed_out=True,
                    baseline_samples=tuple(baseline_samples),
                )
            ran.append(measured)
        if flipped:
            ran.reverse()  # this devkit's run first again
        if index < warmups:
            continue
        (sample, done), *theirs = ran
        samples.append(sample)
        exit_code, outcome = done.returncode, outcome_of(done.stdout)
        for their_sample, their_done in theirs:
            baseline_samples.append(their_sample)
            baseline_exit_code = their_done.returncode
            baseline_outcome = outcome_of(their_done.stdout)
    return Timing(
        command,
        count,
        envs_built,
        tuple(samples),
        exit_code,
        outcome,
        baseline_samples=tuple(baseline_samples),
        baseline_exit_code=baseline_exit_code,
        baseline_outcome=baseline_outcome,
    )


def measure_list(world: World, env: dict[str, str], prefixes: Sequence[Path]) -> list[float]:
    """Wall ms of `micromamba list -p PREFIX --json -r ROOT`, once per prefix (after one warmup)."""
    root = env["MAMBA_ROOT_PREFIX"]
    samples: list[float] = []
    for index, prefix in enumerate([prefixes[0], *prefixes]):
        argv = [str(world.micromamba), "list", "-p", str(prefix), "--json", "-r", root]
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        if index:
            samples.append((time.perf_counter() - start) * 1000.0)
    return samples


def profile_doctor(repo: Path, env: dict[str, str], out: Path, timeout: float) -> str:
    """Run one doctor under cProfile into `out`; the summary of its profile."""
    argv = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "devkit"]
    argv += ["--root", str(repo), "doctor", "--no-drift", "--no-network"]
    subprocess.run(argv, env=env, capture_output=True, check=False, timeout=timeout)
    return profile_summary(out)


def profile_summary(out: Path) -> str:
    """A profile's top devkit functions by cumulative time, and top functions by own time."""
    stats = pstats.Stats(str(out))
    rows: list[tuple[float, float, int, str]] = []
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (file, line, function), (_, calls, own, cumulative, _) in entries:
        where = function if file == "~" else f"{shorten(file)}:{line}:{function}"
        rows.append((cumulative, own, calls, where))
    total = max(c for c, _, _, _ in rows)
    header = f"{'cumtime s':>10} {'tottime s':>10} {'calls':>9}  function"
    inner = [
        r for r in rows if r[3].startswith("devkit/") and not any(p in r[3] for p in ENTRY_CHAIN)
    ]
    by_cumulative = sorted(inner, reverse=True)
    by_own = sorted(rows, key=lambda r: r[1], reverse=True)
    lines = [f"total {total:.2f} s under cProfile; devkit's functions by cumulative time:"]
    lines.append(header)
    lines += [f"{c:10.3f} {t:10.3f} {n:9d}  {w}" for c, t, n, w in by_cumulative[:PROFILE_TOP]]
    lines += ["all functions by own time:", header]
    lines += [f"{c:10.3f} {t:10.3f} {n:9d}  {w}" for c, t, n, w in by_own[:PROFILE_TOP]]
    return "\n".join(lines)


def shorten(file: str) -> str:
    """A profiled file's path from the package it belongs to (devkit/…, rattler/…)."""
    parts = Path(file).parts
    for anchor in ("site-packages", "lib"):
        if anchor in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(anchor) :])
    if str(REPO_ROOT) in file:
        return Path(file).relative_to(REPO_ROOT).as_posix()
    return file


# ---------------------------------------------------------------------------------------------
# Figures.


def fit(points: Sequence[tuple[int, float]]) -> tuple[float, float] | None:
    """Least-squares (slope, intercept) of ms against projects; None below two sizes."""
    if len(points) < 2:
        return None
    xs, ys = [float(x) for x, _ in points], [y for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return slope, mean_y - slope * mean_x


def measured(timings: Sequence[Timing], command: str) -> list[Timing]:
    return [t for t in timings if t.command == command and not t.timed_out]


def scaling_rows(timings: Sequence[Timing], command: str, cpu: bool) -> list[tuple[str, str]]:
    """Fit, segment slopes and growth factors of one command's wall (or CPU) medians."""
    done = measured(timings, command)
    value = (lambda t: t.cpu_ms) if cpu else (lambda t: t.wall_ms)
    rows: list[tuple[str, str]] = []
    line = fit([(t.projects, value(t)) for t in done])
    if line is not None:
        rows.append(("least-squares slope", f"{line[0]:.2f} ms/project"))
        rows.append(("least-squares intercept (fixed cost)", f"{line[1]:.0f} ms"))
    for a, b in itertools.pairwise(done):
        slope = (value(b) - value(a)) / (b.projects - a.projects)
        rows.append((f"slope {a.projects}→{b.projects}", f"{slope:.2f} ms/project"))
    if len(done) >= 2:
        a, b = done[0], done[1]
        intercept = value(a) - a.projects * (value(b) - value(a)) / (b.projects - a.projects)
        rows.append((f"intercept from {a.projects}→{b.projects}", f"{intercept:.0f} ms"))
    for a, b in itertools.pairwise(done):
        growth = value(b) / value(a)
        exponent = math.log(growth) / math.log(b.projects / a.projects)
        label = f"t({b.projects})/t({a.projects}), as N^k"
        rows.append((label, f"{growth:.2f}×, k={exponent:.2f}"))
    return rows


def target_rows(timings: Sequence[Timing], list_ms: float | None) -> list[tuple[str, str, str]]:
    doctor = {t.projects: t for t in timings if t.command == "doctor"}
    rows: list[tuple[str, str, str]] = []
    for size, limit in TARGET_WALL_MS.items():
        at = doctor.get(size)
        if at is not None:
            figure = "timed out" if at.timed_out else f"{at.wall_ms:.0f} ms"
            rows.append(
                (f"{size} projects under {limit:.0f} ms", figure, yes_no(at.wall_ms < limit))
            )
    small, mid, large = doctor.get(10), doctor.get(100), doctor.get(1000)
    if small and mid and large and not (mid.timed_out or large.timed_out):
        low = (mid.wall_ms - small.wall_ms) / 90
        high = (large.wall_ms - mid.wall_ms) / 900
        ratio = high / low if low > 0 else float("inf")
        rows.append(
            (
                f"linear: ms/project 100→1000 ≤ {TARGET_SLOPE_RATIO:g}× 10→100",
                f"{high:.2f} vs {low:.2f} ({ratio:.2f}×)",
                yes_no(ratio <= TARGET_SLOPE_RATIO),
            )
        )
    if list_ms is not None:
        for t in doctor.values():
            if t.timed_out or not t.envs:
                continue
            speedup = list_ms * t.envs / t.wall_ms
            rows.append(
                (
                    f"≥ {TARGET_SPEEDUP:g}× faster than `micromamba list` per env, N={t.projects}",
                    f"{speedup:.1f}× ({t.envs} envs)",
                    yes_no(speedup >= TARGET_SPEEDUP),
                )
            )
    return rows


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def render(
    timings: Sequence[Timing], list_ms: float | None, sample: int, timeout: float
) -> list[Table]:
    sizes = Table(title="devkit doctor --no-drift --no-network, devkit ls --json: whole processes")
    for column in ("command", "N", "envs", "runs", "wall ms", "range", "CPU ms", "ms/proj"):
        sizes.add_column(column, justify="right")
    outcomes = Table(title="what the last run of each reported")
    for column in ("command", "N", "exit"):
        outcomes.add_column(column, justify="right")
    outcomes.add_column("doctor: ok/warn/fail/skip; ls: env states")
    with_baseline = any(t.baseline_samples for t in timings)
    if with_baseline:
        outcomes.add_column("base exit", justify="right")
        outcomes.add_column("baseline")
    for t in timings:
        if t.timed_out:
            row = [t.command, str(t.projects), str(t.envs), "—", f"> {timeout * 1000:.0f}"]
            sizes.add_row(*row, "timed out", "—", "—")
            continue
        walls = [s.wall_ms for s in t.samples]
        sizes.add_row(
            t.command,
            str(t.projects),
            str(t.envs),
            str(len(t.samples)),
            f"{t.wall_ms:.0f}",
            f"{min(walls):.0f}–{max(walls):.0f}",
            f"{t.cpu_ms:.0f}",
            f"{t.wall_ms / t.projects:.2f}",
        )
        theirs = [str(t.baseline_exit_code), t.baseline_outcome] if with_baseline else []
        outcomes.add_row(t.command, str(t.projects), str(t.exit_code), t.outcome, *theirs)
    tables = [sizes, outcomes]
    if with_baseline:
        tables.append(paired_table(timings))
    for command in ("doctor", "doctor-cold", "ls"):
        wall, cpu = scaling_rows(timings, command, False), scaling_rows(timings, command, True)
        if not wall:
            continue
        scaling = Table(title=f"devkit {command}: growth with N (medians)")
        scaling.add_column("figure")
        scaling.add_column("wall", justify="right")
        scaling.add_column("CPU", justify="right")
        for (label, w), (_, c) in zip(wall, cpu, strict=True):
            scaling.add_row(label, w, c)
        tables.append(scaling)
    targets = target_rows(timings, list_ms)
    if targets:
        title = "targets (doctor wall)"
        if list_ms is not None:
            title += f"; micromamba list: median {list_ms:.1f} ms/env over {sample} envs"
        table = Table(title=title)
        table.add_column("target")
        table.add_column("figure", justify="right")
        table.add_column("meets", justify="center")
        for row in targets:
            table.add_row(*row)
        tables.append(table)
    return tables


def paired_table(timings: Sequence[Timing]) -> Table:
    """Each timing against the baseline's runs of the same rounds: medians and paired ratios."""
    table = Table(title="paired with the baseline (×: median over rounds of devkit ÷ baseline)")
    columns = ("command", "N", "base wall", "wall ms", "wall ×", "base CPU", "CPU ms", "CPU ×")
    for column in columns:
        table.add_column(column, justify="right")
    for t in timings:
        if not t.paired:
            table.add_row(t.command, str(t.projects), *(["—"] * 6))
            continue
        assert t.baseline_wall_ms is not None and t.baseline_cpu_ms is not None
        assert t.wall_ratio is not None and t.cpu_ratio is not None
        table.add_row(
            t.command,
            str(t.projects),
            f"{t.baseline_wall_ms:.0f}",
            f"{t.wall_ms:.0f}",
            f"{t.wall_ratio:.2f}×",
            f"{t.baseline_cpu_ms:.0f}",
            f"{t.cpu_ms:.0f}",
            f"{t.cpu_ratio:.2f}×",
        )
    return table


def to_json(
    timings: Sequence[Timing],
    list_samples: Sequence[float],
    args: argparse.Namespace,
    profile: str | None,
) -> str:
    def figure(value: float | None) -> float | None:
        return round(value, 3) if value is not None and value != float("inf") else None

    def baseline_list(samples: Sequence[float]) -> list[float] | None:
        return [round(s, 3) for s in samples] if args.baseline is not None else None

    def fitted(command: str, cpu: bool) -> dict[str, float] | None:
        done = measured(timings, command)
        line = fit([(t.projects, t.cpu_ms if cpu else t.wall_ms) for t in done])
        if line is None:
            return None
        return {"slope_ms": round(line[0], 4), "intercept_ms": round(line[1], 3)}

    return json_report(
        JSON_SCHEMA_VERSION,
        runs=args.runs,
        large_runs=args.large_runs,
        warmups=args.warmups,
        env_share=args.env_share,
        timeout_s=args.timeout,
        micromamba_list_ms=[round(s, 3) for s in list_samples],
        baseline=None if args.baseline is None else str(args.baseline),
        timings=[
            {
                "command": t.command,
                "projects": t.projects,
                "envs": t.envs,
                "timed_out": t.timed_out,
                "wall_median_ms": figure(t.wall_ms),
                "cpu_median_ms": figure(t.cpu_ms),
                "wall_ms": [round(s.wall_ms, 3) for s in t.samples],
                "cpu_ms": [round(s.cpu_ms, 3) for s in t.samples],
                "exit_code": t.exit_code,
                "outcome": t.outcome,
                # The baseline's figures, null without --baseline (or after a timeout).
                "baseline_wall_median_ms": figure(t.baseline_wall_ms),
                "baseline_cpu_median_ms": figure(t.baseline_cpu_ms),
                "paired_wall_ratio": figure(t.wall_ratio),
                "paired_cpu_ratio": figure(t.cpu_ratio),
                "baseline_wall_ms": baseline_list([s.wall_ms for s in t.baseline_samples]),
                "baseline_cpu_ms": baseline_list([s.cpu_ms for s in t.baseline_samples]),
                "baseline_exit_code": t.baseline_exit_code if args.baseline is not None else None,
                "baseline_outcome": t.baseline_outcome if args.baseline is not None else None,
            }
            for t in timings
        ],
        fits={
            command: {"wall": fitted(command, False), "cpu": fitted(command, True)}
            for command in ("doctor", "doctor-cold", "ls")
        },
        profile=profile,
    )


def progress(timing: Timing) -> str:
    """One timing's medians for the progress lines on stderr."""
    line = f"{timing.wall_ms:.0f} ms"
    if timing.paired:
        line += f", baseline {timing.baseline_wall_ms:.0f} ms, paired {timing.wall_ratio:.2f}×"
    return line


def share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", type=int_list("sizes"), default=DEFAULT_SIZES, help="projects, e.g. 10,100"
    )
    parser.add_argument(
        "--runs", type=positive_int, default=DEFAULT_RUNS, help="timed runs per size under 1000"
    )
    parser.add_argument(
        "--large-runs",
        type=positive_int,
        default=DEFAULT_LARGE_RUNS,
        help=f"timed runs per size from {LARGE_SIZE} projects",
    )
    parser.add_argument(
        "--warmups",
        type=non_negative_int,
        default=DEFAULT_WARMUPS,
        help=f"untimed runs per size under {LARGE_SIZE}",
    )
    parser.add_argument(
        "--large-warmups",
        type=non_negative_int,
        default=DEFAULT_LARGE_WARMUPS,
        help=f"untimed runs per size from {LARGE_SIZE}",
    )
    parser.add_argument(
        "--env-share",
        type=share,
        default=DEFAULT_ENV_SHARE,
        help="share of the projects that have an env (0 to 1)",
    )
    parser.add_argument("--no-ls", action="store_true", help="do not time `devkit ls`")
    parser.add_argument(
        "--sample",
        type=non_negative_int,
        default=DEFAULT_SAMPLE,
        help="envs to time `micromamba list` on, for the speed-up target (0: skip)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help="seconds one run may take; a size that exceeds it ends the sizes",
    )
    parser.add_argument(
        "--baseline",
        type=baseline_devkit,
        help="another devkit script (e.g. a checkout of main's) timed on the same monorepos, "
        "each of its runs paired with one of this devkit's",
    )
    parser.add_argument("--profile", type=Path, help="also profile one doctor into this file")
    parser.add_argument(
        "--profile-size",
        type=positive_int,
        default=DEFAULT_PROFILE_SIZE,
        help="projects in the profiled monorepo",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (path on stderr)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    timings: list[Timing] = []
    list_samples: list[float] = []
    profile: str | None = None
    with scratch_dir("doctor") as base:
        with console.status("building the test world…"):
            world = build_world(base / "world")
            env = isolated_env(base, world, write_git_config(base / "gitconfig"))
            # An installed devkit runs from bytecode; without it every run compiles each module
            # again (~0.2 s of CPU here), a cost of the shell this runs in, not of devkit.
            precompile_devkit(env)
            devkit = Devkit(devkit_exe(), env)
            baseline: Devkit | None = None
            if args.baseline is not None:
                precompile_devkit(env, args.baseline.parent / "python")
                # Its own DEVKIT_HOME, config copied, cache not: two devkits of different code
                # sharing one parse cache empty each other's shelves and both parse every run.
                home = Path(env["DEVKIT_HOME"])
                other = {**env, "DEVKIT_HOME": str(base / "baseline-home")}
                if home.is_dir():  # nothing has written one yet unless a config was put there
                    ignore = shutil.ignore_patterns("cache")
                    shutil.copytree(home, other["DEVKIT_HOME"], ignore=ignore)
                baseline = Devkit(args.baseline, other)
            root_prefix = Path(env["MAMBA_ROOT_PREFIX"])
            examples = load_examples()
            templates = {
                e.name: build_env_template(base / "env-templates" / e.name, e.name, e.environment)
                for e in examples
            }
        repos: dict[int, tuple[Path, list[Path]]] = {}

        def repo_for(count: int) -> tuple[Path, list[Path]]:
            if count not in repos:
                with console.status(f"{count} projects: generating…"):
                    repo = base / f"repo-{count}"
                    prefixes = generate_monorepo(
                        repo, count, examples, templates, args.env_share, root_prefix, env
                    )
                    # A real env's records are older than the parse cache's racy window, in
                    # which a record is read but not kept: let these settle likewise.
                    time.sleep(parsecache.RACY_S)
                repos[count] = (repo, prefixes)
            else:  # the fingerprints name the last monorepo generated
                repo, prefixes = repos[count]
                for prefix in prefixes:
                    write_fingerprint(prefix, repo / "projects" / prefix.name / "environment.yml")
            return repos[count]

        for count in args.sizes:
            repo, prefixes = repo_for(count)
            large = count >= LARGE_SIZE
            runs = args.large_runs if large else args.runs
            warmups = args.large_warmups if large else args.warmups
            commands = ("doctor-cold", "doctor") + (() if args.no_ls else ("ls",))
            stop = False
            for command in commands:
                with console.status(f"{count} projects: timing devkit {command}…"):
                    timing = measure(
                        command,
                        repo,
                        count,
                        len(prefixes),
                        runs,
                        warmups,
                        devkit,
                        args.timeout,
                        baseline,
                    )
                timings.append(timing)
                console.print(f"{command} N={count}: {progress(timing)}", highlight=False)
                stop = stop or timing.timed_out
            if stop:
                break  # a larger monorepo would only take longer
        envs_dir = root_prefix / "envs"
        built = sorted(p for p in envs_dir.iterdir() if p.is_dir()) if envs_dir.is_dir() else []
        if args.sample and built:
            step = max(1, len(built) // args.sample)
            with console.status("timing micromamba list…"):
                list_samples = measure_list(world, env, built[::step][: args.sample])
        if args.profile is not None:
            repo, _ = repo_for(args.profile_size)
            with console.status(f"{args.profile_size} projects: profiling devkit doctor…"):
                profile = profile_doctor(repo, env, args.profile, args.timeout)
        if args.keep:
            kept = base.with_name(base.name + "-kept")
            base.rename(kept)  # the envs' fingerprints and records name paths under `base`
            base.mkdir()
            console.print(f"kept: {kept} (its paths moved: regenerate to time it again)")
    list_ms = statistics.median(list_samples) if list_samples else None
    if args.json:
        print(to_json(timings, list_samples, args, profile))
        return 0
    notes = [
        f"devkit: {devkit_exe()} --root REPO doctor --no-drift --no-network | ls --json",
        f"envs: {args.env_share:g} of the projects; records per env: "
        + ", ".join(f"{k} {v}" for k, v in ENV_RECORDS.items()),
        "CPU: user+sys of devkit and the children it waited for (git, micromamba --version)",
    ]
    if args.baseline is not None:
        notes.append(f"baseline: {args.baseline}")
    skipped = [str(n) for n in args.sizes if n > max((t.projects for t in timings), default=0)]
    if skipped:
        notes.append(f"not run (a smaller size timed out): N={', '.join(skipped)}")
    if profile is not None:
        notes.append(f"\ncProfile of one doctor at N={args.profile_size} ({args.profile}):")
        notes.append(profile)
    print_report(render(timings, list_ms, len(list_samples), args.timeout), notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
