"""YAML loading that remembers line numbers, so every complaint names file and line.

Two readings of plain (unquoted) scalars:

- the default, PyYAML's YAML 1.1: ``yes`` is true, ``0755`` is 493, ``1:30`` is 90 (for files
  with numbers and booleans by meaning: the user config, conda-lock.yml, cloudbuild.yaml);
- ``text=True``: every plain scalar is the string as written, except ``~``, ``null`` and an
  empty value, which are None (missing). conda, micromamba and GitHub read ``variables: {DEBUG:
  yes}``, ``name: 1.10`` and the key ``on:`` as text; devkit must not read them differently.

Both read YAML 1.1 merge keys (``<<: *base``), and both refuse a file over ``limits.YAML``
(size, nesting, values) before building anything from it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devkit import atomic, limits
from devkit.errors import FileFormatError

_MERGE = "tag:yaml.org,2002:merge"


class YamlMap(dict[Any, Any]):
    """A YAML mapping that knows the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line a key sits on, or the mapping's own line."""
        return self.key_lines.get(key, self.line)


class YamlList(list[Any]):
    """A YAML sequence that knows the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _OverLimit(Exception):
    """A file is bigger, deeper or fuller than devkit reads (raised mid-parse, at its line)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@functools.cache
def _loader(text: bool) -> type:
    from yaml import SafeLoader
    from yaml.constructor import ConstructorError
    from yaml.events import MappingStartEvent, SequenceStartEvent
    from yaml.nodes import MappingNode, Node, SequenceNode
    from yaml.resolver import BaseResolver

    class TextResolver(BaseResolver):
        """Plain scalars stay text; only null (a missing value) and the merge key resolve."""

    TextResolver.add_implicit_resolver(_MERGE, re.compile(r"^(?:<<)$"), ["<"])
    TextResolver.add_implicit_resolver(
        "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
    )

    class LineLoader(SafeLoader):
        def __init__(self, stream: str, bounds: limits.YamlLimits) -> None:
            super().__init__(stream)
            self.bounds = bounds
            self.depth = 0
            self.nodes = 0
            self.flattening: set[int] = set()

        def fetch_flow_collection_start(self, TokenClass: type) -> None:  # PyYAML's name
            # `[[[[…` is refused as the scanner meets it: PyYAML's scanner looks up to 1,024
            # characters ahead for a key, checking every open bracket at each step.
            if self.flow_level >= self.bounds.max_depth:
                raise _OverLimit(self._too_deep(), self.get_mark().line + 1)
            super().fetch_flow_collection_start(TokenClass)

        def _too_deep(self) -> str:
            return f"nested more than {self.bounds.max_depth} levels deep, the most devkit reads"

        # Limits are counted while the event stream is composed into nodes, before anything is
        # constructed: a file over one stops at the line where it went over, having cost no
        # more than that much parsing (and no RecursionError: depth is bounded first).
        def compose_node(self, parent: Node | None, index: object) -> Node:
            event = self.peek_event()
            self._count(1, event.start_mark)
            if not self.check_event(SequenceStartEvent, MappingStartEvent):
                return super().compose_node(parent, index)  # type: ignore[no-any-return]
            self.depth += 1
            try:
                if self.depth > self.bounds.max_depth:
                    raise _OverLimit(self._too_deep(), event.start_mark.line + 1)
                return super().compose_node(parent, index)  # type: ignore[no-any-return]
            finally:
                self.depth -= 1

        def _count(self, more: int, mark: Any) -> None:
            self.nodes += more
            if self.nodes > self.bounds.max_nodes:
                raise _OverLimit(
                    f"more than {self.bounds.max_nodes:,} values (keys, items, merged keys), "
                    "the most devkit reads from this kind of file",
                    mark.line + 1,
                )

        def flatten_mapping(self, node: MappingNode) -> None:
            # YAML 1.1 merge keys, with PyYAML's precedence (own keys win, then the first
            # mapping merged), but each merged pair counts against the limit before it is
            # copied: merges of merges cannot multiply a small file into a huge one. A
            # mapping that merges itself is an error, not endless recursion.
            if id(node) in self.flattening:
                raise ConstructorError(
                    None, None, "a merge key (`<<`) that includes its own mapping", node.start_mark
                )
            self.flattening.add(id(node))
            try:
                merged: list[tuple[Node, Node]] = []
                seen: set[tuple[int, int]] = set()
                own: list[tuple[Node, Node]] = []
                for key_node, value_node in node.value:
                    if key_node.tag != _MERGE:
                        if key_node.tag == "tag:yaml.org,2002:value":
                            key_node.tag = "tag:yaml.org,2002:str"
                        own.append((key_node, value_node))
                        continue
                    sources = (
                        value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                    )
                    for source in reversed(sources):
                        if not isinstance(source, MappingNode):
                            raise ConstructorError(
                                "while constructing a mapping",
                                node.start_mark,
                                f"a merge key (`<<`) takes a mapping or a list of mappings, "
                                f"not {source.id}",
                                source.start_mark,
                            )
                        self.flatten_mapping(source)
                        # The same pair merged twice (one anchor, two aliases) is one key.
                        fresh = [p for p in source.value if (id(p[0]), id(p[1])) not in seen]
                        self._count(len(fresh), source.start_mark)
                        seen.update((id(k), id(v)) for k, v in fresh)
                        merged.extend(fresh)
                node.value = merged + own
            finally:
                self.flattening.discard(id(node))

        def construct_mapping(self, node: MappingNode, deep: bool = False) -> YamlMap:
            if not isinstance(node, MappingNode):
                raise ConstructorError(
                    None, None, f"expected a mapping, not {node.id}", node.start_mark
                )
            self.flatten_mapping(node)
            result = YamlMap()
            result.line = node.start_mark.line + 1
            result.key_lines = {}
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise ConstructorError(
                        None, None, "mapping keys must be plain values", key_node.start_mark
                    )
                key = str(key)
                result[key] = self.construct_object(value_node, deep=True)
                result.key_lines[key] = key_node.start_mark.line + 1
            return result

        def construct_sequence(self, node: SequenceNode, deep: bool = False) -> YamlList:
            result = YamlList(self.construct_object(child, deep=True) for child in node.value)
            result.line = node.start_mark.line + 1
            result.item_lines = [child.start_mark.line + 1 for child in node.value]
            return result

    if text:
        # The resolver is looked up on the class: swap the implicit resolvers for text's.
        LineLoader.yaml_implicit_resolvers = TextResolver.yaml_implicit_resolvers
    LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_mapping)
    LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_sequence)
    return LineLoader


def load(
    path: Path,
    *,
    text: bool = False,
    bounds: limits.YamlLimits = limits.YAML,
    transform: Callable[[str], str] | None = None,
) -> Any:
    """Parse a YAML file; a syntax error or a limit becomes a ``FileFormatError`` with its line.

    ``transform`` rewrites the text before parsing (condarc.py expands ``${VAR}`` there, as
    micromamba does, so a variable inside a flow list parses as micromamba parses it).

    ``text``: plain scalars are strings as written (see the module docstring).
    """
    try:
        raw = limits.read_capped(path, bounds.max_bytes)
    except FileNotFoundError as exc:
        raise FileFormatError(path, "file not found") from exc
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror}") from exc
    if transform is not None:
        try:
            raw = transform(raw.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileFormatError(path, "not UTF-8 text") from exc
    return parse(raw, path, text=text, bounds=bounds)


def parse(
    raw: bytes, path: Path, *, text: bool = False, bounds: limits.YamlLimits = limits.YAML
) -> Any:
    """Parse YAML already read from ``path`` (which names it in errors)."""
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
    loader = _loader(text)(source, bounds)
    try:
        return loader.get_single_data()
    except _OverLimit as exc:
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
