"""``environment.yml`` -> a typed model, every dependency parsed as a conda MatchSpec."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from devkit import limits, paths, yamlfile
from devkit.conda.platforms import PLATFORM
from devkit.errors import FileFormatError

if TYPE_CHECKING:
    from rattler import MatchSpec

# The selectors libmamba evaluates in environment files, spelled exactly (it refuses others,
# other case and inner spaces alike).
_SELECTORS = ("linux", "osx", "win", "unix")
_SELECTOR = re.compile(r"^sel\((?P<selector>[^)]*)\)\s*:\s*(?P<spec>.+)$")
_ENV_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
# `micromamba activate base` (or root) activates the root prefix, never an env of that name;
# conda refuses both names (RESERVED_ENV_NAMES in conda/base/constants.py).
_RESERVED_NAMES = ("base", "root")
# Top-level keys some tool reads: conda's VALID_KEYS (conda/env/env.py) and micromamba's
# (libmamba environment_yaml.cpp) are the first five; conda-lock adds the last three
# (conda_lock/src_parser/environment_yaml.py). Anything else is a typo or a wish no tool grants.
_KNOWN_KEYS = (
    "name",
    "channels",
    "dependencies",
    "variables",
    "prefix",
    "platforms",
    "category",
    "pip-repositories",
)
# conda-build's line selectors (`- pkg  # [linux]`), which conda-lock reads and micromamba does
# not: to micromamba they are comments.
_COMMENT_SELECTOR = re.compile(r"#\s*\[(?P<selector>[^\]]*)\]")


@dataclass(frozen=True)
class Dependency:
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


@dataclass(frozen=True)
class PipRequirement:
    """One line of the ``pip:`` section, as pip will read it."""

    text: str
    line: int


@dataclass(frozen=True)
class SpecWarning:
    """Something in the file that works, but not as its author probably meant."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class EnvSpec:
    """A parsed environment file."""

    path: Path
    name: str | None
    channels: tuple[str, ...]
    dependencies: tuple[Dependency, ...]
    pip: tuple[PipRequirement, ...]
    variables: dict[str, str] = field(default_factory=dict)
    platforms: tuple[str, ...] = ()
    fingerprint: str = ""
    warnings: tuple[SpecWarning, ...] = ()

    def dependency(self, name: str) -> Dependency | None:
        """The dependency line for a package name, if any."""
        return next((d for d in self.dependencies if d.name == name), None)


def parse(path: Path, *, dependencies: bool = True) -> EnvSpec:
    """Read and validate an environment file; any problem names the file and line.

    ``dependencies=False`` reads only the name, channels and variables (the dependency lists
    come back empty): enough to find and run an env, without loading py-rattler.

    Plain scalars keep their text (``name: 1.10``, ``DEBUG: yes``), as conda and micromamba
    read them; a file over devkit's limits (docs/cli.md) is refused before it is parsed.
    """
    try:
        raw = limits.read_capped(path, limits.YAML.max_bytes)
    except FileNotFoundError as exc:
        raise FileFormatError(path, "file not found") from exc
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror}") from exc
    data = yamlfile.parse(raw, path, text=True)
    if not isinstance(data, yamlfile.YamlMap):
        raise FileFormatError(
            path,
            "expected a mapping with `name`, `channels` and `dependencies`",
            line=getattr(data, "line", 1) or 1,
        )
    _check_keys(path, data)
    name = _name(path, data)
    channels = _string_list(path, data, "channels")
    platforms = _string_list(path, data, "platforms")
    _check_platforms(path, data, platforms)
    warnings: list[SpecWarning] = []
    deps, pip = _dependencies(path, data, warnings) if dependencies else ((), ())
    if dependencies:
        warnings += _comment_selectors(path, raw, data, deps)
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


def _check_keys(path: Path, data: yamlfile.YamlMap) -> None:
    # conda warns about an unknown key and micromamba says nothing; either way a misspelt
    # `dependecies:` gives an empty env, so it is an error here.
    import difflib

    for key in data:
        if key not in _KNOWN_KEYS:
            close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise FileFormatError(
                path,
                f"unknown key `{_shorten(key)}`{hint}: conda, micromamba and conda-lock "
                "would ignore it",
                line=data.line_of(key),
                hint="the keys they read: " + ", ".join(_KNOWN_KEYS),
            )


def _name(path: Path, data: yamlfile.YamlMap) -> str | None:
    name = data.get("name")
    line = data.line_of("name")
    if name is None:
        return None
    if not isinstance(name, str):
        raise FileFormatError(path, "`name` must be a string", line=line)
    if not _ENV_NAME.fullmatch(name):
        # The name becomes `<root>/envs/<name>`: nothing that could climb out of that folder.
        raise FileFormatError(
            path,
            f"env name {_shorten(name)!r} may only hold letters, digits, `.`, `_` and `-`",
            line=line,
        )
    if name in _RESERVED_NAMES:
        raise FileFormatError(
            path,
            f"env name `{name}` is micromamba's and conda's name for the root prefix: "
            f"`micromamba activate {name}` would never activate this env",
            line=line,
            hint="pick another name, e.g. the project's",
        )
    # The env's folder is named after it. The root prefix may not exist yet; envs live on the
    # same kind of filesystem in practice, so the env file's own is asked.
    longest = paths.name_max(path.parent)
    if len(name.encode()) > longest:
        raise FileFormatError(
            path,
            f"env name is {len(name):,} characters long: the env's folder is named after it, "
            f"and a folder name may be at most {longest} bytes",
            line=line,
        )
    return name


def _shorten(text: str, keep: int = 60) -> str:
    return text if len(text) <= keep else f"{text[:keep]}…"


def _check_platforms(path: Path, data: yamlfile.YamlMap, platforms: tuple[str, ...]) -> None:

    value = data.get("platforms")
    lines = value.item_lines if isinstance(value, yamlfile.YamlList) else []
    for platform, line in zip(platforms, lines, strict=False):
        if not PLATFORM.match(platform):
            raise FileFormatError(
                path, f"unknown platform {platform!r} (e.g. linux-64, osx-64, osx-arm64)", line=line
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
    _check_count(path, data, value)
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
                        f"`{_shorten(key)}:` in dependencies is not a package spec: micromamba "
                        "ignores it (only `pip:` and `sel(...)` mean something there)",
                    )
                )
            pip.extend(_pip_section(path, item))
        elif isinstance(item, str | int | float) and str(item).strip():
            deps.append(_dependency(path, str(item).strip(), line))
        else:
            raise FileFormatError(path, "a dependency must be a package spec", line=line)
    return tuple(deps), tuple(pip)


def _check_count(path: Path, data: yamlfile.YamlMap, value: yamlfile.YamlList) -> None:
    # Before any spec is parsed: a 400,000-line file would otherwise cost minutes of checks.
    count = len(value)
    for item in value:
        if isinstance(item, yamlfile.YamlMap) and isinstance(item.get("pip"), list):
            count += len(item["pip"])
    if count > limits.MAX_DEPENDENCIES:
        raise FileFormatError(
            path,
            f"{count:,} dependencies: devkit reads at most {limits.MAX_DEPENDENCIES:,} "
            "(a real environment file has a few hundred)",
            line=data.line_of("dependencies"),
        )


def _comment_selectors(
    path: Path, raw: bytes, data: yamlfile.YamlMap, deps: tuple[Dependency, ...]
) -> list[SpecWarning]:
    """``- pkg  # [linux]``: conda-lock's selector, a comment to micromamba (YAML drops it, so
    the raw lines of the dependencies are read)."""
    value = data.get("dependencies")
    if not isinstance(value, yamlfile.YamlList) or b"#" not in raw:
        return []
    lines = raw.decode("utf-8").splitlines()
    by_line = {d.line: d for d in deps if d.selector is None}
    found = []
    for line in dict.fromkeys(value.item_lines):
        match = _COMMENT_SELECTOR.search(lines[line - 1]) if line <= len(lines) else None
        dep = by_line.get(line)
        if match is None or dep is None or "#" in dep.text:
            continue
        selector = match.group("selector").strip()
        if selector in _SELECTORS:
            fix = f"write `- sel({selector}): {dep.text}`"
        else:
            fix = "micromamba's selectors are " + ", ".join(f"sel({s})" for s in _SELECTORS)
        found.append(
            SpecWarning(
                path,
                line,
                f"micromamba ignores `# [{_shorten(selector)}]` (to it a comment) and installs "
                f"{dep.name} on every platform; {fix}",
            )
        )
    return found


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
        if selector not in _SELECTORS:
            raise FileFormatError(
                path,
                f"unknown selector `sel({selector})`: micromamba knows "
                + ", ".join(f"sel({s})" for s in _SELECTORS),
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
