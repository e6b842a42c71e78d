"""Whether changed files would start a workflow: ``paths`` / ``paths-ignore`` as Actions reads
them (GitHub's filter pattern cheat sheet: ``*``, ``**``, ``?``, ``+``, ``[…]``, ``!``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from devkit.repo.github import queries
from devkit.repo.github.workflows import Workflow

# The events a change to files starts; the others (schedule, workflow_dispatch…) do not.
CHANGE_EVENTS = ("push", "pull_request", "pull_request_target")


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")  # zero or more folders
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char in "?+":
            out.append(char)  # zero-or-one / one-or-more of what precedes, as in the docs
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                out.append(pattern[index : end + 1])
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    try:
        return re.compile("".join(out) + r"\Z")
    except re.error:
        return re.compile(re.escape(pattern) + r"\Z")


def matches(patterns: Iterable[str], path: str) -> bool:
    """Whether ``path`` is in: the last pattern that matches decides (``!`` excludes)."""
    included = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if _regex(body.removeprefix("./")).match(path):
            included = not negated
    return included


def triggered(workflow: Workflow, changed: Iterable[str]) -> bool:
    """Whether a push or pull request changing ``changed`` (paths from the root) starts it."""
    files = list(changed)
    if not files:
        return False
    found = queries.triggers(workflow)
    raw = workflow.data.get("on", workflow.data.get("True"))
    # `on: push` or `on: [push, pull_request]`: no filters, any change starts it.
    names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else list(found)
    for event in (str(n) for n in names):
        if event not in CHANGE_EVENTS:
            continue
        spec = found.get(event)
        paths = spec.get("paths") if isinstance(spec, dict) else None
        ignored = spec.get("paths-ignore") if isinstance(spec, dict) else None
        if isinstance(paths, list):
            if any(matches([str(p) for p in paths], f) for f in files):
                return True
        elif isinstance(ignored, list):
            if any(not matches([str(p) for p in ignored], f) for f in files):
                return True
        else:
            return True
    return False
