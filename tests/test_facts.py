"""The machine facts devkit reads from the process and the account."""

from __future__ import annotations

import os
import pwd

import pytest

from devkit import facts


def test_shell_comes_from_shell_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELL", "/usr/local/bin/fish")
    assert facts.probe().shell == "fish"


def test_shell_falls_back_to_the_login_shell_without_shell_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Cron, `env -i` and some CI runners start devkit without $SHELL: the rc file to wire is
    # still the one of the account's login shell.
    monkeypatch.delenv("SHELL")
    account_shell = pwd.getpwuid(os.getuid()).pw_shell
    assert facts.login_shell() == account_shell
    assert facts.probe().shell == os.path.basename(account_shell)
