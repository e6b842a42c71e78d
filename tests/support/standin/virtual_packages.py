"""Virtual packages for a target platform, with libmamba's CONDA_OVERRIDE_* rules."""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Mapping
from pathlib import Path


def _glibc(env: Mapping[str, str]) -> str:
    if "CONDA_OVERRIDE_GLIBC" in env:
        return env["CONDA_OVERRIDE_GLIBC"]
    if not sys.platform.startswith("linux"):
        return ""
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        return ""
    return found.removeprefix("glibc ").strip()


def _linux(env: Mapping[str, str]) -> str:
    if "CONDA_OVERRIDE_LINUX" in env:
        return env["CONDA_OVERRIDE_LINUX"]
    if not sys.platform.startswith("linux"):
        return ""
    match = re.match(r"\d+(\.\d+)*", platform.release())
    return match.group(0) if match else ""


def _osx(env: Mapping[str, str]) -> str:
    if "CONDA_OVERRIDE_OSX" in env:
        return env["CONDA_OVERRIDE_OSX"]
    # Not on a Mac, there is no macOS version to detect: osx packages needing __osx fail.
    return platform.mac_ver()[0] if sys.platform == "darwin" else ""


def _x86_64_level() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "x86_64"
    match = re.search(r"^flags\s*:(.*)$", text, re.M)
    flags = set(match.group(1).split()) if match else set()
    if {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"} <= flags:
        return "x86_64_v4"
    if {"avx", "avx2", "bmi1", "bmi2", "fma"} <= flags:
        return "x86_64_v3"
    if {"popcnt", "pni", "ssse3", "sse4_1", "sse4_2"} <= flags:
        return "x86_64_v2"
    return "x86_64"


def _archspec(arch: str, env: Mapping[str, str], native: bool) -> str:
    if "CONDA_OVERRIDE_ARCHSPEC" in env:
        return env["CONDA_OVERRIDE_ARCHSPEC"]
    if arch == "64":
        return _x86_64_level() if native else "x86_64"
    return "x86" if arch == "32" else arch


def virtual_packages(target: str, host: str, env: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(name, version, build) triples for `target`, as micromamba computes them on `host`."""
    os_name, _, arch = target.partition("-")
    found: list[tuple[str, str, str]] = []
    if os_name == "win":
        found.append(("__win", "0", "0"))
    if os_name == "linux":
        found.append(("__unix", "0", "0"))
        found.append(("__linux", _linux(env) or "0", "0"))
        glibc = _glibc(env)
        if glibc:
            found.append(("__glibc", glibc, "0"))
    if os_name == "osx":
        found.append(("__unix", "0", "0"))
        osx = _osx(env)
        if osx:
            found.append(("__osx", osx, "0"))
    found.append(("__archspec", "1", _archspec(arch, env, target == host) or "0"))
    cuda = env.get("CONDA_OVERRIDE_CUDA", "")
    if cuda:
        found.append(("__cuda", cuda, "0"))
    return found
