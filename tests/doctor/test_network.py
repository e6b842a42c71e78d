"""doctor's network section: each server reached once, a refused certificate explained, offline
said once rather than once per project."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from devkit.doctor.base import Status
from devkit.doctor.registry import BY_ID
from devkit.doctor.runner import run_checks
from tests.doctor.conftest import MakeCtx, run_check
from tests.support.fixtures import GitOrigin, Isolation
from tests.support.http_server import FileServer
from tests.support.monorepo import Monorepo, add_project
from tests.support.proxy import Proxy
from tests.support.tls import Certificates


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def home_rc(isolate: Isolation, monkeypatch: pytest.MonkeyPatch) -> Path:
    """~/.condarc alone decides the channels (the world's CONDARC names file:// ones)."""
    monkeypatch.delenv("CONDARC")
    return isolate.home / ".condarc"


def test_an_untrusted_channel_fails_with_who_signed_it_and_the_fix(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, https_server: FileServer, home_rc: Path
) -> None:
    home_rc.write_text(f"channel_alias: {https_server.url('channels')}\n")
    result = run_check(make_ctx(sample_monorepo.root), "network.channels")
    assert result.status is Status.FAIL
    assert "issued by `CN=devkit test CA`" in result.message
    assert "company proxy or firewall is probably re-signing" in result.message
    assert result.hint is not None and "ssl_verify: /path/ca.pem" in result.hint


def test_a_channel_trusted_via_ssl_verify_through_the_proxy(
    make_ctx: MakeCtx,
    sample_monorepo: Monorepo,
    https_server: FileServer,
    certificates: Certificates,
    proxy: Proxy,
    home_rc: Path,
) -> None:
    home_rc.write_text(
        f"channel_alias: {https_server.url('channels')}\nssl_verify: {certificates.ca}\n"
        f"proxy_servers:\n  https: {proxy.url}\n"
    )
    result = run_check(make_ctx(sample_monorepo.root), "network.channels")
    assert result.status is Status.OK and "conda-forge" in result.message
    assert proxy.log and all(line.startswith("CONNECT 127.0.0.1:") for line in proxy.log)
    settings = run_check(make_ctx(sample_monorepo.root), "network.settings")
    assert settings.status is Status.OK
    assert f"HTTPS proxy {proxy.url}" in settings.message and str(certificates.ca) in (
        settings.message
    )


def test_a_channel_trusted_via_the_system_store(
    make_ctx: MakeCtx,
    sample_monorepo: Monorepo,
    https_server: FileServer,
    certificates: Certificates,
    home_rc: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))
    home_rc.write_text(f"channel_alias: {https_server.url('channels')}\n")
    assert run_check(make_ctx(sample_monorepo.root), "network.channels").status is Status.OK


def test_settings_that_weaken_or_break_tls(
    make_ctx: MakeCtx, home_rc: Path, tmp_path: Path
) -> None:
    home_rc.write_text("ssl_verify: false\n")
    unverified = run_check(make_ctx(), "network.settings")
    assert unverified.status is Status.WARN and "TLS NOT verified" in unverified.message
    home_rc.write_text(f"ssl_verify: {tmp_path / 'missing.pem'}\n")
    missing = run_check(make_ctx(), "network.settings")
    assert missing.status is Status.FAIL and "missing.pem" in missing.message
    assert "ssl_verify in" in missing.message


def test_offline_many_projects_give_one_finding_and_no_repeated_lookups(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, home_rc: Path
) -> None:
    # A channel host that refuses connections, as offline or a firewall would.
    home_rc.write_text(f"channel_alias: http://127.0.0.1:{_closed_port()}\n")
    for index in range(8):
        add_project(sample_monorepo, f"svc{index}", dependencies=["tzdata"])
    checks = (BY_ID["network.channels"], BY_ID["drift.platforms"])
    started = time.monotonic()
    report = run_checks(make_ctx(sample_monorepo.root), checks)
    elapsed = time.monotonic() - started
    network = [r for r in report.results if r.check_id == "network.channels"]
    drift = [r for r in report.results if r.check_id == "drift.platforms"]
    assert [r.status for r in network] == [Status.WARN]
    assert "connection refused by the server" in network[0].message
    assert "channel_alias" in (network[0].hint or "")
    assert len(drift) == 10 and all(r.status is Status.SKIP for r in drift)
    assert all("unreachable in this run" in r.message for r in drift)
    assert elapsed < 5, f"took {elapsed:.1f}s"


def test_without_the_probe_the_first_project_warns_and_the_rest_skip(
    make_ctx: MakeCtx, sample_monorepo: Monorepo, home_rc: Path
) -> None:
    home_rc.write_text(f"channel_alias: http://127.0.0.1:{_closed_port()}\n")
    report = run_checks(make_ctx(sample_monorepo.root), (BY_ID["drift.platforms"],))
    statuses = [r.status for r in report.results]
    assert statuses == [Status.WARN, Status.SKIP]
    assert "cannot read channel `conda-forge`" in report.results[0].message


def test_the_micromamba_download_location(
    make_ctx: MakeCtx, http_server: FileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_check(make_ctx(), "network.micromamba").status is Status.OK  # the world's mirror
    assert http_server.requests[-1].endswith(".sha256")
    monkeypatch.setenv("DEVKIT_MICROMAMBA_URL", f"http://127.0.0.1:{_closed_port()}")
    result = run_check(make_ctx(), "network.micromamba")
    assert result.status is Status.WARN  # micromamba is installed: only a re-install needs it
    assert "DEVKIT_MICROMAMBA_URL" in (result.hint or "")


def test_the_package_index(
    make_ctx: MakeCtx, http_server: FileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_check(make_ctx(), "network.package_index").status is Status.SKIP  # PIP_NO_INDEX
    monkeypatch.delenv("PIP_NO_INDEX")
    monkeypatch.setenv("PIP_INDEX_URL", http_server.url("simple"))
    assert run_check(make_ctx(), "network.package_index").status is Status.OK
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{_closed_port()}/simple")
    down = run_check(make_ctx(), "network.package_index")
    assert down.status is Status.WARN and "index-url" in (down.hint or "")


def test_the_monorepo_remote(make_ctx: MakeCtx, git_origin: GitOrigin, tmp_path: Path) -> None:
    from tests.support.monorepo import git

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", git_origin.url, str(clone))
    assert run_check(make_ctx(clone), "network.git_remote").status is Status.OK
    git(clone, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    gone = run_check(make_ctx(clone), "network.git_remote")
    assert gone.status is Status.WARN and "ls-remote" in gone.message
