"""TLS between the parts of a deployment: what a server presents, what a client trusts.

- A server (a service, the gateway) serves HTTPS when it is given a certificate and its key, as files
  (``ABRI_<COMPONENT>_TLS_CERT_FILE``, ``ABRI_<COMPONENT>_TLS_KEY_FILE``: :mod:`abri_kit.serve`). TLS 1.2 at
  least. The files are read at start and read again when they change on disk (a renewed cert-manager
  Secret), for the connections that follow: no restart, no expired certificate.
- A client of another part of Abri checks its certificate against a CA file when it is given one
  (``ABRI_GATEWAY_UPSTREAM_CA_FILE``: the services, as the gateway sees them; ``ABRI_<COMPONENT>_OIDC_CA_FILE``:
  the identity provider, added to the usual public authorities), and against the usual authorities otherwise.
  Host names are always checked.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import certifi

MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2


class TlsConfigError(ValueError):
    """TLS files that cannot be used (one without the other, unreadable, not matching)."""


@dataclass(frozen=True)
class ServerFiles:
    """The certificate (PEM, the chain after the leaf) and private key (PEM, unencrypted) a server presents."""

    cert_file: str
    key_file: str

    @classmethod
    def from_environ(cls, prefix: str, environ: Mapping[str, str] | None = None) -> ServerFiles | None:
        """``<prefix>TLS_CERT_FILE`` and ``<prefix>TLS_KEY_FILE``: both, or neither (plain HTTP)."""
        env = os.environ if environ is None else environ
        cert, key = env.get(f"{prefix}TLS_CERT_FILE", ""), env.get(f"{prefix}TLS_KEY_FILE", "")
        if bool(cert) != bool(key):
            raise TlsConfigError(f"{prefix}TLS_CERT_FILE and {prefix}TLS_KEY_FILE go together: set both, or neither")
        return cls(cert, key) if cert else None


@dataclass
class ServerContext:
    """A server's SSL context, whose certificate is loaded again when its files change."""

    files: ServerFiles
    context: ssl.SSLContext = field(init=False)
    _stamp: tuple[float, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = MINIMUM_VERSION
        self.context.options |= ssl.OP_NO_COMPRESSION
        self.reload()

    def _files_stamp(self) -> tuple[float, ...]:
        try:
            return tuple(os.stat(path).st_mtime_ns for path in (self.files.cert_file, self.files.key_file))
        except OSError as exc:
            raise TlsConfigError(f"cannot read {exc.filename}: {exc.strerror}") from None

    def reload(self) -> None:
        """Load the certificate and key (a mismatched pair or an unreadable file is refused, naming the file)."""
        stamp = self._files_stamp()
        try:  # tried on a context of its own first: a pair that fails never touches the one being served
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(self.files.cert_file, self.files.key_file)
            self.context.load_cert_chain(self.files.cert_file, self.files.key_file)
        except (OSError, ssl.SSLError) as exc:
            raise TlsConfigError(f"cannot use {self.files.cert_file} with {self.files.key_file}: {exc}") from None
        self._stamp = stamp

    def reload_if_changed(self) -> bool:
        """Load the files again if they changed since; a half-written pair is tried again later. True when
        reloaded."""
        try:
            if self._files_stamp() == self._stamp:
                return False
            self.reload()
        except TlsConfigError:
            return False  # keep serving the previous certificate; the next check tries again
        return True


def client_context(ca_file: str | Path | None, *, public_authorities: bool = False) -> ssl.SSLContext:
    """A client's context that checks the peer's certificate and host name: against ``ca_file`` only, or
    ``ca_file`` and the usual public authorities (``public_authorities``), or the latter alone without a file."""
    context = ssl.create_default_context(cafile=certifi.where() if public_authorities or not ca_file else None)
    context.minimum_version = MINIMUM_VERSION
    if ca_file:
        try:
            context.load_verify_locations(cafile=str(ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise TlsConfigError(f"cannot use the CA file {ca_file}: {exc}") from None
    return context
