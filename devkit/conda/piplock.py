"""Locking a ``pip:`` section for every platform a conda solve covered (pipresolve.py resolves
one platform; this runs them all and turns their problems into one refusal)."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from devkit.conda import pipresolve, pypi
from devkit.conda.envspec import EnvSpec
from devkit.conda.lockwrite import PipPart
from devkit.conda.solve import PlatformSolve, SolveRequest
from devkit.errors import DevkitError

NO_PIP = "not locked (--no-pip)"


def lock_pip(
    spec: EnvSpec,
    request: SolveRequest,
    solves: Mapping[str, PlatformSolve],
    with_pip: bool,
    held: Mapping[str, Mapping[str, str]] | None = None,
) -> PipPart:
    """The wheels of each platform, or a DevkitError naming each requirement pip cannot lock.

    ``held``: per platform, locked wheels to keep at their version (``--update``).
    """
    section = pypi.split(spec.pip)
    unlockable = tuple(r.text for r in section.unlockable)
    if not with_pip:
        return PipPart({}, not_locked=NO_PIP, unlockable=unlockable)
    if not section.lockable:
        return PipPart({}, unlockable=unlockable)
    targets = {t.platform: t for t in request.targets}
    # One pip per platform, side by side: each spends most of its time waiting on the index.
    with ThreadPoolExecutor(max_workers=len(solves)) as pool:
        futures = {
            platform: pool.submit(
                pipresolve.resolve,
                section,
                solved.packages,
                targets[platform],
                spec.path.parent,
                (held or {}).get(platform),
            )
            for platform, solved in solves.items()
        }
        resolved = {platform: future.result() for platform, future in futures.items()}
    problems = [problem for r in resolved.values() for problem in r.problems]
    if problems:
        raise DevkitError(
            "cannot lock the `pip:` section: " + "; ".join(problems),
            hint="a lock holds wheels only: publish a wheel for that platform to your index, "
            'limit the requirement with a marker (`; sys_platform == "linux"`), lock fewer '
            "platforms with --platforms, or lock the conda part alone with --no-pip",
        )
    return PipPart(resolved, unlockable=unlockable)


def notes(pip: PipPart | None) -> list[str]:
    """What a lock leaves to pip at install time, and what conda installs instead of pip."""
    if pip is None:
        return []
    found = []
    if pip.not_locked:
        found.append(
            "--no-pip: the `pip:` section is not in the lock; setup installs it with pip, "
            "resolved then (not pinned)"
        )
    if pip.unlockable:
        found.append(
            f"not locked: {', '.join(pip.unlockable)} (a path or URL only pip can install: setup "
            "installs it after the locked packages, its dependencies resolved then)"
        )
    by_conda: dict[str, str] = {}
    for resolved in pip.wheels.values():
        by_conda.update(resolved.from_conda)
    for name, conda_name in sorted(by_conda.items()):
        found.append(f"pip: {name} is installed by conda ({conda_name}): not locked twice")
    return found


def counts(solves: Mapping[str, PlatformSolve], pip: PipPart | None) -> str:
    """``linux-64 41 + 3 pip, osx-64 40 + 3 pip``."""
    parts = []
    for platform, solved in solves.items():
        wheels = pip.wheels.get(platform) if pip is not None else None
        extra = f" + {len(wheels.packages)} pip" if wheels is not None and wheels.packages else ""
        parts.append(f"{platform} {len(solved.packages)}{extra}")
    return ", ".join(parts)
