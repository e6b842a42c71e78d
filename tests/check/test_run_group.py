"""grouprun.run_group: a step in its own process group, its output, its leftovers, and signals."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from devkit.proc import grouprun

PY = sys.executable


def test_output_comes_line_by_line_and_the_exit_code_passes_through() -> None:
    lines: list[str] = []
    code = grouprun.run_group(
        [PY, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"],
        on_output=lines.append,
    )
    assert code == 3
    assert sorted(lines) == ["err", "out"]


def test_death_by_signal_is_128_plus_n() -> None:
    assert grouprun.run_group([PY, "-c", "import os; os.kill(os.getpid(), 15)"]) == 143


def test_a_process_left_running_with_the_pipe_open_neither_hangs_nor_survives(
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "pid"
    script = (
        "import subprocess, sys; "
        f"c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pid_file)!r}, 'w').write(str(c.pid)); print('started', flush=True)"
    )
    lines: list[str] = []
    start = time.monotonic()
    assert grouprun.run_group([PY, "-c", script], on_output=lines.append, grace=0.5) == 0
    assert time.monotonic() - start < 10
    assert lines == ["started"]
    left = int(pid_file.read_text())
    assert not psutil.pid_exists(left) or psutil.Process(left).status() == psutil.STATUS_ZOMBIE


def test_a_signal_reaches_the_group_and_nothing_starts_after_it(tmp_path: Path) -> None:
    # The child ignores nothing: SIGINT, passed to its group by group_signals, ends it.
    ready = tmp_path / "ready"
    script = f"import time; open({str(ready)!r}, 'w').close(); time.sleep(60)"

    def interrupt_when_ready() -> None:
        while not ready.exists():
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)  # the terminal's Ctrl-C, to devkit alone

    before = signal.getsignal(signal.SIGINT)
    threading.Thread(target=interrupt_when_ready, daemon=True).start()
    start = time.monotonic()
    with grouprun.group_signals() as received:
        code = grouprun.run_group([PY, "-c", script])
        assert received == [signal.SIGINT]
        with pytest.raises(KeyboardInterrupt):
            grouprun.run_group([PY, "-c", "pass"])
    assert code == 130
    assert time.monotonic() - start < 30
    assert grouprun.run_group([PY, "-c", "pass"]) == 0  # outside, children start again
    assert signal.getsignal(signal.SIGINT) is before
