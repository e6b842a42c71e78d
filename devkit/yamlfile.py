"""YAML loading that remembers line numbers, so every complaint names file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from devkit import atomic
from devkit.errors import FileFormatError


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


def _loader() -> type:
    import yaml

    class LineLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> YamlMap:
            result = YamlMap()
            result.line = node.start_mark.line + 1
            result.key_lines = {}
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None, "mapping keys must be plain values", key_node.start_mark
                    )
                key = str(key)
                result[key] = self.construct_object(value_node, deep=True)
                result.key_lines[key] = key_node.start_mark.line + 1
            return result

        def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> YamlList:
            result = YamlList(self.construct_object(child, deep=True) for child in node.value)
            result.line = node.start_mark.line + 1
            result.item_lines = [child.start_mark.line + 1 for child in node.value]
            return result

    LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_mapping)
    LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_sequence)
    return LineLoader


def load(path: Path, *, transform: Callable[[str], str] | None = None) -> Any:
    """Parse a YAML file; a syntax error becomes a ``FileFormatError`` with its line.

    ``transform`` rewrites the text before parsing (condarc.py expands ``${VAR}`` there, as
    micromamba does, so a variable inside a flow list parses as micromamba parses it).
    """
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise FileFormatError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise FileFormatError(path, "not UTF-8 text") from exc
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror}") from exc
    if transform is not None:
        text = transform(text)
    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
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
