"""Per-project env checks against real envs created by the micromamba stand-in."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from devkit.conda import envbuild, envrecords, envs
from devkit.doctor.base import Status
from devkit.doctor.checks import channels
from devkit.doctor.registry import BY_ID
from tests.doctor.conftest import MakeCtx, run_check
from tests.support.channel import FASTAPI_VERSION, PYTHON_RUNNING_MINOR
from tests.support.fixtures import CreateEnv, Isolation
from tests.support.monorepo import Monorepo, add_project, edit_environment


def fix(ctx, check_id: str, project: str) -> str:
    result = run_check(ctx, check_id, project)
    fixer = BY_ID[check_id].fix
    assert result.fixable and fixer is not None
    return fixer(ctx, result)


def add_line_of(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def set_pip(env_file: Path, requirements: list[str]) -> None:
    data = yaml.safe_load(env_file.read_text())
    conda = [d for d in data["dependencies"] if isinstance(d, str)]
    edit_environment(env_file, dependencies=[*conda, {"pip": requirements}])


def test_spec_check_names_file_and_line(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    assert run_check(make_ctx(sample_monorepo.root), "env.spec", "api").status is Status.OK
    env_file = sample_monorepo.env_file("api")
    env_file.write_text(env_file.read_text().replace("fastapi=", "fastapi>=>"))
    result = run_check(make_ctx(sample_monorepo.root), "env.spec", "api")
    assert result.status is Status.FAIL
    assert f"{env_file}:" in result.message and "invalid package spec" in result.message
    # Every check that needs the file steps aside instead of failing twice.
    assert run_check(make_ctx(sample_monorepo.root), "env.exists", "api").status is Status.SKIP


def test_lenient_only_specs_warn(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    add_project(sample_monorepo, "exported", dependencies=("python=3.11.9=h1234_0_cpython",))
    result = run_check(make_ctx(sample_monorepo.root), "env.spec", "exported")
    line = add_line_of(sample_monorepo.env_file("exported"), "h1234_0_cpython")
    assert result.status is Status.WARN and f"(line {line})" in result.message


def test_missing_env_is_created_by_the_fix(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    ctx = make_ctx(sample_monorepo.root)
    missing = run_check(ctx, "env.exists", "api")
    assert missing.status is Status.FAIL and "devkit setup --projects api" in (missing.hint or "")
    assert "created env `api`" in fix(ctx, "env.exists", "api")
    after = make_ctx(sample_monorepo.root)
    for check_id in ("env.exists", "env.broken", "env.stale", "env.pins", "env.pip"):
        assert run_check(after, check_id, "api").status is Status.OK, check_id


def test_broken_envs(make_ctx: MakeCtx, sample_monorepo: Monorepo, create_env: CreateEnv) -> None:
    prefix = create_env(sample_monorepo.api)
    assert run_check(make_ctx(sample_monorepo.root), "env.broken", "api").status is Status.OK
    (prefix / "bin" / "python").unlink()
    result = run_check(make_ctx(sample_monorepo.root), "env.broken", "api")
    assert result.status is Status.FAIL and "bin/python is missing" in result.message
    for record in (prefix / "conda-meta").glob("*.json"):
        record.unlink()
    result = run_check(make_ctx(sample_monorepo.root), "env.broken", "api")
    assert result.status is Status.FAIL and "lists no packages" in result.message
    shutil.rmtree(prefix / "conda-meta")
    assert (
        "not a conda env" in run_check(make_ctx(sample_monorepo.root), "env.broken", "api").message
    )


def test_stale_env_after_an_edit(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, create_env: CreateEnv
) -> None:
    create_env(sample_monorepo.api)
    unknown = run_check(make_ctx(sample_monorepo.root), "env.stale", "api")
    assert unknown.status is Status.WARN and "not built by devkit" in unknown.message
    fix(make_ctx(sample_monorepo.root), "env.stale", "api")
    assert run_check(make_ctx(sample_monorepo.root), "env.stale", "api").status is Status.OK
    env_file = sample_monorepo.env_file("api")
    env_file.write_text(env_file.read_text() + "# a comment is an edit too\n")
    stale = run_check(make_ctx(sample_monorepo.root), "env.stale", "api")
    assert stale.status is Status.FAIL and stale.fixable


def test_interrupted_build_does_not_look_current(
    sample_monorepo: Monorepo, create_env: CreateEnv, make_ctx: MakeCtx
) -> None:
    prefix = create_env(sample_monorepo.api)
    ctx = make_ctx(sample_monorepo.root)
    spec = ctx.spec(ctx.monorepo.project("api"))  # type: ignore[union-attr]
    assert not isinstance(spec, Exception)
    from devkit.conda import micromamba

    mm = micromamba.Micromamba(micromamba.locate(ctx.config), ctx.root_prefix)
    envbuild.write_fingerprint(prefix, spec, envbuild.source_sha256(spec, mm.platform))
    assert envbuild.is_current(prefix, spec, mm)
    # A build that fails (unsolvable now) must leave the env marked as not current.
    edit_environment(sample_monorepo.env_file("api"), dependencies=["postal=9.9.9"])
    location = envs.EnvLocation("api", prefix)
    new_spec = make_ctx(sample_monorepo.root).spec(ctx.monorepo.project("api"))  # type: ignore[union-attr]
    assert not isinstance(new_spec, Exception)
    built = envbuild.build(mm, new_spec, location)
    assert not built.ok and any("postal" in p for p in built.problems)
    # The working env is kept as it was, and is not current for the new file.
    assert "the previous env is kept as it was" in built.note
    assert envs.status(prefix).state is envs.EnvState.PRESENT
    assert not envbuild.is_current(prefix, new_spec, mm)
    assert envbuild.is_current(prefix, spec, mm)
    assert [p.name for p in prefix.parent.iterdir() if "devkit-previous" in p.name] == []


def test_pins_not_satisfied(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, create_env: CreateEnv
) -> None:
    create_env(sample_monorepo.api)
    env_file = sample_monorepo.env_file("api")
    edit_environment(
        env_file,
        dependencies=[f"python={PYTHON_RUNNING_MINOR}", "fastapi=0.79", "pins", "uvicorn"],
    )
    result = run_check(make_ctx(sample_monorepo.root), "env.pins", "api")
    assert result.status is Status.FAIL
    assert f"fastapi=0.79 (installed {FASTAPI_VERSION}" in result.message
    assert "not installed: pins" in result.message


def test_selectors_for_another_os_are_ignored(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, create_env: CreateEnv
) -> None:
    create_env(sample_monorepo.api)
    env_file = sample_monorepo.env_file("api")
    data = yaml.safe_load(env_file.read_text())
    edit_environment(env_file, dependencies=[*data["dependencies"], "sel(osx): libcxx"])
    assert (
        run_check(make_ctx(sample_monorepo.root, system="Linux"), "env.pins", "api").status
        is Status.OK
    )


def test_pip_section(make_ctx: MakeCtx, sample_monorepo: Monorepo, create_env: CreateEnv) -> None:
    create_env(sample_monorepo.etl)
    ok = run_check(make_ctx(sample_monorepo.root), "env.pip", "etl")
    # Only a path requirement: nothing devkit can compare, so it says so instead of passing.
    assert ok.status is Status.SKIP and "URL/path requirements" in ok.message
    env_file = sample_monorepo.env_file("etl")
    set_pip(env_file, ["etl-utils==0.1.0"])
    assert run_check(make_ctx(sample_monorepo.root), "env.pip", "etl").status is Status.OK
    set_pip(env_file, ["etl_utils==0.2.0", "pyairtable==1.4.0"])
    bad = run_check(make_ctx(sample_monorepo.root), "env.pip", "etl")
    assert bad.status is Status.FAIL
    assert "etl_utils==0.2.0 (installed 0.1.0)" in bad.message
    assert "pyairtable==1.4.0 not installed" in bad.message


def test_two_projects_one_env_name(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    assert run_check(make_ctx(sample_monorepo.root), "env.name_clash", "api").status is Status.OK
    copy = add_project(sample_monorepo, "api-v2")
    edit_environment(copy / "environment.yml", name="api")
    result = run_check(make_ctx(sample_monorepo.root), "env.name_clash", "api")
    assert result.status is Status.FAIL and "api-v2" in result.message


def test_channels_mixed_in_the_file(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    assert run_check(make_ctx(sample_monorepo.root), "channels.mixed", "api").status is Status.OK
    edit_environment(
        sample_monorepo.env_file("api"), channels=["conda-forge", "anaconda", "defaults"]
    )
    result = run_check(make_ctx(sample_monorepo.root), "channels.mixed", "api")
    assert result.status is Status.WARN and "anaconda, defaults" in result.message


def test_channels_mixed_in_the_env(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, create_env: CreateEnv
) -> None:
    create_env(sample_monorepo.api)
    assert (
        run_check(make_ctx(sample_monorepo.root), "channels.env_mixed", "api").status is Status.OK
    )
    folder = add_project(
        sample_monorepo,
        "mixed",
        dependencies=(f"python={PYTHON_RUNNING_MINOR}", "anaconda::pyarrow=8.0.0"),
        channels=("conda-forge", "anaconda"),
    )
    create_env(folder)
    result = run_check(make_ctx(sample_monorepo.root), "channels.env_mixed", "mixed")
    assert result.status is Status.WARN
    assert "conda-forge" in result.message and "anaconda (1)" in result.message


@pytest.mark.parametrize(
    ("pin", "status"),
    [
        ("python=3.9", Status.WARN),
        ("python=3.10", Status.WARN),
        ("python=3.12", Status.OK),
        ("python=2.7", Status.WARN),
        ("python", Status.WARN),
    ],
)
def test_python_end_of_life(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, pin: str, status: Status
) -> None:
    edit_environment(sample_monorepo.env_file("api"), dependencies=[pin])
    ctx = make_ctx(sample_monorepo.root, today=dt.date(2026, 11, 25))
    result = run_check(ctx, "python.eol", "api")
    assert result.status is status


def test_reading_envs_never_runs_micromamba(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, create_env: CreateEnv, isolate: Isolation
) -> None:
    prefix = create_env(sample_monorepo.api)
    records = envrecords.installed_records(prefix)
    assert {r.name.normalized for r in records} >= {"python", "fastapi", "uvicorn"}
    assert isolate.root_prefix in prefix.parents


def test_channel_names_from_records_of_any_micromamba() -> None:
    assert channels._channel_name("conda-forge") == "conda-forge"
    assert (
        channels._channel_name("https://conda.anaconda.org/conda-forge/linux-64") == "conda-forge"
    )
    assert channels._channel_name("https://conda.anaconda.org/conda-forge/noarch/") == "conda-forge"
    assert channels._channel_name("https://repo.anaconda.com/pkgs/main") == "main"
    assert channels._channel_name(None) == "unknown"
