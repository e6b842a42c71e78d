"""The text report: what needs attention, in order of what blocks work, short at any scale."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rich.text import Text

from devkit import redaction
from devkit.doctor import render
from devkit.doctor.base import Result, Status
from devkit.doctor.registry import CHECKS
from devkit.doctor.runner import Report

GLOBAL = [c.id for c in CHECKS if not c.per_project]
PER_PROJECT = [c.id for c in CHECKS if c.per_project]


@pytest.fixture(autouse=True)
def _no_secrets() -> Iterator[None]:
    redaction.forget_all()
    yield
    redaction.forget_all()


def healthy(project: str) -> list[Result]:
    return [Result(i, Status.OK, f"{i} is fine", project=project) for i in PER_PROJECT]


def plain(lines: list[Text]) -> list[str]:
    """The lines as printed to a pipe."""
    return [line.plain for line in lines]


def test_a_thousand_healthy_projects_fit_a_screen() -> None:
    results = [Result(i, Status.OK, "fine") for i in GLOBAL]
    for n in range(1000):
        results += healthy(f"svc-{n:04d}")
    lines = plain(render.to_text(Report(tuple(results))))
    assert len(lines) < 15
    assert any("1000 projects with nothing to report: svc-0000" in line for line in lines)
    assert lines[-1].startswith("Summary: ")


def test_the_report_grows_with_the_problems_not_the_projects() -> None:
    results = [r for n in range(500) for r in healthy(f"svc-{n:04d}")]
    broken = healthy("svc-0042")
    broken[PER_PROJECT.index("env.exists")] = Result(
        "env.exists", Status.FAIL, "env `svc-0042` is not created", "devkit setup", "svc-0042"
    )
    results[42 * len(PER_PROJECT) : 43 * len(PER_PROJECT)] = broken
    lines = plain(render.to_text(Report(tuple(results))))
    assert "Project svc-0042" in lines and "Project svc-0041" not in lines
    assert "  ✗ env.exists: env `svc-0042` is not created" in lines
    assert "      fix: devkit setup" in lines
    assert "Failed:" in lines and "  svc-0042: env.exists" in lines
    assert any(line.startswith("✓ 499 projects with nothing to report") for line in lines)
    assert len(lines) < 20


def test_onboarding_blockers_come_first_then_failures_then_warnings() -> None:
    def result(check_id: str, status: Status) -> Result:
        return Result(check_id, status, f"{check_id} found something", "fix it", "api")

    # Registry order: service.main comes after a failing hygiene check, vars.dotenv before.
    results = (
        result("env.exists", Status.OK),
        result("vars.dotenv", Status.WARN),
        result("vars.tracked", Status.FAIL),
        result("service.main", Status.FAIL),
        result("python.eol", Status.WARN),
        result("files.actions_deprecated", Status.WARN),
        result("files.images", Status.FAIL),
    )
    lines = plain(render.to_text(Report(results)))
    block = lines[lines.index("Project api") + 1 : lines.index("  and 1 ok")]
    shown = [line.split(":")[0][4:] for line in block if line.startswith("  ") and line[2] != " "]
    assert shown == [
        "vars.dotenv",
        "service.main",
        "vars.tracked",
        "files.images",
        "python.eol",
        "files.actions_deprecated",
    ]


def test_several_findings_are_a_list_and_long_lines_wrap() -> None:
    items = [
        f"actions/checkout@v{n} → actions/checkout@v4 (Node 12 is retired; "
        f".github/workflows/api-checks.yml:{n},{n + 20})"
        for n in range(1, 7)
    ]
    long = "the checks never run on macOS " * 10
    results = (
        Result(
            "files.actions_deprecated",
            Status.WARN,
            "; ".join(items),
            "change each `uses:`",
            "api",
            items=tuple(items),
        ),
        Result("files.ci_macos", Status.WARN, long, "add macos-latest", "api"),
    )
    lines = plain(render.to_text(Report(results), width=80))
    start = lines.index("  ! files.actions_deprecated:")
    listed = lines[start + 1 : lines.index("      fix: change each `uses:`")]
    assert [line for line in listed if line.startswith("      - ")] == [
        f"      - {item.split(' .github')[0]}" for item in items
    ]
    assert [line for line in listed if not line.startswith("      - ")] == [
        f"        .github/workflows/api-checks.yml:{n},{n + 20})" for n in range(1, 7)
    ]
    assert max(len(line) for line in lines) <= 80
    head = "  ! files.ci_macos: "
    macos = next(n for n, line in enumerate(lines) if line.startswith(head + "the checks"))
    rest = lines[macos + 1 : lines.index("      fix: add macos-latest")]
    assert len(rest) >= 3 and all(line.startswith("      ") and line[6] != " " for line in rest)
    wrapped = [lines[macos].removeprefix(head), *(line.strip() for line in rest)]
    assert " ".join(wrapped) == long.strip()


def test_all_shows_every_result_in_report_order() -> None:
    results = (
        Result("machine.os", Status.OK, "linux-64"),
        Result("env.exists", Status.FAIL, "not created", "devkit setup", "api"),
        Result("env.broken", Status.SKIP, "no env", project="api"),
        Result("python.eol", Status.OK, "python 3.12", project="api"),
    )
    lines = plain(render.to_text(Report(results), show_all=True))
    assert lines[:8] == [
        "Machine",
        "  ✓ machine.os: linux-64",
        "",
        "Project api",
        "  ✗ env.exists: not created",
        "      fix: devkit setup",
        "  - env.broken: no env",
        "  ✓ python.eol: python 3.12",
    ]


def test_a_secret_is_masked_before_lines_are_wrapped() -> None:
    redaction.register("correct horse battery staple")
    message = "the value " + "x" * 55 + " correct horse battery staple is in the log"
    lines = plain(render.to_text(Report((Result("vars.unused", Status.WARN, message),)), width=80))
    text = "\n".join(lines)
    assert "horse" not in text and "battery" not in text and redaction.MASK in text


def test_wrap_is_textwraps_wrap() -> None:
    """linewrap.wrap stands in for textwrap.wrap with the report's options: the same lines for
    any text (spaces, tabs, newlines, other whitespace, words wider than the line)."""
    import random

    from devkit.doctor.linewrap import wrap

    rnd = random.Random(15)  # noqa: S311 - reproducible test data, not a secret
    pieces = ["a", "word", "projects/address-api-7/Dockerfile:12", " ", "  ", "\t", "\n", "\r\n"]
    pieces += ["\x0b", "\x0c", "\xa0", "\u2003", "-", "x" * 30, "é", "; ", ", "]
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 40)))
        width, start, indent = rnd.randint(1, 60), rnd.randint(0, 12), rnd.randint(0, 12)
        want = _textwrap(text, width, start, indent)
        assert wrap(text, width, start, indent) == want, (text, width, start, indent)
    with pytest.raises(ValueError, match="invalid width"):
        wrap("", 0, 0, 0)  # as TextWrapper refuses it


def _textwrap(text: str, width: int, start: int, indent: int) -> list[str]:
    """The reference linewrap.wrap follows: textwrap, breaking at whitespace only."""
    import textwrap

    return textwrap.wrap(
        text,
        width=width,
        initial_indent=" " * start,
        subsequent_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def test_wrap_of_words_between_single_spaces_is_textwraps_wrap() -> None:
    """Such texts take a shorter way through linewrap.wrap: the same lines, at any width and
    indent, words wider than the line and words of other whitespace included."""
    import random

    from devkit.doctor.linewrap import wrap

    rnd = random.Random(16)  # noqa: S311 - reproducible test data, not a secret
    words = ["a", "word", "projects/address-api-7/Dockerfile:12", "-", "x" * 30, "é", "→"]
    words += ["a\xa0b", "\xa0", "\u2003", "\x1c", "ab,", "(Node"]
    for _ in range(4000):
        text = " ".join(rnd.choice(words) for _ in range(rnd.randint(0, 30)))
        width, start, indent = rnd.randint(1, 60), rnd.randint(0, 30), rnd.randint(0, 30)
        want = _textwrap(text, width, start, indent)
        assert wrap(text, width, start, indent) == want, (text, width, start, indent)


@pytest.mark.parametrize("show_all", [False, True])
def test_every_piece_of_the_report_is_masked_as_it_is_laid_out(show_all: bool) -> None:
    # The piped report is written as to_lines made it, not masked again as a whole: a secret
    # (a .env value that is also a project's name, say) is masked in headings too.
    redaction.register("acme-prod", "tok en-with-space")
    results = [
        *healthy("acme-prod"),
        *healthy("other"),
        Result("vars.missing", Status.FAIL, "tok en-with-space " * 12, "set acme-prod", "other"),
        Result("files.images", Status.WARN, "x", project="acme-prod", items=("acme-prod/a", "b")),
    ]
    lines = render.to_lines(Report(tuple(results)), show_all=show_all, width=40)
    text = "\n".join(line.visible() for line in lines)
    assert "acme-prod" not in text and "tok en" not in text and "with-space" not in text
    assert "Project ****" in text
