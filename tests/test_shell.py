"""devkit shell through a real pseudo-terminal."""

from __future__ import annotations

import os
from pathlib import Path

import pexpect
import pytest

from tests.support.cli import DEVKIT
from tests.support.fixtures import CreateEnv, Isolation
from tests.support.monorepo import Monorepo


@pytest.mark.slow
def test_shell_is_activated_with_dotenv_in_the_project(
    sample_monorepo: Monorepo, create_env: CreateEnv, isolate: Isolation
) -> None:
    create_env(sample_monorepo.api)
    env = {**os.environ, "SHELL": "/bin/bash", "PS1": "devkit-test$ "}
    child = pexpect.spawn(
        str(DEVKIT),
        ["--root", str(sample_monorepo.root), "shell", "api"],
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect_exact("`exit` returns")
        child.sendline('echo "prefix=$CONDA_PREFIX level=$LOG_LEVEL cwd=$PWD shell=$DEVKIT_SHELL"')
        child.expect(r"prefix=(\S+) level=(\S+) cwd=(\S+) shell=(\S+)")
        prefix, level, cwd, marker = child.match.groups()  # type: ignore[union-attr]
        child.sendline("exit 3")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert Path(prefix) == isolate.root_prefix / "envs" / "api"
    assert (level, marker) == ("debug", "api")
    assert Path(cwd) == sample_monorepo.api
    assert child.exitstatus == 3


@pytest.mark.slow
def test_shell_without_env_says_how_to_create_it(sample_monorepo: Monorepo) -> None:
    output, status = pexpect.run(
        f"{DEVKIT} --root {sample_monorepo.root} shell api",
        withexitstatus=True,
        encoding="utf-8",
        timeout=30,
    )
    assert status == 1 and "devkit setup --projects api" in output


@pytest.mark.slow
def test_a_shell_that_does_not_exist_is_a_clear_error(
    sample_monorepo: Monorepo, create_env: CreateEnv
) -> None:
    create_env(sample_monorepo.api)
    env = {**os.environ, "SHELL": "/nonexistent/zsh"}
    output, status = pexpect.run(
        f"{DEVKIT} --root {sample_monorepo.root} shell api",
        withexitstatus=True,
        encoding="utf-8",
        timeout=30,
        env=env,
    )
    assert status == 1 and "cannot start the shell /nonexistent/zsh" in output
    assert "crashed" not in output
