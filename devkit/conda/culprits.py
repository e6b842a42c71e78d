"""py-rattler's explanation of an unsolvable request, reduced to the spec it blames and why.

Pure text work on the messages py-rattler 0.28 prints (tests/drift/test_units.py holds real
ones); anything unrecognised is kept, shortened, rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devkit.conda.envspec import Dependency
from devkit.conda.platforms import Target

_NO_CANDIDATES = re.compile(r"No candidates were found for (?P<spec>.+?)\.?$")
_NOT_VIABLE = re.compile(r"^(?P<spec>.+?) cannot be installed because there are no viable options")
_MISSING_DEP = re.compile(r"^(?P<dep>.+?), for which no candidates were found\.?$")
_OTHER_CHANNEL = re.compile(r"not in requested channel: '(?P<chan>[^']+)'")
_PREAMBLE = "the following packages are incompatible"


@dataclass(frozen=True)
class Culprit:
    """A spec one platform cannot satisfy, and why in a few words."""

    spec: str
    reason: str

    @property
    def message(self) -> str:
        """``postal=1.1.9: no osx-arm64 build``."""
        return f"{self.spec}: {self.reason}"


def spec_name(text: str) -> str:
    """The package name of a spec as rattler prints it (``conda-forge::numpy 1.21.5.*``)."""
    bare = text.strip().split("::")[-1]
    match = re.match(r"[A-Za-z0-9_.\-]+", bare)
    return match.group(0).lower() if match else bare


def culprit_from(
    message: str, remaining: list[Dependency], target: Target
) -> tuple[Dependency | None, str]:
    """Which requested spec rattler's explanation blames, and the cause in a few words."""
    lines = [line.strip().lstrip("└├│─ ").strip() for line in message.splitlines()]
    lines = [line for line in lines if line]
    head = lines[0].split("because of:", 1)[-1].strip() if lines else ""
    if head.lower().startswith(_PREAMBLE) and len(lines) > 1:
        lines = lines[1:]  # the blamed spec is on the next line
        head = lines[0]
    by_name = {d.name: d for d in remaining}
    missing = _NO_CANDIDATES.search(head)
    if missing:
        dep = by_name.get(spec_name(missing.group("spec")))
        return dep, f"no {target.platform} build"
    blocked = _NOT_VIABLE.match(head)
    if blocked:
        dep = by_name.get(spec_name(blocked.group("spec")))
        elsewhere = [m.group("chan") for line in lines if (m := _OTHER_CHANNEL.search(line))]
        if elsewhere:
            return dep, f"no {target.platform} build in channel {elsewhere[0]}"
        needs = [m.group("dep") for line in lines if (m := _MISSING_DEP.match(line))]
        if needs:
            need = needs[-1]
            if need.startswith("__"):
                have = [v for v in target.virtual_packages if v.startswith(spec_name(need) + "=")]
                provided = have[0].rsplit("=", 1)[0] if have else "nothing"
                return dep, f"needs {need}, but {target.platform} is solved with {provided}"
            return dep, f"needs {need}, which no {target.platform} build satisfies here"
        return dep, f"no {target.platform} build fits the other specs"
    summary = "; ".join([head, *lines[1:3]]) if head else "the solver gave no reason"
    return None, summary
