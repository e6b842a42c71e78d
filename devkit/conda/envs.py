"""Where a project's env lives and what state it is in, read from disk without micromamba."""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from devkit.conda import envspec
from devkit.conda.envspec import EnvSpec
from devkit.errors import FileFormatError

if TYPE_CHECKING:
    from rattler import PackageRecord, PrefixRecord

_PYTHON_RECORD = re.compile(r"^python-\d")
_PIP_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:==\s*([^\s;,]+))?")


class Project(Protocol):
    """What an env needs of a project: its folder's name (the env's name by default)."""

    @property
    def name(self) -> str: ...


class EnvState(enum.Enum):
    """What is at an env's prefix."""

    MISSING = "missing"
    BROKEN = "broken"
    PRESENT = "present"


@dataclass(frozen=True)
class EnvLocation:
    """A project's env: its name (for ``micromamba activate``) and its prefix."""

    name: str
    prefix: Path


def env_name(project: Project, spec: EnvSpec) -> str:
    """The env's name: the file's ``name:``, else the project folder's name."""
    return spec.name or project.name


def name_claims(projects: Iterable[tuple[Project, EnvSpec]]) -> dict[str, list[str]]:
    """Env name -> the projects claiming it: two claimants would overwrite each other's env."""
    claims: dict[str, list[str]] = {}
    for project, spec in projects:
        claims.setdefault(env_name(project, spec), []).append(project.name)
    return claims


def locate(root_prefix: Path, project: Project, spec: EnvSpec) -> EnvLocation:
    """Named envs live in ``<root>/envs/<name>``, so ``micromamba activate <name>`` finds them."""
    name = env_name(project, spec)
    return EnvLocation(name=name, prefix=root_prefix / "envs" / name)


@dataclass(frozen=True)
class EnvStatus:
    """An env's state and, when it is not usable, why."""

    state: EnvState
    reason: str = ""


def status(prefix: Path) -> EnvStatus:
    """Whether an env exists and looks usable (conda-meta readable, a python to run)."""
    if not prefix.exists():
        return EnvStatus(EnvState.MISSING, f"{prefix} does not exist")
    meta = prefix / "conda-meta"
    if not meta.is_dir():
        return EnvStatus(EnvState.BROKEN, f"{prefix} has no conda-meta/: not a conda env")
    try:
        # Names, not Path objects: an env holds hundreds of records, doctor looks at hundreds
        # of envs.
        records = [n for n in os.listdir(meta) if n.endswith(".json")]  # noqa: PTH208
    except OSError as exc:
        return EnvStatus(EnvState.BROKEN, f"cannot read {meta}: {exc.strerror}")
    if not records:
        return EnvStatus(EnvState.BROKEN, f"{meta} lists no packages (an interrupted create?)")
    # Record files are `<name>-<version>-<build>.json`; python-dotenv must not count as python.
    if any(_PYTHON_RECORD.match(n) for n in records):
        python = prefix / "bin" / "python"
        if not python.exists():
            return EnvStatus(EnvState.BROKEN, f"python is installed but {python} is missing")
    return EnvStatus(EnvState.PRESENT)


def installed_records(prefix: Path) -> list[PrefixRecord]:
    """The packages of an env, read from ``conda-meta/*.json`` without running micromamba.

    A record that does not parse (a truncated write, a disk error) is a ``FileFormatError``:
    the env is broken, which is a finding, not a crash.
    """
    from rattler import PrefixRecord
    from rattler.exceptions import IoError

    meta = prefix / "conda-meta"
    records = []
    for path in sorted(meta.glob("*.json")):
        try:
            records.append(PrefixRecord.from_path(path))
        except (IoError, OSError, ValueError) as exc:
            raise FileFormatError(path, f"not a readable package record ({exc})") from exc
    return records


@dataclass(frozen=True)
class InstalledRecord:
    """What doctor reads of one ``conda-meta/*.json`` record: the fields its checks use."""

    file: str  # the record's path (a Path for each of 100,000 records costs more than it)
    name: str  # normalised
    version: str
    build: str
    build_number: int
    subdir: str | None
    channel: str | None

    @property
    def path(self) -> Path:
        """The record's path."""
        return Path(self.file)

    def package_record(self) -> PackageRecord:
        """A py-rattler record of these fields, for ``MatchSpec.matches``."""
        from rattler import BuildString, PackageRecord

        # Unchecked: the record's own build string, as py-rattler read it (legacy ones too).
        build = BuildString.new_unchecked(self.build)
        return PackageRecord(
            self.name, self.version, build, self.build_number, self.subdir or "noarch"
        )


def read_records(prefix: Path) -> list[InstalledRecord]:
    """The packages of an env, each record parsed in full as JSON but only the fields doctor
    uses kept (``installed_records`` builds py-rattler's whole record, file lists included,
    which are most of every record's bytes and were half of doctor's time over 500 envs).

    Every byte is still parsed (py-rattler's ``IndexJson`` reader skips the file lists without
    building them), so a truncated write, a disk error's garbage, trailing bytes or a record
    without name, version or build is a ``FileFormatError``, as with ``installed_records``.
    """
    from rattler import IndexJson
    from rattler.exceptions import IoError

    folder = str(prefix / "conda-meta")  # names joined as strings: pathlib costs more here
    records: list[InstalledRecord] = []
    for name in sorted(n for n in os.listdir(folder) if n.endswith(".json")):  # noqa: PTH208
        file = os.path.join(folder, name)  # noqa: PTH118
        try:
            # py-rattler reads the file itself: cheaper than handing it Python's bytes as text.
            index = IndexJson.from_path(cast("os.PathLike[str]", file))
            with open(file, "rb") as stream:  # noqa: PTH123
                head = stream.read(_RECORD_HEAD)
        except (IoError, OSError, ValueError) as exc:
            raise FileFormatError(Path(file), f"not a readable package record ({exc})") from exc
        records.append(
            InstalledRecord(
                file=file,
                name=index.name.normalized,
                version=str(index.version),
                build=str(index.build),
                build_number=index.build_number,
                subdir=index.subdir,
                channel=_channel(file, head),
            )
        )
    return records


_JSON_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_STRINGS = re.compile(_JSON_STRING)
_CHANNEL_VALUE = re.compile(rb"\s*:\s*(" + _JSON_STRING + rb"|null\b)")
_CHANNEL_KEY = b'"channel"'
_RECORD_HEAD = 16 * 1024  # every writer seen puts `channel` before the file lists


def _channel(file: str, head: bytes) -> str | None:
    """A parsed record's top-level ``channel``, found in its first bytes (``head``); py-rattler's
    whole record when they do not settle it."""
    at = head.find(_CHANNEL_KEY)
    while at != -1:
        value = _CHANNEL_VALUE.match(head, at + len(_CHANNEL_KEY))
        if value is not None and _is_top_level_key(head[:at]):
            found = value.group(1)
            return None if found == b"null" else json.loads(found)
        at = head.find(_CHANNEL_KEY, at + 1)
    from rattler import PrefixRecord
    from rattler.exceptions import IoError

    try:
        return PrefixRecord.from_path(Path(file)).channel
    except (IoError, OSError, ValueError) as exc:
        raise FileFormatError(Path(file), f"not a readable package record ({exc})") from exc


def _is_top_level_key(before: bytes) -> bool:
    """Whether a string followed by ``:`` (so a key), preceded by ``before`` in a JSON text,
    is a key of the outermost object."""
    if b"\\" not in before and before.count(b'"') % 2 == 0 and before.count(b"{") == 1:
        # Every quote delimits a string, so the key is not inside one; the only brace is the
        # record's own, so no object inside it is open (a key is never an array's element).
        return True
    # Strings taken out: a quote left means it is inside a string; one bracket more opened
    # than closed, a key of the record itself.
    bare = _STRINGS.sub(b"", before)
    depth = bare.count(b"{") + bare.count(b"[") - bare.count(b"}") - bare.count(b"]")
    return b'"' not in bare and depth == 1


def pip_installed(prefix: Path) -> dict[str, str]:
    """Python distributions in the env's site-packages: normalised name -> version."""
    found: dict[str, str] = {}
    for site in prefix.glob("lib/python3*/site-packages"):
        for entry in site.iterdir():
            if entry.suffix == ".dist-info":
                name, _, version = entry.stem.rpartition("-")
            elif entry.suffix == ".egg-info":
                name, _, rest = entry.stem.partition("-")
                version = rest.split("-")[0]
            else:
                continue
            if name and version:
                found[normalise_dist_name(name)] = version
    return found


def normalise_dist_name(name: str) -> str:
    """PEP 503 name normalisation (``Foo_Bar.baz`` -> ``foo-bar-baz``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class UnmetSpec:
    """A spec of the environment file that the env's packages do not satisfy."""

    text: str
    installed: str | None  # "<version> <build>" of the package by that name, None if absent


def unmet_specs(
    spec: EnvSpec, records: Iterable[PrefixRecord | InstalledRecord], platform: str | None
) -> list[UnmetSpec]:
    """The file's specs in force on ``platform`` (all, if None) that ``records`` do not meet."""
    from rattler import MatchSpec

    installed = {_record_name(r): r for r in records}
    unmet: list[UnmetSpec] = []
    for dep in spec.dependencies:
        if platform is not None and not envspec.applies(dep, platform):
            continue
        record = installed.get(dep.name)
        if record is None:
            unmet.append(UnmetSpec(dep.text, None))
            continue
        # The channel a spec names is a URL that mirrors rewrite; compare versions and builds.
        text = dep.text.split("::", 1)[-1]
        if not MatchSpec(text, strict=dep.lenient_note is None).matches(_matchable(record, text)):
            unmet.append(UnmetSpec(dep.text, f"{record.version} {record.build}"))
    return unmet


def _record_name(record: PrefixRecord | InstalledRecord) -> str:
    return record.name if isinstance(record, InstalledRecord) else record.name.normalized


def _matchable(record: PrefixRecord | InstalledRecord, spec_text: str) -> PackageRecord:
    """What ``MatchSpec.matches`` is given: outside brackets a spec constrains name, version
    and build only, which the index fields hold; a bracket may ask for md5, sha256, a file
    name or a licence, so that spec gets py-rattler's whole record."""
    if not isinstance(record, InstalledRecord):
        return record
    if "[" not in spec_text:
        return record.package_record()
    from rattler import PrefixRecord
    from rattler.exceptions import IoError

    try:
        return PrefixRecord.from_path(record.path)
    except (IoError, OSError, ValueError) as exc:
        raise FileFormatError(record.path, f"not a readable package record ({exc})") from exc


@dataclass(frozen=True)
class PipCheck:
    """The ``pip:`` requirements not installed as pinned, and how many devkit cannot check."""

    problems: tuple[str, ...]
    unchecked: int  # options, paths and URLs: pip knows what they install, devkit does not


def check_pip(spec: EnvSpec, prefix: Path) -> PipCheck:
    """Each named ``pip:`` requirement against the env's site-packages (``==`` pins exactly)."""
    installed = pip_installed(prefix) if spec.pip else {}
    problems: list[str] = []
    unchecked = 0
    for req in spec.pip:
        match = _PIP_PIN.match(req.text)
        if req.text.startswith(("-", ".", "/", "git+", "http")) or not match:
            unchecked += 1
            continue
        name, pinned = normalise_dist_name(match.group(1)), match.group(2)
        have = installed.get(name)
        if have is None:
            problems.append(f"{req.text} not installed")
        elif pinned and have != pinned:
            problems.append(f"{req.text} (installed {have})")
    return PipCheck(tuple(problems), unchecked)
