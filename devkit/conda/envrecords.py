"""An env's installed package records (``conda-meta/*.json``), read for doctor and the build's
checks: every record parsed, so a truncated or garbled one is an error naming it."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

from devkit.conda import envspec
from devkit.conda.envspec import EnvSpec
from devkit.errors import FileFormatError
from devkit.parsecache import Shelf

if TYPE_CHECKING:
    from rattler import PackageRecord, PrefixRecord


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


RECORDS = Shelf("records", code=[sys.modules[__name__]], packages=["rattler"])
# Whether a spec matches a package, as py-rattler decided it (``_meets``).
MATCHES = Shelf("spec-matches", code=[sys.modules[__name__]], packages=["rattler"])


class InstalledRecord(NamedTuple):
    """What doctor reads of one ``conda-meta/*.json`` record: the fields its checks use.

    A named tuple: 80,000 of them are made from the parse cache in a run, 10x faster than a
    frozen dataclass.
    """

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
    What only the whole record's shape would refuse (file lists of the wrong type, a malformed
    digest, no ``url``) is not checked here: doctor trades that for reading 500 envs in seconds;
    the build's own check (``buildcheck``) still reads whole records.

    A record whose stat (inode, size, modification and change times) is what it was when an
    earlier run parsed it is not parsed again (``parsecache``): a write that truncates or
    garbles it changes its size or times, so it is read, and refused, the next run.
    """
    folder = str(prefix / "conda-meta")  # names joined as strings: pathlib costs more here
    names = sorted(n for n in os.listdir(folder) if n.endswith(".json"))  # noqa: PTH208
    files = [f"{folder}{os.sep}{name}" for name in names]
    try:
        # An unchanged record (same inode, size and times) was parsed whole by an earlier run:
        # 80,000 records are 1.6 GB of JSON, most of what doctor read before the cache.
        fields = RECORDS.by_stat(files, _read_record)
    except OSError as exc:
        where = Path(exc.filename) if exc.filename else Path(folder)
        raise FileFormatError(where, f"not a readable package record ({exc})") from exc
    return [InstalledRecord(file, *rest) for file, rest in zip(files, fields, strict=True)]


def _read_record(file: str) -> tuple[str, str, str, int, str | None, str | None]:
    """A record's fields but its path: plain values, which the cache stores and loads fastest
    (unpickling 80,000 dataclasses took 0.5 s, their tuples 0.13 s)."""
    from rattler import IndexJson
    from rattler.exceptions import IoError

    try:
        # py-rattler reads the file itself: cheaper than handing it Python's bytes as text.
        index = IndexJson.from_path(cast("os.PathLike[str]", file))
        with open(file, "rb") as stream:  # noqa: PTH123
            head = stream.read(_RECORD_HEAD)
    except (IoError, OSError, ValueError) as exc:
        raise FileFormatError(Path(file), f"not a readable package record ({exc})") from exc
    return (
        index.name.normalized,
        str(index.version),
        str(index.build),
        index.build_number,
        index.subdir,
        _channel(file, head),
    )


_JSON_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_STRINGS = re.compile(_JSON_STRING)
_CHANNEL_VALUE = re.compile(rb"\s*:\s*(" + _JSON_STRING + rb"|null\b)")
_CHANNEL_KEY = b'"channel"'
_SURROGATE = re.compile("[\ud800-\udfff]")
_RECORD_HEAD = 16 * 1024  # every writer seen puts `channel` before the file lists


def _channel(file: str, head: bytes) -> str | None:
    """A parsed record's top-level ``channel``, found in its first bytes (``head``); py-rattler's
    whole record when they do not settle it."""
    at = head.find(_CHANNEL_KEY)
    while at != -1:
        value = _CHANNEL_VALUE.match(head, at + len(_CHANNEL_KEY))
        if value is not None and _is_top_level_key(head[:at]):
            found = value.group(1)
            if found == b"null":
                return None
            channel: str = json.loads(found)
            if not channel.isascii() and _SURROGATE.search(channel):
                # JSON allows an escaped lone surrogate; no text can hold one (py-rattler
                # refuses the record), and printing it later would fail.
                raise FileFormatError(
                    Path(file), "not a readable package record (a lone surrogate in `channel`)"
                )
            return channel
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


@dataclass(frozen=True)
class UnmetSpec:
    """A spec of the environment file that the env's packages do not satisfy."""

    text: str
    installed: str | None  # "<version> <build>" of the package by that name, None if absent


def unmet_specs(
    spec: EnvSpec, records: Iterable[PrefixRecord | InstalledRecord], platform: str | None
) -> list[UnmetSpec]:
    """The file's specs in force on ``platform`` (all, if None) that ``records`` do not meet."""
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
        strict = dep.lenient_note is None
        if isinstance(record, InstalledRecord) and "[" not in text:
            met = _meets(text, strict, *record[1:6])  # name to subdir
        else:
            from rattler import MatchSpec

            met = MatchSpec(text, strict=strict).matches(_matchable(record, text))
        if not met:
            unmet.append(UnmetSpec(dep.text, f"{record.version} {record.build}"))
    return unmet


@functools.lru_cache(maxsize=1 << 16)
def _meets(
    spec_text: str,
    strict: bool,
    name: str,
    version: str,
    build: str,
    build_number: int,
    subdir: str | None,
) -> bool:
    """Whether a spec without brackets matches a package by its index fields, decided once
    (``MATCHES``): the monorepo's envs hold the same pinned packages (a thousand projects ask
    about the same pandas), and parsing the spec and building the record cost more than the
    match; a warm doctor run does not even import py-rattler for it."""

    def decide() -> bool:
        from rattler import MatchSpec

        record = InstalledRecord("", name, version, build, build_number, subdir, None)
        return MatchSpec(spec_text, strict=strict).matches(record.package_record())

    key = (spec_text, strict, name, version, build, build_number, subdir)
    return MATCHES.by_key(key, decide)


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
