"""The subprocess wrapper, with real processes and real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from devkit import errors, proc
from devkit.errors import CommandError, ToolNotFoundError

PY = sys.executable


def test_run_captures_output() -> None:
    result = proc.run([PY, "-c", "import sys; print('out'); print('err', file=sys.stderr)"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "out\n", "err\n")


def test_non_zero_exit_carries_what_the_program_said() -> None:
    with pytest.raises(CommandError) as info:
        proc.run([PY, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(4)"])
    assert info.value.returncode == 4
    assert "boom" in info.value.message


def test_missing_program_is_a_tool_error() -> None:
    with pytest.raises(ToolNotFoundError, match="not installed"):
        proc.run(["devkit-no-such-program"], hint="install it")


def test_clean_env_drops_conda_activation_but_keeps_overrides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONDA_PREFIX", "/opt/anaconda3")
    monkeypatch.setenv("MAMBA_ROOT_PREFIX", "/somewhere")
    monkeypatch.setenv("CONDA_OVERRIDE_OSX", "13.0")
    monkeypatch.setenv("CONDARC", "/etc/condarc")
    env = proc.clean_env({"EXTRA": "1"})
    assert "CONDA_PREFIX" not in env and "MAMBA_ROOT_PREFIX" not in env
    assert env["CONDA_OVERRIDE_OSX"] == "13.0"
    assert env["CONDARC"] == "/etc/condarc"
    assert env["EXTRA"] == "1"


@pytest.mark.parametrize(("code", "expected"), [(0, 0), (3, 3), (-15, 143), (-9, 137)])
def test_exit_code_mapping(code: int, expected: int) -> None:
    assert errors.exit_code_of(code) == expected


def test_attached_passes_the_exit_code_through() -> None:
    assert proc.run_attached([PY, "-c", "raise SystemExit(7)"]) == 7


def test_attached_reports_death_by_signal_as_128_plus_n() -> None:
    code = proc.run_attached([PY, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"])
    assert code == 128 + signal.SIGTERM


PARENT_IGNORING_SIGINT = """
import signal, subprocess, sys, time
# Like micromamba run: starts a child, does not forward SIGINT, dies on it.
child = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(0.1)"])
open(sys.argv[1], "w").write(str(child.pid))
child.wait()
"""


def test_ctrl_c_reaches_the_whole_group_and_leaves_no_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    timer = _interrupt_when(pid_file.exists)
    code = proc.run_attached([PY, "-c", PARENT_IGNORING_SIGINT, str(pid_file)], grace=1.0)
    timer.join()
    assert code == 128 + signal.SIGINT
    grandchild = int(pid_file.read_text())
    assert not _alive(grandchild)


DAEMON_LEFT_BEHIND = """
import subprocess, sys
# Exits at once but leaves a process in its group, as a badly behaved service might.
p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(sys.argv[1], "w").write(str(p.pid))
"""


def test_leftovers_in_the_group_are_reaped(tmp_path: Path) -> None:
    pid_file = tmp_path / "left.pid"
    assert proc.run_attached([PY, "-c", DAEMON_LEFT_BEHIND, str(pid_file)], grace=0.2) == 0
    assert not _alive(int(pid_file.read_text()))


ORPHAN_REPORTING_ITS_PARENT = """
import subprocess, sys
# Exits at once, as micromamba does on Ctrl-C, leaving its child to finish on its own.
code = "import os, sys, time; time.sleep(0.3); open(sys.argv[1], 'w').write(str(os.getppid()))"
p = subprocess.Popen([sys.executable, "-c", code, sys.argv[1] + ".ppid"])
open(sys.argv[1], "w").write(str(p.pid))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux subreaper")
def test_an_orphaned_service_comes_back_to_devkit_and_is_reaped(tmp_path: Path) -> None:
    pid_file = tmp_path / "orphan.pid"
    assert proc.run_attached([PY, "-c", ORPHAN_REPORTING_ITS_PARENT, str(pid_file)]) == 0
    # Its parent gone, it was re-parented to devkit rather than to PID 1 (which, in some
    # containers, never reaps: its zombie would stay in the group)...
    assert int(Path(f"{pid_file}.ppid").read_text()) == os.getpid()
    # ...and reaped by devkit: no zombie left anywhere.
    assert not psutil.pid_exists(int(pid_file.read_text()))


IGNORES_CTRL_C_IN_THE_BACKGROUND = """
import signal, subprocess, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)  # dies on Ctrl-C, like micromamba
code = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"
worker = subprocess.Popen([sys.executable, "-c", code])
open(sys.argv[1], "w").write(str(worker.pid))
worker.wait()
"""


def test_a_process_that_outlives_ctrl_c_is_named_then_terminated(tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    heard: list[str] = []
    timer = _interrupt_when(pid_file.exists)
    code = proc.run_attached(
        [PY, "-c", IGNORES_CTRL_C_IN_THE_BACKGROUND, str(pid_file)], grace=1.0, notify=heard.append
    )
    timer.join()
    assert code == 128 + signal.SIGINT
    worker = int(pid_file.read_text())
    assert not _alive(worker)
    assert len(heard) == 2, heard
    assert heard[0].startswith("waiting for ") and f"(pid {worker}) to stop; SIGTERM in" in heard[0]
    assert heard[0].endswith("(another Ctrl-C kills at once)")
    assert heard[1].startswith("sending SIGTERM to ") and heard[1].endswith(f"(pid {worker})")


def test_signal_handlers_are_restored() -> None:
    before = signal.getsignal(signal.SIGINT)
    proc.run_attached([PY, "-c", "pass"])
    assert signal.getsignal(signal.SIGINT) is before


def _interrupt_when(ready: object) -> threading.Thread:
    def fire() -> None:
        deadline = time.monotonic() + 10
        while not ready() and time.monotonic() < deadline:  # type: ignore[operator]
            time.sleep(0.02)
        time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PY, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


WORKER_AFTER_A_STOP = """
import signal, sys, threading, time
from devkit import proc
seen = []
def build():
    try:
        proc.run([sys.executable, "-c", "import time; time.sleep(1)"])  # exits 0
        seen.append("trusted")
    except KeyboardInterrupt:
        seen.append("interrupted")
    try:
        proc.run([sys.executable, "-c", "pass"])
        seen.append("started")
    except KeyboardInterrupt:
        seen.append("not started")
worker = threading.Thread(target=build)
worker.start()
time.sleep(0.3)
proc.note_stop(signal.SIGINT)  # what devkit's Ctrl-C handler does, in the main thread
worker.join()
print(" ".join(seen))
"""


def test_a_child_that_exits_0_after_devkit_was_stopped_is_not_trusted() -> None:
    # micromamba rolls an interrupted transaction back and exits 0: the worker thread that ran
    # it must unwind like Ctrl-C, not take the exit code for a build, and start nothing more.
    # In a child interpreter: a noted stop lasts for the rest of the process.
    stdout, stderr = _python(WORKER_AFTER_A_STOP).communicate(timeout=30)
    assert stdout.split() == ["interrupted", "not", "started"], stderr


ROLLS_BACK_ON_SIGINT = """
import pathlib, signal, sys, time
def roll_back(*_):
    time.sleep(0.8)  # undoing what was linked
    pathlib.Path(sys.argv[1]).write_text("rolled back")
    sys.exit(0)
signal.signal(signal.SIGINT, roll_back)
pathlib.Path(sys.argv[1] + ".ready").write_text("")
time.sleep(30)
"""
RUNS_IT = f"""
import sys
from devkit import proc
try:
    proc.run([sys.executable, "-c", {ROLLS_BACK_ON_SIGINT!r}, sys.argv[1]])
except KeyboardInterrupt:
    print("interrupted")
"""


def test_ctrl_c_lets_the_child_finish_rolling_back(tmp_path: Path) -> None:
    marker = tmp_path / "child"
    runner = _python(RUNS_IT, str(marker))
    deadline = time.monotonic() + 30
    while not Path(f"{marker}.ready").exists():
        assert runner.poll() is None and time.monotonic() < deadline, runner.communicate()
        time.sleep(0.02)
    os.killpg(runner.pid, signal.SIGINT)  # the terminal's Ctrl-C: devkit and its child
    stdout, stderr = runner.communicate(timeout=30)
    assert stdout.strip() == "interrupted", stderr
    assert marker.read_text() == "rolled back"


FINISH_SCRIPT = """
import atexit, sys, threading, time
from devkit.proc import finish

class Noisy:
    def __del__(self):
        print("finalized")  # what finalization would print as it frees this

kept = Noisy()
atexit.register(lambda: print("atexit ran"))
print("the report")  # buffered: stdout is a pipe
if sys.argv[1] == "thread":
    threading.Thread(target=time.sleep, args=(0.2,)).start()
finish.leave(5)  # not asked yet: returns
finish.without_finalization()
finish.leave(3)
sys.exit(4)
"""


@pytest.mark.parametrize("case", ["alone", "thread"])
def test_leaving_without_finalization_keeps_output_and_atexit(case: str) -> None:
    done = subprocess.run(
        [PY, "-c", FINISH_SCRIPT, case], capture_output=True, text=True, timeout=30, check=False
    )
    if case == "alone":
        # Everything printed and every atexit callback, but nothing freed one by one.
        assert (done.returncode, done.stdout) == (3, "the report\natexit ran\n")
    else:
        # A thread still running: a normal exit, which waits for it and finalizes.
        assert done.returncode == 4
        assert done.stdout == "the report\natexit ran\nfinalized\n"
