"""Machine checks, with this machine's real readings and facts recorded from real Macs."""

from __future__ import annotations

import platform

from devkit import facts
from devkit.doctor.base import Status
from devkit.userconfig import Thresholds
from tests.doctor.conftest import MAC_ARM, MAC_INTEL, MAC_ROSETTA, MakeCtx, run_check


def test_the_real_probe_describes_this_machine() -> None:
    found = facts.probe()
    assert found.system == platform.system()
    assert found.machine == platform.machine()
    assert found.rosetta is False or found.is_mac


def test_supported_platforms_pass(make_ctx: MakeCtx) -> None:
    assert run_check(make_ctx(), "machine.os").status is Status.OK
    for mac in (MAC_INTEL, MAC_ARM, MAC_ROSETTA):
        assert run_check(make_ctx(**mac), "machine.os").status is Status.OK


def test_windows_fails_with_wsl_hint(make_ctx: MakeCtx) -> None:
    result = run_check(make_ctx(system="Windows", machine="AMD64"), "machine.os")
    assert result.status is Status.FAIL
    assert result.hint is not None and "WSL" in result.hint


def test_subdirs_of_recorded_macs(make_ctx: MakeCtx) -> None:
    assert make_ctx(**MAC_INTEL).facts.subdir == "osx-64"
    assert make_ctx(**MAC_ARM).facts.subdir == "osx-arm64"
    rosetta = make_ctx(**MAC_ROSETTA).facts
    assert (rosetta.subdir, rosetta.native_subdir) == ("osx-64", "osx-arm64")


def test_rosetta_fails_and_native_passes(make_ctx: MakeCtx) -> None:
    result = run_check(make_ctx(**MAC_ROSETTA), "machine.rosetta")
    assert result.status is Status.FAIL
    assert "Rosetta" in result.message and result.hint and "uname -m" in result.hint
    assert run_check(make_ctx(**MAC_ARM), "machine.rosetta").status is Status.OK
    assert run_check(make_ctx(**MAC_INTEL), "machine.rosetta").status is Status.OK
    assert run_check(make_ctx(system="Linux"), "machine.rosetta").status is Status.SKIP


def test_disk_thresholds_against_the_real_disk(make_ctx: MakeCtx) -> None:
    assert run_check(make_ctx(thresholds=Thresholds(0, 0, 0)), "machine.disk").status is Status.OK
    warn = run_check(make_ctx(thresholds=Thresholds(10**9, 0, 0)), "machine.disk")
    assert warn.status is Status.WARN and "MAMBA_ROOT_PREFIX" in (warn.hint or "")
    fail = run_check(make_ctx(thresholds=Thresholds(10**9, 10**9, 0)), "machine.disk")
    assert fail.status is Status.FAIL


def test_memory_threshold_against_the_real_reading(make_ctx: MakeCtx) -> None:
    assert run_check(make_ctx(thresholds=Thresholds(0, 0, 0)), "machine.memory").status is Status.OK
    low = run_check(make_ctx(thresholds=Thresholds(0, 0, 10**9)), "machine.memory")
    assert low.status is Status.WARN
