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
    # still the one of the account's login shell, when the account has a usable one.
    monkeypatch.delenv("SHELL")
    account_shell = pwd.getpwuid(os.getuid()).pw_shell
    expected = account_shell if facts.usable_shell(account_shell) else ""
    assert facts.login_shell() == expected
    assert facts.probe().shell == os.path.basename(expected)


@pytest.mark.parametrize(
    ("path", "usable"),
    [
        ("/bin/sh", True),
        ("/usr/sbin/nologin", False),  # a service account in a CI container
        ("/bin/false", False),
        ("/no/such/shell", False),
        ("", False),
    ],
)
def test_service_account_shells_are_not_used(path: str, usable: bool) -> None:
    assert facts.usable_shell(path) is usable
