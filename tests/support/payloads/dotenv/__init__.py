"""python-dotenv stand-in: `load_dotenv`, `dotenv_values` and `find_dotenv` for simple files."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

__version__ = "0.20.0"

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*(?:=\s*(.*?))?\s*$")


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        inner = raw[1:-1]
        return inner.replace("\\n", "\n").replace('\\"', '"') if raw[0] == '"' else inner
    # An unquoted value ends at " #", where an inline comment starts.
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def dotenv_values(dotenv_path: str | os.PathLike[str] | None = None) -> dict[str, str | None]:
    """Parse a .env file into a dict; a bare `KEY` maps to None."""
    path = Path(dotenv_path) if dotenv_path is not None else Path(find_dotenv())
    if not path.is_file():
        return {}
    values: dict[str, str | None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match:
            key, raw = match.groups()
            values[key] = None if raw is None else _unquote(raw)
    return values


def load_dotenv(
    dotenv_path: str | os.PathLike[str] | None = None,
    verbose: bool = False,
    override: bool = False,
) -> bool:
    """Set the file's variables in os.environ (existing ones win unless `override`)."""
    values = dotenv_values(dotenv_path)
    for key, value in values.items():
        if value is not None and (override or key not in os.environ):
            os.environ[key] = value
    if verbose and not values:
        print("python-dotenv could not find configuration file.", file=sys.stderr)
    return bool(values)


def find_dotenv(filename: str = ".env", raise_error_if_not_found: bool = False) -> str:
    """Search the working directory and its parents for `filename`; "" when absent."""
    folder = Path.cwd()
    for candidate in (folder, *folder.parents):
        if (candidate / filename).is_file():
            return str(candidate / filename)
    if raise_error_if_not_found:
        raise OSError("File not found")
    return ""
