"""Reaching a URL once, and saying why not: unreachable host, refused TLS (and who signed), HTTP.

A host that cannot be reached is remembered for the run (``HostFailures``), so checking fifty
projects offline costs one failed lookup per host, not one per project.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from devkit.net.netconfig import NetSettings, redact_url, urlopen

PROBE_TIMEOUT = 4.0  # seconds per socket operation: a probe, not a download


@dataclass(frozen=True)
class Probe:
    """How one request went: ``ok``, or the reason, and whether the host itself is at fault."""

    url: str
    ok: bool
    detail: str  # "HTTP 200", "HTTP 404 Not Found", "cannot connect: …", "TLS: …"
    host_down: bool = False  # DNS, refused, timeout, TLS: nothing else on this host will work
    tls_issuer: str | None = None  # who signed the certificate devkit refused


def host_key(url: str) -> str:
    """``scheme://host:port``: what a remembered failure is about."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme, 0)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


@dataclass
class HostFailures:
    """Hosts that failed in this run, with the first failure's probe."""

    failed: dict[str, Probe] = field(default_factory=dict)

    def get(self, url: str) -> Probe | None:
        """The remembered failure of ``url``'s host, if any."""
        return self.failed.get(host_key(url))

    def record(self, probe: Probe) -> None:
        """Remember a failure that is the host's, not the URL's (the first one per host)."""
        if probe.host_down:
            self.failed.setdefault(host_key(probe.url), probe)


def probe(
    url: str,
    settings: NetSettings,
    failures: HostFailures | None = None,
    *,
    timeout: float = PROBE_TIMEOUT,
) -> Probe:
    """One HEAD request (GET when a server refuses HEAD), unless the host already failed."""
    if failures is not None:
        known = failures.get(url)
        if known is not None:
            return Probe(url, False, known.detail, True, known.tls_issuer)
    result = _request(url, settings, "HEAD", timeout)
    if result.detail.startswith("HTTP 405"):
        result = _request(url, settings, "GET", timeout)
    if failures is not None:
        failures.record(result)
    return result


def _request(url: str, settings: NetSettings, method: str, timeout: float) -> Probe:
    try:
        with urlopen(url, settings, timeout=timeout, method=method) as response:
            return Probe(url, True, f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        return Probe(url, False, f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError) as exc:
        return failure(url, exc, settings, timeout)


def failure(url: str, exc: BaseException, settings: NetSettings, timeout: float) -> Probe:
    """A failed connection as a ``Probe``: which kind, and for TLS who signed what was seen."""
    import ssl  # here: loaded by the connection that failed; a run that probes nothing skips it

    reason: Any = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ssl.SSLCertVerificationError):
        issuer = peer_issuer(url, settings, timeout)
        detail = f"TLS: {reason.verify_message or reason.reason or reason}"
        return Probe(url, False, detail, True, issuer)
    if isinstance(reason, socket.gaierror):
        host = urllib.parse.urlsplit(url).hostname
        return Probe(url, False, f"cannot resolve {host} (offline, or DNS blocked)", True)
    if isinstance(reason, TimeoutError | socket.timeout):
        return Probe(url, False, f"no answer within {timeout:g}s (a firewall dropping it?)", True)
    if isinstance(reason, ConnectionRefusedError):
        proxy = settings.proxy_for(url)
        where = f"the proxy {redact_url(proxy)}" if proxy else "the server"
        return Probe(url, False, f"connection refused by {where}", True)
    if isinstance(reason, OSError) and "Tunnel connection failed" in str(reason):
        return Probe(url, False, f"the proxy refused the tunnel: {reason}", True)
    return Probe(url, False, f"cannot connect: {reason}", True)


def peer_issuer(url: str, settings: NetSettings, timeout: float) -> str | None:
    """Who issued the certificate ``url`` presents (through the proxy, as the client saw it)."""
    import http.client
    import ssl

    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only to read the certificate, never to send data
    proxy = settings.proxy_for(url)
    try:
        if proxy:
            p = urllib.parse.urlsplit(proxy)
            conn = http.client.HTTPSConnection(
                p.hostname or "", p.port or 8080, timeout=timeout, context=context
            )
            conn.set_tunnel(host, port)
        else:
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        try:
            conn.connect()
            sock = conn.sock
            der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
        finally:
            conn.close()
    except (OSError, http.client.HTTPException):
        return None
    return issuer_of(der) if der else None


def _tlv(data: bytes, i: int) -> tuple[int, bytes, int]:
    """One DER element at ``i``: tag, content, index after it."""
    tag, length = data[i], data[i + 1]
    i += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[i : i + count], "big")
        i += count
    if i + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[i : i + length], i + length


_NAMES = {b"\x55\x04\x03": "CN", b"\x55\x04\x0a": "O", b"\x55\x04\x0b": "OU"}


def issuer_of(der: bytes) -> str | None:
    """``CN=…, O=…`` of a DER certificate's issuer (the stdlib decodes only verified ones)."""
    try:
        _, cert, _ = _tlv(der, 0)
        _, tbs, _ = _tlv(cert, 0)
        tag, _, after = _tlv(tbs, 0)
        i = after if tag == 0xA0 else 0  # the explicit version is optional
        _, _, i = _tlv(tbs, i)  # serial number
        _, _, i = _tlv(tbs, i)  # signature algorithm
        _, issuer, _ = _tlv(tbs, i)
        parts = []
        k = 0
        while k < len(issuer):
            _, rdn, k = _tlv(issuer, k)
            m = 0
            while m < len(rdn):
                _, pair, m = _tlv(rdn, m)
                _, oid, n = _tlv(pair, 0)
                _, value, _ = _tlv(pair, n)
                if oid in _NAMES:
                    parts.append(f"{_NAMES[oid]}={value.decode('utf-8', errors='replace')}")
    except (IndexError, ValueError):
        return None
    return ", ".join(parts) or None


def tls_advice(issuer: str | None, host: str) -> tuple[str, str]:
    """The explanation and the fix for a certificate devkit refused."""
    seen = f"issued by `{issuer}`" if issuer else "issued by an authority devkit cannot name"
    message = (
        f"{host} presented a certificate {seen}, which is not in the trusted stores: a company "
        "proxy or firewall is probably re-signing HTTPS traffic"
    )
    hint = (
        "ask IT for the company's CA certificate (a PEM file), then name it once for each tool: "
        "`ssl_verify: /path/ca.pem` in ~/.condarc (micromamba and devkit); "
        "`pip config set global.cert /path/ca.pem` (pip); "
        "`git config --global http.sslCAInfo /path/ca.pem` (git); see docs/network.md"
    )
    return message, hint
