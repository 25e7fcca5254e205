"""A TLS front for the Jira emulator: a certificate for a name, so HTTPS tests need no network.

``make_certificates`` writes a CA and a server certificate for DNS names only (no IP address);
``TlsRelay`` terminates TLS on 127.0.0.1 with that certificate and relays the plain bytes to the
emulator, recording the SNI name and the first Host header of each connection.
"""

from __future__ import annotations

import datetime
import re
import select
import socket
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_HOST = re.compile(rb"\r\nhost:[ \t]*([^\r\n]*)", re.IGNORECASE)


@dataclass(frozen=True)
class CertFiles:
    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificates(directory: Path, names: Sequence[str]) -> CertFiles:
    """A CA (``ca.pem``) and a server certificate it signed for ``names`` (DNS names only)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jira-sync test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    found = CertFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    found.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    found.cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    found.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return found


@dataclass
class TlsRelay:
    """TLS on 127.0.0.1:``port`` with ``ca``'s server certificate, relayed to ``upstream``."""

    ca: CertFiles
    upstream: tuple[str, int]
    server_names: list[str | None] = field(default_factory=list)
    host_headers: list[str] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(self.ca.cert_file, self.ca.key_file)
        self._context.sni_callback = self._sni
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopped = threading.Event()
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="tls-relay", daemon=True)

    def __enter__(self) -> TlsRelay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _sni(self, sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        self.server_names.append(name)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            client.settimeout(10)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            with (
                self._context.wrap_socket(client, server_side=True) as tls,
                socket.create_connection(self.upstream) as upstream,
            ):
                self._relay(tls, upstream)
        except (OSError, ssl.SSLError):
            pass  # a refused handshake is what some tests are after

    def _relay(self, tls: ssl.SSLSocket, upstream: socket.socket) -> None:
        """Both directions in one thread (an SSL socket is not for two threads at once)."""
        first = True
        while True:
            ready = [tls] if tls.pending() else select.select([tls, upstream], [], [], 10)[0]
            if not ready:
                return
            for source in ready:
                data = source.recv(65536)
                if not data:
                    return
                if source is tls and first:
                    first = False
                    match = _HOST.search(data)
                    self.host_headers.append(match.group(1).decode("latin-1") if match else "")
                (upstream if source is tls else tls).sendall(data)
