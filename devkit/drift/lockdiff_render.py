"""A lock diff as Markdown (for a pull request or ``$GITHUB_STEP_SUMMARY``) or as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from devkit import __version__
from devkit.drift.lockdiff import KINDS, Change, LockDiff, OsDifference

SCHEMA = "devkit-lock-diff"
SCHEMA_VERSION = 1
# Longer tables fold away in GitHub's rendering, so a big re-lock does not bury the review.
_FOLD_AFTER = 15


@dataclass(frozen=True)
class DiffReport:
    """One project's lock against a git ref."""

    project: str
    lock: str  # the lock's path, relative to the repository
    ref: str  # what was asked (``origin/main``, or the upstream of the merge base)
    commit: str
    diff: LockDiff
    notes: tuple[str, ...] = ()


def markdown(reports: Sequence[DiffReport]) -> str:
    """Every report, one section each."""
    return "\n".join(_section(r) for r in reports)


def _section(report: DiffReport) -> str:
    diff = report.diff
    lines = [f"### `{report.project}`: {report.lock} against `{report.commit[:10]}` ({report.ref})"]
    lines += [""] + [f"> {note}" for note in report.notes] + ([""] if report.notes else [])
    if diff.empty:
        return "\n".join([*lines, "No package changes.", ""])
    platforms = diff.platforms
    lines += [
        "",
        "| | " + " | ".join(platforms) + " |",
        "| --- |" + " ---: |" * len(platforms),
    ]
    for kind in KINDS:
        counts = [sum(c.kind == kind for c in diff.changes.get(p, ())) for p in platforms]
        if any(counts):
            lines.append(f"| {kind} | " + " | ".join(str(n) for n in counts) + " |")
    for direct, title in ((True, "Direct (named in environment.yml)"), (False, "Transitive")):
        rows = _rows(diff, direct)
        if rows:
            lines += ["", *_table(title, platforms, rows)]
    lines += ["", *_os_lines(diff)]
    return "\n".join(lines) + "\n"


def _rows(diff: LockDiff, direct: bool) -> dict[str, dict[str, Change]]:
    rows: dict[str, dict[str, Change]] = {}
    for platform, changes in diff.changes.items():
        for change in changes:
            if change.direct == direct:
                name = change.name if change.manager == "conda" else f"{change.name} (pip)"
                rows.setdefault(name, {})[platform] = change
    return dict(sorted(rows.items()))


def _cell(change: Change | None) -> str:
    if change is None:
        return ""
    if change.kind == "added":
        return f"+ {change.new}"
    if change.kind == "removed":
        return f"− {change.old}"
    if change.kind == "rebuilt":
        return f"{change.new} (rebuilt)"
    arrow = "⬆" if change.kind == "upgraded" else "⬇"
    return f"{change.old} → {change.new} {arrow}"


def _table(title: str, platforms: Sequence[str], rows: dict[str, dict[str, Change]]) -> list[str]:
    table = ["| package | " + " | ".join(platforms) + " |", "| --- |" + " --- |" * len(platforms)]
    table += [
        f"| {name} | " + " | ".join(_cell(cells.get(p)) for p in platforms) + " |"
        for name, cells in rows.items()
    ]
    if len(rows) > _FOLD_AFTER:
        return [f"<details><summary>{title}: {len(rows)} packages</summary>", "", *table,
                "", "</details>"]  # fmt: skip
    return [f"**{title}**", "", *table]


def _versions(difference: OsDifference) -> str:
    return ", ".join(f"{p} {v or 'absent'}" for p, v in difference.versions.items())


def _os_lines(diff: LockDiff) -> list[str]:
    if not (diff.now_differ or diff.no_longer_differ or diff.still_differ):
        return ["**Mac vs Linux**: the sections agree."]
    lines = ["**Mac vs Linux**", ""]
    lines += [f"- now differs: {d.name} ({_versions(d)})" for d in diff.now_differ]
    lines += [f"- no longer differs: {d.name}" for d in diff.no_longer_differ]
    if diff.still_differ:
        names = ", ".join(d.name for d in diff.still_differ)
        lines.append(f"- still differ, as before: {names}")
    return lines


def _change_dict(change: Change) -> dict[str, object]:
    return {
        "name": change.name,
        "manager": change.manager,
        "old": change.old,
        "new": change.new,
        "direct": change.direct,
        "old_build": change.old_build or None,
        "new_build": change.new_build or None,
    }


def _os_dict(difference: OsDifference) -> dict[str, object]:
    return {"name": difference.name, "manager": difference.manager, "versions": difference.versions}


def document(reports: Sequence[DiffReport]) -> str:
    """The versioned JSON document (fields are only ever added within a version)."""
    projects = []
    for report in reports:
        diff = report.diff
        platforms = {
            platform: {
                kind: [_change_dict(c) for c in diff.changes.get(platform, ()) if c.kind == kind]
                for kind in KINDS
            }
            for platform in diff.platforms
        }
        projects.append(
            {
                "project": report.project,
                "lock": report.lock,
                "ref": report.ref,
                "commit": report.commit,
                "changed": not diff.empty,
                "platforms": platforms,
                "mac_vs_linux": {
                    "now_differ": [_os_dict(d) for d in diff.now_differ],
                    "no_longer_differ": [_os_dict(d) for d in diff.no_longer_differ],
                    "still_differ": [_os_dict(d) for d in diff.still_differ],
                },
                "notes": list(report.notes),
            }
        )
    body = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "devkit_version": __version__,
        "projects": projects,
    }
    return json.dumps(body, indent=2, ensure_ascii=False)
