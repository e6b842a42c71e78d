"""What pip is told about a conda platform: the wheel tags it accepts and the marker
environment its requirements are evaluated in (pipresolve.py runs pip with them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from devkit.conda.platforms import Target, split_virtual

_ARCH = {"64": "x86_64", "aarch64": "aarch64", "ppc64le": "ppc64le", "arm64": "arm64"}
# manylinux's legacy names and the glibc minor each stands for (PEP 600).
_LEGACY_MANYLINUX = (("manylinux2014", 17), ("manylinux2010", 12), ("manylinux1", 5))
_BASELINE_GLIBC = 17  # conda-forge's: what devkit assumes when devkit.yaml names no __glibc
_BASELINE_OSX = "11.0"


@dataclass(frozen=True)
class PipTarget:
    """What pip is told about one conda platform: wheel tags and the marker environment."""

    platform: str
    python: str  # the conda solution's python, e.g. 3.11.9
    tags: tuple[str, ...]  # --platform values, most specific first
    markers: dict[str, str] = field(compare=False)

    @property
    def abi(self) -> str:
        """``cp311``."""
        major, minor = self.python.split(".")[:2]
        return f"cp{major}{minor}"

    def describe(self) -> str:
        """``Python 3.11, manylinux_2_17_x86_64``: how a missing wheel is named."""
        return f"Python {'.'.join(self.python.split('.')[:2])}, {self.tags[0]}"


def target_for(target: Target, python: str) -> PipTarget:
    """The wheel tags and markers of a conda platform with its stated virtual packages."""
    os_name, _, arch_code = target.platform.partition("-")
    arch = _ARCH.get(arch_code, arch_code)
    virtual = {name: version for name, version, _ in map(split_virtual, target.virtual_packages)}
    if os_name == "linux":
        glibc = virtual.get("__glibc", f"2.{_BASELINE_GLIBC}")
        minor = int(glibc.split(".")[1]) if "." in glibc else _BASELINE_GLIBC
        tags = [f"manylinux_2_{m}_{arch}" for m in range(minor, 4, -1)]
        tags += [f"{legacy}_{arch}" for legacy, needs in _LEGACY_MANYLINUX if needs <= minor]
        system, sys_platform, machine = "Linux", "linux", arch
    elif os_name == "osx":
        major, _, rest = virtual.get("__osx", _BASELINE_OSX).partition(".")
        # pip adds every older macOS and the universal2 tags itself.
        tags = [f"macosx_{major}_{(rest or '0').split('.')[0]}_{arch}"]
        system, sys_platform, machine = "Darwin", "darwin", arch
    else:
        tags = ["win_amd64" if arch == "x86_64" else f"win_{arch}"]
        system, sys_platform, machine = "Windows", "win32", "AMD64"
    markers = {
        "os_name": "nt" if os_name == "win" else "posix",
        "sys_platform": sys_platform,
        "platform_system": system,
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "implementation_name": "cpython",
        "implementation_version": python,
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
    }
    return PipTarget(target.platform, python, tuple(tags), markers)
