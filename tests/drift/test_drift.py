"""devkit drift end to end: real solves of the test world's channels, in a devkit subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.drift.conftest import (
    PYTHON,
    by_name,
    devkit,
    drift_json,
    report_of,
)
from tests.drift.extra_channel import TABULATE_EVERYWHERE, TABULATE_LINUX_ONLY
from tests.support.channel import NUMPY_VERSIONS, POSTAL_VERSION
from tests.support.cli import DEVKIT
from tests.support.monorepo import Monorepo, add_project

REPORT_KEYS = {
    "project",
    "mode",
    "source",
    "drift",
    "platforms",
    "channels",
    "channel_priority",
    "virtual_packages",
    "packages",
    "unsolvable",
    "version_drift",
    "platform_only",
    "channel_drift",
    "loose_specs",
    "notes",
    "error",
}


def line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


@pytest.mark.slow
def test_every_category_on_the_test_world(mixed: Monorepo) -> None:
    document, code = drift_json(mixed.root, "mixed")
    assert code == 1 and document["drift"] is True
    report = report_of(document)
    assert report["platforms"] == ["linux-64", "osx-64", "osx-arm64"]
    assert report["channel_priority"] == "disabled"
    assert [c["name"] for c in report["channels"]] == ["anaconda", "conda-forge"]

    # postal is not built for Apple Silicon: reduced to the culprit, the rest still solved.
    assert report["unsolvable"] == [
        {
            "platform": "osx-arm64",
            "spec": f"postal={POSTAL_VERSION}",
            "reason": "no osx-arm64 build",
            "message": f"postal={POSTAL_VERSION}: no osx-arm64 build",
        }
    ]
    assert report["packages"]["osx-arm64"] > 0

    numpy = by_name(report["version_drift"])["numpy"]
    assert numpy["direct"] is True and numpy["spec"] == "numpy"
    assert numpy["versions"] == NUMPY_VERSIONS
    assert numpy["pin"] is None  # no numpy version is built for all three platforms

    only = by_name(report["platform_only"])
    assert only["libgcc-ng"]["present"] == ["linux-64"] and only["libgcc-ng"]["expected"]
    assert only["libcxx"]["missing"] == ["linux-64"] and only["libcxx"]["expected"]
    # postal's absence on osx-arm64 is reported once, as unsolvable, not again here.
    assert "postal" not in only

    # anaconda has numpy for Linux and Intel Macs only: Apple Silicon gets conda-forge's.
    assert by_name(report["channel_drift"])["numpy"]["channels"] == {
        "linux-64": "anaconda",
        "osx-64": "anaconda",
        "osx-arm64": "conda-forge",
    }

    env_file = mixed.env_file("mixed")
    loose = by_name(report["loose_specs"])
    assert set(loose) == {"numpy", "geos"}
    assert loose["numpy"]["line"] == line_of(env_file, "- numpy")
    assert loose["geos"]["resolved"] == {p: "3.10.2" for p in report["platforms"]}


@pytest.mark.slow
def test_a_project_without_drift_exits_0(sample_monorepo: Monorepo) -> None:
    document, code = drift_json(sample_monorepo.root, "api")
    assert code == 0 and document["drift"] is False
    report = report_of(document)
    assert report["unsolvable"] == [] and report["channel_drift"] == []
    assert [v for v in report["version_drift"] if v["direct"]] == []
    # Runtimes exist on one OS only by design: listed, but not drift.
    assert {p["name"] for p in report["platform_only"]} == {"libgcc-ng", "libcxx"}
    assert all(p["expected"] for p in report["platform_only"])


@pytest.mark.slow
def test_json_schema_is_pinned(mixed: Monorepo) -> None:
    document, _ = drift_json(mixed.root, "mixed", "api")
    assert document["schema"] == "devkit-drift" and document["schema_version"] == 1
    assert set(document) == {
        "schema",
        "schema_version",
        "devkit_version",
        "mode",
        "drift",
        "exit_code",
        "reports",
        "error",
    }
    assert document["mode"] == "solve" and document["error"] is None
    assert [r["project"] for r in document["reports"]] == ["mixed", "api"]
    report = report_of(document, "mixed")
    assert set(report) == REPORT_KEYS
    assert set(report["channels"][0]) == {"name", "url", "fetch_url"}
    assert set(report["unsolvable"][0]) == {"platform", "spec", "reason", "message"}
    assert set(report["version_drift"][0]) == {
        "name",
        "spec",
        "direct",
        "versions",
        "pin",
        "intended",
        "required_by",
    }
    assert set(report["platform_only"][0]) == {
        "name",
        "present",
        "missing",
        "expected",
        "because_of",
    }
    assert set(report["channel_drift"][0]) == {"name", "channels"}
    assert set(report["loose_specs"][0]) == {"name", "spec", "line", "resolved"}
    assert report["virtual_packages"]["linux-64"][:3] == [
        "__unix=0=0",
        "__linux=4.18=0",
        "__glibc=2.17=0",
    ]
    assert "__osx=11.0=0" in report["virtual_packages"]["osx-arm64"]


@pytest.mark.slow
def test_text_report_and_all_projects(mixed: Monorepo) -> None:
    result = devkit("--root", mixed.root, "drift", "--all")
    assert result.returncode == 1
    for project in ("api", "etl", "mixed"):
        assert f"\n{project}  projects/{project}/environment.yml" in f"\n{result.stdout}"
    assert f"postal={POSTAL_VERSION}: no osx-arm64 build" in result.stdout
    assert "Versions differ across platforms" in result.stdout
    assert "From different channels" in result.stdout
    assert "expected on one OS only: libcxx, libgcc-ng" in result.stdout
    assert "pip requirement(s) are not solved" in result.stdout  # etl's pip section
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_pin_that_aligns_through_a_mirror(
    sample_monorepo: Monorepo, extra_channel_dir: Path
) -> None:
    # The file names a remote channel; devkit.yaml's mirror answers for it from a local folder.
    remote = "https://conda.example.invalid/extra"
    add_project(sample_monorepo, "tab", dependencies=("tabulate",), channels=(remote,))
    (sample_monorepo.root / "devkit.yaml").write_text(
        yaml.safe_dump({"mirrors": {remote: extra_channel_dir.as_uri()}})
    )
    document, code = drift_json(sample_monorepo.root, "tab")
    assert code == 1
    report = report_of(document)
    # The file's channel first, then the rc file's `channels` (conda-forge), as micromamba does.
    assert report["channels"][0] == {
        "name": remote,
        "url": remote,
        "fetch_url": extra_channel_dir.as_uri(),
    }
    assert [c["name"] for c in report["channels"]] == [remote, "conda-forge"]
    tabulate = by_name(report["version_drift"])["tabulate"]
    assert tabulate["versions"] == {
        "linux-64": TABULATE_LINUX_ONLY,
        "osx-64": TABULATE_EVERYWHERE,
        "osx-arm64": TABULATE_EVERYWHERE,
    }
    assert tabulate["pin"] == f"tabulate={TABULATE_EVERYWHERE}"
    # Applying the pin removes the drift.
    add_project(sample_monorepo, "tab", dependencies=(tabulate["pin"],), channels=(remote,))
    assert drift_json(sample_monorepo.root, "tab")[1] == 0


@pytest.mark.slow
def test_virtual_packages_decide_what_solves(sample_monorepo: Monorepo) -> None:
    add_project(sample_monorepo, "geo", dependencies=(PYTHON, "geos"))
    assert drift_json(sample_monorepo.root, "geo")[1] == 0  # default __osx=11.0 is enough
    (sample_monorepo.root / "devkit.yaml").write_text(
        "virtual_packages:\n  osx-arm64: [__unix, __osx=10.15]\n"
    )
    document, code = drift_json(sample_monorepo.root, "geo")
    assert code == 1
    [problem] = report_of(document)["unsolvable"]
    assert problem["platform"] == "osx-arm64" and problem["spec"] == "geos"
    assert problem["reason"] == "needs __osx >=11.0, but osx-arm64 is solved with __osx=10.15"


@pytest.mark.slow
def test_platforms_from_the_command_line_the_file_and_devkit_yaml(
    sample_monorepo: Monorepo,
) -> None:
    root = sample_monorepo.root
    document, code = drift_json(root, "etl", "--platforms", "linux-64,osx-64")
    assert code == 0 and report_of(document)["platforms"] == ["linux-64", "osx-64"]

    (root / "devkit.yaml").write_text(
        "platforms: [linux-64, osx-arm64]\nprojects:\n  api:\n    platforms: [linux-64]\n"
    )
    assert report_of(drift_json(root, "etl")[0])["platforms"] == ["linux-64", "osx-arm64"]
    assert report_of(drift_json(root, "api")[0])["platforms"] == ["linux-64"]

    env_file = sample_monorepo.env_file("etl")
    data = yaml.safe_load(env_file.read_text())
    data["platforms"] = ["osx-64"]
    env_file.write_text(yaml.safe_dump(data, sort_keys=False))
    assert report_of(drift_json(root, "etl")[0])["platforms"] == ["osx-64"]
    # The command line wins over everything.
    document, _ = drift_json(
        root, "etl", "--platforms", "osx-arm64", "--channel-priority", "strict"
    )
    assert report_of(document)["platforms"] == ["osx-arm64"]
    assert report_of(document)["channel_priority"] == "strict"


@pytest.mark.slow
def test_usage_errors(sample_monorepo: Monorepo, tmp_path: Path) -> None:
    root = sample_monorepo.root
    no_project = devkit("--root", root, "drift")
    assert no_project.returncode == 2 and "name a project, or pass --all" in no_project.stderr
    bad_platform = devkit("--root", root, "drift", "api", "--platforms", "beos-64")
    assert bad_platform.returncode == 2 and "unknown platform `beos-64`" in bad_platform.stderr
    bad_priority = devkit("--root", root, "drift", "api", "--channel-priority", "loose")
    assert bad_priority.returncode == 2 and "unknown channel priority" in bad_priority.stderr
    two_modes = devkit("--root", root, "drift", "--lock", tmp_path / "a", "--compare", "x", "y")
    assert two_modes.returncode == 2 and "pick one" in two_modes.stderr
    for args, message in (
        (("api", "--compare", "a.json", "b.json"), "--compare reads two export files"),
        (("--all", "--compare", "a.json", "b.json"), "--compare reads two export files"),
        (("--all", "api"), "name projects or pass --all, not both"),
        (("api", "--platforms", ",,,"), "--platforms names no platform"),
    ):
        refused = devkit("--root", root, "drift", *args)
        assert refused.returncode == 2 and message in refused.stderr, args
    for args, message in (
        (("--all", "--lock", "x.yml"), "--lock reads one lockfile"),
        (("--lock", "x.yml", "--platforms", "osx-64"), "--lock and --compare read files"),
        (("--compare", "a.json", "b.json", "--channel-priority", "strict"), "read files"),
    ):
        refused = devkit("--root", root, "drift", *args)
        assert refused.returncode == 2 and message in refused.stderr, args
    both = devkit("--root", root, "lock", "--all", "api")
    assert both.returncode == 2 and "not both" in both.stderr
    (root / "devkit.yaml").write_text("platforms: [linux-64, amiga-68k]\n")
    bad_yaml = devkit("--root", root, "drift", "api")
    assert bad_yaml.returncode == 1
    assert f"{root / 'devkit.yaml'}:1: unknown platform 'amiga-68k'" in bad_yaml.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_an_unreachable_channel_names_its_url(sample_monorepo: Monorepo, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/conda-forge"
    add_project(sample_monorepo, "offline", dependencies=(PYTHON,), channels=(url,))
    result = devkit("--root", sample_monorepo.root, "drift", "offline")
    assert result.returncode == 1
    assert f"cannot read channel `{url}` at {url}" in result.stderr
    assert "Connection refused" in result.stderr and "Traceback" not in result.stderr

    missing = (tmp_path / "no-such-channel").as_uri()
    add_project(sample_monorepo, "gone", dependencies=(PYTHON,), channels=(missing,))
    result = devkit("--root", sample_monorepo.root, "drift", "gone", "--json")
    assert result.returncode == 1
    assert f"at {missing}" in result.stderr and "No such file or directory" in result.stderr
    # `--json > drift.json` in CI still gets a document, naming the error.
    document = json.loads(result.stdout)
    assert document["exit_code"] == 1 and document["error"] is None
    [report] = document["reports"]
    assert report["project"] == "gone" and report["source"] == "projects/gone/environment.yml"
    assert f"at {missing}" in report["error"]["message"]
    assert report["error"]["exit_code"] == 1 and "hint" in report["error"]


@pytest.mark.slow
def test_all_reports_every_project_when_one_cannot_be_solved(
    sample_monorepo: Monorepo, tmp_path: Path
) -> None:
    missing = (tmp_path / "no-such-channel").as_uri()
    # `aaa` sorts first: an error there must not hide the projects after it.
    add_project(sample_monorepo, "aaa", dependencies=(PYTHON,), channels=(missing,))
    add_project(sample_monorepo, "bad-yaml")
    sample_monorepo.env_file("bad-yaml").write_text("dependencies: [python\n")
    document, code = drift_json(sample_monorepo.root, "--all")
    assert code == 1 and document["exit_code"] == 1
    reports = {r["project"]: r for r in document["reports"]}
    assert list(reports) == ["aaa", "api", "bad-yaml", "etl"]
    assert f"at {missing}" in reports["aaa"]["error"]["message"]
    assert "bad-yaml/environment.yml" in reports["bad-yaml"]["error"]["message"]
    for name in ("api", "etl"):
        assert reports[name]["error"] is None, name
        assert reports[name]["packages"]["linux-64"] > 0, name
    assert set(reports["aaa"]) == REPORT_KEYS  # an error report has every key of a report

    text = devkit("--root", sample_monorepo.root, "drift", "--all")
    assert text.returncode == 1
    for project in ("api", "etl"):
        assert f"\n{project}  projects/{project}/environment.yml" in f"\n{text.stdout}"
    said = " ".join(text.stderr.split())
    assert f"aaa: cannot read channel `{missing}`" in said
    assert "bad-yaml: " in said and "Traceback" not in said


@pytest.mark.slow
def test_json_prints_a_document_for_an_error_before_any_project(
    sample_monorepo: Monorepo, tmp_path: Path
) -> None:
    for args, code, message in (
        (("no-such-project",), 1, "no project named `no-such-project`"),
        (("--lock", str(tmp_path / "nope.yml")), 1, "nope.yml"),
        (("--all", "api"), 2, "name projects or pass --all, not both"),
    ):
        result = devkit("--root", sample_monorepo.root, "drift", *args, "--json")
        assert result.returncode == code, args
        document = json.loads(result.stdout)
        assert document["exit_code"] == code and document["reports"] == [], args
        assert message in document["error"]["message"], args
        assert message in " ".join(result.stderr.split()), args  # and the usual error on stderr


@pytest.mark.slow
def test_ctrl_c_during_a_solve_exits_130_cleanly(sample_monorepo: Monorepo) -> None:
    # A channel server that accepts and never answers: drift is certainly mid-fetch when the
    # signal arrives.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    connected = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            connected.set()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    add_project(
        sample_monorepo,
        "slow",
        dependencies=(PYTHON,),
        channels=(f"http://127.0.0.1:{port}/conda-forge",),
    )
    child = subprocess.Popen(
        [str(DEVKIT), "--root", str(sample_monorepo.root), "drift", "slow"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert connected.wait(60), "devkit never asked the channel"
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=30)
    finally:
        child.kill()
        # shutdown() wakes the blocked accept(); close() alone would leave the thread accepting
        # on a file descriptor number the next listening socket in this process reuses.
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)
        server.close()
        acceptor.join(timeout=5)
        for conn in held:
            conn.close()
    assert child.returncode == 130
    assert stderr.strip() == "Interrupted."
    assert stdout == ""


@pytest.mark.slow
def test_a_closed_stdout_does_not_crash(mixed: Monorepo) -> None:
    for extra in ((), ("--json",)):
        reader, writer = os.pipe()
        os.close(reader)
        try:
            result = subprocess.run(
                [str(DEVKIT), "--root", str(mixed.root), "drift", "mixed", *extra],
                stdin=subprocess.DEVNULL,
                stdout=writer,
                stderr=subprocess.PIPE,
                text=True,
                timeout=120,
                check=False,
            )
        finally:
            os.close(writer)
        assert result.returncode == 1  # drift, or stdout gone: never a crash or a signal
        assert "Traceback" not in result.stderr and "crashed" not in result.stderr


@pytest.mark.slow
def test_drift_fills_doctors_cache(sample_monorepo: Monorepo) -> None:
    drift_json(sample_monorepo.root, "api")
    result = devkit(
        "--root", sample_monorepo.root, "doctor", "api", "--check", "drift.platforms", "--json"
    )
    [check] = json.loads(result.stdout)["results"]
    assert check["status"] == "ok"


@pytest.mark.slow
def test_brackets_in_specs_survive_the_text_report(sample_monorepo: Monorepo) -> None:
    env_file = sample_monorepo.env_file("api")
    data = yaml.safe_load(env_file.read_text())
    data["dependencies"] = ["python", "fastapi[version='>=9']"]
    env_file.write_text(yaml.safe_dump(data))
    result = devkit("--root", sample_monorepo.root, "drift", "api", "--platforms", "linux-64")
    assert result.returncode == 1
    # rich would read `[version='>=9']` as markup and drop it.
    assert "fastapi[version='>=9']" in result.stdout, result.stdout


@pytest.mark.slow
def test_a_channel_pinned_spec_is_named_as_the_culprit(sample_monorepo: Monorepo) -> None:
    # The local "anaconda" channel has no osx-arm64 numpy; conda-forge does.
    env_file = sample_monorepo.env_file("api")
    data = yaml.safe_load(env_file.read_text())
    data["dependencies"] = ["python=3.11", "anaconda::numpy", "fastapi=0.78.0"]
    env_file.write_text(yaml.safe_dump(data))
    document, code = drift_json(sample_monorepo.root, "api")
    assert code == 1
    report = report_of(document)
    assert report["unsolvable"] == [
        {
            "platform": "osx-arm64",
            "spec": "anaconda::numpy",
            "reason": "no osx-arm64 build in channel anaconda",
            "message": "anaconda::numpy: no osx-arm64 build in channel anaconda",
        }
    ]
    assert report["packages"]["osx-arm64"] > 0  # the rest is still solved and compared


@pytest.mark.slow
def test_the_text_report_shows_every_version_and_explains_what_is_missing(
    sample_monorepo: Monorepo, extra_channel_dir: Path
) -> None:
    # geodata has no osx-arm64 build: dropped there, it takes tabulate (its dependency) along;
    # on the other two, tabulate resolves to different versions.
    channel = extra_channel_dir.as_uri()
    add_project(sample_monorepo, "geo", dependencies=(PYTHON, "geodata"), channels=(channel,))
    result = devkit("--root", sample_monorepo.root, "drift", "geo")
    assert result.returncode == 1, result.stderr
    rows = [" ".join(line.split()) for line in result.stdout.splitlines()]
    # The dependency's versions, each platform's, with what needs it: not "see --json".
    assert f"tabulate {TABULATE_LINUX_ONLY} {TABULATE_EVERYWHERE} - needed by geodata" in rows
    assert "see --json" not in result.stdout
    # tabulate is missing on osx-arm64 only because geodata cannot be solved there: a
    # consequence of that finding, not a finding of its own.
    assert "On some platforms only" not in result.stdout
    assert (
        "missing only because a spec cannot be solved there: tabulate on osx-arm64 (geodata)"
        in " ".join(result.stdout.split())
    )

    document, _ = drift_json(sample_monorepo.root, "geo")
    report = report_of(document)
    tabulate = by_name(report["platform_only"])["tabulate"]
    assert tabulate["because_of"] == {"osx-arm64": ["geodata"]}
    dependency = by_name(report["version_drift"])["tabulate"]
    assert dependency["direct"] is False and dependency["required_by"] == ["geodata"]
