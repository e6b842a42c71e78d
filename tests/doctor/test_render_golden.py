"""The report, byte for byte: a large, varied report renders exactly as it did before the
text report was made faster. The digests were taken from the renderer as it stood at 8c45ea2;
a change that means to alter the report's output updates them, and says so."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator

import pytest
from rich.text import Text

from devkit import redaction
from devkit.doctor import render
from devkit.doctor.base import Result, Status
from devkit.doctor.registry import CHECKS
from devkit.doctor.runner import Report

_SECRETS = ("acme-data", "correct horse battery staple", "tok-0123456789", "s3cr3t")
_WORDS = [
    *("env", "the", "checks", "never", "run", "on", "macOS", "python", "3.9", "-", "name"),
    *("actions/checkout@v2", "(Node", "12;", ".github/workflows/api-0001-checks.yml:31,51)"),
    "env",
    "is",
    "not",
    "created",
    "projects/ingest-0042/Dockerfile:12",
    "https://user:hunter2@example.com/x",
    "https://ghp_abcdefghijklmnopqrstuvwxyz@github.com/o/r",
    "ghp_abcdefghijklmnopqrstuvwxyz0123",
    "glpat-abcdefghijklmnopqrstu",
    "xoxb-0123456789-abc",
    "AKIAABCDEFGHIJKLMNOP",
    "AIza" + "b" * 35,
    "Bearer abcdefghijklmnop0123",
    "us-central1-docker.pkg.dev/acme-data/acme-data/ingest-0348",
    "correct horse battery staple",
    "tok-0123456789",
    "→",
    "`uses:`",
    "x" * 120,
    "é",
    "a@b",
]
_GAPS = [" "] * 12 + ["  ", "\t", "\n", "\xa0", "\r\n", " \u2003 "]
_HINTS = [
    "change each `uses:` to its replacement (docs/project-files.md)",
    "move to a supported Python (3.12 or newer) in environment.yml, CI and Docker",
    "devkit setup",
    "pin everything to one channel (conda-forge) and re-create the env " * 3,
]


@pytest.fixture(autouse=True)
def _secrets() -> Iterator[None]:
    redaction.forget_all()
    redaction.register(*_SECRETS)
    yield
    redaction.forget_all()


def _text(rnd: random.Random, words: int) -> str:
    parts = [rnd.choice(_WORDS)]
    for _ in range(words - 1):
        parts += [rnd.choice(_GAPS), rnd.choice(_WORDS)]
    return "".join(parts)


def _report(projects: int, healthy: int, seed: int) -> Report:
    rnd = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    statuses = [Status.OK] * 5 + [Status.WARN, Status.WARN, Status.FAIL, Status.SKIP]
    results: list[Result] = []
    for check in CHECKS:
        if not check.per_project:
            results.append(Result(check.id, rnd.choice(statuses), _text(rnd, rnd.randint(1, 9))))
    for n in range(projects):
        name = f"svc-{n:04d}"
        for check in (c for c in CHECKS if c.per_project):
            status = Status.OK if n < healthy else rnd.choice(statuses)
            items = tuple(_text(rnd, rnd.randint(1, 25)) for _ in range(rnd.choice([0, 0, 2, 3])))
            message = "; ".join(items) if items else _text(rnd, rnd.randint(1, 30))
            hint = rnd.choice([None, *_HINTS, _text(rnd, 12)])
            results.append(Result(check.id, status, message, hint, name, rnd.random() < 0.2, items))
    results.append(Result("no.such.check", Status.WARN, "from elsewhere", "", None))
    return Report(tuple(results))


def _digest(lines: list[Text]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        spans = [(s.start, s.end, str(s.style)) for s in line.spans]
        layout = (line.style, line.end, line.tab_size, line.justify, line.overflow, line.no_wrap)
        digest.update(f"{line.plain!r}{spans!r}{layout!r}\n".encode())
    return digest.hexdigest()


def _all_digests(report: Report) -> str:
    digest = hashlib.sha256()
    for width in (1, 13, 40, 80, 100):
        for show_all in (False, True):
            lines = render.to_text(report, show_all=show_all, width=width)
            digest.update(_digest(lines).encode())
    digest.update(render.to_json(report, root="/repo", strict=False).encode())
    digest.update(render.to_json(report, root=None, strict=True).encode())
    return digest.hexdigest()


@pytest.mark.parametrize(
    ("projects", "healthy", "seed", "want"),
    [
        (30, 12, 1, "7ac9c70f7ea81233de9d44816bbbe8b0930ff9a9be591025688e9490d70ffe05"),
        (8, 3, 2, "c5b7a8d93928c698a0cc083e20a3a7e834b4be375c50c5494b8153a0f1491cc6"),
        (3, 0, 3, "38bcb97a3b01045f3369a20c89dba3f5e3a99dd1cabeaf7cffe3b622bfc613d7"),
    ],
)
def test_the_report_is_what_it_was(projects: int, healthy: int, seed: int, want: str) -> None:
    assert _all_digests(_report(projects, healthy, seed)) == want


@pytest.mark.parametrize("projects", [0, 1, 5])
def test_the_json_is_what_json_dumps_writes(projects: int) -> None:
    report = _report(projects, 0, projects) if projects else Report(())
    for root, strict in (("/repo", False), (None, True)):
        written = render.to_json(report, root=root, strict=strict)
        assert written == json.dumps(json.loads(written), indent=2)
