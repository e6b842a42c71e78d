"""The platforms an environment is solved for, and what each one is assumed to provide.

A solve for another platform cannot detect that platform's virtual packages (glibc, macOS
version), so devkit states them: defaults that match the team's CI runners and the conda-forge
baselines, overridable per platform in ``devkit.yaml`` (``virtual_packages:``).
"""

from __future__ import annotations

from dataclasses import dataclass

from devkit.config import PLATFORM, RepoConfig
from devkit.envspec import Dependency, EnvSpec
from devkit.errors import UsageError
from devkit.monorepo import Project

DEFAULT_PLATFORMS = ("linux-64", "osx-64", "osx-arm64")
PRIORITIES = ("strict", "flexible", "disabled")
# The team's CI passes `channel-priority: disabled` to provision-with-micromamba.
DEFAULT_PRIORITY = "disabled"
_ARCHSPEC = {"64": "x86_64", "arm64": "arm64", "aarch64": "aarch64", "ppc64le": "ppc64le"}


@dataclass(frozen=True)
class Target:
    """One platform to solve for and the virtual packages it provides (``__glibc=2.17=0``)."""

    platform: str
    virtual_packages: tuple[str, ...]

    @property
    def os(self) -> str:
        """``linux``, ``osx`` or ``win``."""
        return self.platform.split("-")[0]


def default_virtual_packages(platform: str) -> tuple[str, ...]:
    """What devkit assumes of a platform when devkit.yaml says nothing.

    glibc 2.17 and macOS 11.0 are conda-forge's long-standing baselines: a solve that passes with
    them passes on every machine the team runs (CI runners, Debian-based images, Macs from 2020).
    """
    os_name, _, arch = platform.partition("-")
    archspec = f"__archspec=1={_ARCHSPEC.get(arch, arch)}"
    if os_name == "linux":
        return ("__unix=0=0", "__linux=4.18=0", "__glibc=2.17=0", archspec)
    if os_name == "osx":
        return ("__unix=0=0", "__osx=11.0=0", archspec)
    if os_name == "win":
        return ("__win=0=0", archspec)
    return (archspec,)


def split_virtual(text: str) -> tuple[str, str, str]:
    """``__glibc=2.17`` -> ``("__glibc", "2.17", "0")``; a bare name gets version 0."""
    name, _, rest = text.strip().partition("=")
    version, _, build = rest.partition("=")
    return name, version or "0", build or "0"


def virtual_package_problem(text: str) -> str | None:
    """Why py-rattler would refuse ``__name=version=build`` (devkit.yaml's ``virtual_packages``)."""
    from rattler import BuildString, PackageName, Version
    from rattler.exceptions import InvalidPackageNameError, InvalidVersionError

    if text.count("=") > 2:
        return "more than name, version and build"
    name, version, build = split_virtual(text)
    try:
        PackageName(name)
    except InvalidPackageNameError:
        return f"invalid package name {name!r}"
    try:
        Version(version)
    except InvalidVersionError:
        return f"invalid version {version!r}"
    try:
        BuildString(build)
    except ValueError:
        return f"invalid build string {build!r}"
    return None


def choose_platforms(
    given: tuple[str, ...], spec: EnvSpec, project: Project | None, repo: RepoConfig
) -> tuple[str, ...]:
    """``--platforms``, else the file's ``platforms:``, else devkit.yaml's, else the default."""
    for candidate in (
        given,
        spec.platforms,
        project.settings.platforms if project else (),
        repo.platforms,
    ):
        if candidate:
            return tuple(dict.fromkeys(candidate))
    return DEFAULT_PLATFORMS


def parse_platforms(values: list[str] | None) -> tuple[str, ...]:
    """``--platforms linux-64,osx-arm64`` (repeatable, comma-separated) -> platforms."""
    platforms = [p.strip() for value in values or () for p in value.split(",") if p.strip()]
    if values and not platforms:
        raise UsageError(
            "--platforms names no platform", hint="e.g. --platforms linux-64,osx-arm64"
        )
    for platform in platforms:
        if not PLATFORM.match(platform):
            raise UsageError(
                f"unknown platform `{platform}`", hint="platforms look like linux-64 or osx-arm64"
            )
    return tuple(dict.fromkeys(platforms))


def targets(platforms: tuple[str, ...], repo: RepoConfig) -> tuple[Target, ...]:
    """Each platform with its virtual packages (devkit.yaml's, else the defaults)."""
    result = []
    for platform in platforms:
        configured = repo.virtual_packages.get(platform)
        packages = configured if configured is not None else default_virtual_packages(platform)
        normalised = tuple("=".join(split_virtual(p)) for p in packages)
        result.append(Target(platform, normalised))
    return tuple(result)


def channel_priority(given: str | None, repo: RepoConfig) -> str:
    """``--channel-priority``, else devkit.yaml's, else CI's (disabled)."""
    value = given or repo.channel_priority or DEFAULT_PRIORITY
    if value not in PRIORITIES:
        raise UsageError(
            f"unknown channel priority `{value}`",
            hint="use strict, flexible or disabled (the team's CI: disabled)",
        )
    return value


def applies(dep: Dependency, platform: str) -> bool:
    """Whether a dependency line is in force on a platform (``sel(osx): ...`` selectors)."""
    if dep.selector is None:
        return True
    os_name = platform.split("-")[0]
    wanted = dep.selector.strip().lower()
    return wanted == os_name or (wanted == "unix" and os_name in ("linux", "osx"))
