"""Hostile or mistaken files: one project's bad file is that project's finding, never a crash."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from devkit.doctor.base import Status
from tests.doctor.conftest import MakeCtx, run_check
from tests.doctor.test_command import devkit
from tests.support.cli import devkit_in_process
from tests.support.monorepo import Monorepo

DEEP = "name: deep\ndependencies: " + "[" * 5000 + "]" * 5000 + "\n"


def add_env_file(repo: Monorepo, project: str, text: str) -> Path:
    folder = repo.project(project)
    folder.mkdir(parents=True)
    (folder / "environment.yml").write_text(text)
    return folder / "environment.yml"


@pytest.mark.slow
def test_a_deeply_nested_file_is_its_project_finding_only(sample_monorepo: Monorepo) -> None:
    env_file = add_env_file(sample_monorepo, "deep", DEEP)
    root = str(sample_monorepo.root)
    report = devkit("--root", root, "doctor", "--json", "--no-drift")
    assert report.returncode == 1, report.stderr
    document = json.loads(report.stdout)
    assert not [r for r in document["results"] if "crashed" in r["message"]]
    [spec] = [r for r in document["results"] if r["id"] == "env.spec" and r["project"] == "deep"]
    assert spec["status"] == "fail"
    assert f"{env_file}:2: nested more than 64 levels" in spec["message"]
    assert "is it the right file?" in spec["hint"]  # the error's own hint, not a generic one
    for project in ("api", "etl"):
        [clash] = [
            r
            for r in document["results"]
            if r["id"] == "env.name_clash" and r["project"] == project
        ]
        assert clash["status"] == "ok"


@pytest.mark.slow
def test_ls_lists_every_project_when_one_file_is_bad(sample_monorepo: Monorepo) -> None:
    add_env_file(sample_monorepo, "deep", DEEP)
    root = str(sample_monorepo.root)
    listing = devkit("--root", root, "ls", "--json")
    assert listing.returncode == 0, listing.stderr
    rows = {row["name"]: row for row in json.loads(listing.stdout)["projects"]}
    assert set(rows) == {"api", "deep", "etl"}
    assert rows["deep"]["env"] == "invalid file" and rows["deep"]["env_name"] is None
    table = devkit("--root", root, "ls")
    assert table.returncode == 0 and "invalid file" in table.stdout


def test_spec_warnings_show_as_env_spec_warnings(
    make_ctx: MakeCtx, sample_monorepo: Monorepo
) -> None:
    add_env_file(
        sample_monorepo,
        "sel",
        "name: sel\ndependencies:\n  - python\n  - libgcc-ng  # [linux]\n  - extras:\n      - x\n",
    )
    result = run_check(make_ctx(sample_monorepo.root), "env.spec", "sel")
    assert result.status is Status.WARN
    assert "environment.yml:4: micromamba ignores `# [linux]`" in result.message
    assert "environment.yml:5: `extras:` in dependencies" in result.message


@pytest.mark.slow
def test_projects_outside_the_monorepo_are_a_finding_and_never_read(
    sample_monorepo: Monorepo, tmp_path: Path
) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n")
    add_env_file(sample_monorepo, "evil", "name: evil\n")
    env_file = sample_monorepo.env_file("evil")
    env_file.unlink()
    env_file.symlink_to(secret)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "environment.yml").write_text("name: away\ndependencies: [python]\n")
    sample_monorepo.project("away").symlink_to(elsewhere)
    root = str(sample_monorepo.root)

    report = devkit("--root", root, "doctor", "--json", "--no-drift")
    assert "root:$6$" not in report.stdout + report.stderr
    document = json.loads(report.stdout)
    [found] = [r for r in document["results"] if r["id"] == "clone.found"]
    assert found["status"] == "warn"
    assert f"{env_file} resolves to {secret}, outside the monorepo" in found["message"]
    assert f"resolves to {elsewhere}" in found["message"]
    assert {r["project"] for r in document["results"]} == {None, "api", "etl"}

    listing = devkit("--root", root, "ls", "--json")
    assert listing.returncode == 0
    assert [p["name"] for p in json.loads(listing.stdout)["projects"]] == ["api", "etl"]
    assert f"resolves to {secret}" in listing.stderr

    named = devkit("--root", root, "doctor", "evil")
    assert named.returncode == 1 and "outside the monorepo" in named.stderr
    assert "root:$6$" not in named.stdout + named.stderr


@pytest.mark.slow
def test_an_over_long_env_name_is_a_finding_not_a_crash(sample_monorepo: Monorepo) -> None:
    env_file = add_env_file(sample_monorepo, "long", f"name: {'x' * 20_000}\ndependencies: []\n")
    root = str(sample_monorepo.root)
    report = devkit("--root", root, "doctor", "--json", "--no-drift")
    assert report.returncode == 1, report.stderr
    document = json.loads(report.stdout)
    assert not [r for r in document["results"] if "crashed" in r["message"]]
    [spec] = [r for r in document["results"] if r["id"] == "env.spec" and r["project"] == "long"]
    assert spec["status"] == "fail" and spec["message"].startswith(f"{env_file}:1: env name")
    assert devkit("--root", root, "ls", "--json").returncode == 0


def link_outside(repo: Monorepo, tmp_path: Path, files: dict[str, str]) -> Path:
    """api's files as symlinks to files of these texts in a folder outside the monorepo."""
    outside = tmp_path / "outside"
    outside.mkdir()
    for name, text in files.items():
        (outside / name).write_text(text)
        (repo.api / name).unlink(missing_ok=True)
        (repo.api / name).symlink_to(outside / name)
    return outside


def doctor_api_never_quoting(repo: Monorepo, markers: tuple[str, ...]) -> dict[str, Any]:
    """doctor's results for api by id, once it is known that no marker was printed."""
    result = devkit_in_process("--root", repo.root, "doctor", "api", "--json", "--no-drift")
    for marker in markers:
        assert marker not in result.stdout + result.stderr
    return {r["id"]: r for r in json.loads(result.stdout)["results"]}


def test_build_files_and_dotenv_outside_the_monorepo_are_warned_and_never_read(
    sample_monorepo: Monorepo, tmp_path: Path
) -> None:
    outside = link_outside(
        sample_monorepo,
        tmp_path,
        {"Dockerfile": "FROM marker-image-from-outside:1\n", ".env": "MARKER_KEY_FROM_OUTSIDE=1\n"},
    )
    results = doctor_api_never_quoting(
        sample_monorepo, ("marker-image-from-outside", "MARKER_KEY_FROM_OUTSIDE")
    )
    assert results["files.parse"]["status"] == "warn"
    assert (
        f"resolves to {outside / 'Dockerfile'}, outside the monorepo"
        in (results["files.parse"]["message"])
    )
    assert results["vars.dotenv"]["status"] == "warn"
    assert f"resolves to {outside / '.env'}" in results["vars.dotenv"]["message"]
    assert "--env-file" in results["vars.dotenv"]["hint"]


def test_a_control_character_in_any_yaml_is_a_finding_with_its_line(
    sample_monorepo: Monorepo,
) -> None:
    env_file = add_env_file(sample_monorepo, "nul", "name: nul\ndependencies:\n  - py\x00thon\n")
    workflows = sample_monorepo.root / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    (workflows / "esc.yml").write_text("on: push\njobs:\n  a: \x1b[31m\n")

    result = devkit_in_process("--root", sample_monorepo.root, "doctor", "--json", "--no-drift")
    document = json.loads(result.stdout)
    assert not [r for r in document["results"] if "crashed" in r["message"]]
    [spec] = [r for r in document["results"] if r["id"] == "env.spec" and r["project"] == "nul"]
    assert spec["status"] == "fail"
    assert f"{env_file}:3: invalid YAML: control character 0x00" in spec["message"]
    [parse] = [r for r in document["results"] if r["id"] == "files.workflow_parse"]
    assert "esc.yml:3: invalid YAML: control character 0x1b" in parse["message"]


def test_a_fifo_dotenv_with_no_writer_does_not_hang_doctor(
    sample_monorepo: Monorepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devkit import limits

    monkeypatch.setattr(limits, "FIFO_WAIT", 0.5)
    api = sample_monorepo.api
    (api / ".env").unlink(missing_ok=True)
    os.mkfifo(api / ".env")

    # Before the fix open() waited for a writer forever: the alarm turns a hang into a failure.
    def hung(signum: int, frame: object) -> None:
        raise AssertionError("doctor hung on a FIFO .env")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        result = devkit_in_process(
            "--root", sample_monorepo.root, "doctor", "api", "--json", "--no-drift"
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    results = {r["id"]: r for r in json.loads(result.stdout)["results"]}
    assert results["vars.dotenv"]["message"].startswith(".env present (a pipe")
    assert "a named pipe that was not written to within 0.5 s" in results["vars.missing"]["message"]


def test_run_reads_a_dotenv_outside_the_monorepo_only_when_named(
    sample_monorepo: Monorepo, tmp_path: Path
) -> None:
    secret = tmp_path / "dotenv"
    secret.write_text("MARKER_KEY_FROM_OUTSIDE=1\n")
    api = sample_monorepo.api
    (api / ".env").unlink(missing_ok=True)
    (api / ".env").symlink_to(secret)
    result = devkit_in_process("--root", sample_monorepo.root, "run", "api", "--print-env")
    assert result.returncode == 0, result.stderr
    assert f"resolves to {secret}, outside the monorepo" in result.stderr
    assert f"--env-file {secret}" in result.stderr
    assert "MARKER_KEY_FROM_OUTSIDE" not in result.stdout + result.stderr

    named = devkit_in_process(
        "--root", sample_monorepo.root, "run", "api", "--print-env", "--env-file", secret
    )
    assert named.returncode == 0, named.stderr
    assert "MARKER_KEY_FROM_OUTSIDE" in named.stdout
    assert "outside the monorepo" not in named.stderr


def test_an_example_or_lockfile_outside_the_monorepo_is_never_read(
    sample_monorepo: Monorepo, tmp_path: Path
) -> None:
    outside = link_outside(
        sample_monorepo,
        tmp_path,
        {
            ".env.example": "MARKER_NAME_FROM_OUTSIDE=replace-me\n",
            "conda-lock.yml": "version: 1\nmetadata: {platforms: [marker-platform-x]}\n",
        },
    )
    results = doctor_api_never_quoting(
        sample_monorepo, ("MARKER_NAME_FROM_OUTSIDE", "marker-platform-x")
    )
    assert results["vars.dotenv"]["status"] == "warn"
    assert f"resolves to {outside / '.env.example'}" in results["vars.dotenv"]["message"]
    assert results["lock.stale"]["status"] == "warn"
    assert f"resolves to {outside / 'conda-lock.yml'}" in results["lock.stale"]["message"]
