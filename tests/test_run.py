"""devkit run end to end: real envs from the stand-in, real HTTP, real signals, no secrets out."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.support.cli import DEVKIT, devkit
from tests.support.fixtures import CreateEnv, Isolation
from tests.support.monorepo import Monorepo

API_KEY_VALUE = "sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
DB_PASSWORD = "hunter2"
PRINT_ENV = "import os, sys; print(json.dumps({k: os.environ.get(k) for k in sys.argv[1:]}))"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env(
    root: Path,
    project: str,
    *names: str,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> dict[str, str | None]:
    code = "import json; " + PRINT_ENV
    result = devkit(
        "--root", str(root), "run", project, *extra, "--", "python", "-c", code, *names, env=env
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def api(sample_monorepo: Monorepo, create_env: CreateEnv) -> Monorepo:
    create_env(sample_monorepo.api, shared_cache=True)
    return sample_monorepo


@pytest.mark.slow
def test_service_answers_http_and_ctrl_c_leaves_no_process(api: Monorepo) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(DEVKIT), "--root", str(api.root), "run", "api", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = wait_for_http(f"http://127.0.0.1:{port}/health", proc)
        assert json.loads(body) == {"status": "ok"}
        family = psutil.Process(proc.pid).children(recursive=True)
        assert family, "devkit should have started micromamba and the server"
        proc.send_signal(signal.SIGINT)  # what the terminal sends devkit on Ctrl-C
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, output
    assert "Uvicorn running on http://127.0.0.1:" in output
    time.sleep(0.1)
    alive = [p.pid for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == []
    with socket.socket() as probe:
        # The port is free again (TIME_WAIT from our own request aside, as for any server).
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


LEAVES_A_WORKER = """
import signal, subprocess, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
code = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"
worker = subprocess.Popen([sys.executable, "-c", code])
open(sys.argv[1], "w").write(str(worker.pid))
worker.wait()
"""


@pytest.mark.slow
def test_after_ctrl_c_devkit_says_what_it_waits_for(api: Monorepo, tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    command = ["python", "-c", LEAVES_A_WORKER, str(pid_file)]
    proc = subprocess.Popen(
        [str(DEVKIT), "--root", str(api.root), "run", "api", "--", *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    worker = int(pid_file.read_text())
    assert proc.returncode == 130, stderr
    # A worker that ignores Ctrl-C keeps devkit waiting: it says for what, and what comes next.
    waiting = next(line for line in stderr.splitlines() if line.startswith("devkit: waiting for"))
    assert f"(pid {worker}) to stop; SIGTERM in" in waiting
    assert f"(pid {worker})" in stderr.split("devkit: sending SIGTERM to ", 1)[1]
    assert stderr.rstrip().endswith("Interrupted.")
    assert not psutil.pid_exists(worker)


def wait_for_http(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"devkit exited early ({proc.returncode}): "
                f"{proc.stdout.read() if proc.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                assert response.status == 200
                return response.read().decode()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}")


@pytest.mark.slow
def test_dotenv_reaches_the_child_shell_wins_override_flips(api: Monorepo) -> None:
    root = api.root
    assert child_env(root, "api", "LOG_LEVEL")["LOG_LEVEL"] == "debug"
    assert (
        child_env(root, "api", "LOG_LEVEL", env={"LOG_LEVEL": "warning"})["LOG_LEVEL"] == "warning"
    )
    flipped = child_env(
        root, "api", "LOG_LEVEL", extra=("--override",), env={"LOG_LEVEL": "warning"}
    )
    assert flipped["LOG_LEVEL"] == "debug"


@pytest.mark.slow
def test_root_dotenv_and_env_files_layer(api: Monorepo, tmp_path: Path) -> None:
    (api.root / ".env").write_text("SHARED=root\nLOG_LEVEL=root-level\n")
    extra = tmp_path / "extra.env"
    extra.write_text("EXTRA=1\nSHARED=extra\n")
    values = child_env(
        api.root, "api", "SHARED", "LOG_LEVEL", "EXTRA", extra=("--env-file", str(extra))
    )
    assert values == {"SHARED": "extra", "LOG_LEVEL": "debug", "EXTRA": "1"}


@pytest.mark.slow
def test_commands_run_inside_the_env(api: Monorepo, isolate: Isolation) -> None:
    code = (
        "import json, os, sys; "
        "print(json.dumps([sys.prefix, os.environ['PORT'], os.environ['PYTHONUNBUFFERED']]))"
    )
    result = devkit("--root", str(api.root), "run", "api", "--", "python", "-c", code)
    assert result.returncode == 0, result.stderr
    prefix, port, unbuffered = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(prefix) == isolate.root_prefix / "envs" / "api"
    assert (port, unbuffered) == ("8080", "1")


@pytest.mark.slow
def test_environment_yml_variables_apply(sample_monorepo: Monorepo, create_env: CreateEnv) -> None:
    create_env(sample_monorepo.etl, shared_cache=True)
    assert child_env(sample_monorepo.root, "etl", "ETL_MODE")["ETL_MODE"] == "batch"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("raise SystemExit(7)", 7),
        ("pass", 0),
        ("import os, signal; os.kill(os.getpid(), signal.SIGTERM)", 128 + signal.SIGTERM),
    ],
)
def test_exit_codes_pass_through(api: Monorepo, code: str, expected: int) -> None:
    assert (
        devkit("--root", str(api.root), "run", "api", "--", "python", "-c", code).returncode
        == expected
    )


@pytest.mark.slow
def test_taken_port_is_refused_before_start(api: Monorepo) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = devkit("--root", str(api.root), "run", "api", "--port", str(port))
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use by" in result.stderr
    assert f"(pid {os.getpid()})" in result.stderr
    assert "Uvicorn running" not in result.stdout + result.stderr


@pytest.mark.slow
def test_missing_production_variables_are_named(api: Monorepo) -> None:
    example = api.api / ".env.example"
    example.write_text(example.read_text() + "SENTRY_DSN=\nGCS_BUCKET=\n")
    result = devkit("--root", str(api.root), "run", "api")
    assert result.returncode == 1
    assert "variables production sets are missing here: SENTRY_DSN, GCS_BUCKET" in result.stderr
    assert "--print-env" in result.stderr


@pytest.mark.slow
def test_a_placeholder_left_from_the_example_is_named_not_shown(api: Monorepo) -> None:
    (api.api / ".env.example").write_text("API_KEY=replace-me\nLOG_LEVEL=info\n")
    (api.api / ".env").write_text("API_KEY=replace-me\nLOG_LEVEL=debug\n")
    result = devkit("--root", str(api.root), "run", "api")
    assert result.returncode == 1
    assert "still the placeholder from .env.example: API_KEY" in result.stderr
    assert "replace-me" not in result.stdout + result.stderr
    printed = devkit("--root", str(api.root), "run", "api", "--print-env").stdout
    assert "placeholder" in next(line for line in printed.splitlines() if "API_KEY" in line)
    # The shell's real value wins over .env's placeholder, as it wins in the child.
    args = ("--root", str(api.root), "run", "api", "--", "python", "-c", "pass")
    real = devkit(*args, env={"API_KEY": "sk-from-the-shell"})
    assert real.returncode == 0, real.stderr


@pytest.mark.slow
def test_missing_env_says_how_to_create_it(sample_monorepo: Monorepo) -> None:
    result = devkit("--root", str(sample_monorepo.root), "run", "api")
    assert result.returncode == 1
    assert "the env `api` of project api is not created" in result.stderr
    assert "devkit setup --projects api" in result.stderr


@pytest.mark.slow
def test_missing_micromamba(api: Monorepo, tmp_path: Path) -> None:
    result = devkit("--root", str(api.root), "run", "api", env={"PATH": str(tmp_path)})
    assert result.returncode == 1 and "micromamba is not installed" in result.stderr


@pytest.mark.slow
def test_malformed_dotenv_line_is_skipped_or_fatal_with_strict(api: Monorepo) -> None:
    env_file = api.api / ".env"
    env_file.write_text(env_file.read_text() + "this line is wrong\n")
    lenient = devkit("--root", str(api.root), "run", "api", "--", "python", "-c", "pass")
    assert lenient.returncode == 0
    assert f"{env_file}:4: not a KEY=value line (skipped)" in lenient.stderr
    strict = devkit("--root", str(api.root), "run", "api", "--strict", "--", "python", "-c", "pass")
    assert strict.returncode == 1 and f"{env_file}:4:" in strict.stderr


@pytest.mark.slow
def test_project_run_command_from_devkit_yaml(api: Monorepo) -> None:
    (api.root / "devkit.yaml").write_text(
        "projects:\n  api:\n"
        "    run: python -c \"import sys; print('serving on', sys.argv[1])\" $PORT\n"
    )
    result = devkit("--root", str(api.root), "run", "api", "--port", str(free_port()))
    assert result.returncode == 0, result.stderr
    assert "serving on" in result.stdout


@pytest.mark.slow
def test_no_secret_in_any_output(api: Monorepo) -> None:
    root = str(api.root)
    example = api.api / ".env.example"
    runs = [
        devkit("--verbose", "--root", root, "run", "api", "--print-env"),
        devkit("--verbose", "--root", root, "run", "api", "--", "python", "-c", "pass"),
        devkit("--verbose", "--root", root, "run", "api", "--port", "0", "--", "false"),
    ]
    example.write_text(example.read_text() + "NEEDED_TOO=\n")
    runs.append(devkit("--verbose", "--root", root, "run", "api"))
    for result in runs:
        for secret in (API_KEY_VALUE, DB_PASSWORD, "postgres://api:"):
            assert secret not in result.stdout, result.args
            assert secret not in result.stderr, result.args
    printed = runs[0].stdout
    assert "API_KEY" in printed and "****" in printed and "debug:" in runs[1].stderr


@pytest.mark.slow
def test_print_env_shows_sources_and_masks(api: Monorepo) -> None:
    result = devkit(
        "--root",
        str(api.root),
        "run",
        "api",
        "--print-env",
        env={"LOG_LEVEL": "warning", "GITHUB_TOKEN": "ghp_abc"},
    )
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line.strip()}
    assert "shell (over projects/api/.env)" in lines["LOG_LEVEL"]
    assert "8080" in lines["PORT"]
    assert "projects/api/.env" in lines["API_KEY"]


@pytest.mark.slow
def test_print_env_masks_by_the_one_documented_rule(api: Monorepo) -> None:
    # docs/cli.md and docs/run.md: secret-looking names always; other .env values of 8
    # characters or more unless all digits; short ones stay readable.
    env_file = api.api / ".env"
    extra = "PROJECT_ID=proj-1\nWORKERS=12345678\nREGION=europe-west1\n"
    env_file.write_text(env_file.read_text() + extra)
    result = devkit(
        "--root",
        str(api.root),
        "run",
        "api",
        "--print-env",
        env={"LOG_LEVEL": "warning", "GITHUB_TOKEN": "ghp_abc"},
    )
    assert result.returncode == 0, result.stderr
    values = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[1:] if line}
    assert values["PROJECT_ID"] == "proj-1" and values["WORKERS"] == "12345678"
    assert values["LOG_LEVEL"] == "warning"  # the shell's short value over the .env one
    for name in ("API_KEY", "DATABASE_URL", "REGION"):
        assert values[name] == "****", name
    assert API_KEY_VALUE not in result.stdout and "europe-west1" not in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "line", "message"),
    [
        ((), "PORT=abc\n", "PORT (from projects/api/.env) is not a port number"),
        ((), "PORT=70000\n", "is not a port number"),
        (("--host", "nosuch.invalid"), "", "cannot listen on nosuch.invalid"),
    ],
)
def test_bad_port_or_host_is_a_preflight_error(
    api: Monorepo, args: tuple[str, ...], line: str, message: str
) -> None:
    env_file = api.api / ".env"
    env_file.write_text(env_file.read_text() + line)
    result = devkit("--root", str(api.root), "run", "api", *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "crashed" not in result.stderr


@pytest.mark.slow
def test_a_missing_env_file_is_a_usage_error(api: Monorepo, tmp_path: Path) -> None:
    missing = tmp_path / "typo.env"
    result = devkit(
        "--root", str(api.root), "run", "api", "--env-file", str(missing), "--print-env"
    )
    assert result.returncode == 2 and f"--env-file {missing}: no such file" in result.stderr


@pytest.mark.slow
def test_env_files_from_a_pipe_a_directory_and_with_nul(api: Monorepo, tmp_path: Path) -> None:
    import threading

    # `--env-file <(op inject -i .env.tpl)`: a pipe, read once.
    fifo = tmp_path / "from-a-vault"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text("VAULTED=from-pipe\n"), daemon=True)
    writer.start()
    piped = devkit("--root", str(api.root), "run", "api", "--env-file", str(fifo), "--print-env")
    writer.join(timeout=10)
    assert not writer.is_alive()
    assert piped.returncode == 0, piped.stderr
    assert "VAULTED" in piped.stdout and "from-pipe" not in piped.stdout, piped.stdout

    folder = devkit("--root", str(api.root), "run", "api", "--env-file", str(tmp_path))
    assert folder.returncode == 2 and f"--env-file {tmp_path}: is a directory" in folder.stderr

    env_file = api.api / ".env"
    env_file.write_bytes(env_file.read_bytes() + b"NULLED_TOKEN=abc\x00def-secret\n")
    nul = devkit("--root", str(api.root), "run", "api", "--print-env")
    assert nul.returncode == 0 and "crashed" not in nul.stderr
    assert "a NUL byte in the name or value (skipped)" in nul.stderr
    assert "def-secret" not in nul.stdout + nul.stderr


@pytest.mark.slow
def test_under_nohup_a_hangup_leaves_the_service_running(api: Monorepo, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    script = f"import pathlib, time; pathlib.Path({str(marker)!r}).touch(); time.sleep(60)"
    proc = subprocess.Popen(
        [str(DEVKIT), "--root", str(api.root), "run", "api", "--", "python", "-c", script],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # What `nohup devkit run api` gives devkit: SIGHUP ignored.
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the service never started"
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert proc.poll() is None, "the hangup stopped devkit run"
        service = [c for c in psutil.Process(proc.pid).children(recursive=True)]
        assert service and all(c.is_running() for c in service)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
