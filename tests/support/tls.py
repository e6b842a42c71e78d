"""A company's own certificate authority, in miniature: a CA and a 127.0.0.1 server certificate.

Made with the `openssl` command (OpenSSL or macOS's LibreSSL), through a config file rather than
`-addext`, which older LibreSSL lacks. The extensions are the ones strict verifiers insist on
(rustls in uv; Python >= 3.13's VERIFY_X509_STRICT in pip): a critical CA:TRUE with keyCertSign,
and a leaf with subjectAltName, serverAuth and an authority key identifier.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = {cn}
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


@dataclass(frozen=True)
class Certificates:
    """`ca`: the CA certificate a company hands out (PEM); `cert`, `key`: 127.0.0.1's."""

    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting `cert`."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def openssl() -> str | None:
    """The openssl command, if the machine has one."""
    return shutil.which("openssl")


def make_certificates(folder: Path) -> Certificates:
    """A fresh CA and a server certificate it signed, valid for two days, in `folder`."""
    command = openssl()
    assert command is not None, "no openssl command on PATH"
    folder.mkdir(parents=True, exist_ok=True)

    def config(cn: str) -> str:
        path = folder / f"{cn.replace(' ', '-')}.cnf"
        path.write_text(_CONFIG.format(cn=cn))
        return str(path)

    def run(*args: str) -> None:
        subprocess.run([command, *args], cwd=folder, check=True, capture_output=True)

    rsa = ("-newkey", "rsa:2048", "-nodes")  # RSA: every openssl and LibreSSL makes it alike
    ca_config = config("devkit test CA")
    run(
        "req", "-x509", *rsa, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-config", ca_config, "-extensions", "ca",
    )  # fmt: skip
    run(
        "req", "-new", *rsa, "-keyout", "server.key", "-out", "server.csr",
        "-config", config("127.0.0.1"),
    )  # fmt: skip
    run(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-set_serial", "2", "-days", "2", "-out", "server.pem",
        "-extfile", ca_config, "-extensions", "server",
    )  # fmt: skip
    return Certificates(ca=folder / "ca.pem", cert=folder / "server.pem", key=folder / "server.key")
