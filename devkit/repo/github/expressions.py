"""GitHub Actions expressions (``${{ … }}``, ``if:``), as far as a run on this machine knows them.

Known here: ``matrix``, ``env``, ``runner.os`` / ``runner.arch`` and ``github.workspace``.
Anything else (``github.sha``, ``steps.*``, ``needs.*``, ``secrets.*``, ``hashFiles()``…) only a
CI run knows: evaluating it raises ``Unknown``, so the caller can say which part it could not
resolve instead of guessing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_SECRET = re.compile(r"\bsecrets\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])")
_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?(?![\w.]))|'(?P<str>(?:[^']|'')*)'"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[()\[\]<>!.,*])|(?P<name>[A-Za-z_][\w-]*))"
)
_STATUS_FUNCTIONS = ("success", "always", "failure", "cancelled")


class Unknown(Exception):
    """An expression only a CI run can evaluate; ``part`` names what was missing."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.part = part


@dataclass(frozen=True)
class Contexts:
    """The contexts a local run knows."""

    matrix: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    runner: Mapping[str, str] = field(default_factory=dict)
    github: Mapping[str, str] = field(default_factory=dict)

    def with_env(self, env: Mapping[str, str]) -> Contexts:
        """The same contexts with ``env`` (the variables in force at the next level down)."""
        return Contexts(self.matrix, env, self.runner, self.github)


def secrets_in(text: str) -> list[str]:
    """Names of the secrets an expression in ``text`` reads (``${{ secrets.TOKEN }}``)."""
    found: list[str] = []
    for expression in _EXPRESSION.findall(text):
        for dotted, quoted in _SECRET.findall(expression):
            found.append(dotted or quoted)
    return list(dict.fromkeys(found))


def text_of(value: Any) -> str:
    """A value as Actions writes it into a string: ``true``, ``3.9``, ``''`` for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value)


def substitute(text: str, ctx: Contexts) -> str:
    """``text`` with every ``${{ expression }}`` replaced by its value (``Unknown`` if one
    needs what only CI knows)."""
    return _EXPRESSION.sub(lambda m: text_of(evaluate(m.group(1), ctx)), text)


def evaluate(expression: str, ctx: Contexts, failed: bool = False) -> Any:
    """The value of one expression; ``failed`` says whether an earlier step of the job failed."""
    parser = _Parser(_tokens(expression), ctx, failed)
    value = parser.expression()
    if parser.position != len(parser.tokens):
        raise Unknown(expression.strip())
    return value


def condition_holds(condition: str, ctx: Contexts, failed: bool) -> bool:
    """Whether a step's ``if:`` lets it run; without a status function Actions adds
    ``success() &&``."""
    inner = condition.strip()
    match = _EXPRESSION.fullmatch(inner)
    if match:
        inner = match.group(1)
    value = truthy(evaluate(inner, ctx, failed))
    if not any(re.search(rf"\b{name}\s*\(", inner) for name in _STATUS_FUNCTIONS):
        value = value and not failed
    return value


def truthy(value: Any) -> bool:
    """Actions' truthiness: false, 0, '' and null are false."""
    return value not in (None, False, 0, "") and not (isinstance(value, float) and value != value)


def _tokens(expression: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    position = 0
    text = expression.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise Unknown(expression.strip())
        position = match.end()
        if match.group("num") is not None:
            number = match.group("num")
            tokens.append(("value", float(number) if "." in number else int(number)))
        elif match.group("str") is not None:
            tokens.append(("value", match.group("str").replace("''", "'")))
        elif match.group("op") is not None:
            tokens.append(("op", match.group("op")))
        else:
            name = match.group("name")
            literal = {"true": True, "false": False, "null": None}
            tokens.append(("value", literal[name]) if name in literal else ("name", name))
    return tokens


def _compare(left: Any, right: Any) -> tuple[Any, Any]:
    """Actions compares strings case-insensitively and anything else as numbers."""
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold(), right.casefold()
    return _number(left), _number(right)


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool | int | float):
        return float(value)
    try:
        return float(str(value).strip() or 0)
    except ValueError:
        return float("nan")


class _Parser:
    """Recursive descent over ``||``, ``&&``, ``==``/``!=``, ``<``…, ``!``, calls and paths."""

    def __init__(self, tokens: list[tuple[str, Any]], ctx: Contexts, failed: bool) -> None:
        self.tokens = tokens
        self.position = 0
        self.ctx = ctx
        self.failed = failed

    def _peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, op: str) -> bool:
        if self._peek() == ("op", op):
            self.position += 1
            return True
        return False

    def _expect(self, op: str) -> None:
        if not self._take(op):
            raise Unknown(f"expected `{op}`")

    def expression(self) -> Any:
        value = self._and()
        while self._take("||"):
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._equality()
        while self._take("&&"):
            right = self._equality()
            value = right if truthy(value) else value
        return value

    def _equality(self) -> Any:
        value = self._relation()
        while (op := self._peek()) in (("op", "=="), ("op", "!=")):
            self.position += 1
            left, right = _compare(value, self._relation())
            value = (left == right) == (op == ("op", "=="))
        return value

    def _relation(self) -> Any:
        value = self._unary()
        while (op := self._peek()) in (("op", "<"), ("op", "<="), ("op", ">"), ("op", ">=")):
            self.position += 1
            left, right = _compare(value, self._unary())
            value = {"<": left < right, "<=": left <= right, ">": left > right}.get(
                op[1], left >= right
            )
        return value

    def _unary(self) -> Any:
        if self._take("!"):
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        token = self._peek()
        if token is None:
            raise Unknown("an incomplete expression")
        self.position += 1
        kind, value = token
        if kind == "value":
            return value
        if token == ("op", "("):
            inner = self.expression()
            self._expect(")")
            return inner
        if kind != "name":
            raise Unknown(f"`{value}`")
        if self._take("("):
            return self._call(value)
        return self._path(value)

    def _call(self, name: str) -> Any:
        args: list[Any] = []
        if not self._take(")"):
            args.append(self.expression())
            while self._take(","):
                args.append(self.expression())
            self._expect(")")
        functions: dict[str, Callable[[], Any]] = {
            "success": lambda: not self.failed,
            "always": lambda: True,
            "failure": lambda: self.failed,
            "cancelled": lambda: False,
            "contains": lambda: _contains(*args[:2]),
            "startswith": lambda: _folded(args[0]).startswith(_folded(args[1])),
            "endswith": lambda: _folded(args[0]).endswith(_folded(args[1])),
            "format": lambda: _format(args),
            "tojson": lambda: json.dumps(args[0]),
        }
        function = functions.get(name.lower())
        if function is None:
            raise Unknown(f"{name}()")
        try:
            return function()
        except (IndexError, TypeError) as exc:
            raise Unknown(f"{name}()") from exc

    def _path(self, name: str) -> Any:
        parts = [name]
        while True:
            if self._take("."):
                token = self._peek()
                if token is None or token[0] != "name":
                    raise Unknown(".".join(parts) + ".")
                self.position += 1
                parts.append(token[1])
            elif self._take("["):
                parts.append(text_of(self.expression()))
                self._expect("]")
            else:
                break
        return self._lookup(parts)

    def _lookup(self, parts: list[str]) -> Any:
        contexts: dict[str, Mapping[str, Any]] = {"matrix": self.ctx.matrix, "env": self.ctx.env}
        known = {("runner", k) for k in self.ctx.runner} | {("github", k) for k in self.ctx.github}
        head = parts[0]
        if head in ("runner", "github") and len(parts) == 2 and (head, parts[1]) in known:
            return (self.ctx.runner if head == "runner" else self.ctx.github)[parts[1]]
        if head not in contexts:
            raise Unknown(".".join(parts))
        value: Any = contexts[head]
        for part in parts[1:]:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


def _folded(value: Any) -> str:
    return text_of(value).casefold()


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(_compare(item, needle)[0] == _compare(item, needle)[1] for item in haystack)
    return text_of(needle).casefold() in text_of(haystack).casefold()


def _format(args: list[Any]) -> str:
    template = text_of(args[0])
    return re.sub(r"\{(\d+)\}", lambda m: text_of(args[1 + int(m.group(1))]), template)
