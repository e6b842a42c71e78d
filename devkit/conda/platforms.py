"""Conda platforms (``linux-64``, ``osx-arm64``) and the virtual packages each one provides.

A solve for another platform cannot detect that platform's virtual packages (glibc, macOS
version), so devkit states them: defaults that match the team's CI runners and the conda-forge
baselines (``devkit.yaml``'s ``virtual_packages:`` overrides them; see drift/targets.py).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# conda subdirs: `linux-64`, `osx-arm64`, `win-64`, ...
# The conda platforms devkit solves for; one rule for devkit.yaml and --platforms alike.
PLATFORM = re.compile(r"^(linux|osx|win)-(64|32|aarch64|arm64|ppc64le|s390x|armv6l|armv7l)$")
_ARCHSPEC = {"64": "x86_64", "arm64": "arm64", "aarch64": "aarch64", "ppc64le": "ppc64le"}


class Target(NamedTuple):
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
