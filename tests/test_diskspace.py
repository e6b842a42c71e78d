"""A build that failed for want of disk space says so, with the free space and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit import diskspace

MB = 1024 * 1024
ROOT = Path("/home/ana/micromamba")


@pytest.mark.parametrize(
    "output",
    [
        "critical libmamba No space left on device (os error 28)",
        "OSError: [Errno 28] No space left on device: '/r/pkgs/numpy'",
        "error    libmamba write failed: ENOSPC",
        "error: could not write file (os error 28)",
    ],
)
def test_enospc_in_the_output_is_named_whatever_the_free_space(output: str) -> None:
    line = diskspace.out_of_space(output, {ROOT: 3_000 * MB})
    assert line == f"no space left on {ROOT}: 3000 MB free"


def test_a_nearly_full_disk_after_a_vague_failure_is_named() -> None:
    # What micromamba says on a full disk, with nothing about space.
    output = "critical libmamba failed to fetch https://conda.anaconda.org/conda-forge/..."
    assert diskspace.out_of_space(output, {ROOT: 3_000 * MB}) is None
    envs = Path("/mnt/big/envs")
    line = diskspace.out_of_space(output, {ROOT: 12 * MB, envs: 900 * MB})
    assert line == f"no space left on {ROOT}: 12 MB free"
    # A failure the solver explained is not blamed on a nearly full disk.
    assert diskspace.out_of_space(output, {ROOT: 12 * MB}, suspect=False) is None


def test_unknown_free_space_still_names_the_place() -> None:
    line = diskspace.out_of_space("No space left on device", {ROOT: None})
    assert line == f"no space left on {ROOT}"
    assert diskspace.out_of_space("failed to fetch", {ROOT: None}) is None


def test_free_bytes_measures_the_nearest_existing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "not" / "yet" / "there"
    [(path, free)] = diskspace.free_bytes([missing]).items()
    assert path == missing and free is not None and free > 0
