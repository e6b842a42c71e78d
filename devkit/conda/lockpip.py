"""The pip part of ``conda-lock.yml``: its entries, whether they still meet the ``pip:``
section, and the hash-checked requirements that install them.

conda-lock's v1 shape: ``manager: pip``, the wheel's ``url``, ``hash: {sha256: ...}``, its
``dependencies``. devkit adds three ``custom_metadata`` keys (strings, as the format wants):
``pip`` (``locked``, or why not), ``pip_not_locked`` (the lines only pip can install: paths,
URLs) and ``pip_from_conda.<platform>`` (requested names conda already installs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn, Protocol

from devkit.conda import pypi
from devkit.conda.envspec import EnvSpec
from devkit.conda.package import Package
from devkit.conda.piptarget import target_for
from devkit.conda.platforms import Target
from devkit.conda.pypi import PipPackage
from devkit.yamlfile import kind

PIP_KEY = "pip"
LOCKED = "locked"
NOT_LOCKED_KEY = "pip_not_locked"
FROM_CONDA_KEY = "pip_from_conda"


class Lock(Protocol):
    """What of lockfile.Lock the pip part needs (a protocol: lockfile.py imports this module)."""

    @property
    def packages(self) -> dict[str, dict[str, Package]]: ...

    @property
    def pip(self) -> dict[str, dict[str, PipPackage]]: ...

    @property
    def custom(self) -> dict[str, str]: ...


class Checks(Protocol):
    """What lockcheck.py's shape checker offers: a failure at a line, a checked mapping."""

    def fail(self, message: str, where: object, key: str | None = None) -> NoReturn: ...

    def mapping(self, parent: dict[str, Any], key: str, label: str) -> dict[str, Any]: ...


def entry(check: Checks, item: dict[str, Any], line: int | None) -> tuple[str, PipPackage]:
    """A ``manager: pip`` entry as its platform and wheel, each value checked."""
    missing = [k for k in ("name", "platform", "url") if not item.get(k)]
    if missing:
        check.fail(f"pip package entry without {', '.join(missing)}", line)
    for key in ("name", "version", "platform", "url"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            check.fail(f"pip package entry: `{key}` must be a string, not {kind(value)}", item, key)
    label = f"pip package {item['name']} ({item['platform']})"
    hashes = check.mapping(item, "hash", f"{label}: hash")
    sha256 = hashes.get("sha256")
    if sha256 is not None and not isinstance(sha256, str):
        check.fail(f"{label}: hash.sha256 must be a string, not {kind(sha256)}", hashes, "sha256")
    dependencies = check.mapping(item, "dependencies", f"{label}: dependencies")
    wheel = PipPackage(
        name=pypi.normalise(item["name"]),
        version=str(item.get("version") or ""),
        url=item["url"],
        sha256=sha256 or "",
        dependencies={str(k): str(v) for k, v in dependencies.items()},
    )
    return item["platform"], wheel


def is_locked(lock: Lock) -> bool:
    """Whether the lock holds the ``pip:`` section (False for ``--no-pip`` and conda-lock's
    older files, which say nothing: those are judged by their entries)."""
    return lock.custom.get(PIP_KEY, LOCKED) == LOCKED


def not_locked_reason(lock: Lock) -> str | None:
    """Why the lock leaves the ``pip:`` section out (``--no-pip``), if it does."""
    value = lock.custom.get(PIP_KEY)
    return None if value in (None, LOCKED) else value


def from_conda(lock: Lock, platform: str) -> dict[str, str]:
    """Requested PyPI names the platform's conda packages install: name -> conda name."""
    text = lock.custom.get(f"{FROM_CONDA_KEY}.{platform}", "")
    pairs = (item.partition("=") for item in text.split(",") if item.strip())
    return {name.strip(): conda.strip() for name, _, conda in pairs}


def unsatisfied(lock: Lock, spec: EnvSpec, platform: str) -> list[str]:
    """The ``pip:`` requirements the platform's locked wheels (or conda packages) do not meet."""
    from packaging.requirements import Requirement

    if not spec.pip or not is_locked(lock):
        return []
    conda = lock.packages.get(platform, {})
    wheels = lock.pip.get(platform, {})
    provided = pypi.provided(conda)
    named = from_conda(lock, platform)
    markers = _markers(conda, platform)
    problems = []
    for req in pypi.split(spec.pip).lockable:
        parsed = Requirement(req.text)
        if parsed.marker is not None and markers and not parsed.marker.evaluate(markers):
            continue
        name = pypi.normalise(parsed.name)
        have = _locked_version(name, wheels, provided, named, conda)
        if have is None:
            problems.append(f"pip: {req.text} is not locked")
        elif not parsed.specifier.contains(have, prereleases=True):
            problems.append(f"pip: {req.text} (locked {have})")
    return problems


def _locked_version(
    name: str,
    wheels: Mapping[str, PipPackage],
    provided: Mapping[str, Package],
    named: Mapping[str, str],
    conda: Mapping[str, Package],
) -> str | None:
    if name in wheels:
        return wheels[name].version
    if name in provided:
        return provided[name].version
    conda_name = named.get(name, "")
    return conda[conda_name].version if conda_name in conda else None


def _markers(conda: Mapping[str, Package], platform: str) -> dict[str, str]:
    """The marker environment of a locked platform (empty without a python to know it by)."""
    python = conda.get("python")
    return target_for(Target(platform, ()), python.version).markers if python else {}


def install_lines(wheels: Mapping[str, PipPackage], installed: Mapping[str, str]) -> list[str]:
    """``--require-hashes`` lines for the locked wheels not installed at their version."""
    return [
        wheel.requirement_line()
        for name, wheel in sorted(wheels.items())
        if installed.get(name) != wheel.version
    ]
