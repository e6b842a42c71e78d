"""Facts about this machine, gathered in one place so checks can be tested with another OS's."""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devkit import proc
from devkit.errors import DevkitError


@dataclass(frozen=True)
class MachineFacts:
    """What devkit knows of the machine: OS, CPU, Rosetta, shell, home and environment."""

    system: str  # platform.system(): "Linux", "Darwin"
    machine: str  # uname -m: "x86_64", "arm64", "aarch64"
    rosetta: bool  # an x86_64 process on an Apple Silicon Mac
    shell: str  # basename of the login shell: "bash", "zsh", "fish"
    home: Path
    environ: Mapping[str, str] = field(default_factory=dict)
    # The one "today" of every check that ages (Python EOL, deprecated actions, base images):
    # a test, or a report reproduced for another day, sets it (DEVKIT_TODAY=2026-01-31).
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def is_mac(self) -> bool:
        """macOS."""
        return self.system == "Darwin"

    @property
    def subdir(self) -> str | None:
        """The conda platform this process runs as (``osx-64`` under Rosetta)."""
        os_part = {"Linux": "linux", "Darwin": "osx"}.get(self.system)
        arch = {"x86_64": "64", "amd64": "64", "arm64": "arm64", "aarch64": "aarch64"}.get(
            self.machine.lower()
        )
        if os_part is None or arch is None:
            return None
        if os_part == "osx" and arch == "aarch64":
            arch = "arm64"
        if os_part == "linux" and arch == "arm64":
            arch = "aarch64"
        return f"{os_part}-{arch}"

    @property
    def native_subdir(self) -> str | None:
        """The platform the hardware really is (``osx-arm64`` for a Rosetta shell)."""
        return "osx-arm64" if self.rosetta else self.subdir

    def rc_file(self, shell: str | None = None) -> Path | None:
        """The file ``micromamba shell init`` writes for a shell on this OS."""
        shell = shell or self.shell
        if shell == "bash":
            # macOS Terminal starts login shells, which read ~/.bash_profile, not ~/.bashrc.
            return self.home / (".bash_profile" if self.is_mac else ".bashrc")
        if shell == "zsh":
            return self.home / ".zshrc"
        if shell == "fish":
            return self.home / ".config" / "fish" / "config.fish"
        return None


def probe() -> MachineFacts:
    """Read the facts of the machine devkit runs on."""
    uname = platform.uname()
    return MachineFacts(
        system=uname.system,
        machine=uname.machine,
        rosetta=_translated() if uname.system == "Darwin" else False,
        shell=Path(login_shell()).name,
        home=Path.home(),
        environ=dict(os.environ),
        today=_today(os.environ.get("DEVKIT_TODAY")),
    )


def _today(given: str | None) -> dt.date:
    if not given:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise DevkitError(
            f"DEVKIT_TODAY={given!r} is not a date", hint="write it as YYYY-MM-DD, or unset it"
        ) from None


def login_shell() -> str:
    """The user's shell: $SHELL, else the account's login shell, else "".

    $SHELL is missing under cron, `env -i`, some CI runners and containers; the passwd entry
    still names the shell the user's rc files belong to.
    """
    shell = os.environ.get("SHELL", "")
    if shell:
        return shell
    try:
        import pwd

        account = pwd.getpwuid(os.getuid()).pw_shell
    except (ImportError, KeyError):
        return ""
    return account if usable_shell(account) else ""


def usable_shell(path: str) -> bool:
    """A program a person can work in: service accounts get ``nologin`` or ``false``."""
    return (
        bool(path)
        and Path(path).name not in ("nologin", "false", "true")
        and os.access(path, os.X_OK)
    )


def _translated() -> bool:
    # sysctl.proc_translated is 1 for a Rosetta process, 0 for native, absent on Intel Macs.
    try:
        result = proc.run(["sysctl", "-n", "sysctl.proc_translated"], check=False, timeout=5)
    except DevkitError:
        return False
    return result.stdout.strip() == "1"
