"""Proxies and CAs for every request devkit makes: the micromamba download and solves.

A real HTTPS server on 127.0.0.1 with a certificate from a CA the suite makes, a real forward
proxy that logs each CONNECT, and the settings as users write them (~/.condarc, variables).
"""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest

from devkit.conda import condarc, micromamba, network
from devkit.drift.project import Options, network_access, solve_project
from devkit.errors import DevkitError, DownloadError
from devkit.net import download, netconfig, netprobe
from devkit.repo import monorepo as monorepo_mod
from tests.support.fixtures import Isolation
from tests.support.http_server import FileServer
from tests.support.monorepo import Monorepo, add_project
from tests.support.proxy import Proxy
from tests.support.tls import Certificates
from tests.support.world import World

SUBDIR = "linux-64"


def _sha_url(server: FileServer) -> str:
    return server.url(f"downloads/micromamba-{SUBDIR}.sha256")


def _rc(isolate: Isolation, text: str) -> condarc.Condarc:
    rc_file = isolate.home / ".condarc"
    rc_file.write_text(text)
    return condarc.read([rc_file])


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_untrusted_ca_is_explained(https_server: FileServer) -> None:
    with pytest.raises(DownloadError) as caught:
        download.fetch_text(_sha_url(https_server), net=netconfig.NetSettings())
    error = caught.value
    assert "issued by `CN=devkit test CA`" in error.message
    assert "company proxy or firewall is probably re-signing" in error.message
    assert error.hint is not None
    assert "ssl_verify: /path/ca.pem" in error.hint and "http.sslCAInfo" in error.hint


def test_trusted_through_ssl_verify_in_the_condarc(
    https_server: FileServer, certificates: Certificates, isolate: Isolation, test_world: World
) -> None:
    net = network.settings(_rc(isolate, f"ssl_verify: {certificates.ca}\n"))
    assert net.ca_file == certificates.ca and "ssl_verify in" in net.origins["ca"]
    digest = download.fetch_text(_sha_url(https_server), net=net)
    binary = test_world.downloads_dir / f"micromamba-{SUBDIR}"
    assert digest == hashlib.sha256(binary.read_bytes()).hexdigest()


def test_trusted_through_the_system_store(
    https_server: FileServer, certificates: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No CA in devkit's settings: OpenSSL's store, which SSL_CERT_FILE points, trusts it.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))
    assert download.fetch_text(_sha_url(https_server), net=netconfig.NetSettings())


def test_through_the_proxy(
    https_server: FileServer,
    certificates: Certificates,
    proxy: Proxy,
    monkeypatch: pytest.MonkeyPatch,
    isolate: Isolation,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    net = network.settings(_rc(isolate, f"ssl_verify: {certificates.ca}\n"))
    assert net.https_proxy == proxy.url and net.origins["https_proxy"] == "HTTPS_PROXY"
    assert download.fetch_text(_sha_url(https_server), net=net)
    port = https_server.base_url.rsplit(":", 1)[1]
    assert proxy.log == [f"CONNECT 127.0.0.1:{port}"]


def test_the_rc_proxy_wins_and_no_proxy_goes_direct(proxy: Proxy, isolate: Isolation) -> None:
    rc = _rc(isolate, f"proxy_servers:\n  https: {proxy.url}\n  http: {proxy.url}\n")
    env = {"HTTPS_PROXY": "http://127.0.0.1:1", "NO_PROXY": "internal.corp,.lan:8080"}
    net = network.settings(rc, env)
    assert net.https_proxy == proxy.url and "proxy_servers in" in net.origins["https_proxy"]
    assert net.proxy_for("https://conda.anaconda.org/x") == proxy.url
    assert net.proxy_for("https://pkgs.internal.corp/x") is None
    assert net.proxy_for("http://a.lan:8080/x") is None
    assert net.proxy_for("http://a.lan:9090/x") == proxy.url


def test_a_refused_proxy_is_named_and_the_hint_names_the_mirror_setting(
    http_server: FileServer, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}"
    net = netconfig.NetSettings(http_proxy=dead, origins={"http_proxy": "HTTP_PROXY"})
    with pytest.raises(DownloadError) as caught:
        micromamba.install(SUBDIR, tmp_path / "micromamba", net=net)
    assert f"connection refused by the proxy {dead}" in caught.value.message
    assert "DEVKIT_MICROMAMBA_URL" in (caught.value.hint or "")
    assert not (tmp_path / "micromamba").exists()


def test_no_progress_bar_before_the_first_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from devkit import console

    url = f"http://127.0.0.1:{_closed_port()}/micromamba-{SUBDIR}"
    with pytest.raises(DownloadError), console.download_progress("micromamba") as progress:
        download.fetch_verified(url, tmp_path / "mm", "0" * 64, progress=progress)
    assert capsys.readouterr().err == ""


def test_tool_env_hands_the_same_settings_to_pip_uv_and_git(
    certificates: Certificates, tmp_path: Path
) -> None:
    net = netconfig.NetSettings(
        https_proxy="http://proxy:3128", no_proxy=("internal.corp",), ca_file=certificates.ca
    )
    bundle = netconfig.ca_bundle(net, tmp_path)
    assert certificates.ca.read_bytes().strip() in bundle.read_bytes()
    env = netconfig.tool_env(net, bundle)
    assert env["HTTPS_PROXY"] == env["https_proxy"] == "http://proxy:3128"
    assert env["NO_PROXY"] == "internal.corp"
    for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO"):
        assert env[name] == str(bundle)
    # Without a company CA the tools keep their own trust.
    assert "PIP_CERT" not in netconfig.tool_env(netconfig.NetSettings(), bundle)


def test_the_rc_settings_reach_pip_and_git_through_tool_env(
    certificates: Certificates, isolate: Isolation, tmp_path: Path
) -> None:
    rc = _rc(isolate, f"ssl_verify: {certificates.ca}\nproxy_servers: {{https: http://p:3128}}\n")
    env = network.tool_env(rc, tmp_path, {})
    assert env["HTTPS_PROXY"] == "http://p:3128"
    assert certificates.ca.read_bytes().strip() in Path(env["PIP_CERT"]).read_bytes()
    off = network.tool_env(_rc(isolate, "ssl_verify: false\n"), tmp_path, {})
    assert off == {"GIT_SSL_NO_VERIFY": "1"}


def test_the_issuer_of_a_certificate_is_read(certificates: Certificates) -> None:
    import ssl

    der = ssl.PEM_cert_to_DER_cert(certificates.cert.read_text())
    assert netprobe.issuer_of(der) == "CN=devkit test CA"
    assert netprobe.issuer_of(b"\x30\x03garbage") is None


def test_pip_index_from_its_config(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://pypi.corp/simple/\n")
    env = {"PIP_CONFIG_FILE": str(conf)}
    assert netconfig.pip_index_url(env, tmp_path) == "https://pypi.corp/simple"
    assert netconfig.pip_index_url({"PIP_NO_INDEX": "1"}, tmp_path) is None
    assert netconfig.pip_index_url({}, tmp_path / "nohome") == netconfig.PYPI_SIMPLE


# Solves: py-rattler's client built from the same settings.


def _https_project(
    sample_monorepo: Monorepo, https_server: FileServer, isolate: Isolation, extra: str = ""
) -> tuple[monorepo_mod.Monorepo, monorepo_mod.Project]:
    add_project(sample_monorepo, "tz", dependencies=["tzdata"])
    condarc_file = isolate.home / ".condarc"
    condarc_file.write_text(f"channel_alias: {https_server.url('channels')}\n{extra}")
    repo = monorepo_mod.load(sample_monorepo.root)
    return repo, repo.project("tz")


def _solve(repo: monorepo_mod.Monorepo, project: monorepo_mod.Project) -> None:
    from devkit.conda import envspec

    spec = envspec.parse(project.env_file)
    report, _, _ = solve_project(repo, project, spec, Options(platforms=(SUBDIR,), pins=False))
    assert report.counts == {SUBDIR: 1}


@pytest.fixture
def only_home_rc(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test world's CONDARC names file:// channels: these solves read ~/.condarc alone."""
    monkeypatch.delenv("CONDARC")


@pytest.mark.usefixtures("only_home_rc")
def test_a_solve_refuses_an_untrusted_channel_and_names_the_mirror_settings(
    sample_monorepo: Monorepo, https_server: FileServer, isolate: Isolation
) -> None:
    repo, project = _https_project(sample_monorepo, https_server, isolate)
    with pytest.raises(DevkitError) as caught:
        _solve(repo, project)
    assert "cannot read channel `conda-forge`" in caught.value.message
    assert "invalid peer certificate" in caught.value.message
    assert "channel_alias" in (caught.value.hint or "")
    assert "mirrored_channels" in (caught.value.hint or "")


@pytest.mark.usefixtures("only_home_rc")
def test_a_solve_trusts_ssl_verify_and_goes_through_the_proxy(
    sample_monorepo: Monorepo,
    https_server: FileServer,
    certificates: Certificates,
    proxy: Proxy,
    isolate: Isolation,
) -> None:
    extra = f"ssl_verify: {certificates.ca}\nproxy_servers:\n  https: {proxy.url}\n"
    repo, project = _https_project(sample_monorepo, https_server, isolate, extra)
    _solve(repo, project)
    port = https_server.base_url.rsplit(":", 1)[1]
    assert proxy.log and set(proxy.log) == {f"CONNECT 127.0.0.1:{port}"}


@pytest.mark.usefixtures("only_home_rc")
def test_a_solve_trusts_the_system_store(
    sample_monorepo: Monorepo,
    https_server: FileServer,
    certificates: Certificates,
    isolate: Isolation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))
    repo, project = _https_project(sample_monorepo, https_server, isolate)
    _solve(repo, project)


@pytest.mark.usefixtures("only_home_rc")
def test_a_host_that_failed_is_not_asked_again_in_the_run(
    sample_monorepo: Monorepo, https_server: FileServer, proxy: Proxy, isolate: Isolation
) -> None:
    from devkit.conda import envspec

    extra = f"proxy_servers:\n  https: {proxy.url}\n"  # its log counts the connections
    repo, project = _https_project(sample_monorepo, https_server, isolate, extra)
    spec = envspec.parse(project.env_file)
    net = network_access(isolate.root_prefix)
    options = Options(platforms=(SUBDIR,), pins=False)
    with pytest.raises(DevkitError, match="invalid peer certificate"):
        solve_project(repo, project, spec, options, net)
    tried = len(proxy.log)
    assert tried >= 1
    with pytest.raises(DevkitError, match="already failed in this run"):
        solve_project(repo, project, spec, options, net)
    assert len(proxy.log) == tried
