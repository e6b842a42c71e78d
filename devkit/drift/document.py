"""The versioned JSON document of ``devkit drift --json`` (schema in docs/drift.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from devkit import __version__
from devkit.drift.analysis import Drift
from devkit.drift.project import Failure, Report
from devkit.errors import DevkitError

SCHEMA = "devkit-drift"
SCHEMA_VERSION = 1


def exit_code(reports: Sequence[Report | Failure], error: DevkitError | None = None) -> int:
    """The worst of: 0 for no drift, 1 for drift, each error's own code (what CI gates on)."""
    codes = [r.exit_code if isinstance(r, Failure) else int(r.drift.has_drift) for r in reports]
    if error is not None:
        codes.append(error.exit_code)
    return max(codes, default=0)


def _drift(drift: Drift) -> dict[str, Any]:
    return {
        "unsolvable": [
            {
                "platform": u.platform,
                "spec": u.spec,
                "reason": u.reason,
                "message": f"{u.spec}: {u.reason}",
            }
            for u in drift.unsolvable
        ],
        "version_drift": [
            {
                "name": v.name,
                "spec": v.spec,
                "direct": v.direct,
                "versions": v.versions,
                "pin": v.pin,
                "intended": v.intended,
                "required_by": list(v.required_by),
            }
            for v in drift.version_drift
        ],
        "platform_only": [
            {
                "name": p.name,
                "present": list(p.present),
                "missing": list(p.missing),
                "expected": p.expected,
                "because_of": {label: list(specs) for label, specs in p.because_of.items()},
            }
            for p in drift.platform_only
        ],
        "channel_drift": [{"name": c.name, "channels": c.channels} for c in drift.channel_drift],
        "loose_specs": [
            {"name": s.name, "spec": s.spec, "line": s.line, "resolved": s.resolved}
            for s in drift.loose_specs
        ],
    }


def report_dict(report: Report) -> dict[str, Any]:
    """One environment's report."""
    return {
        "project": report.project,
        "mode": report.mode,
        "source": report.source,
        "drift": report.drift.has_drift,
        "platforms": list(report.drift.labels),
        "channels": [
            {"name": c.name, "url": c.url, "fetch_url": c.fetch_url} for c in report.channels
        ],
        "channel_priority": report.priority,
        "virtual_packages": {t.platform: list(t.virtual_packages) for t in report.targets},
        "packages": report.counts,
        **_drift(report.drift),
        "notes": list(report.notes),
        "error": None,
    }


def failure_dict(failure: Failure) -> dict[str, Any]:
    """An environment that could not be analysed: every key of a report, empty, and the error."""
    return {
        "project": failure.project,
        "mode": failure.mode,
        "source": failure.source,
        "drift": False,
        "platforms": [],
        "channels": [],
        "channel_priority": None,
        "virtual_packages": {},
        "packages": {},
        **_drift(Drift(labels=())),
        "notes": [],
        "error": _error(failure.message, failure.hint, failure.exit_code),
    }


def _error(message: str, hint: str | None, code: int) -> dict[str, Any]:
    return {"message": message, "hint": hint, "exit_code": code}


def document(
    reports: Sequence[Report | Failure], mode: str, error: DevkitError | None = None
) -> dict[str, Any]:
    """The whole document: one report per project (or per comparison), errors included.

    ``error`` is one that stopped the command before any project (no monorepo, a usage error):
    the document then has no report, and says why.
    """
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "devkit_version": __version__,
        "mode": mode,
        "drift": any(isinstance(r, Report) and r.drift.has_drift for r in reports),
        "exit_code": exit_code(reports, error),
        "reports": [failure_dict(r) if isinstance(r, Failure) else report_dict(r) for r in reports],
        "error": _error(error.message, error.hint, error.exit_code) if error else None,
    }


def dumps(data: dict[str, Any]) -> str:
    """Stable text: keys in document order, two-space indent."""
    return json.dumps(data, indent=2)
