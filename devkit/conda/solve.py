"""Solving an environment file for several platforms in-process with py-rattler.

Each platform is solved with its stated virtual packages, the file's channels in order and the
team's channel priority. A platform that cannot be solved is reduced to its culprits: the spec
rattler names is dropped and the rest solved again (a few rounds), so one missing package does
not hide another, and the platform still gets a solution to compare with the others.

Every async call runs inside ``rattler_runtime.rattler_calls()`` (see rattler_runtime.py for why).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.conda import channelerror, lockhold, rattler_runtime
from devkit.conda import channels as channels_mod
from devkit.conda.channels import Channel
from devkit.conda.condarc import Condarc
from devkit.conda.culprits import Culprit, culprit_from
from devkit.conda.envspec import Dependency, applies
from devkit.conda.network import Access, access
from devkit.conda.package import Package, from_repodata
from devkit.conda.platforms import Target, split_virtual

if TYPE_CHECKING:
    from rattler import Gateway, MatchSpec

MAX_ROUNDS = 8


@dataclass(frozen=True)
class SolveRequest:
    """What to solve: specs, channels in order, target platforms, channel priority."""

    specs: tuple[Dependency, ...]
    channels: tuple[Channel, ...]
    targets: tuple[Target, ...]
    priority: str = "disabled"


@dataclass(frozen=True)
class PlatformSolve:
    """One platform's outcome: its packages (without the culprits when there are some)."""

    platform: str
    packages: dict[str, Package]
    culprits: tuple[Culprit, ...] = ()
    # False when the culprits could not be isolated: ``packages`` is then empty.
    complete: bool = True

    @property
    def solvable(self) -> bool:
        """Whether every applicable spec solved."""
        return not self.culprits


def gateway_cache(cache_dir: Path) -> Path:
    """Where fetched repodata is kept between runs."""
    return cache_dir / "repodata"


def solve(
    request: SolveRequest,
    cache_dir: Path,
    net: Access | None = None,
    hold: lockhold.Hold | None = None,
) -> dict[str, PlatformSolve]:
    """Solve every target; raise a DevkitError naming the channel when one cannot be read.

    ``net`` carries the proxies and CAs (conda/network.py) and the hosts that already failed in
    this run: a channel on such a host is not asked again. Without it, only the environment's
    variables apply. ``hold``: for ``devkit lock --update``, locked packages to keep and the
    ones to move.
    """
    net = net or access(Condarc(), cache_dir)
    channelerror.refuse_known_failures(request.channels, net)
    with rattler_runtime.rattler_calls():
        gateway = open_gateway(cache_dir, net)
        return asyncio.run(_solve_all(request, gateway, net, hold))


def open_gateway(cache_dir: Path, net: Access) -> Gateway:
    """A py-rattler gateway on the repodata cache, reaching channels through ``net``."""
    from rattler import Gateway

    folder = gateway_cache(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return Gateway(cache_dir=folder, show_progress=False, client=net.client())


async def _solve_all(
    request: SolveRequest, gateway: Gateway, net: Access, hold: lockhold.Hold | None
) -> dict[str, PlatformSolve]:
    # One platform after the other on one gateway: noarch and shared repodata are fetched once.
    # Solving them concurrently stalled for a second in about one run in three against a local
    # HTTP channel (py-rattler 0.28), which costs far more than the solves themselves.
    results = {}
    for target in request.targets:
        results[target.platform] = await _solve_target(request, target, gateway, net, hold)
    return results


def _rattler_channels(request: SolveRequest) -> list[Any]:
    from rattler import Channel as RattlerChannel

    return [RattlerChannel(c.fetch_url) for c in request.channels]


def _virtuals(target: Target) -> list[Any]:
    from rattler import BuildString, GenericVirtualPackage, PackageName, Version

    result = []
    for text in target.virtual_packages:
        name, version, build = split_virtual(text)
        result.append(
            GenericVirtualPackage(PackageName(name), Version(version), BuildString(build))
        )
    return result


def match_spec(dep: Dependency, request: SolveRequest) -> MatchSpec:
    """The spec to solve with: ``conda-forge::x`` names the resolved (mirrored) channel URL."""
    from rattler import MatchSpec

    text = dep.text
    if "::" in text:
        token, _, rest = text.partition("::")
        found = [c for c in request.channels if c.name == token.strip()]
        url = found[0].fetch_url if found else token.strip()
        text = f"{url}::{rest}"
    return MatchSpec(text, strict=dep.lenient_note is None)


async def run_solve(
    request: SolveRequest,
    target: Target,
    specs: list[Any],
    gateway: Gateway,
    net: Access,
    locked: Sequence[Any] = (),
) -> list[Any]:
    """One py-rattler solve for ``target``; a channel it cannot read is a DevkitError."""
    from rattler import ChannelPriority, Subdir
    from rattler import solve as rattler_solve
    from rattler.exceptions import GatewayError

    priority = {
        "strict": ChannelPriority.Strict,
        "flexible": ChannelPriority.Flexible,
        "disabled": ChannelPriority.Disabled,
    }[request.priority]
    try:
        return await rattler_solve(
            _rattler_channels(request),
            specs,
            gateway=gateway,
            platforms=[Subdir(target.platform), Subdir("noarch")],
            virtual_packages=_virtuals(target),
            locked_packages=list(locked),
            channel_priority=priority,
            # micromamba's add_pip_as_python_dependency: python always brings pip.
            add_pip_as_python_dependency=True,
            channel_relations="disabled",
        )
    except GatewayError as exc:
        raise channelerror.unreachable(exc, request.channels, net) from exc


async def _solve_target(
    request: SolveRequest,
    target: Target,
    gateway: Gateway,
    net: Access,
    hold: lockhold.Hold | None = None,
) -> PlatformSolve:
    from rattler import MatchSpec
    from rattler.exceptions import GatewayError, SolverError

    held = hold.packages.get(target.platform, ()) if hold else ()
    newer = [MatchSpec(text) for text in hold.newer.get(target.platform, ())] if hold else []
    try:
        locked = await lockhold.records(_rattler_channels(request), target.platform, held, gateway)
    except GatewayError as exc:
        raise channelerror.unreachable(exc, request.channels, net) from exc
    remaining = [d for d in request.specs if applies(d, target.platform)]
    culprits: list[Culprit] = []
    for _ in range(MAX_ROUNDS):
        specs = [match_spec(d, request) for d in remaining]
        try:
            records = await run_solve(request, target, [*specs, *newer], gateway, net, locked)
        except SolverError as exc:
            if newer:  # the named packages cannot all move: solve with the rest held
                newer = []
                continue
            dep, reason = culprit_from(str(exc), remaining, target)
            if dep is None:
                culprits.append(Culprit("(the request)", reason))
                return PlatformSolve(target.platform, {}, tuple(culprits), complete=False)
            if reason == f"no {target.platform} build":  # say which versions there are
                reason = await _missing_reason(request, target, dep, gateway, net)
            culprits.append(Culprit(dep.text, reason))
            remaining.remove(dep)
            continue
        packages = {}
        for record in records:
            name = channels_mod.name_of(record.channel or record.url, request.channels)
            package = from_repodata(record, name)
            packages[package.name] = lockhold.unmark(package) if held else package
        return PlatformSolve(target.platform, packages, tuple(culprits))
    return PlatformSolve(target.platform, {}, tuple(culprits), complete=False)


async def _missing_reason(
    request: SolveRequest, target: Target, dep: Dependency, gateway: Gateway, net: Access
) -> str:
    """``no osx-arm64 build`` or, when other versions exist there, which ones."""
    found = await available_versions(request, [target.platform], [dep.name], gateway, net)
    versions = found[target.platform]
    have = versions.get(dep.name, [])
    if not have:
        return f"no {target.platform} build"
    shown = ", ".join(have[-4:])
    wanted = f" of {dep.version}" if dep.version else ""
    return f"no {target.platform} build{wanted} (there: {shown})"


async def available_versions(
    request: SolveRequest, platforms: list[str], names: list[str], gateway: Gateway, net: Access
) -> dict[str, dict[str, list[str]]]:
    """platform -> name -> versions available there (its subdir or noarch), lowest first."""
    from rattler import Subdir, Version
    from rattler.exceptions import GatewayError

    async def one(platform: str) -> dict[str, list[str]]:
        try:
            result = await gateway.query(
                _rattler_channels(request),
                [Subdir(platform), Subdir("noarch")],
                names,
                recursive=False,
                channel_relations="disabled",
            )
        except GatewayError as exc:
            raise channelerror.unreachable(exc, request.channels, net) from exc
        found: dict[str, set[str]] = {}
        for records in result:
            for record in records:
                found.setdefault(record.name.normalized, set()).add(str(record.version))
        return {n: sorted(v, key=Version) for n, v in found.items()}

    return {platform: await one(platform) for platform in platforms}
