"""devkit doctor and devkit ls end to end: the real executable, real envs, real JSON."""

from __future__ import annotations

import gc
import json
import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from devkit import parsecache, paths
from devkit.doctor.base import Check, Outcome, Result, Status
from devkit.doctor.context import Context
from devkit.doctor.registry import CHECKS
from devkit.doctor.runner import run_checks
from tests.doctor.conftest import MakeCtx
from tests.support.cli import DEVKIT, devkit
from tests.support.fixtures import CreateEnv, Isolation
from tests.support.monorepo import Monorepo


def doctor_json(*args: str) -> dict:
    result = devkit(*args, "--json")
    document = json.loads(result.stdout)
    assert document["exit_code"] == result.returncode
    return document


def by_id(document: dict, check_id: str, project: str | None = None) -> dict:
    return next(r for r in document["results"] if r["id"] == check_id and r["project"] == project)


@pytest.mark.slow
def test_json_document_shape(sample_monorepo: Monorepo) -> None:
    document = doctor_json("--root", str(sample_monorepo.root), "doctor")
    assert document["schema_version"] == 1
    assert set(document) == {
        "schema_version",
        "devkit_version",
        "root",
        "exit_code",
        "summary",
        "results",
    }
    assert set(document["summary"]) == {"ok", "warn", "fail", "skip"}
    for result in document["results"]:
        assert set(result) == {"id", "section", "status", "message", "hint", "project", "fixable"}
        assert result["status"] in {"ok", "warn", "fail", "skip"}
    ids = {r["id"] for r in document["results"]}
    assert ids == {c.id for c in CHECKS}
    assert {r["project"] for r in document["results"]} == {None, "api", "etl"}


@pytest.mark.slow
def test_fails_until_fixed_then_passes(sample_monorepo: Monorepo, isolate: Isolation) -> None:
    root = str(sample_monorepo.root)
    before = doctor_json("--root", root, "doctor", "api")
    assert before["exit_code"] == 1
    assert by_id(before, "env.exists", "api")["status"] == "fail"
    assert by_id(before, "env.exists", "api")["fixable"] is True
    fixed = devkit("--root", root, "doctor", "api", "--fix", "--yes")
    assert "created env `api`" in fixed.stderr
    after = doctor_json(
        "--root", root, "doctor", "api", "--check", "env.exists", "--check", "env.stale"
    )
    assert after["exit_code"] == 0
    assert [r["status"] for r in after["results"]] == ["ok", "ok"]


@pytest.mark.slow
def test_fix_without_a_terminal_asks_nothing_and_changes_nothing(
    sample_monorepo: Monorepo, isolate: Isolation
) -> None:
    result = devkit("--root", str(sample_monorepo.root), "doctor", "api", "--fix")
    assert "no terminal to ask; pass --yes" in result.stderr
    assert not (isolate.root_prefix / "envs" / "api").exists()


@pytest.mark.slow
def test_strict_fails_on_warnings(sample_monorepo: Monorepo, create_env: CreateEnv) -> None:
    create_env(sample_monorepo.api)  # not built by devkit: env.stale warns
    root = str(sample_monorepo.root)
    args = ("--root", root, "doctor", "api", "--check", "env.stale")
    assert devkit(*args).returncode == 0
    assert devkit(*args, "--strict").returncode == 1


@pytest.mark.slow
def test_unknown_check_and_project(sample_monorepo: Monorepo) -> None:
    bad_check = devkit("--root", str(sample_monorepo.root), "doctor", "--check", "env.stal")
    assert bad_check.returncode == 2 and "did you mean `env.stale`?" in bad_check.stderr
    bad_project = devkit("--root", str(sample_monorepo.root), "doctor", "apii")
    assert bad_project.returncode == 1 and "did you mean `api`?" in bad_project.stderr


@pytest.mark.slow
def test_list_names_every_check() -> None:
    result = devkit("doctor", "--list")
    assert result.returncode == 0
    for check in CHECKS:
        assert check.id in result.stdout


@pytest.mark.slow
def test_text_report_shows_what_needs_attention(sample_monorepo: Monorepo) -> None:
    result = devkit("--root", str(sample_monorepo.root), "doctor")
    assert result.returncode == 1
    out = result.stdout
    assert "\n✓ Machine: " in f"\n{out}"  # nothing to report: one line
    for heading in ("Clone", "Project api", "Project etl"):  # problems: a block each
        assert f"\n{heading}\n" in f"\n{out}"
    api = out[out.index("Project api\n") : out.index("Project etl\n")]
    assert "✗ env.exists: env `api` is not created" in api
    assert "fix: devkit setup --projects api" in api
    assert "✓ env.spec" not in out and "- env.broken" not in out  # ok and skipped: counted
    assert "  and 13 ok, " in api
    # Onboarding blockers first: the env before the workflows.
    assert api.index("env.exists") < api.index("files.workflow_missing")
    summary = out[out.index("Summary:") :]
    assert "Failed:\n" in summary and "\n  api: env.exists\n" in summary
    # Wrapped at COLUMNS (80); only a path longer than a line may stick out.
    assert all(len(line) <= 80 or len(line.split()[-1]) > 40 for line in out.splitlines())
    everything = devkit("--root", str(sample_monorepo.root), "doctor", "--all").stdout
    for heading in ("Machine", "Tools", "Clone", "Project api", "Project etl"):
        assert f"\n{heading}\n" in f"\n{everything}"
    assert "✓ env.spec: " in everything and "- env.broken: no env" in everything
    assert "Summary:" in everything


@pytest.mark.slow
def test_no_monorepo_is_a_finding(tmp_path: Path) -> None:
    result = devkit("doctor", "--json", cwd=tmp_path)
    document = json.loads(result.stdout)
    assert by_id(document, "clone.found")["status"] == "fail"
    assert document["root"] is None


@pytest.mark.slow
def test_secrets_never_reach_the_output_or_the_bundle(
    sample_monorepo: Monorepo, create_env: CreateEnv, tmp_path: Path, isolate: Isolation
) -> None:
    create_env(sample_monorepo.api)
    (sample_monorepo.api / ".env").write_text(
        "API_KEY=sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0\nDATABASE_URL=postgres://api:hunter2@db/api\n"
        "UNUSED_SECRET=xoxb-1234567890-abcdefghij\n"
    )
    bundle = tmp_path / "report.md"
    result = devkit("--root", str(sample_monorepo.root), "doctor", "--bundle", str(bundle))
    text = bundle.read_text()
    for output in (result.stdout, result.stderr, text):
        assert "sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0" not in output
        assert "hunter2" not in output
        assert "xoxb-1234567890" not in output
    assert str(isolate.home) not in text
    assert "## Env packages" in text and "fastapi 0.78.0" in text
    assert "UNUSED_SECRET" in text  # names are fine, values are not


@pytest.mark.slow
def test_ls_reports_env_states(sample_monorepo: Monorepo, create_env: CreateEnv) -> None:
    root = str(sample_monorepo.root)
    assert devkit("--root", root, "doctor", "api", "--fix", "--yes").returncode in (0, 1)
    create_env(sample_monorepo.etl)
    (sample_monorepo.root / "projects" / "api" / "conda-lock.yml").write_text("version: 1\n")
    listing = json.loads(devkit("--root", root, "ls", "--json").stdout)
    rows = {row["name"]: row for row in listing["projects"]}
    assert rows["api"]["env"] == "ok" and rows["api"]["lock"] is True
    assert rows["etl"]["env"] == "unverified"
    assert rows["api"]["env_name"] == "api"
    table = devkit("--root", root, "ls").stdout
    assert "api" in table and "unverified" in table


def test_a_crashing_check_fails_alone(make_ctx: MakeCtx) -> None:
    def explode(ctx: Context, out: Outcome) -> Result:
        raise RuntimeError("boom")

    def fine(ctx: Context, out: Outcome) -> Result:
        return out.ok("fine")

    report = run_checks(
        make_ctx(),
        [
            Check("x.crash", "Machine", "crashes", explode),
            Check("x.fine", "Machine", "works", fine),
        ],
    )
    crash, ok = report.results
    assert crash.status is Status.FAIL and "RuntimeError: boom" in crash.message
    assert ok.status is Status.OK
    assert report.exit_code() == 1


def test_the_collector_is_left_as_the_run_found_it(make_ctx: MakeCtx) -> None:
    # Off while the checks run (they only build), then back to what the caller had.
    seen: list[bool] = []

    def look(ctx: Context, out: Outcome) -> Result:
        seen.append(gc.isenabled())
        return out.ok("looked")

    checks = [Check("x.look", "Machine", "looks", look)]
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            run_checks(make_ctx(), checks)
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
    assert seen == [False, False]


def test_every_check_has_a_doc_entry() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    text = "\n".join(page.read_text() for page in docs.glob("*.md"))
    for check in CHECKS:
        assert f"### `{check.id}`" in text, check.id


@pytest.mark.slow
def test_fix_refuses_while_setup_runs(sample_monorepo: Monorepo, isolate: Isolation) -> None:
    from devkit import runlock

    with runlock.exclusive(isolate.devkit_home / "data" / "setup.lock", "devkit setup"):
        result = devkit("--root", str(sample_monorepo.root), "doctor", "api", "--fix", "--yes")
    assert result.returncode == 1
    assert f"another devkit setup or doctor --fix is running (pid {os.getpid()})" in result.stderr
    assert not (isolate.root_prefix / "envs" / "api").exists()


@pytest.mark.slow
def test_a_bundle_path_devkit_cannot_write_is_a_clear_error(
    sample_monorepo: Monorepo, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for target, reason in ((tmp_path, "Is a directory"), (blocker / "r.md", "Not a directory")):
        result = devkit("--root", str(sample_monorepo.root), "doctor", "--bundle", str(target))
        assert result.returncode == 1, result.stderr
        assert f"cannot write {target}: {reason}" in result.stderr
        assert "crashed" not in result.stderr


@pytest.mark.slow
def test_a_record_garbled_after_a_run_that_cached_it_is_still_found(
    sample_monorepo: Monorepo, create_env: CreateEnv
) -> None:
    prefix = create_env(sample_monorepo.api)
    # The cache keeps only records settled for RACY_S: let them settle, as a real env has.
    newest = max(p.stat().st_ctime for p in (prefix / "conda-meta").glob("*.json"))
    time.sleep(max(0.0, newest + parsecache.RACY_S + 0.1 - time.time()))
    root = str(sample_monorepo.root)
    first = doctor_json("--root", root, "doctor", "api", "--no-drift")
    assert by_id(first, "env.broken", "api")["status"] == "ok"
    assert (paths.cache_dir() / "parsed" / "records.pickle").is_file()
    record = sorted((prefix / "conda-meta").glob("fastapi-*.json"))[0]
    before = record.stat()
    record.write_bytes(b"{" + b"\0" * (before.st_size - 1))  # garbage of the same size
    os.utime(record, ns=(before.st_atime_ns, before.st_mtime_ns))  # and its old mtime
    again = doctor_json("--root", root, "doctor", "api", "--no-drift")
    broken = by_id(again, "env.broken", "api")
    assert broken["status"] == "fail" and record.name in broken["message"]


@pytest.mark.slow
def test_a_corrupt_package_record_is_a_broken_env_everywhere(
    sample_monorepo: Monorepo, create_env: CreateEnv, tmp_path: Path
) -> None:
    prefix = create_env(sample_monorepo.api)
    record = sorted((prefix / "conda-meta").glob("fastapi-*.json"))[0]
    record.write_text("{bad")  # a truncated write
    (sample_monorepo.etl / ".env").mkdir()  # and another project's .env is a folder
    bundle = tmp_path / "report.md"
    root = str(sample_monorepo.root)
    result = devkit("--root", root, "doctor", "--json", "--no-drift", "--bundle", str(bundle))
    results = {(r["id"], r["project"]): r for r in json.loads(result.stdout)["results"]}
    assert [r for r in results.values() if "crashed" in r["message"]] == []
    broken = results[("env.broken", "api")]
    assert broken["status"] == "fail" and record.name in broken["message"] and broken["fixable"]
    assert results[("env.pins", "api")]["status"] == "skip"
    assert results[("channels.env_mixed", "api")]["status"] == "skip"
    assert results[("vars.dotenv", "etl")]["status"] == "fail"
    assert f"(unreadable: {record}" in bundle.read_text()
    listed = json.loads(devkit("--root", root, "ls", "--json").stdout)
    api = next(p for p in listed["projects"] if p["name"] == "api")
    assert api["env"] == "broken", api


@pytest.mark.slow
def test_a_dotenv_pipe_is_read_once_per_doctor_run(sample_monorepo: Monorepo) -> None:
    import threading

    # 1Password and friends mount .env as a named pipe that yields its content once per open.
    env = sample_monorepo.api / ".env"
    content = env.read_text()
    env.unlink()
    os.mkfifo(env)
    threading.Thread(target=lambda: env.write_text(content), daemon=True).start()
    checks = ("--check", "vars.dotenv", "--check", "vars.missing", "--check", "vars.unused")
    result = subprocess.run(
        [str(DEVKIT), "--root", str(sample_monorepo.root), "doctor", "api", "--json", *checks],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=30,  # a second read of the pipe would block: a timeout here is the failure
        check=False,
    )
    results = {r["id"]: r for r in json.loads(result.stdout)["results"]}
    assert (
        results["vars.dotenv"]["status"] == "ok" and "a pipe" in results["vars.dotenv"]["message"]
    )
    assert results["vars.missing"]["status"] == "ok", results["vars.missing"]
    assert results["vars.unused"]["status"] != "fail"


@pytest.mark.slow
def test_fix_is_not_offered_when_the_same_run_knows_it_cannot_work(
    sample_monorepo: Monorepo, isolate: Isolation
) -> None:
    from tests.support.monorepo import add_project

    add_project(sample_monorepo, "broken", dependencies=("python", "nonexistent-pkg=9.9"))
    root = str(sample_monorepo.root)
    document = doctor_json("--root", root, "doctor", "broken")
    assert by_id(document, "drift.platforms", "broken")["status"] == "fail"
    exists = by_id(document, "env.exists", "broken")
    assert exists["status"] == "fail" and exists["fixable"] is False
    assert "cannot be solved for linux-64" in exists["hint"]
    assert "nonexistent-pkg=9.9" in exists["hint"]
    fixing = devkit("--root", root, "doctor", "broken", "--fix", "--yes")
    assert "fixing env." not in fixing.stderr and "could not build" not in fixing.stderr
    assert not (isolate.root_prefix / "envs" / "broken").exists()
    # A run that does not check drift does not know: the fix is offered, as before.
    unknown = doctor_json("--root", root, "doctor", "broken", "--no-drift")
    assert by_id(unknown, "env.exists", "broken")["fixable"] is True


@pytest.mark.slow
@pytest.mark.parametrize("redirect", ["> {out}", "> {out} 2>&1", "--json > {out}"])
def test_fix_asks_on_the_terminal_while_the_report_goes_to_a_file(
    sample_monorepo: Monorepo, tmp_path: Path, redirect: str
) -> None:
    import pexpect

    env_file = sample_monorepo.api / ".env"
    env_file.unlink()
    out = tmp_path / "report.txt"
    line = (
        f"{shlex.quote(str(DEVKIT))} --root {shlex.quote(str(sample_monorepo.root))} "
        f"doctor api --check vars.dotenv --fix --all {redirect.format(out=shlex.quote(str(out)))}"
    )
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ["TERM"] = "xterm"
    child = pexpect.spawn(
        "bash", ["-c", line], env=environ, encoding="utf-8", timeout=60, dimensions=(40, 120)
    )
    try:
        child.expect(r"vars\.dotenv \(api\): \.env is missing .*Fix it\?")
        child.sendline("y")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    assert env_file.is_file()
    report = out.read_text()
    assert "Fix it?" not in report  # the question went to the terminal, not into the file
    if redirect.startswith("--json"):
        assert json.loads(report)["results"][0]["status"] == "ok"
    else:
        assert "✓ vars.dotenv: .env present" in report
