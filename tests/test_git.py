"""Remote URL comparison."""

from __future__ import annotations

import pytest

from devkit import git


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("git@github.com:acme/mono.git", "https://github.com/acme/mono", True),
        ("ssh://git@github.com/acme/mono.git", "git@github.com:acme/mono", True),
        ("https://token@github.com/acme/mono.git/", "https://github.com/acme/mono", True),
        ("git@github.com:acme/mono.git", "git@github.com:acme/other.git", False),
        ("file:///srv/origin.git", "file:///srv/origin", True),
    ],
)
def test_same_remote(a: str, b: str, same: bool) -> None:
    assert git.same_remote(a, b) is same
