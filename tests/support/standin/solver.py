"""Solve and install with py-rattler, and turn rattler's solver errors into libmamba's words."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.standin.context import Context, ResolvedChannel
from tests.support.standin.records import spec_name
from tests.support.standin.virtual_packages import virtual_packages

if TYPE_CHECKING:
    from rattler import PrefixRecord, RepoDataRecord


class Unsolvable(Exception):
    """The request has no solution; carries libmamba-style problem lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


_NO_CANDIDATES = re.compile(r"No candidates were found for (.+?)\.?$")
_WOULD_REQUIRE = re.compile(r"^(\S+) (.+?) would require$")
_MISSING_DEP = re.compile(r"^(.+), for which no candidates were found\.?$")


def problems_from(message: str, requested: list[str]) -> list[str]:
    """Rewrite rattler's solver report into libmamba `solver_problems` lines."""
    by_name = {spec_name(spec): spec for spec in requested}
    problems: list[str] = []
    needers: list[str] = []
    for raw in message.splitlines():
        line = raw.strip().lstrip("└├│─ ").strip()
        missing = _NO_CANDIDATES.search(line)
        if missing:
            spec = missing.group(1).removesuffix(" *")
            problems.append(f"nothing provides requested {by_name.get(spec_name(spec), spec)}")
            continue
        would = _WOULD_REQUIRE.match(line)
        if would:
            # rattler groups candidates ("python 3.9.18 | 3.11.7"); libmamba names each one.
            name, found = would.groups()
            needers = [f"{name}-{version.strip()}" for version in found.split("|")]
            continue
        dependency = _MISSING_DEP.match(line)
        if dependency:
            missing_spec = dependency.group(1)
            problems += [f"nothing provides {missing_spec} needed by {n}" for n in needers] or [
                f"nothing provides {missing_spec}"
            ]
    if not problems:
        problems = [line.strip() for line in message.splitlines() if line.strip()]
    return list(dict.fromkeys(problems))


def _virtuals(ctx: Context) -> list[Any]:
    from rattler import BuildString, GenericVirtualPackage, PackageName, Version

    return [
        GenericVirtualPackage(PackageName(name), Version(version), BuildString(build))
        for name, version, build in virtual_packages(ctx.platform, ctx.host_platform, ctx.env)
    ]


def solve(
    ctx: Context,
    channels: list[ResolvedChannel],
    specs: list[str],
    locked: list[PrefixRecord] | None = None,
) -> list[RepoDataRecord]:
    """Solve `specs` for ctx.platform against `channels`; raise Unsolvable with problems."""
    from rattler import Channel, ChannelPriority, Gateway, MatchSpec, Subdir
    from rattler import solve as rattler_solve
    from rattler.exceptions import SolverError

    if not channels:
        raise Unsolvable([f"nothing provides requested {spec}" for spec in specs])
    priority = str(ctx.rc.get("channel_priority", "flexible"))
    if "--strict-channel-priority" in ctx.invocation.flags:
        priority = "strict"
    if "--no-channel-priority" in ctx.invocation.flags:
        priority = "disabled"
    try:
        match_specs = [MatchSpec(spec) for spec in specs]
    except Exception as error:
        raise Unsolvable([f"invalid spec: {error}"]) from error
    gateway = Gateway(cache_dir=ctx.pkgs_dirs[0] / "cache", show_progress=False)

    async def run() -> list[RepoDataRecord]:
        return await rattler_solve(
            [Channel(channel.url) for channel in channels],
            match_specs,
            gateway=gateway,
            platforms=[Subdir(ctx.platform), Subdir("noarch")],
            locked_packages=locked or [],
            virtual_packages=_virtuals(ctx),
            # rattler knows strict and disabled; libmamba's flexible behaves like disabled here.
            channel_priority=ChannelPriority.Strict
            if priority == "strict"
            else ChannelPriority.Disabled,
            # micromamba's default add_pip_as_python_dependency: python always brings pip.
            add_pip_as_python_dependency=True,
        )

    try:
        return asyncio.run(run())
    except SolverError as error:
        raise Unsolvable(problems_from(str(error), specs)) from error


def install(
    ctx: Context,
    prefix: Path,
    records: Sequence[RepoDataRecord],
    installed: list[PrefixRecord],
    requested: list[str],
    stop_after: Callable[[int], bool] = lambda linked: False,
) -> bool:
    """Link `records` into `prefix` (removing what is no longer wanted), cache in pkgs dir.

    Package by package, as libmamba's transaction goes: `stop_after(n)` is asked once n packages
    are linked (their conda-meta records written) and ends the transaction early when it says
    so (Ctrl-C). Returns whether every step ran. A transaction that also unlinks (a version
    change relinks noarch packages) runs as one step.
    """
    wanted = {_key(record) for record in records}
    have = {_key(record) for record in installed}
    link = [record for record in records if _key(record) not in have]
    if have - wanted or not link:
        _link(ctx, prefix, list(records), installed, requested)
        return not stop_after(len(link))
    # Binaries first: a noarch python package links against the python already in the prefix.
    link.sort(key=lambda record: record.subdir == "noarch")
    kept = [record for record in records if _key(record) in have]
    current = list(installed)
    for count in range(1, len(link) + 1):
        _link(ctx, prefix, [*kept, *link[:count]], current, requested)
        current = installed_records(prefix)
        if stop_after(count):
            return False
    return True


def rollback(ctx: Context, prefix: Path, original: list[PrefixRecord]) -> None:
    """Put the prefix's packages back to `original` (unlink what was linked, relink the rest)."""
    _link(ctx, prefix, list(original), installed_records(prefix), [])


def _key(record: RepoDataRecord) -> tuple[str, str, str, str]:
    return (record.name.normalized, str(record.version), str(record.build), record.subdir)


def _link(
    ctx: Context,
    prefix: Path,
    records: Sequence[RepoDataRecord],
    installed: list[PrefixRecord],
    requested: list[str],
) -> None:
    from rattler import MatchSpec, Subdir
    from rattler import install as rattler_install

    tag = prefix / "CACHEDIR.TAG"
    had_tag = tag.exists()
    asyncio.run(
        rattler_install(
            list(records),
            prefix,
            cache_dir=ctx.pkgs_dirs[0],
            installed_packages=installed,
            platform=Subdir(ctx.platform),
            execute_link_scripts=False,
            show_progress=False,
            # py-rattler 0.28 binds this argument to the raw PyMatchSpec, not the wrapper.
            requested_specs=[MatchSpec(spec)._match_spec for spec in requested],
        )
    )
    # rattler tags the prefix as a cache directory; micromamba does not.
    if tag.exists() and not had_tag:
        tag.unlink()


def installed_records(prefix: Path) -> list[PrefixRecord]:
    """The env's PrefixRecords, parsed by rattler."""
    from rattler import PrefixRecord

    meta = prefix / "conda-meta"
    return [PrefixRecord.from_path(path) for path in sorted(meta.glob("*.json"))]


def record_json(record: RepoDataRecord) -> dict[str, Any]:
    """A solved record as plain JSON, the same keys conda-meta files carry."""
    import json

    data = json.loads(record.to_json())
    data.setdefault("fn", record.file_name)
    data.setdefault("url", record.url)
    data.setdefault("channel", record.channel)
    return data
