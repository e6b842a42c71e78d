"""What environment.yml may hold beyond its shape: the keys tools read, env names micromamba can
make and activate, how many specs, and selectors micromamba would silently ignore."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from devkit import limits, paths, yamlfile
from devkit.conda.platforms import PLATFORM
from devkit.errors import FileFormatError

# The selectors libmamba evaluates in environment files, spelled exactly (it refuses others,
# other case and inner spaces alike).
SELECTORS = ("linux", "osx", "win", "unix")
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


class _Dependency(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def selector(self) -> str | None: ...


class SpecWarning(NamedTuple):
    """Something in the file that works, but not as its author probably meant."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def check_keys(path: Path, data: yamlfile.YamlMap) -> None:
    """Every top-level key is one conda, micromamba or conda-lock reads."""
    # conda warns about an unknown key and micromamba says nothing; either way a misspelt
    # `dependecies:` gives an empty env, so it is an error here.
    for key in data:
        if key not in _KNOWN_KEYS:
            import difflib  # only for a key that is wrong

            close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise FileFormatError(
                path,
                f"unknown key `{shorten(key)}`{hint}: conda, micromamba and conda-lock "
                "would ignore it",
                line=data.line_of(key),
                hint="the keys they read: " + ", ".join(_KNOWN_KEYS),
            )


def env_name(path: Path, data: yamlfile.YamlMap) -> str | None:
    """The file's ``name:``, refused when micromamba could not make or activate an env of it."""
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
            f"env name {shorten(name)!r} may only hold letters, digits, `.`, `_` and `-`",
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


def shorten(text: str, keep: int = 60) -> str:
    """A value as an error message quotes it: long ones cut."""
    return text if len(text) <= keep else f"{text[:keep]}…"


def check_platforms(path: Path, data: yamlfile.YamlMap, platforms: tuple[str, ...]) -> None:
    """conda-lock's ``platforms:`` name real conda platforms."""
    value = data.get("platforms")
    lines = value.item_lines if isinstance(value, yamlfile.YamlList) else []
    for platform, line in zip(platforms, lines, strict=False):
        if not PLATFORM.match(platform):
            raise FileFormatError(
                path, f"unknown platform {platform!r} (e.g. linux-64, osx-64, osx-arm64)", line=line
            )


def check_count(path: Path, data: yamlfile.YamlMap, value: yamlfile.YamlList) -> None:
    """At most limits.MAX_DEPENDENCIES specs of at most limits.MAX_SPEC_CHARS each, checked
    before any is parsed."""
    # Before any spec is parsed: a 400,000-line file would otherwise cost minutes of checks.
    count = len(value)
    _check_lengths(path, value)
    for item in value:
        if isinstance(item, yamlfile.YamlMap) and isinstance(item.get("pip"), list):
            count += len(item["pip"])
            _check_lengths(path, item["pip"])
    if count > limits.MAX_DEPENDENCIES:
        raise FileFormatError(
            path,
            f"{count:,} dependencies: devkit reads at most {limits.MAX_DEPENDENCIES:,} "
            "(a real environment file has a few hundred)",
            line=data.line_of("dependencies"),
        )


def _check_lengths(path: Path, specs: list[object]) -> None:
    lines = specs.item_lines if isinstance(specs, yamlfile.YamlList) else []
    for index, spec in enumerate(specs):
        if isinstance(spec, str) and len(spec) > limits.MAX_SPEC_CHARS:
            raise FileFormatError(
                path,
                f"a dependency of {len(spec):,} characters: devkit reads specs of at most "
                f"{limits.MAX_SPEC_CHARS:,} (a real one is under 200)",
                line=lines[index] if index < len(lines) else None,
                hint="no real spec comes near that: is it the right file?",
            )


def comment_selectors(
    path: Path, raw: bytes, data: yamlfile.YamlMap, deps: Sequence[_Dependency]
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
        if selector in SELECTORS:
            fix = f"write `- sel({selector}): {dep.text}`"
        else:
            fix = "micromamba's selectors are " + ", ".join(f"sel({s})" for s in SELECTORS)
        found.append(
            SpecWarning(
                path,
                line,
                f"micromamba ignores `# [{shorten(selector)}]` (to it a comment) and installs "
                f"{dep.name} on every platform; {fix}",
            )
        )
    return found
