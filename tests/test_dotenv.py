"""A project's first .env: what is asked, the file written, and `devkit dotenv` on a terminal."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from devkit import atomic
from devkit.repo import dotenv_create, dotenv_file
from devkit.repo.github import workflows
from tests.support.cli import DEVKIT
from tests.support.monorepo import API_DEPLOY, Monorepo

SECRET = "sk-live-typed-at-the-prompt-0042"
EXAMPLE = (
    "# The API's settings; production sets them in the deploy.\n"
    "API_KEY=replace-me\n"
    "\n"
    "export DATABASE_URL=postgres://localhost:5432/api  # local default\n"
    "LOG_LEVEL=info\n"
    "PORT=8080\n"
)


@pytest.fixture
def api(sample_monorepo: Monorepo) -> Monorepo:
    """The sample api with a deploy workflow and an example holding a placeholder, no .env."""
    folder = sample_monorepo.root / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "api-deploy.yml").write_text(API_DEPLOY)
    (sample_monorepo.api / ".env.example").write_text(EXAMPLE)
    (sample_monorepo.api / ".env").unlink()
    return sample_monorepo


def wanted(repo: Monorepo) -> list[dotenv_create.Wanted]:
    found, _ = workflows.load_all(repo.root)
    return dotenv_create.wanted(repo.root, repo.api, found, set_elsewhere=())


def test_what_is_asked(api: Monorepo) -> None:
    asked = wanted(api)
    # The example's keys in its order, then what only the deploy sets; never what devkit run sets.
    assert [w.name for w in asked] == [
        "API_KEY",
        "DATABASE_URL",
        "LOG_LEVEL",
        "BUCKET_NAME",
        "SENTRY_TOKEN",
    ]
    by_name = {w.name: w for w in asked}
    assert by_name["API_KEY"].secret and by_name["SENTRY_TOKEN"].secret
    assert not by_name["DATABASE_URL"].secret
    # A real example value is offered; a placeholder never is.
    assert by_name["DATABASE_URL"].default == "postgres://localhost:5432/api"
    assert by_name["API_KEY"].default is None
    assert by_name["BUCKET_NAME"].source == ".github/workflows/api-deploy.yml"
    assert by_name["LOG_LEVEL"].source == "projects/api/.env.example"
    found, _ = workflows.load_all(api.root)
    skipped = dotenv_create.wanted(api.root, api.api, found, set_elsewhere={"LOG_LEVEL"})
    assert "LOG_LEVEL" not in [w.name for w in skipped]


@pytest.mark.parametrize(
    "value",
    ["plain", "with space", "it's", 'say "hi"', "back\\slash\\", "a # not a comment", "$HOME", ""],
)
def test_any_answer_reads_back_as_typed(api: Monorepo, value: str) -> None:
    asked = wanted(api)
    text = dotenv_create.render(EXAMPLE, {"API_KEY": value, "BUCKET_NAME": value}, asked)
    path = api.api / ".env"
    path.write_text(text)
    values = dotenv_file.load([path]).values
    if value:
        assert values["API_KEY"] == value and values["BUCKET_NAME"] == value
    else:  # nothing typed: the example's placeholder stays, to be filled in later
        assert values["API_KEY"] == "replace-me" and values["BUCKET_NAME"] == ""


def test_the_file_keeps_the_examples_comments_and_untouched_lines(api: Monorepo) -> None:
    text = dotenv_create.render(EXAMPLE, {"API_KEY": SECRET, "LOG_LEVEL": "debug"}, wanted(api))
    assert text.startswith("# Written by devkit from .env.example")
    assert "# The API's settings; production sets them in the deploy.\n" in text
    assert "export DATABASE_URL=postgres://localhost:5432/api  # local default\n" in text
    assert "\nPORT=8080\n" in text
    assert f"\nAPI_KEY={SECRET}\n\n" in text and "\nLOG_LEVEL=debug\n" in text
    assert text.endswith(
        "\n# Production also sets these (.github/workflows/api-deploy.yml):\n"
        "BUCKET_NAME=\nSENTRY_TOKEN=\n"
    )


def test_create_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    assert atomic.create_text(path, "A=1\n", private=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds secrets
    assert not atomic.create_text(path, "A=2\n", private=True)
    assert path.read_text() == "A=1\n"
    assert [p.name for p in tmp_path.iterdir()] == [".env"]  # no temp file left behind
    link = tmp_path / "link.env"
    link.symlink_to(tmp_path / "nowhere")
    assert not atomic.create_text(link, "A=3\n")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.slow
def test_devkit_dotenv_asks_on_a_terminal_and_secrets_stay_unseen(api: Monorepo) -> None:
    import pexpect

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    args = ["--root", str(api.root), "dotenv", "api"]
    child = pexpect.spawn(
        str(DEVKIT), args, env=env, encoding="utf-8", timeout=60, dimensions=(40, 160)
    )
    try:
        child.expect(r"API_KEY \(secret, not shown")
        child.sendline(SECRET)
        child.expect("DATABASE_URL")
        child.sendline("")  # keep the example's local default
        child.expect("LOG_LEVEL")
        child.send("\x15")  # Ctrl-U clears the offered `info`
        child.sendline("debug")
        child.expect(r"BUCKET_NAME \(.*api-deploy\.yml")
        child.sendline("acme-dev")
        child.expect("SENTRY_TOKEN")
        child.sendline("")  # nobody gave it to me yet
        child.expect(pexpect.EOF)
    finally:
        child.close()
    transcript = child.before or ""
    assert child.exitstatus == 0, transcript
    path = api.api / ".env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dotenv_file.load([path]).values == {
        "API_KEY": SECRET,
        "DATABASE_URL": "postgres://localhost:5432/api",
        "LOG_LEVEL": "debug",
        "PORT": "8080",
        "BUCKET_NAME": "acme-dev",
        "SENTRY_TOKEN": "",
    }
    assert "still to fill in: SENTRY_TOKEN" in transcript
    assert SECRET not in transcript  # typed as ****, never echoed, never printed


@pytest.mark.slow
def test_devkit_dotenv_without_a_terminal_names_the_command(api: Monorepo) -> None:
    result = subprocess.run(
        [str(DEVKIT), "dotenv", "api"],
        cwd=api.root,  # found from the current folder; the commands named are relative to it
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no terminal to ask for the values of projects/api/.env" in result.stderr
    assert "cp -n projects/api/.env.example projects/api/.env" in result.stderr
    assert "API_KEY, BUCKET_NAME, SENTRY_TOKEN" in result.stderr
    assert not (api.api / ".env").exists()


@pytest.mark.slow
def test_devkit_dotenv_never_overwrites(api: Monorepo) -> None:
    (api.api / ".env").write_text("API_KEY=mine\n")
    result = subprocess.run(
        [str(DEVKIT), "--root", str(api.root), "dotenv", "api"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and "projects/api/.env already exists" in result.stderr
    assert (api.api / ".env").read_text() == "API_KEY=mine\n"


def test_values_expand_as_python_dotenv_expands_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """`load` expands ${VAR} from the bindings it parsed (dotenv_expand.resolve), not through
    dotenv_values: the values must be python-dotenv's own, order included, line for line."""
    import io
    import random

    from dotenv import dotenv_values
    from dotenv.parser import parse_stream

    from devkit.repo.dotenv_expand import resolve

    monkeypatch.setenv("HOMEX", "/h")
    monkeypatch.setenv("EMPTYX", "")
    monkeypatch.delenv("NOPE", raising=False)
    rnd = random.Random(15)  # noqa: S311 - reproducible test data, not a secret
    names = ["A", "B", "HOMEX", "EMPTYX", "NOPE"]
    forms = ["{k}={v}", "{k}", "{k}='{v}'", '{k}="{v}"', "export {k}={v}", "bad line {v}", "#c"]
    atoms = ["x", "${%s}", "${%s:-d}", "$%s", " ", "'q'", "${%s-}"]
    for _ in range(500):
        lines = []
        for _ in range(rnd.randint(1, 6)):
            value = "".join(
                a % rnd.choice(names) if "%s" in a else a
                for a in (rnd.choice(atoms) for _ in range(rnd.randint(0, 4)))
            )
            key = rnd.choice(["A", "B", "HOMEX", "C"])
            lines.append(rnd.choice(forms).format(k=key, v=value))
        text = "\n".join(lines)
        want = dotenv_values(stream=io.StringIO(text), interpolate=True)
        bindings = parse_stream(io.StringIO(text))
        got = resolve((b.key, b.value) for b in bindings if b.key is not None)
        assert list(got.items()) == list(want.items()), text
