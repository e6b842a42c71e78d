"""One project's drift: plan the solve, run it (or read a lock), analyse; data only."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from devkit import paths, userconfig
from devkit.conda import channels, condarc, envs, micromamba, network, solve
from devkit.conda import pins as conda_pins
from devkit.conda.channels import Channel
from devkit.conda.envspec import EnvSpec
from devkit.conda.lockfile import Lock
from devkit.conda.platforms import Target
from devkit.conda.solve import PlatformSolve, SolveRequest
from devkit.drift import targets
from devkit.drift.analysis import Drift, Observation, analyse
from devkit.errors import DevkitError
from devkit.repo.monorepo import Monorepo, Project


@dataclass(frozen=True)
class Options:
    """How to solve: the command line's overrides (empty: devkit.yaml's, then defaults)."""

    platforms: tuple[str, ...] = ()
    channel_priority: str | None = None
    pins: bool = True


@dataclass(frozen=True)
class Report:
    """The drift of one environment, with what it was computed from."""

    mode: str  # "solve", "lock" or "compare"
    project: str | None
    source: str
    drift: Drift
    channels: tuple[Channel, ...] = ()
    targets: tuple[Target, ...] = ()
    priority: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failure:
    """An environment whose drift could not be computed: the error, for the report."""

    mode: str
    project: str | None
    source: str
    message: str
    hint: str | None
    exit_code: int


def plan(
    monorepo: Monorepo, project: Project, spec: EnvSpec, options: Options, root_prefix: Path
) -> SolveRequest:
    """The solve request for a project: its specs, channels as micromamba resolves them, targets."""
    repo = monorepo.config
    # The env's own prefix takes part too: micromamba reads `<prefix>/.condarc` when it builds.
    rc = condarc.load(root_prefix, target_prefix=envs.locate(root_prefix, project, spec).prefix)
    resolved = channels.resolve(spec.channels, rc, repo.mirrors)
    # `chan::pkg` specs bring their channel along, as in micromamba.
    extra = [d.text.split("::", 1)[0].strip() for d in spec.dependencies if "::" in d.text]
    for token in extra:
        for channel in channels.resolve_one(token, rc, repo.mirrors):
            if channel.url not in [c.url for c in resolved]:
                resolved = (*resolved, channel)
    if not resolved:
        # Every spec would otherwise be reported as "no build" on every platform.
        raise DevkitError(
            f"{spec.path}: no channels to solve from (no `channels:`, none in the rc files)",
            hint="add `channels:` to the environment file, e.g. `channels: [conda-forge]`",
        )
    platforms = targets.choose_platforms(options.platforms, spec, project, repo)
    return SolveRequest(
        specs=spec.dependencies,
        channels=resolved,
        targets=targets.targets(platforms, repo),
        priority=targets.channel_priority(options.channel_priority, repo),
    )


def root_prefix() -> Path:
    """micromamba's root prefix (its rc files take part in channel resolution)."""
    return micromamba.root_prefix(userconfig.load_user_config())


def network_access(root: Path) -> network.Access:
    """Proxies and CAs from this machine's rc files and environment, for one run's solves."""
    return network.access(condarc.load(root), paths.cache_dir())


def relative(path: Path, root: Path | None) -> str:
    """A path relative to the monorepo when it is inside it."""
    if root is not None and path.resolve().is_relative_to(root.resolve()):
        return str(path.resolve().relative_to(root.resolve()))
    return str(path)


def _notes(spec: EnvSpec) -> tuple[str, ...]:
    if spec.pip:
        return (f"{len(spec.pip)} pip requirement(s) are not solved by devkit drift",)
    return ()


def solved_report(
    project: Project,
    spec: EnvSpec,
    request: SolveRequest,
    solves: dict[str, PlatformSolve],
    root: Path | None,
) -> Report:
    """Analyse fresh solves."""
    observation = Observation(
        packages={p: s.packages for p, s in solves.items()},
        direct=spec.dependencies,
        culprits={p: s.culprits for p, s in solves.items() if s.culprits},
    )
    return Report(
        mode="solve",
        project=project.name,
        source=relative(spec.path, root),
        drift=analyse(observation),
        channels=request.channels,
        targets=request.targets,
        priority=request.priority,
        counts={p: len(s.packages) for p, s in solves.items()},
        notes=_notes(spec),
    )


def solve_project(
    monorepo: Monorepo,
    project: Project,
    spec: EnvSpec,
    options: Options,
    net: network.Access | None = None,
) -> tuple[Report, SolveRequest, dict[str, PlatformSolve]]:
    """Solve a project for its targets and analyse the result (with pins when asked).

    Pass one ``net`` for every project of a run: a host that failed is then asked once.
    """
    root = root_prefix()
    request = plan(monorepo, project, spec, options, root)
    net = net or network_access(root)
    cache = paths.cache_dir()
    solves = solve.solve(request, cache, net)
    report = solved_report(project, spec, request, solves, monorepo.root)
    if options.pins:
        drifting = [v.name for v in report.drift.direct_version_drift if not v.intended]
        if drifting:
            pins = conda_pins.find_pins(request, drifting, cache, net)
            report = _with_drift(report, report.drift.with_pins(pins))
    return report, request, solves


def _with_drift(report: Report, drift: Drift) -> Report:
    from dataclasses import replace

    return replace(report, drift=drift)


def lock_report(lock: Lock, spec: EnvSpec | None, project: str | None, root: Path | None) -> Report:
    """Drift recorded in an existing lockfile: no solve, no network."""
    notes = (
        [] if spec else ["the lock's source environment file was not found: direct specs unknown"]
    )
    missing = [p for p in lock.platforms if not lock.packages.get(p)]
    notes += [f"the lock has no packages for {p}" for p in missing]
    observation = Observation(
        packages={p: lock.packages.get(p, {}) for p in lock.platforms},
        direct=spec.dependencies if spec else None,
    )
    return Report(
        mode="lock",
        project=project,
        source=relative(lock.path, root),
        drift=analyse(observation),
        channels=tuple(Channel(channels.short_name(c), c, c) for c in lock.channels),
        counts={p: len(lock.packages.get(p, {})) for p in lock.platforms},
        notes=tuple(notes),
    )
