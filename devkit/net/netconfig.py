"""How devkit reaches the network: proxies and certificate authorities, in one record.

The record is built from conda's rc files (conda/network.py) and the usual variables, and
turned here into what each client needs: an SSL context and a proxy choice for urllib (the
micromamba download, doctor's probes), a CA bundle file (py-rattler, pip, uv, git) and the
variables a child process reads (``tool_env``).

Trust: the operating system's store (through ``truststore``: the macOS keychain, Windows' store,
OpenSSL's default paths on Linux, which honour ``SSL_CERT_FILE``), plus certifi's Mozilla
bundle, plus the company CA a setting names (``ssl_verify: <file>``, ``REQUESTS_CA_BUNDLE``,
``SSL_CERT_FILE``). ``ssl_verify: false`` turns verification off, with a warning.
"""

from __future__ import annotations

import hashlib
import sys
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit import atomic
from devkit.errors import DevkitError

if TYPE_CHECKING:
    import ssl

# Variables naming a CA bundle, in the order they are honoured (after the rc's ssl_verify).
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
# Where Linux distributions keep the system bundle when OpenSSL's default is missing (the list
# truststore and certifi-system-store use).
_SYSTEM_BUNDLES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)


@dataclass(frozen=True)
class NetSettings:
    """Proxies, hosts reached directly, the extra CA bundle and whether TLS is verified."""

    https_proxy: str | None = None
    http_proxy: str | None = None
    no_proxy: tuple[str, ...] = ()
    ca_file: Path | None = None
    verify: bool = True
    # What set each part, for messages: "proxy" -> "HTTPS_PROXY", "ca" -> "ssl_verify in …".
    origins: Mapping[str, str] = field(default_factory=dict)

    def proxy_for(self, url: str) -> str | None:
        """The proxy a request to ``url`` goes through, or None (direct)."""
        parts = urllib.parse.urlsplit(url)
        proxy = self.https_proxy if parts.scheme == "https" else None
        if parts.scheme == "http":
            proxy = self.http_proxy
        if proxy is None or bypassed(parts.hostname or "", parts.port, self.no_proxy):
            return None
        return proxy

    def describe(self) -> list[str]:
        """One line per setting in force, each saying where it came from."""
        lines = []
        for label, value, origin in (
            ("HTTPS proxy", self.https_proxy, "https_proxy"),
            ("HTTP proxy", self.http_proxy, "http_proxy"),
        ):
            if value:
                lines.append(f"{label} {redact_url(value)} ({self.origins.get(origin, '?')})")
        if self.no_proxy:
            lines.append(f"direct to {', '.join(self.no_proxy)} ({self.origins.get('no_proxy')})")
        if not self.verify:
            lines.append(f"TLS NOT verified ({self.origins.get('verify', 'ssl_verify')})")
        elif self.ca_file:
            lines.append(f"extra CA {self.ca_file} ({self.origins.get('ca', '?')})")
        return lines


def redact_url(url: str) -> str:
    """A proxy URL without its password (``http://user:***@host:port``)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def bypassed(host: str, port: int | None, no_proxy: tuple[str, ...]) -> bool:
    """Whether ``NO_PROXY``-style entries send ``host`` direct (``*``, a host, ``.domain``)."""
    host = host.lower().strip("[]")
    for entry in no_proxy:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and port is not None and entry_port != str(port):
            continue
        name = name.lstrip("*").lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


def from_environment(env: Mapping[str, str]) -> NetSettings:
    """The proxies and CA bundle the environment names (curl's and requests' variables)."""
    origins: dict[str, str] = {}
    values: dict[str, str] = {}
    for key, names in (
        ("https_proxy", ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")),
        ("http_proxy", ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")),
        ("no_proxy", ("NO_PROXY", "no_proxy")),
        ("ca", CA_VARIABLES),
    ):
        for name in names:
            if env.get(name):
                values[key], origins[key] = env[name], name
                break
    ca = values.get("ca")
    return NetSettings(
        https_proxy=values.get("https_proxy"),
        http_proxy=values.get("http_proxy"),
        no_proxy=tuple(p for p in values.get("no_proxy", "").replace(" ", "").split(",") if p),
        ca_file=Path(ca).expanduser() if ca else None,
        origins=origins,
    )


def ssl_context(settings: NetSettings) -> ssl.SSLContext:
    """A client context trusting the OS store, certifi and the settings' CA (unless unverified)."""
    import ssl  # here: most commands that read the settings never open a TLS connection

    if not settings.verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    import certifi
    import truststore

    context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(certifi.where())
    if settings.ca_file is not None:
        try:
            context.load_verify_locations(str(settings.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise bad_ca(settings, exc) from exc
    return context


def bad_ca(settings: NetSettings, exc: BaseException) -> DevkitError:
    """The CA file a setting names cannot be used: say which setting."""
    origin = settings.origins.get("ca", "the CA setting")
    reason = getattr(exc, "strerror", None) or str(exc)
    return DevkitError(
        f"the CA bundle {settings.ca_file} ({origin}) cannot be read: {reason}",
        hint=f"point {origin} at a PEM file holding your company's CA certificate",
    )


def system_bundle() -> Path | None:
    """The OS's CA bundle file, where there is one (Linux; macOS keeps its store elsewhere)."""
    import ssl

    default = ssl.get_default_verify_paths().cafile
    if default and Path(default).is_file():
        return Path(default)
    return next((Path(p) for p in _SYSTEM_BUNDLES if Path(p).is_file()), None)


def ca_bundle(settings: NetSettings, folder: Path, *, with_system: bool = True) -> Path:
    """One PEM file trusting certifi, the OS bundle file (if any) and the settings' CA.

    For clients that take a single file (py-rattler through ``SSL_CERT_FILE``, pip's ``cert``,
    git's ``sslCAInfo``): a company CA on its own would stop them trusting anything else.
    Written once per content into ``folder``.
    """
    import certifi

    parts = [Path(certifi.where())]
    system = system_bundle() if with_system else None
    if system is not None:
        parts.append(system)
    if settings.ca_file is not None:
        parts.append(settings.ca_file)
    chunks = []
    for path in dict.fromkeys(parts):  # SSL_CERT_FILE may be both the system's and the CA
        try:
            chunks.append(path.read_bytes().strip() + b"\n")
        except OSError as exc:
            raise bad_ca(settings, exc) from exc
    data = b"".join(chunks)
    target = folder / f"ca-bundle-{hashlib.sha256(data).hexdigest()[:16]}.pem"
    if not target.is_file():
        atomic.write_bytes(target, data)
    return target


def urlopen(url: str, settings: NetSettings, *, timeout: float, method: str = "GET") -> Any:
    """Open ``url`` through the proxy the settings choose for it, trusting what they trust."""
    from urllib import request as urllib_request  # off the start-up path of other commands

    proxy = settings.proxy_for(url)
    scheme = urllib.parse.urlsplit(url).scheme
    handlers: list[Any] = [
        # An explicit mapping (maybe empty): urllib must not pick proxies up on its own.
        urllib_request.ProxyHandler({scheme: proxy} if proxy else {}),
    ]
    if scheme == "https":
        handlers.append(urllib_request.HTTPSHandler(context=ssl_context(settings)))
    opener = urllib_request.build_opener(*handlers)
    request = urllib_request.Request(url, method=method)  # noqa: S310 - callers check schemes
    return opener.open(request, timeout=timeout)


def tool_env(settings: NetSettings, bundle: Path | None = None) -> dict[str, str]:
    """Variables that give pip, uv and git the same proxies and CA as devkit.

    ``bundle`` (from ``ca_bundle``) is passed on only when a company CA is configured: without
    one, each tool keeps its own trust (pip and uv their OS-store support, git the system's).
    """
    env: dict[str, str] = {}
    if settings.https_proxy:
        env["HTTPS_PROXY"] = env["https_proxy"] = settings.https_proxy
    if settings.http_proxy:
        env["HTTP_PROXY"] = env["http_proxy"] = settings.http_proxy
    if settings.no_proxy:
        env["NO_PROXY"] = env["no_proxy"] = ",".join(settings.no_proxy)
    if settings.ca_file is not None and bundle is not None:
        for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO"):
            env[name] = str(bundle)
    if not settings.verify:
        env["GIT_SSL_NO_VERIFY"] = "1"  # pip and uv take no global switch: see docs/network.md
    return env


def on_mac() -> bool:
    """macOS keeps its trust store in the keychain, not in a file a bundle can include."""
    return sys.platform == "darwin"


PYPI_SIMPLE = "https://pypi.org/simple"


def pip_index_url(env: Mapping[str, str], home: Path) -> str | None:
    """The index pip installs from: ``PIP_INDEX_URL``, else pip's config files, else PyPI.

    None when pip is told to use no index (``PIP_NO_INDEX``). Config files are read the way pip
    reads them (``PIP_CONFIG_FILE``, else the user's files over the site's), ``[global]`` and
    ``[install]`` sections, the last one found winning.
    """
    import configparser

    if env.get("PIP_NO_INDEX", "").lower() in ("1", "true", "yes", "on"):
        return None
    if env.get("PIP_INDEX_URL"):
        return env["PIP_INDEX_URL"].rstrip("/")
    config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    files = [Path("/etc/pip.conf"), home / ".pip" / "pip.conf", config_home / "pip" / "pip.conf"]
    if env.get("PIP_CONFIG_FILE"):
        files = [Path(env["PIP_CONFIG_FILE"])]
    found = None
    for path in files:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            if parser.has_option(section, "index-url"):
                found = parser.get(section, "index-url").strip()
    return (found or PYPI_SIMPLE).rstrip("/")
