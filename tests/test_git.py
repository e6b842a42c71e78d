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
        ("/srv/origin.git", "file:///srv/origin.git", True),  # git clone PATH vs --repo URL
        ("/srv/origin.git", "/srv/other.git", False),
        ("github.com:acme/mono.git", "git@github.com:acme/mono", True),  # scp-like, no user
        ("ssh://git@github.com:22/acme/mono.git", "git@github.com:acme/mono", True),
    ],
)
def test_same_remote(a: str, b: str, same: bool) -> None:
    assert git.same_remote(a, b) is same


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///srv/nope.git", "is not a git repository on this machine: check the path"),
        ("/srv/nope.git", "is not a git repository on this machine: check the path"),
        ("git@github.com:acme/mono.git", "SSH key"),
        ("deploy@git.acme.dev:data/mono.git", "SSH key"),  # scp-like, another user
        ("github.com:acme/mono.git", "SSH key"),  # scp-like, no user
        ("relative/path/repo", "check the path"),
        ("ssh://git@github.com/acme/mono.git", "SSH key"),
        ("https://github.com/acme/mono.git", "personal access token"),
    ],
)
def test_the_hint_matches_the_kind_of_remote(url: str, expected: str) -> None:
    assert expected in git.auth_hint(url)
