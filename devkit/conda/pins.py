"""Pins for drifting direct dependencies: a version every target can solve with.

``devkit drift`` proposes them: of the versions available on every platform, the highest that
still solves everywhere, two tries at the most.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from devkit.conda import channelerror, rattler_runtime
from devkit.conda.condarc import Condarc
from devkit.conda.envspec import Dependency, applies
from devkit.conda.network import Access, access
from devkit.conda.solve import SolveRequest, available_versions, match_spec, open_gateway, run_solve

if TYPE_CHECKING:
    from rattler import Gateway


def find_pins(
    request: SolveRequest, names: Sequence[str], cache_dir: Path, net: Access | None = None
) -> dict[str, str | None]:
    """For drifting direct dependencies: ``name=version`` solvable on every target, or None."""
    if not names:
        return {}
    net = net or access(Condarc(), cache_dir)
    channelerror.refuse_known_failures(request.channels, net)
    with rattler_runtime.rattler_calls():
        gateway = open_gateway(cache_dir, net)
        return asyncio.run(_find_pins(request, list(names), gateway, net))


async def _find_pins(
    request: SolveRequest, names: list[str], gateway: Gateway, net: Access
) -> dict[str, str | None]:
    from rattler import Version
    from rattler.exceptions import SolverError

    platforms = [t.platform for t in request.targets]
    available = await available_versions(request, platforms, names, gateway, net)
    pins: dict[str, str | None] = {}
    for name in names:
        common = set.intersection(*(set(available[p].get(name, [])) for p in platforms))
        pins[name] = None
        # Highest first; two tries keep a run short when the newest common one conflicts.
        for version in sorted(common, key=Version, reverse=True)[:2]:
            pinned = f"{name}=={version}"
            pin = Dependency(text=pinned, line=0, name=name, version=f"=={version}")
            specs = (*(d for d in request.specs if d.name != name), pin)
            trial = SolveRequest(specs, request.channels, request.targets, request.priority)
            try:
                for target in request.targets:
                    wanted = [match_spec(d, trial) for d in specs if applies(d, target.platform)]
                    await run_solve(trial, target, wanted, gateway, net)
            except SolverError:
                continue
            pins[name] = f"{name}={version}"
            break
    return pins
