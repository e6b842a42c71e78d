"""Variable and service checks: names only, never values; real git for the leak check."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from devkit.doctor.base import Status
from devkit.doctor.registry import BY_ID
from tests.doctor.conftest import MakeCtx, run_check
from tests.support.monorepo import API_DEPLOY, API_ENV, Monorepo, git


def add_deploy(root: Path) -> None:
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "api-deploy.yml").write_text(API_DEPLOY)


def test_dotenv_missing_is_copied_from_the_example(
    make_ctx: MakeCtx, sample_monorepo: Monorepo
) -> None:
    env = sample_monorepo.api / ".env"
    assert run_check(make_ctx(sample_monorepo.root), "vars.dotenv", "api").status is Status.OK
    env.unlink()
    ctx = make_ctx(sample_monorepo.root)
    result = run_check(ctx, "vars.dotenv", "api")
    assert result.status is Status.WARN and result.fixable
    assert (result.hint or "").startswith("`devkit dotenv api` asks for each value")
    fixer = BY_ID["vars.dotenv"].fix
    assert fixer is not None
    fixer(ctx, result)
    assert env.read_text() == (sample_monorepo.api / ".env.example").read_text()
    assert stat.S_IMODE(env.stat().st_mode) == 0o600  # it will hold secrets
    assert run_check(make_ctx(sample_monorepo.root), "vars.dotenv", "api").status is Status.OK


def test_the_dotenv_fix_never_overwrites(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    env = sample_monorepo.api / ".env"
    env.unlink()
    ctx = make_ctx(sample_monorepo.root)
    result = run_check(ctx, "vars.dotenv", "api")
    env.write_text("MINE=1\n")  # the user made one meanwhile
    fixer = BY_ID["vars.dotenv"].fix
    assert fixer is not None
    assert "left as is" in fixer(ctx, result)
    assert env.read_text() == "MINE=1\n"


def test_missing_production_variables_are_named_not_valued(
    make_ctx: MakeCtx, sample_monorepo: Monorepo
) -> None:
    add_deploy(sample_monorepo.root)
    result = run_check(make_ctx(sample_monorepo.root), "vars.missing", "api")
    assert result.status is Status.FAIL
    assert "BUCKET_NAME" in result.message and "SENTRY_TOKEN" in result.message
    assert "API_KEY" not in result.message  # set in .env
    (sample_monorepo.api / ".env").write_text(
        API_ENV + "BUCKET_NAME=b\nSENTRY_TOKEN=t0ken-value\nPYTHONUNBUFFERED=1\n"
    )
    assert run_check(make_ctx(sample_monorepo.root), "vars.missing", "api").status is Status.OK


def test_empty_values_count_as_missing(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    (sample_monorepo.api / ".env").write_text("API_KEY=\nDATABASE_URL=x\nLOG_LEVEL=info\n")
    result = run_check(make_ctx(sample_monorepo.root), "vars.missing", "api")
    assert result.status is Status.FAIL and "API_KEY" in result.message


def test_unused_keys(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    assert run_check(make_ctx(sample_monorepo.root), "vars.unused", "api").status is Status.OK
    env = sample_monorepo.api / ".env"
    env.write_text(API_ENV + "OLD_FEATURE_FLAG=1\nUSED_IN_CODE=1\n")
    (sample_monorepo.api / "settings.py").write_text('import os\nX = os.environ["USED_IN_CODE"]\n')
    result = run_check(make_ctx(sample_monorepo.root), "vars.unused", "api")
    assert result.status is Status.WARN
    assert "OLD_FEATURE_FLAG" in result.message and "USED_IN_CODE" not in result.message
    assert "=1" not in result.message


def test_committed_dotenv_is_a_leak(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    root = sample_monorepo.root
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    assert run_check(make_ctx(root), "vars.tracked", "api").status is Status.OK  # .gitignore'd
    git(root, "add", "-f", "projects/api/.env")
    git(root, "commit", "-qm", "oops")
    result = run_check(make_ctx(root), "vars.tracked", "api")
    assert result.status is Status.FAIL and "rotate" in (result.hint or "")
    assert "sk-live" not in result.message
    # Without git nobody can tell: never the all-clear.
    no_git = make_ctx(root, environ={"PATH": str(root / "no-tools-here")})
    blind = run_check(no_git, "vars.tracked", "api")
    assert blind.status is Status.WARN and "cannot tell" in blind.message


def test_main_module(make_ctx: MakeCtx, sample_monorepo: Monorepo) -> None:
    assert run_check(make_ctx(sample_monorepo.root), "service.main", "api").status is Status.OK
    (sample_monorepo.api / "main.py").unlink()
    assert run_check(make_ctx(sample_monorepo.root), "service.main", "api").status is Status.FAIL
    (sample_monorepo.root / "devkit.yaml").write_text("projects:\n  api:\n    run: python job.py\n")
    assert run_check(make_ctx(sample_monorepo.root), "service.main", "api").status is Status.SKIP


def test_port_in_use_names_the_holder(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        (sample_monorepo.api / ".env").write_text(f"{API_ENV}PORT={port}\n")
        result = run_check(make_ctx(sample_monorepo.root), "service.port", "api")
        assert result.status is Status.WARN and "(pid " in result.message
    assert run_check(make_ctx(sample_monorepo.root), "service.port", "api").status is Status.OK
    monkeypatch.setenv("PORT", "eighty")
    assert run_check(make_ctx(sample_monorepo.root), "service.port", "api").status is Status.FAIL


def test_variables_set_by_environment_yml_are_not_missing(
    make_ctx: MakeCtx, sample_monorepo: Monorepo
) -> None:
    add_deploy(sample_monorepo.root)
    (sample_monorepo.api / ".env").write_text(API_ENV + "SENTRY_TOKEN=t0ken-value\n")
    env_file = sample_monorepo.env_file("api")
    env_file.write_text(env_file.read_text() + "variables:\n  BUCKET_NAME: acme-dev\n")
    assert run_check(make_ctx(sample_monorepo.root), "vars.missing", "api").status is Status.OK


def test_port_check_reads_the_root_dotenv_like_run(
    make_ctx: MakeCtx, sample_monorepo: Monorepo
) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        (sample_monorepo.root / ".env").write_text(f"PORT={port}\n")
        result = run_check(make_ctx(sample_monorepo.root), "service.port", "api")
    assert result.status is Status.WARN and f"port {port} is in use" in result.message


def test_a_dotenv_that_is_a_directory_fails_without_a_fix(
    make_ctx: MakeCtx, sample_monorepo: Monorepo
) -> None:
    env = sample_monorepo.api / ".env"
    env.unlink()
    env.mkdir()
    result = run_check(make_ctx(sample_monorepo.root), "vars.dotenv", "api")
    assert result.status is Status.FAIL and not result.fixable
    assert f"{env} is a directory, not a file" in result.message
    missing = run_check(make_ctx(sample_monorepo.root), "vars.missing", "api")
    assert missing.status is Status.FAIL and "is a directory" in missing.message
    assert "crashed" not in missing.message and missing.hint != BUG_HINT


def test_an_unreadable_dotenv_is_a_finding_not_a_crash(
    make_ctx: MakeCtx, sample_monorepo: Monorepo
) -> None:
    (sample_monorepo.api / ".env.example").write_bytes(b"\xff\xfe\x00K")
    for check_id in ("vars.missing", "vars.unused"):
        result = run_check(make_ctx(sample_monorepo.root), check_id, "api")
        assert result.status is Status.FAIL, check_id
        assert result.message.endswith(".env.example: not UTF-8 text"), result.message
        assert result.hint == "save it as UTF-8"


BUG_HINT = "this is a bug in devkit; re-run with --verbose and report it"


def test_a_value_still_the_examples_placeholder_is_not_set(
    make_ctx: MakeCtx, sample_monorepo: Monorepo
) -> None:
    add_deploy(sample_monorepo.root)
    (sample_monorepo.api / ".env.example").write_text(
        "API_KEY=replace-me\nSENTRY_TOKEN=<your sentry token>\nBUCKET_NAME=acme-dev\n"
        "DATABASE_URL=postgres://localhost:5432/api\nLOG_LEVEL=info\n"
    )
    env = sample_monorepo.api / ".env"
    env.unlink()
    ctx = make_ctx(sample_monorepo.root)
    fixer = BY_ID["vars.dotenv"].fix
    assert fixer is not None
    done = fixer(ctx, run_check(ctx, "vars.dotenv", "api"))  # the copy doctor --fix makes
    assert "still placeholders: API_KEY, SENTRY_TOKEN" in done
    result = run_check(make_ctx(sample_monorepo.root), "vars.missing", "api")
    assert result.status is Status.FAIL
    assert result.message == "still the placeholder from .env.example: SENTRY_TOKEN, API_KEY"
    assert "replace-me" not in result.message + (result.hint or "")
    # A real value in the shell is set, whatever .env says.
    shell = make_ctx(sample_monorepo.root, environ={"API_KEY": "sk-real-value-1234"})
    assert "SENTRY_TOKEN" in run_check(shell, "vars.missing", "api").message
    assert "API_KEY" not in run_check(shell, "vars.missing", "api").message
    env.write_text(env.read_text().replace("replace-me", "sk-real").replace("<your", "tok"))
    # `<...` no longer wraps the value: it is the user's now.
    assert run_check(make_ctx(sample_monorepo.root), "vars.missing", "api").status is Status.OK


def test_unset_and_placeholder_variables_are_both_named(
    make_ctx: MakeCtx, sample_monorepo: Monorepo
) -> None:
    add_deploy(sample_monorepo.root)
    (sample_monorepo.api / ".env.example").write_text("API_KEY=changeme\n")
    (sample_monorepo.api / ".env").write_text("API_KEY=changeme\n")
    result = run_check(make_ctx(sample_monorepo.root), "vars.missing", "api")
    assert result.status is Status.FAIL
    assert result.message == (
        "not set locally: BUCKET_NAME, SENTRY_TOKEN (production sets them: "
        ".github/workflows/api-deploy.yml); still the placeholder from .env.example: API_KEY"
    )
