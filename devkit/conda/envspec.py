"""``environment.yml`` -> a typed model, every dependency parsed as a conda MatchSpec."""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from devkit import parsecache, paths, yamlfile
from devkit.conda import envspec_rules, platforms
from devkit.conda.envspec_rules import SELECTORS, SpecWarning
from devkit.errors import FileFormatError

if TYPE_CHECKING:
    from rattler import MatchSpec

_SELECTOR = re.compile(r"^sel\((?P<selector>[^)]*)\)\s*:\s*(?P<spec>.+)$")
# What an EnvSpec is made by: a change to any of them empties the shelf.
_CODE = (sys.modules[__name__], envspec_rules, platforms, paths, *yamlfile.CODE)
SHELF = parsecache.Shelf("envspec", code=_CODE)
# `devkit run` and `shell` read one project's file on their way to a process: their readings
# on a small shelf of their own, so that a start does not load doctor's thousand.
START_SHELF = parsecache.Shelf("envspec-start", code=_CODE, keep=16, at_once=True)


class Dependency(NamedTuple):
    """One conda dependency line."""

    text: str
    line: int
    name: str
    version: str | None
    selector: str | None = None
    # conda accepts some specs only in its lenient grammar (``pkg=1.7=py39_0``); kept, but noted.
    lenient_note: str | None = None

    def match_spec(self) -> MatchSpec:
        """The py-rattler MatchSpec for this line."""
        from rattler import MatchSpec

        return MatchSpec(self.text, strict=self.lenient_note is None)


class PipRequirement(NamedTuple):
    """One line of the ``pip:`` section, as pip will read it."""

    text: str
    line: int


class EnvSpec(NamedTuple):
    """A parsed environment file."""

    path: Path
    name: str | None
    channels: tuple[str, ...]
    dependencies: tuple[Dependency, ...]
    pip: tuple[PipRequirement, ...]
    variables: Mapping[str, str] = {}
    platforms: tuple[str, ...] = ()
    fingerprint: str = ""
    warnings: tuple[SpecWarning, ...] = ()

    def dependency(self, name: str) -> Dependency | None:
        """The dependency line for a package name, if any."""
        return next((d for d in self.dependencies if d.name == name), None)


def parse(
    path: Path,
    *,
    dependencies: bool = True,
    cache: bool = False,
    shelf: parsecache.Shelf | None = None,
) -> EnvSpec:
    """Read and validate an environment file; any problem names the file and line.

    ``dependencies=False`` reads only the name, channels and variables (the dependency lists
    come back empty): enough to find and run an env, without loading py-rattler.

    Plain scalars keep their text (``name: 1.10``, ``DEBUG: yes``), as conda and micromamba
    read them; a file over devkit's limits (docs/cli.md) is refused before it is parsed.

    ``cache``: an unchanged file as an earlier run parsed it (``parsecache``), for a caller
    that reads every project's (doctor): parsing a thousand, their specs through py-rattler,
    cost 0.6 s a run. An error is never kept. ``shelf``: where (default: ``SHELF``).
    """
    raw = yamlfile.read(path)
    if not cache:
        return _parse(path, raw, dependencies)
    # Everything the result depends on beside the bytes: the path it names (in warnings too),
    # the longest env name its filesystem takes, and the py-rattler that read the specs.
    rattler = parsecache.installed("rattler") if dependencies else None
    variant = (str(path), dependencies, paths.name_max(path.parent), rattler)
    return (shelf or SHELF).by_content(raw, variant, lambda: _parse(path, raw, dependencies))


def parse_for_start(path: Path) -> EnvSpec:
    """The name, channels and variables of an environment file (``dependencies=False``), for
    a command on its way to a process (``run``, ``shell``): kept on ``START_SHELF``."""
    return parse(path, dependencies=False, cache=True, shelf=START_SHELF)


def _parse(path: Path, raw: bytes, dependencies: bool) -> EnvSpec:
    data = yamlfile.parse(raw, path, text=True)
    if not isinstance(data, yamlfile.YamlMap):
        raise FileFormatError(
            path,
            "expected a mapping with `name`, `channels` and `dependencies`",
            line=getattr(data, "line", 1) or 1,
        )
    envspec_rules.check_keys(path, data)
    name = envspec_rules.env_name(path, data)
    channels = _string_list(path, data, "channels")
    platforms = _string_list(path, data, "platforms")
    envspec_rules.check_platforms(path, data, platforms)
    warnings: list[SpecWarning] = []
    deps, pip = _dependencies(path, data, warnings) if dependencies else ((), ())
    if dependencies:
        warnings += envspec_rules.comment_selectors(path, raw, data, deps)
    variables = _variables(path, data)
    return EnvSpec(
        path=path,
        name=name,
        channels=channels,
        dependencies=deps,
        pip=pip,
        variables=variables,
        platforms=platforms,
        fingerprint=hashlib.sha256(raw).hexdigest(),
        warnings=tuple(sorted(warnings, key=lambda w: w.line)),
    )


def _string_list(path: Path, data: yamlfile.YamlMap, key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, yamlfile.YamlList):
        raise FileFormatError(path, f"`{key}` must be a list", line=data.line_of(key))
    items = []
    for item, line in zip(value, value.item_lines, strict=True):
        if not isinstance(item, str) or not item.strip():
            raise FileFormatError(path, f"each entry of `{key}` must be a name", line=line)
        items.append(item.strip())
    return tuple(items)


def _dependencies(
    path: Path, data: yamlfile.YamlMap, warnings: list[SpecWarning]
) -> tuple[tuple[Dependency, ...], tuple[PipRequirement, ...]]:
    value = data.get("dependencies")
    if value is None:
        return (), ()
    if not isinstance(value, yamlfile.YamlList):
        raise FileFormatError(
            path, "`dependencies` must be a list", line=data.line_of("dependencies")
        )
    envspec_rules.check_count(path, data, value)
    deps: list[Dependency] = []
    pip: list[PipRequirement] = []
    for item, line in zip(value, value.item_lines, strict=True):
        if isinstance(item, yamlfile.YamlMap):
            for key, val in item.items():
                key_line = item.line_of(key)
                if key == "pip":
                    continue
                if key.replace(" ", "").startswith("sel("):
                    # `- sel(linux): spec` is read by YAML as a one-key mapping.
                    if not isinstance(val, str):
                        raise FileFormatError(
                            path,
                            f"`{key}:` takes one spec (micromamba cannot merge a list here)",
                            line=key_line,
                            hint=f"write one `- {key}: spec` line per spec",
                        )
                    deps.append(_dependency(path, f"{key}: {val}", key_line))
                    continue
                # micromamba skips any other section without a word; so does devkit, aloud.
                warnings.append(
                    SpecWarning(
                        path,
                        key_line,
                        f"`{envspec_rules.shorten(key)}:` in dependencies is not a package spec: "
                        "micromamba ignores it (only `pip:` and `sel(...)` mean something there)",
                    )
                )
            pip.extend(_pip_section(path, item))
        elif isinstance(item, str | int | float) and str(item).strip():
            deps.append(_dependency(path, str(item).strip(), line))
        else:
            raise FileFormatError(path, "a dependency must be a package spec", line=line)
    return tuple(deps), tuple(pip)


def _pip_section(path: Path, item: yamlfile.YamlMap) -> list[PipRequirement]:
    section = item.get("pip")
    if section is None:
        return []
    if not isinstance(section, yamlfile.YamlList):
        raise FileFormatError(
            path, "`pip:` must be a list of requirements", line=item.line_of("pip")
        )
    result = []
    for req, req_line in zip(section, section.item_lines, strict=True):
        if not isinstance(req, str | int | float) or not str(req).strip():
            raise FileFormatError(path, "a pip requirement must be a string", line=req_line)
        result.append(PipRequirement(str(req).strip(), req_line))
    return result


def _dependency(path: Path, text: str, line: int) -> Dependency:
    from rattler import MatchSpec
    from rattler.exceptions import InvalidMatchSpecError

    selector = None
    match = _SELECTOR.match(text)
    if match:
        selector = match.group("selector")
        text = match.group("spec").strip()
        if selector not in SELECTORS:
            raise FileFormatError(
                path,
                f"unknown selector `sel({selector})`: micromamba knows "
                + ", ".join(f"sel({s})" for s in SELECTORS),
                line=line,
            )
    elif text.replace(" ", "").startswith("sel("):
        raise FileFormatError(
            path, f"malformed selector in {text!r}", line=line, hint="write `sel(linux): spec`"
        )
    lenient_note = None
    try:
        spec = MatchSpec(text, strict=True)
    except InvalidMatchSpecError as strict_exc:
        try:
            spec = MatchSpec(text)
        except InvalidMatchSpecError as exc:
            raise FileFormatError(
                path, f"invalid package spec {text!r}: {_first_line(exc)}", line=line
            ) from exc
        lenient_note = _first_line(strict_exc)
    if spec.name is None:
        raise FileFormatError(path, f"package spec {text!r} has no package name", line=line)
    version = str(spec.version) if spec.version is not None else None
    return Dependency(
        text=text,
        line=line,
        name=spec.name.normalized,
        version=version,
        selector=selector,
        lenient_note=lenient_note,
    )


def _variables(path: Path, data: yamlfile.YamlMap) -> dict[str, str]:
    value = data.get("variables")
    if value is None:
        return {}
    if not isinstance(value, yamlfile.YamlMap):
        raise FileFormatError(path, "`variables` must be a mapping", line=data.line_of("variables"))
    result = {}
    for key, val in value.items():
        if isinstance(val, yamlfile.YamlMap | yamlfile.YamlList):
            raise FileFormatError(
                path, f"variable `{key}` must be a plain value", line=value.line_of(key)
            )
        # Text as written (the file is read with plain scalars as strings): `DEBUG: yes`
        # stays "yes" and `MODE: 0755` stays "0755", as conda and micromamba set them.
        result[key] = "" if val is None else str(val)
    return result


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def applies(dep: Dependency, platform: str) -> bool:
    """Whether a dependency line is in force on a platform (``sel(osx): ...`` selectors)."""
    if dep.selector is None:
        return True
    os_name = platform.split("-")[0]
    wanted = dep.selector.strip().lower()
    return wanted == os_name or (wanted == "unix" and os_name in ("linux", "osx"))
