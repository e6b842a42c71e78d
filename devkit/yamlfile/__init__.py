"""YAML loading that remembers line numbers, so every complaint names file and line.

Two readings of plain (unquoted) scalars:

- the default, PyYAML's YAML 1.1: ``yes`` is true, ``0755`` is 493, ``1:30`` is 90 (for files
  with numbers and booleans by meaning: the user config, conda-lock.yml, cloudbuild.yaml);
- ``text=True``: every plain scalar is the string as written, except ``~``, ``null`` and an
  empty value, which are None (missing). conda, micromamba and GitHub read ``variables: {DEBUG:
  yes}``, ``name: 1.10`` and the key ``on:`` as text; devkit must not read them differently.

Both read YAML 1.1 merge keys (``<<: *base``), and both refuse a file over ``limits.YAML``
(size, nesting, values) before building anything from it.

Files are parsed by libyaml's C parser when PyYAML has it (a doctor run reads four YAML files per
project). PyYAML's pure-Python loader is the reference: it reads the files the C path leaves to
it (merge keys, anything near a limit, anything invalid), so errors and limits are worded and
placed exactly as before. The loaders are in ``loaders`` and ``lines`` beside this module.

``cache=True`` keeps a parse on disk for the next run (``parsecache``), keyed on the bytes parsed
and how they are read: for the monorepo's own files (workflows, environment files,
cloudbuild.yaml), which doctor reads by the thousand and which rarely change between runs. Never
for a condarc or anything else that may hold a credential (the user config keeps what it read
on a shelf of its own, and only when that holds none: ``userconfig``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devkit import limits, parsecache
from devkit.errors import FileFormatError
from devkit.yamlfile import lines as yamllines
from devkit.yamlfile import loaders as yamlloaders
from devkit.yamlfile.lines import OverLimit, YamlList, YamlMap

# What YAML 1.1's reader refuses (the complement of PyYAML's `Reader.NON_PRINTABLE`): C0
# controls but tab and newlines, DEL, C1 controls but NEL, surrogates and the two
# non-characters. Written as the refused ranges: the negated class takes 4 ms to compile,
# on every devkit start that reads YAML.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")

__all__ = [
    "YamlList",
    "YamlMap",
    "dump_atomic",
    "kind",
    "load",
    "load_with_source",
    "parse",
    "read",
]

# Every module that shapes a parse: a change to any of them empties the shelves of parses (this
# one, and those of what is made of them).
CODE = (sys.modules[__name__], yamlloaders, yamllines, limits)
SHELF = parsecache.Shelf("yaml", code=CODE)


def load(
    path: Path,
    *,
    text: bool = False,
    bounds: limits.YamlLimits = limits.YAML,
    transform: Callable[[str], str] | None = None,
    cache: bool = False,
    shelf: parsecache.Shelf | None = None,
) -> Any:
    """Parse a YAML file; a syntax error or a limit becomes a ``FileFormatError`` with its line.

    ``transform`` rewrites the text before parsing (condarc.py expands ``${VAR}`` there, as
    micromamba does, so a variable inside a flow list parses as micromamba parses it).

    ``text``: plain scalars are strings as written (see the module docstring). ``cache``: see
    the module docstring; not with ``transform``, whose text may hold the environment's values.
    ``shelf``: where ``cache`` keeps the parse (default: ``SHELF``).
    """
    if cache and transform is not None:
        raise ValueError("a transformed YAML text may hold the environment's values: not cached")
    raw = read(path, bounds)
    if transform is not None:
        try:
            raw = transform(raw.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileFormatError(path, "not UTF-8 text") from exc
    return parse(raw, path, text=text, bounds=bounds, cache=cache, shelf=shelf)


def load_with_source(
    path: Path,
    *,
    text: bool = False,
    bounds: limits.YamlLimits = limits.YAML,
    cache: bool = False,
    shelf: parsecache.Shelf | None = None,
) -> tuple[Any, str]:
    """``load``, and the text it parsed: what a caller quotes lines of (the lines its parse's
    marks count), without reading the file again."""
    raw = read(path, bounds)
    data = parse(raw, path, text=text, bounds=bounds, cache=cache, shelf=shelf)
    # Parsed (now or by the run that kept it), so UTF-8.
    return data, raw.decode("utf-8")


def read(path: Path, bounds: limits.YamlLimits = limits.YAML) -> bytes:
    """A YAML file's bytes, refused past ``bounds``' size; a missing or unreadable file is a
    ``FileFormatError`` naming it, as ``load`` words it."""
    try:
        return limits.read_capped(path, bounds.max_bytes)
    except FileNotFoundError as exc:
        raise FileFormatError(path, "file not found") from exc
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror}") from exc


def parse(
    raw: bytes,
    path: Path,
    *,
    text: bool = False,
    bounds: limits.YamlLimits = limits.YAML,
    fast: bool = True,
    cache: bool = False,
    shelf: parsecache.Shelf | None = None,
) -> Any:
    """Parse YAML already read from ``path`` (which names it in errors).

    ``fast``: through libyaml's C parser where PyYAML has it, else (and for what that path
    leaves to it) the pure-Python loader, the reference both readings are tested against.
    ``cache``: an earlier run's parse of the same bytes read the same way (module docstring);
    an error is never kept, so a bad file names its file and line every run. ``shelf``: where
    (default: ``SHELF``; a shelf's code must include ``CODE``).
    """
    if not cache:
        return _parse(raw, path, text, bounds, fast)
    # Everything that changes the result (the reading, the limits, the loader, the PyYAML
    # under it), but the path: it only names the file in errors, which are not kept. The
    # limits as a tuple: a plain key survives a change of their class.
    pyyaml = parsecache.installed("yaml")
    variant = (text, bounds.max_bytes, bounds.max_depth, bounds.max_nodes, fast, pyyaml)
    return (shelf or SHELF).by_content(raw, variant, lambda: _parse(raw, path, text, bounds, fast))


def _parse(raw: bytes, path: Path, text: bool, bounds: limits.YamlLimits, fast: bool) -> Any:
    import yaml

    if len(raw) > bounds.max_bytes:
        raise FileFormatError(
            path,
            f"larger than {limits.size_text(bounds.max_bytes)}, the most devkit reads from this "
            "kind of file",
        )
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(path, "not UTF-8 text") from exc
    # PyYAML refuses control characters (NUL, ESC...) as it builds its reader, before any
    # parse: a file with one is a complaint about that file at its line, never a crash.
    bad = _CONTROL.search(source)
    if bad is not None:
        raise FileFormatError(
            path,
            f"invalid YAML: control character {ord(bad.group()):#04x} is not allowed in YAML",
            line=source.count("\n", 0, bad.start()) + 1,
        )
    if fast:
        try:
            return yamlloaders.read_fast(source, bounds, text)
        except yamlloaders.Fallback:
            pass
    loader = yamlloaders.loaders(text)[0](source, bounds)
    try:
        return loader.get_single_data()
    except OverLimit as exc:
        raise FileFormatError(
            path,
            exc.message,
            line=exc.line,
            hint="no real file comes near that: is it the right file?",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # An unclosed quote or bracket is only noticed at the end of the file, and a line
        # without its `:` (a stray word, a merge marker) on the next line; the line where it
        # started is the one to fix.
        unclosed = "stream" in (exc.problem or "").replace("<stream end>", "end of stream")
        colonless = (exc.context or "").startswith("while scanning a simple key")
        if exc.context_mark is not None and (unclosed or colonless):
            mark = exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = "; ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise FileFormatError(path, f"invalid YAML: {problem}", line=line) from exc
    except yaml.YAMLError as exc:
        raise FileFormatError(path, f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()


def dump_atomic(path: Path, data: Any, *, private: bool = False) -> None:
    """Write YAML so a crash mid-write never leaves a half file behind."""
    import yaml

    from devkit import atomic  # here: `devkit run` reads YAML and writes none (atomic: secrets)

    atomic.write_text(path, yaml.safe_dump(data, sort_keys=False), private=private)


def kind(value: object, *, json: bool = False) -> str:
    """``value`` named for a "must be X, not Y" message, in YAML's words or JSON's."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "an array" if json else "a list"
    if isinstance(value, dict):
        return "an object" if json else "a mapping"
    return type(value).__name__
