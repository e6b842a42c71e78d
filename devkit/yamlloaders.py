"""The YAML loaders behind ``yamlfile``: mappings and lists that know their lines, limits
counted while parsing, and the two parsers.

PyYAML's pure-Python loader counts every value and level as it composes them and stops where a
limit is crossed. libyaml's C parser (when PyYAML has it) composes without a hook per node, so
``read_fast`` makes sure of the limits around it and leaves to the pure loader what it cannot
read as devkit defines it (merge keys, a nesting past the limit, any error, which the pure loader
words and places exactly). ``tests/test_yamlfile.py`` reads every example with both.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from devkit import limits

_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


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


class OverLimit(Exception):
    """A file is bigger, deeper or fuller than devkit reads (raised mid-parse, at its line)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Fallback(Exception):
    """The C loader met what only the pure-Python one reads as devkit defines (merge keys, a
    limit, an error to word): that loader reads the file instead."""


@functools.cache
def loaders(text: bool) -> tuple[type, type | None]:
    """(the pure-Python loader, the loader on libyaml's C parser or None without libyaml)."""
    import yaml
    from yaml import SafeLoader
    from yaml.constructor import ConstructorError, SafeConstructor
    from yaml.events import MappingStartEvent, SequenceStartEvent
    from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
    from yaml.resolver import BaseResolver

    class TextResolver(BaseResolver):
        """Plain scalars stay text; only null (a missing value) and the merge key resolve."""

    TextResolver.add_implicit_resolver(_MERGE, re.compile(r"^(?:<<)$"), ["<"])
    TextResolver.add_implicit_resolver(
        "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
    )

    class LineConstructor(SafeConstructor):
        """Mappings and lists that know their lines; merge keys counted against the limits."""

        bounds: limits.YamlLimits
        nodes: int
        flattening: set[int]

        def _count(self, more: int, mark: Any) -> None:
            self.nodes += more
            if self.nodes > self.bounds.max_nodes:
                raise OverLimit(
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

    class LineLoader(LineConstructor, SafeLoader):
        def __init__(self, stream: str, bounds: limits.YamlLimits) -> None:
            super().__init__(stream)
            self.bounds = bounds
            self.depth = 0
            self.nodes = 0
            self.flattening = set()

        def fetch_flow_collection_start(self, TokenClass: type) -> None:  # PyYAML's name
            # `[[[[…` is refused as the scanner meets it: PyYAML's scanner looks up to 1,024
            # characters ahead for a key, checking every open bracket at each step.
            if self.flow_level >= self.bounds.max_depth:
                raise OverLimit(self._too_deep(), self.get_mark().line + 1)
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
                    raise OverLimit(self._too_deep(), event.start_mark.line + 1)
                return super().compose_node(parent, index)  # type: ignore[no-any-return]
            finally:
                self.depth -= 1

    if text:
        # The resolver is looked up on the class: swap the implicit resolvers for text's.
        LineLoader.yaml_implicit_resolvers = TextResolver.yaml_implicit_resolvers
    LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_mapping)
    LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_sequence)
    if not yaml.__with_libyaml__:
        return LineLoader, None

    class CLineLoader(LineConstructor, yaml.CSafeLoader):
        """The same reading on nodes libyaml composes, over ten times faster than the pure
        loader (benchmarks/yamlread.py). libyaml composes without a hook per node, so limits are
        made sure of around it (see read_fast); merge keys, a nesting deeper than the limit
        and every error go to the pure loader, which words them as devkit does."""

        def __init__(self, stream: str, bounds: limits.YamlLimits) -> None:
            super().__init__(stream)
            self.bounds = bounds
            self.depth = 0
            self.nodes = 0
            self.flattening = set()
            self.built: dict[int, Any] = {}  # collection node -> its value, for aliases
            self.building: set[int] = set()

        def build(self, node: Node) -> Any:
            """The value of a node libyaml composed. Mappings, lists and text are built here
            (PyYAML's generic constructor took twice as long as libyaml's parse); other
            values (numbers, booleans, tagged ones) by the constructor, as the pure loader
            does."""
            if isinstance(node, ScalarNode):
                if node.tag == _STR:
                    return node.value
                if node.tag == _NULL:
                    return None
                return self.construct_object(node, deep=True)
            if id(node) in self.built:  # an alias: the anchored value itself, as PyYAML has it
                return self.built[id(node)]
            if id(node) in self.building:  # a collection holding itself: the pure loader says
                raise Fallback
            if isinstance(node, MappingNode) and node.tag == _MAP:
                value: Any = self._nested(self._build_mapping, node)
            elif isinstance(node, SequenceNode) and node.tag == _SEQ:
                value = self._nested(self._build_list, node)
            else:
                value = self.construct_object(node, deep=True)
            self.built[id(node)] = value
            return value

        def _build_mapping(self, node: MappingNode) -> YamlMap:
            self.building.add(id(node))
            result = YamlMap()
            result.line = node.start_mark.line + 1
            result.key_lines = {}
            for key_node, value_node in node.value:
                if key_node.tag in (_MERGE, _VALUE):
                    raise Fallback  # merge keys: see flatten_mapping
                key = self.build(key_node)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise Fallback  # the pure loader words the error
                key = str(key)
                result[key] = self.build(value_node)
                result.key_lines[key] = key_node.start_mark.line + 1
            self.building.discard(id(node))
            return result

        def _build_list(self, node: SequenceNode) -> YamlList:
            self.building.add(id(node))
            result = YamlList(self.build(child) for child in node.value)
            result.line = node.start_mark.line + 1
            result.item_lines = [child.start_mark.line + 1 for child in node.value]
            self.building.discard(id(node))
            return result

        def flatten_mapping(self, node: MappingNode) -> None:
            # The pure loader counts merged keys on top of the values it composed; these
            # nodes were not counted one by one, so merges are left to it.
            if any(key.tag == _MERGE for key, _ in node.value):
                raise Fallback
            super().flatten_mapping(node)

        def construct_mapping(self, node: MappingNode, deep: bool = False) -> YamlMap:
            return self._nested(super().construct_mapping, node)

        def construct_sequence(self, node: SequenceNode, deep: bool = False) -> YamlList:
            return self._nested(super().construct_sequence, node)

        def _nested(self, build: Any, node: Node) -> Any:
            # libyaml stops at 1,000 levels; devkit's limit is lower, and constructing
            # recurses in Python: deeper than the limit, the pure loader says where.
            self.depth += 1
            try:
                if self.depth > self.bounds.max_depth:
                    raise Fallback
                return build(node)
            finally:
                self.depth -= 1

    if text:
        CLineLoader.yaml_implicit_resolvers = TextResolver.yaml_implicit_resolvers
    CLineLoader.add_constructor("tag:yaml.org,2002:map", CLineLoader.construct_mapping)
    CLineLoader.add_constructor("tag:yaml.org,2002:seq", CLineLoader.construct_sequence)
    return LineLoader, CLineLoader


def read_fast(source: str, bounds: limits.YamlLimits, text: bool) -> Any:
    """The data, read with libyaml; raises Fallback for what only the pure loader reads."""
    import yaml
    from yaml.events import (
        AliasEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    loader_class = loaders(text)[1]
    if loader_class is None:
        raise Fallback
    # No YAML text holds more than 2 values per character (the densest, `{[?],[?],…}`, holds
    # 1.25): a file that short cannot go over the limit on values. A longer one has its values
    # and nesting counted from libyaml's events first, which builds nothing.
    if 2 * len(source) > bounds.max_nodes:
        events = yaml.CSafeLoader(source)
        count = depth = 0
        try:
            while (event := events.get_event()) is not None:
                if isinstance(event, SequenceStartEvent | MappingStartEvent):
                    count += 1
                    depth += 1
                elif isinstance(event, ScalarEvent | AliasEvent):
                    count += 1
                elif isinstance(event, SequenceEndEvent | MappingEndEvent):
                    depth -= 1
                if count > bounds.max_nodes or depth > bounds.max_depth:
                    raise Fallback
        except yaml.YAMLError:
            raise Fallback from None
        finally:
            events.dispose()
    loader = loader_class(source, bounds)
    try:
        node = loader.get_single_node()
        return None if node is None else loader.build(node)
    except (yaml.YAMLError, OverLimit):
        raise Fallback from None
    finally:
        loader.dispose()
