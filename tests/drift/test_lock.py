"""devkit lock: conda-lock v1 files that conda-lock parses, the stand-in installs, doctor checks."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from devkit.conda import envrecords, envs, envspec, lockfile
from devkit.errors import FileFormatError
from tests.drift.conftest import PYTHON, by_name, devkit, drift_json, report_of
from tests.support.channel import POSTAL_VERSION
from tests.support.fixtures import Isolation
from tests.support.monorepo import Monorepo, add_project, edit_environment
from tests.support.world import World

REAL_LOCK = Path(__file__).parent / "data" / "conda-lock-2022-excerpt.yml"


def lock(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return devkit("--root", root, "lock", *args)


def doctor_result(root: Path, project: str, check_id: str) -> dict:
    result = devkit("--root", root, "doctor", project, "--check", check_id, "--json")
    [found] = json.loads(result.stdout)["results"]
    return found


# conda-lock's vendored conda warns about its own deprecations when imported.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")
def test_lockfile_parses_with_conda_locks_own_parser(sample_monorepo: Monorepo) -> None:
    from conda_lock.lockfile import parse_conda_lock_file

    result = lock(sample_monorepo.root, "api")
    assert result.returncode == 0, result.stderr
    path = sample_monorepo.api / "conda-lock.yml"
    assert "wrote projects/api/conda-lock.yml" in result.stdout

    parsed = parse_conda_lock_file(path)
    assert parsed.metadata.platforms == ["linux-64", "osx-64", "osx-arm64"]
    assert parsed.metadata.sources == ["environment.yml"]
    assert set(parsed.metadata.content_hash) == {"linux-64", "osx-64", "osx-arm64"}
    assert parsed.metadata.channels[0].url.endswith("/conda-forge")
    spec = envspec.parse(sample_monorepo.env_file("api"))
    inputs = parsed.metadata.inputs_metadata or {}
    assert inputs["environment.yml"].sha256 == spec.fingerprint
    platforms_of = {}
    for package in parsed.package:
        assert package.manager == "conda" and package.categories == {"main"}
        assert package.url.startswith("file://") and package.hash.md5 and package.hash.sha256
        platforms_of.setdefault(package.name, set()).add(package.platform)
    assert platforms_of["fastapi"] == {"linux-64", "osx-64", "osx-arm64"}
    assert platforms_of["libgcc-ng"] == {"linux-64"}
    assert platforms_of["libcxx"] == {"osx-64", "osx-arm64"}
    python = next(p for p in parsed.package if p.name == "python" and p.platform == "linux-64")
    assert python.dependencies["libgcc-ng"] == ">=12" and python.dependencies["tzdata"] == "*"

    # Locking again from the same inputs writes the same bytes (no timestamps in the file).
    before = path.read_bytes()
    assert lock(sample_monorepo.root, "api").returncode == 0
    assert path.read_bytes() == before


@pytest.mark.slow
def test_the_stand_in_installs_exactly_the_locked_linux_packages(
    sample_monorepo: Monorepo, test_world: World, isolate: Isolation
) -> None:
    assert lock(sample_monorepo.root, "api").returncode == 0
    path = sample_monorepo.api / "conda-lock.yml"
    prefix = isolate.root_prefix / "envs" / "from-lock"
    argv = [str(test_world.micromamba), "create", "-y", "-r", str(isolate.root_prefix)]
    argv += ["-p", str(prefix), "-f", str(path), "--json", "--log-level", "error"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["success"] is True
    installed = {
        (r.name.normalized, str(r.version), str(r.build))
        for r in envrecords.installed_records(prefix)
    }
    locked = lockfile.read(path).packages["linux-64"]
    assert installed == {(p.name, p.version, p.build) for p in locked.values()}
    # A lockfile holds no env name: without -p/-n micromamba has nowhere to put it.
    argv = [str(test_world.micromamba), "create", "-y", "-f", str(path), "--json"]
    assert subprocess.run(argv, capture_output=True, text=True, check=False).returncode == 1


@pytest.mark.slow
def test_an_unsolvable_project_is_not_locked(mixed: Monorepo) -> None:
    result = lock(mixed.root, "mixed")
    assert result.returncode == 1
    assert f"cannot lock mixed: osx-arm64: postal={POSTAL_VERSION}: no osx-arm64 build" in (
        result.stderr
    )
    assert not (mixed.project("mixed") / "conda-lock.yml").exists()
    # Locking only the platforms that solve works, and doctor then says what is missing.
    assert lock(mixed.root, "mixed", "--platforms", "linux-64,osx-64").returncode == 0
    missing = doctor_result(mixed.root, "mixed", "lock.platforms")
    assert missing["status"] == "warn" and "lacks osx-arm64" in missing["message"]


@pytest.mark.slow
def test_drift_from_a_lock_matches_the_solve(mixed: Monorepo) -> None:
    env_file = mixed.env_file("mixed")
    data = yaml.safe_load(env_file.read_text())
    data["dependencies"] = [d for d in data["dependencies"] if not str(d).startswith("postal")]
    env_file.write_text(yaml.safe_dump(data, sort_keys=False))
    solved = report_of(drift_json(mixed.root, "mixed")[0])
    assert lock(mixed.root, "mixed").returncode == 0
    document, code = drift_json(mixed.root, "--lock", mixed.project("mixed") / "conda-lock.yml")
    from_lock = report_of(document)
    assert code == 1 and document["mode"] == "lock" and from_lock["mode"] == "lock"
    assert from_lock["project"] == "mixed"
    for category in ("platform_only", "channel_drift", "loose_specs"):
        assert from_lock[category] == solved[category], category
    numpy = by_name(from_lock["version_drift"])["numpy"]
    assert numpy["versions"] == by_name(solved["version_drift"])["numpy"]["versions"]
    assert numpy["pin"] is None  # no solve, so no pin search


@pytest.mark.slow
def test_drift_reads_a_lock_conda_lock_wrote(tmp_path: Path) -> None:
    # A real conda-lock file, without its environment.yml: every difference counts.
    document, code = drift_json(tmp_path, "--lock", REAL_LOCK)
    assert code == 1
    report = report_of(document)
    assert report["platforms"] == ["linux-64", "osx-64", "osx-arm64"]
    assert by_name(report["version_drift"])["libgfortran5"]["versions"] == {
        "linux-64": "11.2.0",
        "osx-64": "9.3.0",
        "osx-arm64": "11.0.1.dev0",
    }
    only = by_name(report["platform_only"])
    assert only["appnope"]["expected"] and only["_libgcc_mutex"]["expected"]
    assert "direct specs unknown" in report["notes"][0]
    parsed = lockfile.read(REAL_LOCK)
    assert parsed.packages["linux-64"]["_libgcc_mutex"].build == "conda_forge"
    assert parsed.packages["osx-64"]["appnope"].channel == "conda-forge"


@pytest.mark.slow
def test_doctor_finds_a_stale_lock_spec_by_spec(sample_monorepo: Monorepo) -> None:
    root = sample_monorepo.root
    assert doctor_result(root, "api", "lock.stale")["status"] == "skip"
    assert lock(root, "api").returncode == 0
    assert doctor_result(root, "api", "lock.stale")["status"] == "ok"

    env_file = sample_monorepo.env_file("api")
    env_file.write_text(env_file.read_text() + "# a comment changes the file, not the specs\n")
    touched = doctor_result(root, "api", "lock.stale")
    assert touched["status"] == "warn" and "every spec is still satisfied" in touched["message"]

    data = yaml.safe_load(env_file.read_text())
    edit_environment(env_file, dependencies=[*data["dependencies"], "pins=0.8.1"])
    stale = doctor_result(root, "api", "lock.stale")
    assert stale["status"] == "fail"
    assert "pins=0.8.1 is not locked on linux-64" in stale["message"]
    assert "devkit lock api" in stale["hint"]

    assert lock(root, "api").returncode == 0
    assert doctor_result(root, "api", "lock.stale")["status"] == "ok"


@pytest.mark.slow
def test_doctor_wants_this_machines_platform_in_the_lock(sample_monorepo: Monorepo) -> None:
    root = sample_monorepo.root
    assert doctor_result(root, "api", "lock.platforms")["status"] == "skip"
    assert lock(root, "api", "--platforms", "osx-64,osx-arm64").returncode == 0
    result = doctor_result(root, "api", "lock.platforms")
    assert result["status"] == "fail" and "no packages for this machine" in result["message"]
    assert lock(root, "api").returncode == 0
    assert doctor_result(root, "api", "lock.platforms")["status"] == "ok"
    # A Mac-only project on a Linux machine: worth a word, not a failure.
    (root / "devkit.yaml").write_text("projects:\n  api:\n    platforms: [osx-64, osx-arm64]\n")
    assert lock(root, "api").returncode == 0
    result = doctor_result(root, "api", "lock.platforms")
    assert result["status"] == "warn"
    assert "linux-64 is not one of its platforms" in result["message"]


@pytest.mark.slow
def test_doctor_fix_builds_from_the_lock_with_pip_and_variables(
    sample_monorepo: Monorepo, isolate: Isolation
) -> None:
    root = sample_monorepo.root
    assert lock(root, "etl").returncode == 0
    fixed = devkit("--root", root, "doctor", "etl", "--fix", "--yes", "--check", "env.exists")
    assert "created env `etl`" in fixed.stderr, fixed.stderr
    prefix = isolate.root_prefix / "envs" / "etl"
    history = (prefix / "conda-meta" / "history").read_text()
    assert f"-f {sample_monorepo.etl / 'conda-lock.yml'}" in history
    # What a lockfile cannot hold still happens: the pip section and the variables.
    assert envs.pip_installed(prefix)["etl-utils"] == "0.1.0"
    state = json.loads((prefix / "conda-meta" / "state").read_text())
    assert state["env_vars"] == {"ETL_MODE": "batch"}
    for check_id in ("env.stale", "env.pins"):
        assert doctor_result(root, "etl", check_id)["status"] == "ok", check_id
    # Its one pip requirement is a path: checked above, and doctor says it cannot compare it.
    assert doctor_result(root, "etl", "env.pip")["status"] == "skip"


@pytest.mark.slow
def test_a_stale_lock_is_not_used_to_build(sample_monorepo: Monorepo, isolate: Isolation) -> None:
    root = sample_monorepo.root
    assert lock(root, "api").returncode == 0
    env_file = sample_monorepo.env_file("api")
    data = yaml.safe_load(env_file.read_text())
    edit_environment(env_file, dependencies=[*data["dependencies"], "pins=0.8.1"])
    fixed = devkit("--root", root, "doctor", "api", "--fix", "--yes", "--check", "env.exists")
    assert "created env `api`" in fixed.stderr
    prefix = isolate.root_prefix / "envs" / "api"
    assert f"-f {env_file}" in (prefix / "conda-meta" / "history").read_text()
    assert "pins" in {r.name.normalized for r in envrecords.installed_records(prefix)}


@pytest.mark.slow
def test_lock_needs_a_project(sample_monorepo: Monorepo) -> None:
    result = lock(sample_monorepo.root)
    assert result.returncode == 2 and "name a project, or pass --all" in result.stderr
    assert os.listdir(sample_monorepo.api).count("conda-lock.yml") == 0
    assert add_project(sample_monorepo, "tiny", dependencies=(PYTHON,)).is_dir()
    assert lock(sample_monorepo.root, "--all").returncode == 0
    assert (sample_monorepo.project("tiny") / "conda-lock.yml").is_file()


@pytest.mark.slow
def test_relocking_makes_the_env_stale(sample_monorepo: Monorepo, isolate: Isolation) -> None:
    root = sample_monorepo.root
    assert lock(root, "api").returncode == 0
    devkit("--root", root, "doctor", "api", "--fix", "--yes", "--check", "env.exists")
    assert doctor_result(root, "api", "env.stale")["status"] == "ok"
    lock_file = sample_monorepo.api / "conda-lock.yml"
    # Same packages, another lock: what setup would install is no longer what was built.
    lock_file.write_text(lock_file.read_text() + "# re-locked\n")
    assert doctor_result(root, "api", "env.stale")["status"] == "fail"


@pytest.mark.slow
def test_relocking_during_a_build_leaves_the_env_stale(
    sample_monorepo: Monorepo,
    isolate: Isolation,
    test_world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A `devkit lock` that lands while micromamba creates the env: the env was built from the
    # old lock, so it must not be recorded as matching the new one.
    root = sample_monorepo.root
    assert lock(root, "api").returncode == 0
    lock_file = sample_monorepo.api / "conda-lock.yml"
    wrapper = tmp_path / "micromamba"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" create "*) echo "# re-locked" >> "{lock_file}";; esac\n'
        f'exec "{test_world.bin_dir / "micromamba"}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("DEVKIT_MICROMAMBA", str(wrapper))
    fixed = devkit("--root", root, "doctor", "api", "--fix", "--yes", "--check", "env.exists")
    assert "created env `api`" in fixed.stderr, fixed.stderr
    assert lock_file.read_text().endswith("# re-locked\n")
    assert doctor_result(root, "api", "env.stale")["status"] == "fail"


@pytest.mark.slow
def test_a_broken_lock_is_reported_with_file_and_line(sample_monorepo: Monorepo) -> None:
    root = sample_monorepo.root
    assert lock(root, "api").returncode == 0
    lock_file = sample_monorepo.api / "conda-lock.yml"
    good = lock_file.read_text()
    lines = good.splitlines(keepends=True)
    # A merge left its markers in the middle of the package list.
    at = next(i for i, text in enumerate(lines) if text.startswith("- name:")) + 1
    lock_file.write_text("".join([*lines[:at], "<<<<<<< HEAD\n", *lines[at:]]))
    result = doctor_result(root, "api", "lock.stale")
    assert result["status"] == "fail"
    assert f"conda-lock.yml:{at + 1}: invalid YAML" in result["message"], result["message"]
    assert result["hint"] == "re-create it: `devkit lock api`"

    # A hand edit dropped a package's version: the entry's line, not a crash.
    entry = next(i for i, text in enumerate(lines) if text.startswith("- name:"))
    at = next(i for i in range(entry, len(lines)) if lines[i].startswith("  version: "))
    lock_file.write_text("".join([*lines[:at], *lines[at + 1 :]]))
    with pytest.raises(FileFormatError) as caught:
        lockfile.read(lock_file)
    assert caught.value.line == entry + 1
    assert "package entry without version" in caught.value.message


@pytest.mark.slow
def test_the_lock_section_is_micromambas_platform_not_devkits(
    sample_monorepo: Monorepo, test_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under Rosetta devkit runs as osx-64 while the native micromamba builds osx-arm64 envs:
    # the lock section that matters is micromamba's. Here: a micromamba that builds osx-arm64.
    wrapper = tmp_path / "micromamba"
    wrapper.write_text(
        "#!/bin/sh\n"
        "export CONDA_SUBDIR=osx-arm64 CONDA_OVERRIDE_OSX=12.0\n"
        f'exec "{test_world.bin_dir / "micromamba"}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("DEVKIT_MICROMAMBA", str(wrapper))
    root = sample_monorepo.root
    assert lock(root, "api", "--platforms", "linux-64").returncode == 0
    result = doctor_result(root, "api", "lock.platforms")
    assert result["status"] == "fail" and "this machine (osx-arm64)" in result["message"]
    fixed = devkit("--root", root, "doctor", "api", "--fix", "--yes", "--check", "env.exists")
    assert "created env `api`" in fixed.stderr, fixed.stderr
    assert "conda-lock.yml not used: it has no osx-arm64 packages" in fixed.stderr

    assert lock(root, "api", "--platforms", "linux-64,osx-arm64").returncode == 0
    result = doctor_result(root, "api", "lock.platforms")
    assert result["status"] == "warn" and result["message"].endswith("lacks osx-64")
    assert doctor_result(root, "api", "env.stale")["status"] == "fail"  # the lock is used now
    fixed = devkit("--root", root, "doctor", "api", "--fix", "--yes", "--check", "env.stale")
    assert fixed.returncode == 0 and "from conda-lock.yml)" in fixed.stderr, fixed.stderr
    assert doctor_result(root, "api", "env.stale")["status"] == "ok"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  content_hash:\n", "  content_hash: 5\n  unused:\n"),
        ("  sources:\n", "  sources: 5\n  unused:\n"),
        ("  platforms:\n", "  platforms: linux-64\n  unused:\n"),
        ("  dependencies: {}\n", "  dependencies: [a]\n"),
        ("  platform: linux-64\n", "  platform: win-99\n"),
        ("/_libgcc_mutex-0.1-conda_forge.tar.bz2\n", "/_libgcc_mutex\n"),
        ("  version: '0.1'\n", "  version: 1.2.3 garbage\n"),
    ],
)
def test_drift_from_a_malformed_lock_exits_1_naming_file_and_line(
    tmp_path: Path, old: str, new: str
) -> None:
    good = REAL_LOCK.read_text()
    text = good.replace(old, new, 1)
    line = next(
        i + 1
        for i, (a, b) in enumerate(zip(good.splitlines(), text.splitlines(), strict=False))
        if a != b
    )
    path = tmp_path / "conda-lock.yml"
    path.write_text(text)
    result = devkit("--root", tmp_path, "drift", "--lock", path)
    assert result.returncode == 1, result.stderr  # an error, not a crash (3)
    assert f"{path}:{line}: " in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_lock_with_a_version_rattler_cannot_read_is_not_stale_but_broken(
    sample_monorepo: Monorepo,
) -> None:
    # lock.stale matches specs against the locked versions: a bad one was a crash there.
    root = sample_monorepo.root
    assert lock(root, "api").returncode == 0
    lock_file = sample_monorepo.api / "conda-lock.yml"
    lines = lock_file.read_text().splitlines(keepends=True)
    at = next(i for i, text in enumerate(lines) if text.startswith("  version: "))
    lines[at] = "  version: 1.2.3 garbage\n"
    lock_file.write_text("".join(lines))
    stale = doctor_result(root, "api", "lock.stale")
    assert stale["status"] == "fail"
    assert f"conda-lock.yml:{at + 1}: package " in stale["message"], stale["message"]
    assert "malformed version string '1.2.3 garbage'" in stale["message"]
    assert stale["hint"] == "re-create it: `devkit lock api`"


@pytest.mark.slow
def test_an_environment_file_without_channels_says_so(
    sample_monorepo: Monorepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No `channels:` and no rc file that adds any (the test world's .condarc does).
    (tmp_path / "empty.condarc").write_text("")
    monkeypatch.setenv("CONDARC", str(tmp_path / "empty.condarc"))
    env_file = sample_monorepo.env_file("api")
    data = yaml.safe_load(env_file.read_text())
    del data["channels"]
    env_file.write_text(yaml.safe_dump(data))
    for command in ("lock", "drift"):
        result = devkit("--root", sample_monorepo.root, command, "api")
        assert result.returncode == 1, result.stderr
        assert f"{env_file}: no channels to solve from" in result.stderr
        assert "no linux-64 build" not in result.stderr


@pytest.mark.slow
def test_a_comment_selector_is_named_when_the_lock_fails(mixed: Monorepo) -> None:
    env_file = mixed.env_file("mixed")
    text = env_file.read_text().replace("- postal=1.1.9", "- postal=1.1.9  # [linux]")
    env_file.write_text(text)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "# [linux]" in t)
    result = lock(mixed.root, "mixed")
    assert result.returncode == 1 and "no osx-arm64 build" in result.stderr
    assert f"{env_file}:{line}: micromamba ignores `# [linux]`" in result.stderr
    assert "write `- sel(linux): postal=1.1.9`" in result.stderr
    drift = devkit("--root", mixed.root, "drift", "mixed", "--json")
    assert f"{env_file}:{line}: micromamba ignores `# [linux]`" in drift.stderr
