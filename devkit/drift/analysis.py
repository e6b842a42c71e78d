"""The drift categories, computed from per-platform package sets however they were obtained.

The same analysis serves a fresh solve, an existing conda-lock.yml and two exported envs: each
gives "label -> packages" (labels are platforms, or machines), the environment file's direct
specs when known, and the specs some platform could not satisfy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from devkit.conda.culprits import Culprit
from devkit.conda.envspec import Dependency, applies
from devkit.conda.package import Package
from devkit.drift import graph
from devkit.drift.graph import Consequences

# Packages that exist on one OS only by design: C/C++ runtimes, OpenMP, system shims, data.
EXPECTED_PLATFORM_ONLY = frozenset(
    {
        "_libgcc_mutex",
        "_openmp_mutex",
        "libgcc",
        "libgcc-ng",
        "libgomp",
        "libstdcxx",
        "libstdcxx-ng",
        "libnsl",
        "libuuid",
        "libxcrypt",
        "libcxx",
        "libcxxabi",
        "llvm-openmp",
        "libiconv",
        "libintl",
        "appnope",
        "tzdata",
        "ucrt",
        "vc",
        "vc14_runtime",
        "vs2015_runtime",
    }
)
EXPECTED_PREFIXES = ("__", "ld_impl_", "sysroot_", "kernel-headers_")


def is_expected_platform_only(name: str) -> bool:
    """Whether a package is normally found on one OS only (``libgcc-ng``, ``libcxx``, ...)."""
    return name in EXPECTED_PLATFORM_ONLY or name.startswith(EXPECTED_PREFIXES)


@dataclass(frozen=True)
class Observation:
    """What is known of one environment on each label (platform or machine)."""

    packages: Mapping[str, Mapping[str, Package]]
    # The file's dependency lines; None when unknown (then every difference counts as direct).
    direct: tuple[Dependency, ...] | None = ()
    culprits: Mapping[str, tuple[Culprit, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Unsolvable:
    """A spec a platform cannot satisfy."""

    platform: str
    spec: str
    reason: str


@dataclass(frozen=True)
class VersionDrift:
    """A package resolved at different versions on different labels."""

    name: str
    spec: str | None  # the environment file's line, for direct dependencies
    direct: bool  # asked for by the file (or nothing is known of the file's specs)
    versions: dict[str, str]
    pin: str | None = None
    # The file pins it per OS (`sel(linux): numpy=1.21.5`, `sel(osx): numpy=1.21.6`): the
    # difference is asked for, so it is reported but is not drift.
    intended: bool = False
    # The packages that depend on it, on any platform (what a dependency's difference is for).
    required_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlatformOnly:
    """A package present on some labels only."""

    name: str
    present: tuple[str, ...]
    missing: tuple[str, ...]
    expected: bool
    # Missing label -> the specs that label could not solve, without which nothing there needs
    # this package (numpy missing where pandas was dropped): a consequence, not a finding.
    because_of: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def consequence(self) -> bool:
        """Missing everywhere it is missing only because a spec could not be solved there."""
        return bool(self.missing) and set(self.missing) <= set(self.because_of)


@dataclass(frozen=True)
class ChannelDrift:
    """A package resolved from different channels on different labels."""

    name: str
    channels: dict[str, str]


@dataclass(frozen=True)
class LooseSpec:
    """A direct spec without a version: it resolves to whatever is newest that day."""

    name: str
    spec: str
    line: int
    resolved: dict[str, str]


@dataclass(frozen=True)
class Drift:
    """Every category for one environment."""

    labels: tuple[str, ...]
    unsolvable: tuple[Unsolvable, ...] = ()
    version_drift: tuple[VersionDrift, ...] = ()
    platform_only: tuple[PlatformOnly, ...] = ()
    channel_drift: tuple[ChannelDrift, ...] = ()
    loose_specs: tuple[LooseSpec, ...] = ()

    @property
    def direct_version_drift(self) -> tuple[VersionDrift, ...]:
        """Version differences of the packages the file asks for."""
        return tuple(v for v in self.version_drift if v.direct)

    @property
    def surprising_platform_only(self) -> tuple[PlatformOnly, ...]:
        """Platform-only packages that are not runtimes or system shims, nor consequences of an
        unsolvable spec (reported once, as that)."""
        return tuple(p for p in self.platform_only if not p.expected and not p.consequence)

    @property
    def has_drift(self) -> bool:
        """What CI gates on: unsolvable specs, or direct/platform/channel differences.

        Loose specs, transitive version differences and expected platform-only packages are
        reported but do not count: they are normal between a Mac and Linux.
        """
        return bool(
            self.unsolvable
            or any(not v.intended for v in self.direct_version_drift)
            or self.surprising_platform_only
            or self.channel_drift
        )

    def with_pins(self, pins: Mapping[str, str | None]) -> Drift:
        """The same report with the aligning pins found for direct version drift."""
        drift = tuple(
            replace(v, pin=pins.get(v.name)) if v.name in pins else v for v in self.version_drift
        )
        return replace(self, version_drift=drift)


def _selector_only(direct: Sequence[Dependency]) -> set[str]:
    # `sel(osx): appnope` asks for a package on one OS on purpose.
    return {d.name for d in direct if d.selector is not None}


def _pinned_per_os(direct: Sequence[Dependency]) -> set[str]:
    # Two selector lines with different versions for one name: different versions on purpose.
    versions: dict[str, set[str | None]] = {}
    for dep in direct:
        if dep.selector is not None:
            versions.setdefault(dep.name, set()).add(dep.version)
    return {name for name, found in versions.items() if len(found) > 1}


def _platform_of(label: str) -> str:
    # Labels are platforms, or `linux-64 (api.json)` when two exports share one.
    return label.split(" ", 1)[0]


def analyse(observation: Observation) -> Drift:
    """Compute every category (no pins: see ``Drift.with_pins``)."""
    packages = observation.packages
    labels = tuple(packages)
    known = observation.direct
    direct = {d.name: d for d in known or ()}
    unsolvable = tuple(
        Unsolvable(label, culprit.spec, culprit.reason)
        for label, culprits in observation.culprits.items()
        for culprit in culprits
    )
    blamed = {(u.platform, d.name) for u in unsolvable for d in known or () if d.text == u.spec}
    dropped: dict[str, dict[str, str]] = {}
    for u in unsolvable:
        for d in known or ():
            if d.text == u.spec:
                dropped.setdefault(u.platform, {})[d.name] = d.text
    # Labels whose solve could not be isolated have no packages: leave them out of comparisons.
    compared = tuple(label for label in labels if packages[label])
    names = sorted({name for label in compared for name in packages[label]})

    versions: list[VersionDrift] = []
    only: list[PlatformOnly] = []
    channels: list[ChannelDrift] = []
    intended = _selector_only(known or ())
    per_os = _pinned_per_os(known or ())
    consequences = Consequences(packages, known, dropped)
    for name in names:
        present = tuple(label for label in compared if name in packages[label])
        found = {label: packages[label][name] for label in present}
        if len({p.version for p in found.values()}) > 1:
            spec = direct[name].text if name in direct else None
            is_direct = spec is not None or known is None
            found_versions = {k: p.version for k, p in found.items()}
            required_by = () if is_direct else graph.required_by(packages, name)
            versions.append(
                VersionDrift(
                    name,
                    spec,
                    is_direct,
                    found_versions,
                    intended=name in per_os,
                    required_by=required_by,
                )
            )
        if len({p.channel for p in found.values()}) > 1:
            channels.append(ChannelDrift(name, {k: p.channel for k, p in found.items()}))
        missing = tuple(
            label for label in compared if label not in present and (label, name) not in blamed
        )
        if missing:
            expected = is_expected_platform_only(name) or name in intended
            because = consequences.because_of(name, present, missing)
            only.append(PlatformOnly(name, present, missing, expected, because))

    loose = tuple(
        LooseSpec(
            d.name,
            d.text,
            d.line,
            {
                label: packages[label][d.name].version
                for label in compared
                if d.name in packages[label]
            },
        )
        for d in known or ()
        # A spec no compared platform installs (`sel(win): pywin32` on Mac vs Linux) drifts
        # nowhere.
        if d.version is None and any(applies(d, _platform_of(label)) for label in compared)
    )
    return Drift(
        labels=labels,
        unsolvable=unsolvable,
        version_drift=tuple(sorted(versions, key=lambda v: (not v.direct, v.name))),
        platform_only=tuple(sorted(only, key=lambda p: (p.expected, p.name))),
        channel_drift=tuple(channels),
        loose_specs=loose,
    )
