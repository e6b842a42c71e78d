"""devkit setup end to end: bare origin, loopback downloads, the stand-in, a real terminal."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from devkit import runlock
from tests.support.cli import DEVKIT, devkit
from tests.support.fixtures import Isolation
from tests.support.http_server import FileServer
from tests.support.monorepo import GitOrigin, Monorepo, add_project, git
from tests.support.world import World


def without_micromamba(world: World, base_url: str) -> dict[str, str]:
    """PATH without the stand-in, and downloads from the loopback server."""
    path = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if p != str(world.bin_dir)
    )
    return {"PATH": path, "DEVKIT_MICROMAMBA_URL": base_url}


@pytest.fixture
def clone_dir(tmp_path: Path) -> Path:
    return tmp_path / "src" / "monorepo"


@pytest.mark.slow
def test_bare_machine_to_working_envs(
    test_world: World,
    http_server: FileServer,
    git_origin: GitOrigin,
    clone_dir: Path,
    isolate: Isolation,
) -> None:
    env = without_micromamba(test_world, http_server.base_url)
    result = devkit(
        "setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--all", "--yes", env=env
    )
    assert result.returncode == 0, result.stderr
    installed = isolate.devkit_home / "data" / "bin" / "micromamba"
    assert installed.is_file() and os.access(installed, os.X_OK)
    assert "/micromamba-linux-64.sha256" in http_server.requests
    assert (clone_dir / "projects" / "api" / "main.py").is_file()
    for name in ("api", "etl"):
        prefix = isolate.root_prefix / "envs" / name
        assert (prefix / "conda-meta" / "devkit-source").is_file(), name
    assert ">>> mamba initialize >>>" in (isolate.home / ".bashrc").read_text()
    assert "micromamba activate api" in result.stdout
    config = (isolate.devkit_home / "config.yaml").read_text()
    assert str(clone_dir) in config and git_origin.url in config and str(installed) in config
    doctor = json.loads(
        devkit("doctor", "--json", "--check", "env.exists", "--check", "env.stale").stdout
    )
    assert {r["status"] for r in doctor["results"]} == {"ok"}
    assert {r["project"] for r in doctor["results"]} == {"api", "etl"}


@pytest.mark.slow
def test_rerun_is_a_no_op_and_an_edit_rebuilds_only_that_env(
    git_origin: GitOrigin, clone_dir: Path, isolate: Isolation
) -> None:
    args = (
        "setup",
        "--repo",
        git_origin.url,
        "--dir",
        str(clone_dir),
        "--all",
        "--yes",
        "--no-shell-init",
    )
    assert devkit(*args).returncode == 0
    again = devkit(*args)
    assert again.returncode == 0
    assert "`api` is up to date" in again.stderr and "`etl` is up to date" in again.stderr
    assert "fetched" in again.stderr
    env_file = clone_dir / "projects" / "api" / "environment.yml"
    env_file.write_text(env_file.read_text().replace("python-dotenv=0.20.0", "pins"))
    third = devkit(*args)
    assert third.returncode == 0
    assert "recreated `api`" in third.stderr and "`etl` is up to date" in third.stderr
    assert list((isolate.root_prefix / "envs" / "api" / "conda-meta").glob("pins-*.json"))


@pytest.mark.slow
def test_changed_env_is_not_rebuilt_without_a_yes(git_origin: GitOrigin, clone_dir: Path) -> None:
    args = (
        "setup",
        "--repo",
        git_origin.url,
        "--dir",
        str(clone_dir),
        "--projects",
        "api",
        "--no-shell-init",
    )
    assert devkit(*args, "--yes").returncode == 0
    env_file = clone_dir / "projects" / "api" / "environment.yml"
    env_file.write_text(env_file.read_text() + "# edited\n")
    result = devkit(*args)  # no terminal, no --yes
    # The env asked for is not what the file says, and nobody could be asked: a failure.
    assert result.returncode == 1
    said = " ".join(result.stderr.split())
    assert "Rebuild env `api`? It was built before environment.yml last changed." in said
    assert (
        "`api` left as is: it was built before environment.yml last changed; repair: "
        "`devkit setup --projects api --yes`"
    ) in said
    assert "failed" in result.stdout  # the summary says so too


@pytest.mark.slow
def test_bad_checksum_installs_nothing(
    test_world: World, git_origin: GitOrigin, clone_dir: Path, tmp_path: Path, isolate: Isolation
) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "micromamba-linux-64").write_bytes(
        (test_world.downloads_dir / "micromamba-linux-64").read_bytes()
    )
    (mirror / "micromamba-linux-64.sha256").write_text("0" * 64)
    server = FileServer(mirror).start()
    try:
        env = without_micromamba(test_world, server.base_url)
        result = devkit(
            "setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--all", "--yes", env=env
        )
    finally:
        server.stop()
    assert result.returncode == 1
    assert "checksum mismatch" in result.stderr
    bin_dir = isolate.devkit_home / "data" / "bin"
    assert not bin_dir.exists() or list(bin_dir.iterdir()) == []


@pytest.mark.slow
def test_plain_http_to_another_host_is_refused(
    test_world: World, git_origin: GitOrigin, clone_dir: Path
) -> None:
    env = without_micromamba(test_world, "http://mirror.example.com/micromamba")
    result = devkit("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--yes", env=env)
    assert result.returncode == 1 and "only https://" in result.stderr


class _StallingHandler(http.server.BaseHTTPRequestHandler):
    """Serves a checksum, then half a binary, then stalls: a download to interrupt."""

    def do_GET(self) -> None:
        if self.path.endswith(".sha256"):
            body = ("a" * 64).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(10_000_000))
        self.end_headers()
        self.wfile.write(b"\0" * 100_000)
        self.wfile.flush()
        time.sleep(20)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def stalling_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StallingHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_killed_download_leaves_nothing_that_looks_installed(
    test_world: World,
    stalling_server: str,
    git_origin: GitOrigin,
    clone_dir: Path,
    isolate: Isolation,
    sig: int,
) -> None:
    env = {**os.environ, **without_micromamba(test_world, stalling_server)}
    proc = subprocess.Popen(
        [str(DEVKIT), "setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--yes"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    bin_dir = isolate.devkit_home / "data" / "bin"
    deadline = time.monotonic() + 30
    while not list(bin_dir.glob(".micromamba.*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(bin_dir.glob(".micromamba.*.part")), "the download never started"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert not (bin_dir / "micromamba").exists()
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "Interrupted" in stderr, stderr
        assert list(bin_dir.iterdir()) == []
    else:
        # Nothing could run on SIGKILL; the next setup sweeps the hidden temp file.
        refused = without_micromamba(test_world, "http://127.0.0.1:1")
        retry = devkit(
            "setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--yes", env=refused
        )
        assert retry.returncode == 1
        assert list(bin_dir.glob(".micromamba.*.part")) == []


@pytest.mark.slow
def test_clone_into_a_non_empty_folder_is_refused(git_origin: GitOrigin, clone_dir: Path) -> None:
    clone_dir.mkdir(parents=True)
    (clone_dir / "notes.txt").write_text("mine\n")
    result = devkit("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--yes")
    assert result.returncode == 1
    assert "never touches a folder it did not create" in result.stderr
    assert [p.name for p in clone_dir.iterdir()] == ["notes.txt"]


@pytest.mark.slow
def test_another_remote_is_refused(git_origin: GitOrigin, clone_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.git"
    git(tmp_path, "init", "-q", "--bare", str(other))
    git(tmp_path, "clone", "-q", other.as_uri(), str(clone_dir))
    result = devkit("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--yes")
    assert result.returncode == 1 and "is not a clone of" in result.stderr


@pytest.mark.slow
def test_auth_failure_gets_a_hint(clone_dir: Path, tmp_path: Path) -> None:
    result = devkit(
        "setup", "--repo", "https://127.0.0.1:1/acme/monorepo.git", "--dir", str(clone_dir), "--yes"
    )
    assert result.returncode == 1
    assert "git clone" in result.stderr
    assert not clone_dir.exists() or not any(clone_dir.iterdir())
    missing = tmp_path / "no-such-origin.git"
    local = devkit("setup", "--repo", f"file://{missing}", "--dir", str(clone_dir), "--yes")
    assert local.returncode == 1 and "check the path" in local.stderr
    assert "HTTPS" not in local.stderr


@pytest.mark.slow
def test_a_clone_made_from_a_path_is_the_same_remote_as_its_file_url(
    git_origin: GitOrigin, clone_dir: Path
) -> None:
    clone_dir.parent.mkdir(parents=True)
    git(clone_dir.parent, "clone", "-q", str(git_origin.bare), str(clone_dir))
    args = ("--projects", "api", "--yes", "--no-shell-init")
    result = devkit("setup", "--repo", git_origin.url, "--dir", str(clone_dir), *args)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_unsolvable_env_is_reported_while_the_others_succeed(
    git_origin: GitOrigin, clone_dir: Path, isolate: Isolation
) -> None:
    add_project(git_origin.source, "geo", dependencies=("python", "postal=9.9.9"))
    git(git_origin.source.root, "add", "-A")
    git(git_origin.source.root, "commit", "-qm", "add geo")
    git(git_origin.source.root, "push", "-q", "origin", "HEAD")
    result = devkit(
        "setup",
        "--repo",
        git_origin.url,
        "--dir",
        str(clone_dir),
        "--all",
        "--yes",
        "--jobs",
        "2",
        "--no-shell-init",
    )
    assert result.returncode == 1
    assert "postal" in result.stdout + result.stderr
    for name in ("api", "etl"):
        assert (isolate.root_prefix / "envs" / name / "conda-meta" / "devkit-source").is_file()
    assert not (isolate.root_prefix / "envs" / "geo" / "conda-meta" / "devkit-source").exists()
    # The next steps name only envs that were built.
    assert "`devkit run api`" in result.stdout and "`devkit shell api`" in result.stdout
    assert "geo`" not in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("declined", [("--yes", "--no-shell-init"), ()])
def test_without_the_shell_block_next_steps_name_only_what_works(
    test_world: World,
    http_server: FileServer,
    git_origin: GitOrigin,
    clone_dir: Path,
    isolate: Isolation,
    declined: tuple[str, ...],
) -> None:
    # micromamba off PATH (setup installs its own) and no rc block: `micromamba activate api`
    # would be `command not found`, so next steps must not offer it.
    env = without_micromamba(test_world, http_server.base_url)
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api")
    result = devkit(*args, *declined, env=env)  # no --yes: the shell question's answer is no
    assert result.returncode == 0, result.stderr
    assert not (isolate.home / ".bashrc").exists()
    assert "micromamba activate api" not in result.stdout
    assert "`devkit shell api`" in result.stdout
    assert "micromamba is not on PATH and" in result.stdout
    enable = "devkit doctor --check shell.init --fix"
    assert f"`{enable}`" in result.stdout
    # The line named does enable it.
    assert devkit(*enable.split()[1:], "--yes", env=env).returncode == 0
    assert ">>> mamba initialize >>>" in (isolate.home / ".bashrc").read_text()
    again = devkit(*args, "--yes", env=env)
    assert "In a new terminal, `micromamba activate api`" in again.stdout


@pytest.mark.slow
def test_no_terminal_means_no_prompt_and_an_error_naming_the_flag() -> None:
    result = devkit("setup", timeout=30)
    assert result.returncode == 2
    assert "pass --repo" in result.stderr


@pytest.mark.slow
def test_two_setups_at_once(isolate: Isolation, git_origin: GitOrigin, clone_dir: Path) -> None:
    with runlock.exclusive(isolate.devkit_home / "data" / "setup.lock", "devkit setup"):
        result = devkit("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--yes")
    assert result.returncode == 1
    assert f"another devkit setup is running (pid {os.getpid()})" in result.stderr
    assert not clone_dir.exists()


@pytest.mark.slow
def test_interactive_setup_through_a_real_terminal(
    git_origin: GitOrigin, clone_dir: Path, isolate: Isolation
) -> None:
    import pexpect

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    child = pexpect.spawn(
        str(DEVKIT), ["setup"], env=env, encoding="utf-8", timeout=60, dimensions=(40, 120)
    )
    try:
        child.expect("Git URL of the monorepo")
        child.sendline(git_origin.url)
        child.expect("Clone it into")
        child.send("\x15")  # Ctrl-U clears the suggested default
        child.sendline(str(clone_dir))
        child.expect("Which projects")
        child.send("\r")  # keep every project ticked
        child.expect("Add micromamba's activation")
        child.sendline("y")
        child.expect(r"Create projects/api/\.env now\?")
        child.sendline("n")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    assert (isolate.root_prefix / "envs" / "api" / "conda-meta" / "devkit-source").is_file()
    assert ">>> mamba initialize >>>" in (isolate.home / ".bashrc").read_text()
    assert not (clone_dir / "projects" / "api" / ".env").exists()
    assert "`devkit dotenv api` to write its .env, then `devkit run api`" in (child.before or "")


@pytest.mark.slow
def test_setup_on_a_terminal_writes_the_env_file_it_asks_for(
    git_origin: GitOrigin, clone_dir: Path
) -> None:
    import io

    import pexpect

    secret = "sk-live-typed-during-setup-7731"
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    args = ["setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api"]
    child = pexpect.spawn(
        str(DEVKIT), [*args, "--no-shell-init"], env=env, encoding="utf-8", timeout=60,
        dimensions=(40, 160),
    )  # fmt: skip
    child.logfile_read = transcript = io.StringIO()
    try:
        child.expect(
            r"Create projects/api/\.env now\? \(asks for the 3 variables production sets\)"
        )
        child.sendline("y")
        child.expect(r"API_KEY \(secret, not shown; empty: fill in later\)")
        child.sendline(secret)
        child.expect("DATABASE_URL")
        child.sendline("")  # the example's local default
        child.expect("LOG_LEVEL")
        child.sendline("")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, transcript.getvalue()
    dotenv = clone_dir / "projects" / "api" / ".env"
    assert stat.S_IMODE(dotenv.stat().st_mode) == 0o600
    assert f"API_KEY={secret}\n" in dotenv.read_text()
    assert secret not in transcript.getvalue()
    assert "Next: `devkit doctor` to check everything, `devkit run api` to start" in " ".join(
        transcript.getvalue().split()
    )
    doctor = devkit("--root", str(clone_dir), "doctor", "api", "--json", "--check", "vars.missing")
    assert json.loads(doctor.stdout)["results"][0]["status"] == "ok", doctor.stdout


@pytest.mark.slow
def test_ctrl_c_at_the_env_file_questions_writes_nothing_and_keeps_the_rest(
    git_origin: GitOrigin, clone_dir: Path, isolate: Isolation
) -> None:
    import pexpect

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    args = ["setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api"]
    child = pexpect.spawn(
        str(DEVKIT), [*args, "--no-shell-init"], env=env, encoding="utf-8", timeout=60
    )
    try:
        child.expect(r"Create projects/api/\.env now\?")
        child.sendline("y")
        child.expect("API_KEY")
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    # No .env, and no hidden temp file beside where it would have gone.
    api = clone_dir / "projects" / "api"
    assert sorted(p.name for p in api.iterdir() if ".env" in p.name) == [".env.example"]
    # What setup did before the question is recorded: the next run starts from it.
    assert str(clone_dir) in (isolate.devkit_home / "config.yaml").read_text()


@pytest.mark.slow
def test_setup_without_a_terminal_names_the_command_for_the_env_file(
    git_origin: GitOrigin, clone_dir: Path
) -> None:
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api")
    result = devkit(*args, "--yes", "--no-shell-init")
    assert result.returncode == 0, result.stderr
    assert not (clone_dir / "projects" / "api" / ".env").exists()
    assert (
        "· .env api: projects/api/.env is missing; not asked (no terminal, or --yes): "
        "`devkit dotenv api` asks for its values"
    ) in result.stderr
    assert "`devkit dotenv api` to write its .env, then `devkit run api`" in result.stdout


@pytest.mark.slow
def test_a_failed_pip_step_leaves_no_env_behind(
    git_origin: GitOrigin, clone_dir: Path, isolate: Isolation
) -> None:
    add_project(git_origin.source.root, "broken-pip", pip=("./no-such-package",))
    git(git_origin.source.root, "add", "-A")
    git(git_origin.source.root, "commit", "-qm", "add broken-pip")
    git(git_origin.source.root, "push", "-q", "origin", "HEAD")
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "broken-pip")
    result = devkit(*args, "--yes", "--no-shell-init")
    assert result.returncode == 1
    assert "ERROR: Invalid requirement: './no-such-package'" in " ".join(result.stdout.split())
    # micromamba linked the conda part before pip failed; none of it may pass for an env.
    assert not (isolate.root_prefix / "envs" / "broken-pip").exists()
    run = devkit("--root", str(clone_dir), "run", "broken-pip", "--", "python", "-c", "pass")
    assert run.returncode == 1 and "is not created" in run.stderr


@pytest.mark.slow
def test_a_rebuild_that_fails_keeps_the_working_env(
    git_origin: GitOrigin, clone_dir: Path, isolate: Isolation
) -> None:
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api")
    assert devkit(*args, "--yes", "--no-shell-init").returncode == 0
    prefix = isolate.root_prefix / "envs" / "api"
    # .env is git-ignored: a developer copies theirs in.
    shutil.copyfile(git_origin.source.api / ".env", clone_dir / "projects" / "api" / ".env")
    works = ("--root", str(clone_dir), "run", "api", "--", "python", "-c", "import fastapi")

    # A typo in the file: the rebuild fails, the env that worked still does.
    env_file = clone_dir / "projects" / "api" / "environment.yml"
    good = env_file.read_text()
    env_file.write_text(good + "  - postal=9.9.9\n")
    failed = devkit(*args, "--yes", "--no-shell-init")
    assert failed.returncode == 1 and "the previous env is kept as it was" in failed.stderr
    assert devkit(*works).returncode == 0
    stale = devkit("--root", str(clone_dir), "doctor", "api", "--json", "--check", "env.stale")
    assert json.loads(stale.stdout)["results"][0]["status"] == "fail"
    assert _aside(prefix) == []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_cleans_up_like_ctrl_c(
    git_origin: GitOrigin,
    clone_dir: Path,
    isolate: Isolation,
    test_world: World,
    tmp_path: Path,
    sig: int,
) -> None:
    # A cancelled CI job or a closed terminal signals devkit alone, not its process group.
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api")
    assert devkit(*args, "--yes", "--no-shell-init").returncode == 0
    env_file = clone_dir / "projects" / "api" / "environment.yml"
    env_file.write_text(env_file.read_text().replace("python-dotenv=0.20.0", "pins"))
    slow = tmp_path / "slow-micromamba"
    slow.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, time\n"
        "if 'create' in sys.argv:\n"
        "    time.sleep(30)\n"
        f"real = {str(test_world.micromamba)!r}\n"
        "os.execv(real, [real, *sys.argv[1:]])\n"
    )
    slow.chmod(0o755)
    proc = subprocess.Popen(
        [str(DEVKIT), *args, "--yes", "--no-shell-init"],
        env={**os.environ, "DEVKIT_MICROMAMBA": str(slow)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    prefix = isolate.root_prefix / "envs" / "api"
    deadline = time.monotonic() + 30
    while not _aside(prefix) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _aside(prefix), "the rebuild never started"
    time.sleep(0.3)  # micromamba (the slow wrapper) is running now
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig and "Terminated." in stderr, stderr
    assert not _aside(prefix) and (prefix / "conda-meta" / "devkit-source").is_file()
    assert not list((prefix / "conda-meta").glob("pins-*.json"))  # the old env, whole
    leftovers = [
        p for p in psutil.process_iter(["cmdline"]) if str(slow) in (p.info["cmdline"] or [])
    ]
    assert leftovers == []


@pytest.mark.slow
def test_setup_of_a_monorepo_given_by_path_needs_no_git(
    sample_monorepo: Monorepo, test_world: World, isolate: Isolation
) -> None:
    env = {"PATH": str(test_world.bin_dir)}  # micromamba, and no git anywhere
    result = devkit(
        "--root",
        str(sample_monorepo.root),
        "setup",
        "--projects",
        "api",
        "--yes",
        "--no-shell-init",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert (isolate.root_prefix / "envs" / "api" / "conda-meta" / "devkit-source").is_file()


@pytest.mark.slow
def test_a_shell_block_for_another_root_prefix_is_pointed_at_devkits(
    git_origin: GitOrigin, clone_dir: Path, isolate: Isolation, test_world: World, tmp_path: Path
) -> None:
    old_root = tmp_path / "old-root"
    argv = [str(test_world.micromamba), "shell", "init", "-s", "bash", "-r", str(old_root)]
    subprocess.run(argv, check=True, capture_output=True)
    bashrc = isolate.home / ".bashrc"
    assert str(old_root) in bashrc.read_text()
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api")
    result = devkit(*args, "--yes")
    assert result.returncode == 0, result.stderr
    assert "wrote micromamba's block for" in result.stderr
    text = bashrc.read_text()
    assert str(isolate.root_prefix) in text and str(old_root) not in text


def _aside(prefix: Path) -> list[Path]:
    """Where a rebuild keeps the old env while the new one is built."""
    return list(prefix.parent.glob(f".{prefix.name}.devkit-previous-*"))


@pytest.mark.slow
def test_an_old_env_left_aside_by_a_killed_build_comes_back(
    git_origin: GitOrigin, clone_dir: Path, isolate: Isolation
) -> None:
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api")
    assert devkit(*args, "--yes", "--no-shell-init").returncode == 0
    prefix = isolate.root_prefix / "envs" / "api"
    # SIGKILL after the old env was moved aside, with half a new env in its place.
    prefix.rename(prefix.with_name(".api.devkit-previous-0badc0"))
    (prefix / "conda-meta").mkdir(parents=True)
    env_file = clone_dir / "projects" / "api" / "environment.yml"
    env_file.write_text(env_file.read_text() + "# edited, so the env is rebuilt\n")
    again = devkit(*args, "--yes", "--no-shell-init")
    assert again.returncode == 0, again.stderr
    assert "recreated `api`" in again.stderr
    assert _aside(prefix) == []
    assert (prefix / "conda-meta" / "devkit-source").is_file()


def _head(folder: Path) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "-q", "--verify", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None


@pytest.mark.slow
def test_an_unfinished_clone_is_finished_after_a_yes(
    git_origin: GitOrigin, clone_dir: Path, isolate: Isolation
) -> None:
    # What a clone killed part-way leaves: the origin set, no commit. Its own default branch
    # (master) is not the origin's (main): setup asks the origin which to check out.
    clone_dir.mkdir(parents=True)
    git(clone_dir, "init", "-q", "-b", "master")
    git(clone_dir, "remote", "add", "origin", git_origin.url)
    (clone_dir / "notes.txt").write_text("mine\n")
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api")
    refused = devkit(*args, "--no-shell-init")  # no terminal and no --yes: no change
    assert refused.returncode == 1
    said = " ".join(refused.stderr.split())
    assert "no commit checked out" in said and "already a clone" not in said
    assert f"git -C {clone_dir} checkout main" in said and "--yes" in said
    assert _head(clone_dir) is None
    assert not (isolate.root_prefix / "envs" / "api").exists()

    done = devkit(*args, "--no-shell-init", "--yes")
    assert done.returncode == 0, done.stderr
    assert _head(clone_dir) == _head(git_origin.bare)
    assert (clone_dir / "projects" / "api" / "main.py").is_file()
    assert (clone_dir / "notes.txt").read_text() == "mine\n"  # the user's file is kept
    assert "checked out main" in " ".join(done.stdout.split())
    assert (isolate.root_prefix / "envs" / "api" / "conda-meta" / "devkit-source").is_file()


@pytest.mark.slow
def test_an_untracked_file_in_the_way_stops_the_repair(
    git_origin: GitOrigin, clone_dir: Path
) -> None:
    clone_dir.mkdir(parents=True)
    git(clone_dir, "init", "-q")
    git(clone_dir, "remote", "add", "origin", git_origin.url)
    (clone_dir / "README.md").write_text("my own notes\n")  # the commit has a README.md too
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--projects", "api")
    result = devkit(*args, "--no-shell-init", "--yes")
    assert result.returncode == 1
    assert "would be overwritten" in result.stderr
    assert (clone_dir / "README.md").read_text() == "my own notes\n"


@pytest.mark.slow
def test_a_clone_without_its_projects_folder_says_how_to_restore_it(
    git_origin: GitOrigin, clone_dir: Path
) -> None:
    clone_dir.parent.mkdir(parents=True)
    git(clone_dir.parent, "clone", "-q", git_origin.url, str(clone_dir))
    shutil.rmtree(clone_dir / "projects")
    args = ("setup", "--repo", git_origin.url, "--dir", str(clone_dir), "--all", "--yes")
    result = devkit(*args, "--no-shell-init")
    assert result.returncode == 1
    assert f"git -C {clone_dir} checkout HEAD -- projects" in " ".join(result.stderr.split())


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs, nearly full: what a laptop's disk is when a build runs out of space."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root (and a kernel that allows it): {done.stderr}")
    try:
        free = shutil.disk_usage(folder).free
        (folder / "filler").write_bytes(b"\0" * (free - 32 * 1024))
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.slow
def test_a_build_on_a_full_disk_says_so(
    sample_monorepo: Monorepo, small_disk: Path, isolate: Isolation
) -> None:
    root = small_disk / "micromamba"
    result = devkit(
        "--root",
        str(sample_monorepo.root),
        "setup",
        "--projects",
        "api",
        "--yes",
        "--no-shell-init",
        env={"MAMBA_ROOT_PREFIX": str(root)},
    )
    assert result.returncode == 1
    # The summary's rows, as they happen (the closing table shortens long paths).
    assert f"no space left on {root}: 0 MB free" in result.stderr, result.stderr
