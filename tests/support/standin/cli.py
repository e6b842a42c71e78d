"""Parse a micromamba command line the way its CLI11 front end accepts it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# CLI11 exit codes micromamba returns for a command line it rejects.
EXTRAS_ERROR = 109
ARGUMENT_MISMATCH = 114

_ALIASES = {
    "-r": "--root-prefix",
    "-p": "--prefix",
    "-n": "--name",
    "-f": "--file",
    "-c": "--channel",
    "-y": "--yes",
    "-q": "--quiet",
    "-v": "--verbose",
    "-h": "--help",
    "-s": "--shell",
}
_GENERAL_VALUES = {"--root-prefix", "--rc-file", "--log-level", "--prefix", "--name"}
_GENERAL_FLAGS = {
    "--yes",
    "--json",
    "--quiet",
    "--verbose",
    "--help",
    "--no-rc",
    "--no-env",
    "--offline",
    "--dry-run",
    "--experimental",
    "--download-only",
}
_INSTALL_VALUES = {"--file", "--channel", "--platform", "--channel-priority", "--category"}
_INSTALL_FLAGS = {
    "--override-channels",
    "--strict-channel-priority",
    "--no-channel-priority",
    "--no-pin",
    "--no-py-pin",
    "--pyc",
    "--no-pyc",
    "--allow-uninstall",
    "--no-allow-uninstall",
    "--allow-downgrade",
    "--no-allow-downgrade",
    "--freeze-installed",
    "--force-reinstall",
    "--no-deps",
    "--only-deps",
    "--copy",
    "--always-copy",
    "--always-softlink",
    "--allow-softlinks",
    "--no-allow-softlinks",
    "--retry-clean-cache",
    "--use-uv",
}


@dataclass(frozen=True)
class CommandSpec:
    """The options one (sub)command accepts beyond the general ones."""

    values: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    aliases: tuple[tuple[str, str], ...] = ()
    passthrough: bool = False


_INSTALL = CommandSpec(frozenset(_INSTALL_VALUES), frozenset(_INSTALL_FLAGS))
COMMANDS: dict[tuple[str, ...], CommandSpec] = {
    ("create",): _INSTALL,
    ("install",): _INSTALL,
    ("update",): CommandSpec(
        frozenset(_INSTALL_VALUES),
        frozenset({*_INSTALL_FLAGS, "--all", "--prune-deps"}),
        (("-a", "--all"),),
    ),
    ("remove",): CommandSpec(
        frozenset({"--channel"}), frozenset({"--all", "--prune", "--force"}), (("-a", "--all"),)
    ),
    ("list",): CommandSpec(
        frozenset({"--channel"}),
        frozenset({"--no-pip", "--explicit", "--md5", "--canonical", "--export", "--full-name"}),
    ),
    ("info",): CommandSpec(flags=frozenset({"--environments", "--licenses", "--all"})),
    ("run",): CommandSpec(
        frozenset({"--cwd", "--env", "--attach", "--label"}),
        frozenset({"--detach", "--clean-env"}),
        (("-e", "--env"), ("-a", "--attach"), ("-d", "--detach")),
        passthrough=True,
    ),
    ("env",): CommandSpec(),
    ("env", "list"): CommandSpec(),
    ("env", "create"): _INSTALL,
    ("env", "update"): CommandSpec(frozenset({"--file"}), frozenset({"--prune"})),
    ("env", "remove"): CommandSpec(),
    ("env", "export"): CommandSpec(
        flags=frozenset(
            {"--explicit", "--no-md5", "--md5", "--no-build", "--build", "--channel-subdir"}
            | {"--from-history"}
        ),
        aliases=(("-e", "--explicit"),),
    ),
    ("shell",): CommandSpec(frozenset({"--shell"})),
    **{
        ("shell", sub): CommandSpec(frozenset({"--shell"}))
        for sub in ("init", "deinit", "reinit", "hook", "activate", "deactivate")
    },
}


class UsageError(Exception):
    """A command line micromamba's parser refuses; carries CLI11's message and exit code."""

    def __init__(self, message: str, code: int = EXTRAS_ERROR) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Invocation:
    """A parsed command line: the command path, its options, positionals and any passthrough."""

    command: tuple[str, ...] = ()
    values: dict[str, list[str]] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    positionals: list[str] = field(default_factory=list)
    verbosity: int = 0

    def value(self, name: str) -> str | None:
        """The last value given for `name`, if any."""
        found = self.values.get(name)
        return found[-1] if found else None

    def all(self, name: str) -> list[str]:
        """Every value given for a repeatable option."""
        return list(self.values.get(name, []))


def _canonical(token: str, spec: CommandSpec) -> str:
    return dict(spec.aliases).get(token) or _ALIASES.get(token, token)


def parse(argv: Sequence[str]) -> Invocation:
    """Parse `argv` (without the program name) into an Invocation, or raise UsageError."""
    result = Invocation()
    tokens = list(argv)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        spec = COMMANDS.get(result.command, CommandSpec())
        if spec.passthrough and result.positionals:
            result.positionals.append(token)
            continue
        if token == "--":
            result.positionals.extend(tokens[index:])
            break
        if token.startswith("-") and len(token) > 1:
            name, has_value, inline = token.partition("=")
            if not name.startswith("--"):
                name, has_value, inline = token, "", ""
            if name.lstrip("-") and set(name[1:]) == {"v"}:
                result.verbosity += len(name) - 1
                continue
            name = _canonical(name, spec)
            if name in _GENERAL_VALUES or name in spec.values:
                if has_value:
                    value = inline
                elif index < len(tokens):
                    value = tokens[index]
                    index += 1
                else:
                    raise UsageError(f"{name} requires 1 argument", ARGUMENT_MISMATCH)
                result.values.setdefault(name, []).append(value)
            elif name == "--version" and not result.command:
                result.flags.add(name)
            elif (name in _GENERAL_FLAGS or name in spec.flags) and not has_value:
                if name == "--verbose":
                    result.verbosity += 1
                result.flags.add(name)
            else:
                raise UsageError(f"The following argument was not expected: {token}")
            continue
        candidate = (*result.command, token)
        if not result.positionals and candidate in COMMANDS:
            result.command = candidate
        elif not result.command:
            raise UsageError(f"The following argument was not expected: {token}")
        else:
            result.positionals.append(token)
    return result
