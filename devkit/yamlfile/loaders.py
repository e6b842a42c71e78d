"""The YAML loaders behind ``yamlfile``: the pure-Python one (``yamllines``) and the same
reading on libyaml's C parser, with the limits made sure of around it.

PyYAML's pure-Python loader counts every value and level as it composes them and stops where a
limit is crossed. libyaml's C parser (when PyYAML has it) composes without a hook per node, so
``read_fast`` makes sure of the limits around it and leaves to the pure loader what it cannot
read as devkit defines it (merge keys, a nesting past the limit, any error, which the pure loader
words and places exactly). ``tests/test_yamlfile.py`` reads every example with both.
"""

from __future__ import annotations

import functools
from typing import Any

from devkit import limits
from devkit.yamlfile.lines import MERGE, VALUE, OverLimit, YamlList, YamlMap, line_loader

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class Fallback(Exception):
    """The C loader met what only the pure-Python one reads as devkit defines (merge keys, a
    limit, an error to word): that loader reads the file instead."""


@functools.cache
def loaders(text: bool) -> tuple[type, type | None]:
    """(the pure-Python loader, the loader on libyaml's C parser or None without libyaml)."""
    import yaml
    from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

    LineConstructor, LineLoader = line_loader(text)
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
                if key_node.tag in (MERGE, VALUE):
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
            if any(key.tag == MERGE for key, _ in node.value):
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
        # The pure loader's resolvers are text's then: the same reading of plain scalars.
        CLineLoader.yaml_implicit_resolvers = LineLoader.yaml_implicit_resolvers
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
