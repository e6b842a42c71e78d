"""Resolving a ``pip:`` section to exact wheels for one conda platform, with pip itself.

pip is the resolver the ``pip:`` section is installed with, so its answer is the one that
counts; it reads the user's index configuration (``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``,
pip.conf, keyring) by itself. devkit runs it as ``pip install --dry-run --report`` with the
target's wheel tags (``--platform``, ``--python-version``, ``--implementation cp``, ``--abi``,
``--only-binary=:all:``) into an empty ``--target``, so nothing installed anywhere counts.

Two things pip's options do not cover, devkit adds:

- Environment markers (``; sys_platform == "darwin"``) are evaluated by pip against the
  interpreter that runs it, whatever ``--platform`` says. A few lines (``_SHIM``) replace
  pip's marker environment with the target's before pip starts; the report's
  ``environment`` proves it took effect, and devkit refuses the result if it did not.
- What conda installs is not installed again: every PyPI name the platform's conda packages
  provide (pypi.py) is held at conda's version (a constraint, and a metadata-only stand-in
  wheel in a local folder, so the index need not have that version) and dropped from the result.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from devkit import proc
from devkit.conda import pypi
from devkit.conda.package import Package
from devkit.conda.piptarget import PipTarget, target_for
from devkit.conda.platforms import Target
from devkit.conda.pypi import PipPackage, PipSection

_SHIM = """\
import json, os, runpy, sys
from pip._vendor.packaging import markers
_target = json.loads(os.environ.pop("DEVKIT_PIP_MARKERS"))
_default = markers.default_environment
def _environment():
    env = _default()
    env.update(_target)
    return env
markers.default_environment = _environment
sys.argv[0] = "pip"
runpy.run_module("pip", run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class PipResolution:
    """One platform's locked wheels, or why there are none."""

    platform: str
    packages: dict[str, PipPackage]
    # Requested names conda already installs: PyPI name -> the conda package's name.
    from_conda: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def resolve(
    section: PipSection,
    conda: Mapping[str, Package],
    target: Target,
    cwd: Path,
    held: Mapping[str, str] | None = None,
) -> PipResolution:
    """Resolve the lockable requirements for one platform against its conda packages.

    ``held``: locked wheels to keep at their version (name -> version), for ``--update``.
    """
    platform = target.platform
    python = conda.get("python")
    if python is None:
        return PipResolution(
            platform, {}, problems=(f"{platform}: no python among the conda packages for pip",)
        )
    pip_target = target_for(target, python.version)
    provided = pypi.provided(conda)
    requested = {pypi.requirement_name(r.text): r for r in section.lockable}
    from_conda = {name: provided[name].name for name in requested if name in provided}
    with tempfile.TemporaryDirectory(prefix="devkit-pip-lock-") as folder:
        work = Path(folder)
        argv = _argv(section, provided, pip_target, work, held or {})
        env = proc.clean_env({"DEVKIT_PIP_MARKERS": json.dumps(pip_target.markers)})
        result = proc.run(argv, cwd=cwd, env=env, check=False)
        if result.returncode != 0:
            return PipResolution(platform, {}, from_conda, _failure(result, pip_target, env))
        report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    return _read_report(report, provided, pip_target, from_conda)


def _argv(
    section: PipSection,
    provided: Mapping[str, Package],
    target: PipTarget,
    work: Path,
    held: Mapping[str, str],
) -> list[str]:
    requirements = work / "requirements.txt"
    requirements.write_text("".join(f"{line}\n" for line in section.requirement_lines))
    stubs = work / "conda-provided"
    stubs.mkdir()
    constraints = []
    for name, package in sorted(provided.items()):
        version = _pep440(package.version)
        if version is not None:
            _stub_wheel(stubs, name, version, f"{target.abi}-{target.abi}-{target.tags[0]}")
            constraints.append(f"{name}=={version}\n")
    constraints += [f"{n}=={v}\n" for n, v in sorted(held.items()) if n not in provided]
    (work / "constraints.txt").write_text("".join(constraints))
    # Not --quiet: pip explains a conflict on stdout at its info level.
    argv = [sys.executable, "-c", _SHIM, "install", "--dry-run", "--no-input"]
    argv += ["--disable-pip-version-check", "--progress-bar", "off"]
    argv += ["--report", str(work / "report.json"), "--target", str(work / "target")]
    argv += ["--ignore-installed", "--only-binary=:all:", "--implementation", "cp"]
    argv += ["--python-version", target.python, "--abi", target.abi]
    for tag in target.tags:
        argv += ["--platform", tag]
    argv += ["--find-links", stubs.as_uri(), "-c", str(work / "constraints.txt")]
    return [*argv, "-r", str(requirements)]


def _pep440(version: str) -> str | None:
    from packaging.version import InvalidVersion, Version

    try:
        return str(Version(version))
    except InvalidVersion:
        return None  # e.g. `1.2.3_1`: pip cannot hold it; the name is still dropped after


def _stub_wheel(folder: Path, name: str, version: str, tag: str) -> None:
    """A wheel holding only metadata, standing for the conda package that provides ``name``.

    pip must pick it over the index's wheel of the same version, whose dependencies conda has
    already dealt with: it carries the target's most specific tag and a build number (``1``),
    which pip ranks above a wheel without one.
    """
    stem = f"{name.replace('-', '_')}-{version}"
    dist = f"{stem}.dist-info"
    with zipfile.ZipFile(folder / f"{stem}-1-{tag}.whl", "w") as wheel:
        wheel.writestr(
            f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
        wheel.writestr(f"{dist}/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n")
        wheel.writestr(f"{dist}/RECORD", "")


def _read_report(
    report: dict, provided: Mapping[str, Package], target: PipTarget, from_conda: dict[str, str]
) -> PipResolution:
    platform = target.platform
    used = report.get("environment") or {}
    if used.get("sys_platform") != target.markers["sys_platform"]:
        # pip moved its marker code: a lock resolved with this machine's markers would be wrong.
        return PipResolution(
            platform,
            {},
            from_conda,
            (
                f"{platform}: pip {report.get('pip_version')} evaluated markers for "
                f"{used.get('sys_platform')}, not {target.markers['sys_platform']}: "
                "devkit cannot lock with this pip",
            ),
        )
    packages: dict[str, PipPackage] = {}
    problems: list[str] = []
    for item in report.get("install") or []:
        metadata = item.get("metadata") or {}
        name = pypi.normalise(str(metadata.get("name", "")))
        if name in provided:
            continue  # conda installs it (held at conda's version while pip resolved)
        download = item.get("download_info") or {}
        url = _without_credentials(str(download.get("url", "")))
        sha256 = _sha256(download.get("archive_info") or {})
        if url.startswith("file:"):
            problems.append(
                f"{platform}: pip took {name} from a local folder ({url}); other machines cannot "
                "(remove that --find-links folder from pip's configuration, or publish the wheel)"
            )
        elif not sha256:
            problems.append(f"{platform}: the index gave no sha256 for {url}: it cannot be locked")
        packages[name] = PipPackage(
            name=name,
            version=str(metadata.get("version", "")),
            url=url,
            sha256=sha256,
            dependencies=_dependencies(metadata.get("requires_dist") or [], target),
        )
    return PipResolution(platform, packages, from_conda, tuple(problems))


def _sha256(archive: dict) -> str:
    hashes = archive.get("hashes") or {}
    if hashes.get("sha256"):
        return str(hashes["sha256"])
    algorithm, _, value = str(archive.get("hash", "")).partition("=")
    return value if algorithm == "sha256" else ""


def _without_credentials(url: str) -> str:
    """A lock is committed: ``user:token@`` stays in pip's configuration, not in the file."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _dependencies(requires: list[str], target: PipTarget) -> dict[str, str]:
    """``requires_dist`` that apply on the target (no extra asked), as conda-lock records it."""
    from packaging.requirements import InvalidRequirement, Requirement

    found: dict[str, str] = {}
    for text in requires:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is not None and not req.marker.evaluate({**target.markers, "extra": ""}):
            continue
        found.setdefault(pypi.normalise(req.name), str(req.specifier) or "*")
    return found


_NO_MATCH = re.compile(r"No matching distribution found for (\S+)")
_VERSIONS = re.compile(r"\(from versions: ([^)]*)\)")


def _failure(result: proc.Result, target: PipTarget, env: Mapping[str, str]) -> tuple[str, ...]:
    """pip's refusal as one line per cause, naming the requirement and the platform."""
    # Errors are on stderr; a conflict's explanation is on stdout.
    platform, text = target.platform, f"{result.stdout}\n{result.stderr}"
    retries = [line for line in text.splitlines() if "Retrying" in line or "NewConnection" in line]
    if retries:
        return (f"{platform}: pip cannot reach the package index: {retries[-1].strip()}",)
    missing = _NO_MATCH.findall(text)
    if missing:
        versions = _VERSIONS.search(text)
        seen = f" (versions there: {versions.group(1)})" if versions else ""
        where = " (PIP_NO_INDEX is set: pip reads no index)" if env.get("PIP_NO_INDEX") else ""
        return tuple(
            f"{platform}: no wheel of {name} for {target.describe()} in the package index"
            f"{seen}{where}"
            for name in dict.fromkeys(missing)
        )
    if "conflict is caused by" in text:
        cause = text.split("The conflict is caused by:", 1)[1].split("\n\n", 1)[0]
        lines = "; ".join(
            line.strip().replace("The user requested (constraint)", "conda installs")
            for line in cause.splitlines()
            if line.strip()
        )
        return (f"{platform}: pip finds the requirements in conflict: {lines}",)
    errors = [line.strip() for line in text.splitlines() if line.startswith("ERROR")]
    tail = errors[-2:] or [line.strip() for line in text.splitlines() if line.strip()][-3:]
    return (f"{platform}: pip failed ({result.returncode}): {' '.join(tail)}",)
