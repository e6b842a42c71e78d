"""Network settings from conda's configuration, and py-rattler's client built from them.

What py-rattler 0.28 can and cannot take (``rattler.Config`` / ``Client.from_config``):

- proxies: yes, ``[proxy-config] https/http/non-proxy-hosts``; devkit passes the rc's
  ``proxy_servers``, else ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``;
- ``ssl_verify: false``: yes, ``tls-no-verify``;
- a CA file: no setting. Its TLS stack reads ``SSL_CERT_FILE`` when the client is built, so
  devkit builds the client with ``SSL_CERT_FILE`` pointing at a bundle of certifi, the OS
  bundle file and the company CA (netconfig.ca_bundle) and restores the variable after; on a
  Mac without a company CA it asks for the system store (``tls-root-certs = "system"``, the
  keychain) instead;
- a client certificate (``client_cert``): no; doctor's ``condarc.files`` says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from devkit.conda.condarc import Condarc
from devkit.net import netconfig
from devkit.net.netconfig import NetSettings
from devkit.net.netprobe import HostFailures, Probe

if TYPE_CHECKING:
    from rattler.networking import Client

# py-rattler's (reqwest's) words for a failure of the host rather than of one URL.
_HOST_DOWN = re.compile(
    r"dns error|failed to lookup address|client error \(Connect\)|tcp connect error|"
    r"Connection refused|timed out|operation timed out|invalid peer certificate|"
    r"certificate verify failed|unsuccessful tunnel|proxy",
    re.IGNORECASE,
)
_lock = threading.Lock()  # SSL_CERT_FILE is process-wide while a client is being built


def settings(rc: Condarc, env: Mapping[str, str] | None = None) -> NetSettings:
    """The rc's ``proxy_servers`` and ``ssl_verify`` over the environment's variables."""
    base = netconfig.from_environment(os.environ if env is None else env)
    origins = dict(base.origins)
    proxies = rc.proxy_servers
    https, http = base.https_proxy, base.http_proxy
    if proxies.get("https"):
        https = proxies["https"]
        origins["https_proxy"] = f"proxy_servers in {rc.origins['proxy_servers']}"
    if proxies.get("http"):
        http = proxies["http"]
        origins["http_proxy"] = f"proxy_servers in {rc.origins['proxy_servers']}"
    ca, verify = base.ca_file, True
    rc_verify = rc.ssl_verify
    if rc_verify is False:
        verify = False
        origins["verify"] = f"ssl_verify: false in {rc.origins['ssl_verify']}"
    elif isinstance(rc_verify, str):
        ca = Path(rc_verify).expanduser()
        origins["ca"] = f"ssl_verify in {rc.origins['ssl_verify']}"
    return NetSettings(https, http, base.no_proxy, ca, verify, origins)


@dataclass
class Access:
    """How one devkit run reaches channels: settings, the hosts that failed, one client."""

    settings: NetSettings
    bundle_dir: Path
    failures: HostFailures = field(default_factory=HostFailures)
    _client: Client | None = None

    def client(self) -> Client:
        """py-rattler's client for these settings, built once per run."""
        if self._client is None:
            self._client = rattler_client(self.settings, self.bundle_dir)
        return self._client

    def known_failure(self, url: str) -> Probe | None:
        """A failure already seen this run on ``url``'s host (local channels never fail so)."""
        return None if url.startswith("file:") else self.failures.get(url)

    def record(self, url: str, error_text: str) -> None:
        """Remember a solve's fetch failure when it is the host's, not the URL's."""
        match = _HOST_DOWN.search(error_text)
        if match and not url.startswith("file:"):
            last = error_text.strip().splitlines()[-1].removeprefix("Caused by: ")
            self.failures.record(Probe(url, False, last, host_down=True))


def rattler_client(net: NetSettings, bundle_dir: Path, *, timeout: int | None = None) -> Client:
    """py-rattler's standard client (retries, auth, OCI, S3) with these proxies and this trust."""
    from rattler import Config
    from rattler.networking import Client

    lines: list[str] = []
    bundle: Path | None = None
    if not net.verify:
        lines.append("tls-no-verify = true")
    elif netconfig.on_mac() and net.ca_file is None:
        lines.append('tls-root-certs = "system"')
    else:
        bundle = netconfig.ca_bundle(net, bundle_dir)
    if net.https_proxy or net.http_proxy:
        lines.append("[proxy-config]")
        # TOML's basic strings take JSON's escapes.
        if net.https_proxy:
            lines.append(f"https = {json.dumps(net.https_proxy)}")
        if net.http_proxy:
            lines.append(f"http = {json.dumps(net.http_proxy)}")
        lines.append(f"non-proxy-hosts = {json.dumps(list(net.no_proxy))}")
    config = Config.from_toml("\n".join(lines))
    with _ssl_cert_file(bundle):
        return Client.from_config(config, timeout=timeout)


@contextlib.contextmanager
def _ssl_cert_file(bundle: Path | None) -> Iterator[None]:
    if bundle is None:
        yield
        return
    with _lock:
        previous = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = str(bundle)
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = previous


def access(rc: Condarc, cache_dir: Path, env: Mapping[str, str] | None = None) -> Access:
    """An ``Access`` for one run, its CA bundle kept under ``cache_dir``."""
    return Access(settings(rc, env), cache_dir / "tls")


def tool_env(rc: Condarc, cache_dir: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Variables giving pip, uv and git the proxies and CA devkit uses (netconfig.tool_env).

    For commands that run those tools themselves (e.g. resolving ``pip:`` sections): merge the
    result into the child's environment, ``proc.clean_env(network.tool_env(rc, cache))``.
    """
    net = settings(rc, env)
    bundle = netconfig.ca_bundle(net, cache_dir / "tls") if net.ca_file is not None else None
    return netconfig.tool_env(net, bundle)
