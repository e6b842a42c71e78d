"""Which platforms a project is solved for, and with what channel priority: devkit's policy.

``--platforms`` and ``--channel-priority``, else the environment file's or ``devkit.yaml``'s
settings, else the team's CI defaults.
"""

from __future__ import annotations

from devkit.conda.channels import CHANNEL_PRIORITIES
from devkit.conda.envspec import EnvSpec
from devkit.conda.platforms import PLATFORM, Target, default_virtual_packages, split_virtual
from devkit.errors import UsageError
from devkit.repo.config import RepoConfig
from devkit.repo.monorepo import Project

DEFAULT_PLATFORMS = ("linux-64", "osx-64", "osx-arm64")
# The team's CI passes `channel-priority: disabled` to provision-with-micromamba.
DEFAULT_PRIORITY = "disabled"


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
    if value not in CHANNEL_PRIORITIES:
        raise UsageError(
            f"unknown channel priority `{value}`",
            hint="use strict, flexible or disabled (the team's CI: disabled)",
        )
    return value
