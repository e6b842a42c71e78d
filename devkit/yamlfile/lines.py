"""YAML mappings and lists that know their lines, and the pure-Python loader that builds them,
counting PyYAML's values and levels as it composes them and stopping where a limit is crossed.

``yamlloaders`` puts libyaml's faster C parser in front of it; ``yamlfile`` is the one reader.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from devkit import limits

MERGE = "tag:yaml.org,2002:merge"
VALUE = "tag:yaml.org,2002:value"


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


@functools.cache
def line_loader(text: bool) -> tuple[type, type]:
    """(the constructor both loaders build values with, the pure-Python loader)."""
    from yaml import SafeLoader
    from yaml.constructor import ConstructorError, SafeConstructor
    from yaml.events import MappingStartEvent, SequenceStartEvent
    from yaml.nodes import MappingNode, Node, SequenceNode
    from yaml.resolver import BaseResolver

    class TextResolver(BaseResolver):
        """Plain scalars stay text; only null (a missing value) and the merge key resolve."""

    TextResolver.add_implicit_resolver(MERGE, re.compile(r"^(?:<<)$"), ["<"])
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
                    if key_node.tag != MERGE:
                        if key_node.tag == VALUE:
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
    return LineConstructor, LineLoader
