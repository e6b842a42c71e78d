"""What a shell rc file says about micromamba: its ``mamba initialize`` block and root prefix.

``micromamba shell init -r ROOT`` writes the block with ``MAMBA_ROOT_PREFIX`` set to ROOT, so
`micromamba activate <name>` looks for envs under ROOT. A block written for another root prefix
(an older setup, another tool) activates other envs than the ones devkit built.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

BLOCK_START = ">>> mamba initialize >>>"
BLOCK_END = "<<< mamba initialize <<<"
# `export MAMBA_ROOT_PREFIX='/x';` (bash, zsh) and `set -gx MAMBA_ROOT_PREFIX "/x"` (fish), as
# micromamba writes them; an assignment at the start of a line, never a use of the variable.
_ROOT = re.compile(
    r"""^[ \t]*(?:export[ \t]+|set[ \t]+-gx[ \t]+)?MAMBA_ROOT_PREFIX(?:=|[ \t]+)"""
    r"""(?:'(?P<single>[^'\n]*)'|"(?P<double>[^"\n]*)"|(?P<bare>[^\s;'"]+))""",
    re.MULTILINE,
)


@dataclass(frozen=True)
class RcState:
    """Whether an rc file initialises micromamba, and for which root prefix."""

    initialised: bool
    root_prefix: Path | None = None

    def serves(self, root_prefix: Path) -> bool:
        """Initialised for this root prefix (or for one it cannot tell: nothing to say)."""
        if not self.initialised:
            return False
        return self.root_prefix is None or _same(self.root_prefix, root_prefix)


def read(rc: Path) -> RcState:
    """The state of one rc file; a missing one initialises nothing."""
    try:
        text = rc.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, IsADirectoryError):
        return RcState(False)
    start = text.find(BLOCK_START)
    if start < 0:
        return RcState(False)
    end = text.find(BLOCK_END, start)
    matches = list(_ROOT.finditer(text[start : end if end > 0 else len(text)]))
    return RcState(True, _root(matches[-1]) if matches else None)


def _root(match: re.Match[str]) -> Path | None:
    """The assigned root; None when it is only known to the shell (``$HOME/…``, ``$(…)``)."""
    single = match.group("single")
    value = single if single is not None else (match.group("double") or match.group("bare"))
    if single is None:
        value = os.path.expandvars(value)  # "$HOME/micromamba" means what the shell makes of it
    if "$" in value or "`" in value:
        return None
    return Path(value).expanduser()


def _same(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()
