"""libpq's TLS parameters in Abri's database URLs, for SQLAlchemy's asyncpg engines.

A URL may end in ``?sslmode=verify-full&sslrootcert=/etc/abri/postgres/ca.crt``, as libpq, ``psql`` and
asyncpg's own DSNs take them: the server's certificate is then checked against that CA and its name
against the URL's host. SQLAlchemy would hand these parameters to ``asyncpg.connect`` as keyword arguments,
which it does not take; the hook below turns them into asyncpg's ``ssl`` argument for every asyncpg engine
of the process (the services', the migrations', the key store's, the ops tools'), while the URL itself
keeps them, so that a connection opened from it directly (the relay's LISTEN, the search pool) checks the
same. Without ``sslrootcert``, ``PGSSLROOTCERT`` names the CA file (as for libpq). Modes: disable, allow,
prefer, require (encrypted, not checked), verify-ca (the CA), verify-full (the CA and the host name: the
one to use).
"""

from __future__ import annotations

import os
import ssl
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def ssl_argument(mode: str, root_cert: str | None = None) -> ssl.SSLContext | str | bool:
    """asyncpg's ``ssl`` argument for libpq's ``sslmode`` and ``sslrootcert`` (None: ``PGSSLROOTCERT``, as
    libpq and asyncpg read it, else the system's CAs)."""
    if mode not in MODES:
        raise ValueError(f"sslmode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "disable":
        return False
    if mode in ("allow", "prefer"):
        return mode
    root_cert = root_cert or os.environ.get("PGSSLROOTCERT") or None
    if mode == "require" and root_cert:  # as libpq: "require" with a root CA file checks the CA (verify-ca)
        mode = "verify-ca"
    if mode == "require":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        try:
            context = ssl.create_default_context(cafile=root_cert)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"sslrootcert {root_cert}: cannot be read as a CA file ({exc})") from None
        context.check_hostname = mode == "verify-full"
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _libpq_ssl(dialect: Any, connection_record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
    mode, root_cert = cparams.pop("sslmode", None), cparams.pop("sslrootcert", None)
    if mode is not None or root_cert is not None:
        cparams["ssl"] = ssl_argument(mode or "prefer", root_cert)


if not event.contains(PGDialect_asyncpg, "do_connect", _libpq_ssl):
    event.listen(PGDialect_asyncpg, "do_connect", _libpq_ssl)
