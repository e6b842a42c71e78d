"""The image from the lock: `devkit new --lock`'s Dockerfile, files.docker_lock and its fixer,
and the build stage's own commands run against a real lock with the micromamba stand-in."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from devkit.doctor.base import Status
from devkit.doctor.checks import lockuse
from devkit.errors import DevkitError
from devkit.repo import dockerlock, projectfiles
from tests.doctor.conftest import MakeCtx
from tests.files.conftest import (
    NAME,
    SMALL_LOCK,
    Fresh,
    create_project,
    devkit,
    run_check,
    trim_to_test_channel,
)
from tests.support.fixtures import Isolation
from tests.support.monorepo import Monorepo
from tests.support.world import World


@pytest.fixture
def fresh(sample_monorepo: Monorepo) -> Fresh:
    create_project(sample_monorepo.root)
    return Fresh(sample_monorepo.root)


def test_a_locked_project_whose_image_solves_is_rebuilt_from_the_lock(
    fresh: Fresh, make_ctx: MakeCtx
) -> None:
    assert run_check(make_ctx(fresh.root), "files.docker_lock", NAME).status is Status.SKIP
    lock = fresh.file("conda-lock.yml")
    lock.write_text(SMALL_LOCK)
    dockerfile = fresh.file("Dockerfile")
    before = dockerfile.read_text()
    ctx = make_ctx(fresh.root)
    found = run_check(ctx, "files.docker_lock", NAME)
    line = fresh.line_of(dockerfile, "mamba env create")
    assert found.status is Status.WARN and found.fixable
    assert f"the Dockerfile solves (projects/{NAME}/Dockerfile:{line}: `mamba env create" in (
        found.message
    )
    said = lockuse.fix_docker_lock(ctx, found)
    assert said.startswith(f"projects/{NAME}/Dockerfile: the build stage installs conda-lock.yml")
    after = dockerfile.read_text()
    sha256 = hashlib.sha256(lock.read_bytes()).hexdigest()
    assert after.startswith(f"ARG DEVKIT_LOCK_SHA256={sha256}\n")
    assert "micromamba create -y -p /venv -f /tmp/conda-lock.yml" in after
    assert "RUN conda-pack" not in after and "install -y -c conda-forge conda-pack" not in after
    assert "environment.yml" not in after
    # The prod stage is kept as it was, plus its label.
    prod_before = before[before.index("# The prod image") :]
    prod_after = after[after.index("# The prod image") :]
    assert (
        prod_after.replace(
            'ARG DEVKIT_LOCK_SHA256\nLABEL devkit.conda-lock.sha256="${DEVKIT_LOCK_SHA256}"\n', ""
        )
        == prod_before
    )
    assert run_check(make_ctx(fresh.root), "files.docker_lock", NAME).status is Status.OK
    for other in ("files.docker_base", "files.docker_platform", "files.parse"):
        assert run_check(make_ctx(fresh.root), other, NAME).status is Status.OK, other


def test_a_lock_the_image_does_not_check_against_fails_and_is_restamped(
    sample_monorepo: Monorepo, make_ctx: MakeCtx
) -> None:
    folder = create_project(sample_monorepo.root, lock=True)
    lock = folder / "conda-lock.yml"
    lock.write_text(SMALL_LOCK)
    ctx = make_ctx(sample_monorepo.root)
    found = run_check(ctx, "files.docker_lock", NAME)  # the template's ARG is still empty
    assert found.status is Status.FAIL and "the image build stops at its check" in found.message
    assert lockuse.fix_docker_lock(ctx, found).endswith("set to conda-lock.yml's sha256; commit it")
    assert run_check(make_ctx(sample_monorepo.root), "files.docker_lock", NAME).status is Status.OK
    lock.write_text(
        SMALL_LOCK.replace("linux-64]", "osx-arm64]")
        .replace("platform: linux-64", "platform: osx-arm64")
        .replace("{linux-64: x}", "{osx-arm64: x}")
    )
    gone = run_check(make_ctx(sample_monorepo.root), "files.docker_lock", NAME)
    assert gone.status is Status.FAIL and "has no linux-64 packages" in gone.message


def test_a_dockerfile_of_another_shape_is_left_to_its_author(
    fresh: Fresh, make_ctx: MakeCtx
) -> None:
    fresh.file("conda-lock.yml").write_text(SMALL_LOCK)
    dockerfile = fresh.file("Dockerfile")
    dockerfile.write_text(
        "FROM condaforge/miniforge3 AS build\nRUN mamba env create -f environment.yml\n"
    )
    ctx = make_ctx(fresh.root)
    found = run_check(ctx, "files.docker_lock", NAME)
    assert found.status is Status.WARN
    with pytest.raises(DevkitError, match="not the two-stage shape"):
        lockuse.fix_docker_lock(ctx, found)
    # Installing a lock without the check and the label is named too.
    dockerfile.write_text(
        "FROM mambaorg/micromamba AS build\nRUN micromamba create -p /venv -f conda-lock.yml\n"
    )
    unlabelled = run_check(make_ctx(fresh.root), "files.docker_lock", NAME)
    assert unlabelled.status is Status.WARN and "nothing says which lock" in unlabelled.message


@pytest.mark.slow
def test_new_with_lock_stamps_the_image_and_its_build_stage_installs_the_lock(
    sample_monorepo: Monorepo, test_world: World, isolate: Isolation, tmp_path: Path
) -> None:
    """The build stage's RUN commands, run as Docker would run them (paths moved to a temp
    folder, the stand-in as micromamba): the sha256 check, the locked install, the activate."""
    root = sample_monorepo.root
    folder = create_project(root, lock=True)
    trim_to_test_channel(folder / "environment.yml")
    locked = devkit(root, "lock", NAME, "--platforms", "linux-64")
    assert locked.returncode == 0, locked.stderr
    assert f"updated projects/{NAME}/Dockerfile: DEVKIT_LOCK_SHA256" in locked.stdout
    lock = folder / "conda-lock.yml"
    parsed = projectfiles.parse_dockerfile(folder / "Dockerfile")
    use = dockerlock.use(parsed)
    assert use.stamped == hashlib.sha256(lock.read_bytes()).hexdigest() and use.labelled
    assert "CI still solves" not in locked.stderr and "Dockerfile still solves" not in locked.stderr

    venv, copied = tmp_path / "venv", tmp_path / "conda-lock.yml"
    copied.write_bytes(lock.read_bytes())
    build = parsed.stages()[0].line
    prod = parsed.stages()[1].line
    runs = [i.args for i in parsed.instructions if i.keyword == "RUN" and build < i.line < prod]
    env = {**os.environ, "DEVKIT_LOCK_SHA256": use.stamped or ""}
    for script in runs:
        script = script.replace("/tmp/conda-lock.yml", str(copied)).replace("/venv", str(venv))
        script = script.replace("micromamba create", f"{test_world.micromamba} create")
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    check = f"source {venv}/bin/activate && python -c 'import fastapi, sys; print(sys.prefix)'"
    ran = subprocess.run(["bash", "-c", check], capture_output=True, text=True, check=False)
    assert ran.returncode == 0 and ran.stdout.strip() == str(venv), ran.stderr
    # A lock that is not the stamped one stops the build at its first command.
    copied.write_text(copied.read_text() + "# edited\n")
    first = runs[0].replace("/tmp/conda-lock.yml", str(copied)).replace("/venv", str(venv))
    refused = subprocess.run(["bash", "-c", first], env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "FAILED" in refused.stdout + refused.stderr
    assert yaml.safe_load(lock.read_text())["version"] == 1
