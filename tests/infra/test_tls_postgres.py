"""PostgreSQL over TLS, checked in full (sslmode=verify-full): pgctl serves its clusters over TLS only
with ABRI_PG_TLS=on, and the services' engines, the migrations and plain asyncpg connections take libpq's
``sslmode``/``sslrootcert`` from their URLs (abri_kit.pg_ssl). A certificate from another CA is refused,
and so is a connection without TLS.

The embedded wheel's PostgreSQL is built without OpenSSL, so this runs a throwaway pair of clusters with
Debian's PostgreSQL (the `postgresql` package, which CI installs) on free ports in a temporary directory;
the shared servers are not touched."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from abri_kit.db import make_engine
from abri_kit.migrations import upgrade
from tests.support import REPO, free_port, infra_module
from tests.tls_certs import TestCa

PGCTL = REPO / "infra" / "postgres" / "pgctl.py"
SSL_STATE = "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


def debian_bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    if not found:
        pytest.fail("Debian's PostgreSQL (built with OpenSSL) is needed: apt-get install postgresql (.ci/run does)")
    return found[-1].parent


read_env = infra_module("infra/lib/envfile.py").read_env_file
"""The ``KEY=value`` lines of a generated credentials file (``infra/lib/envfile.py``)."""


@pytest.fixture(scope="module")
def clusters() -> Iterator[dict[str, str]]:
    """Both clusters over TLS; their credentials.env. Not under pytest's temporary directory: the server runs
    as another user, who must traverse it, and each pytest session makes that directory owner-only again."""
    root = Path(tempfile.mkdtemp(prefix="abri-pg-tls-"))
    root.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "ABRI_PG", "ABRI_KEYSTORE"))}
    env |= {
        "ABRI_PG_DIR": str(root / "data"),
        "ABRI_KEYSTORE_DIR": str(root / "keys"),
        "ABRI_PG_PORT": str(free_port()),
        "ABRI_KEYSTORE_PORT": str(free_port()),
        "ABRI_PG_TLS": "on",
        "ABRI_PG_BIN_DIR": str(debian_bin_dir()),
    }
    for name in list(env):  # the shared servers' URLs would make pgctl believe in an external server
        if name.endswith(("_DATABASE_URL", "_KEYSTORE_URL", "_LEDGER_URL")):
            del env[name]
    started = subprocess.run([sys.executable, str(PGCTL), "start"], env=env, capture_output=True, text=True, timeout=180, check=False)
    try:
        assert started.returncode == 0, started.stderr
        yield read_env(root / "data" / "credentials.env")
    finally:
        subprocess.run([sys.executable, str(PGCTL), "stop"], env=env, capture_output=True, timeout=120, check=False)
        shutil.rmtree(root, ignore_errors=True)


def with_root_cert(url: str, ca_file: str | Path) -> str:
    return f"{url}&sslrootcert={ca_file}"


def test_pgctl_writes_verify_full_urls_and_serves_a_certificate_of_its_local_ca(clusters: dict[str, str]) -> None:
    ca = Path(clusters["PGSSLROOTCERT"])
    assert ca.is_file() and (ca.parent / "ca.key").stat().st_mode & 0o777 == 0o600
    for name, url in clusters.items():
        if name.endswith(("_DATABASE_URL", "_KEYSTORE_URL", "_LEDGER_URL", "_ADMIN_URL")):
            assert make_url(url).query.get("sslmode") == "verify-full", name
    root = ca.parents[2]
    for run_dir in (root / "data", root / "keys"):
        key = run_dir / "tls" / "server.key"
        assert key.stat().st_mode & 0o777 == 0o600, key
        assert "hostssl" in (run_dir / "data" / "pg_hba.conf").read_text()


async def test_a_service_engine_connects_with_verify_full_and_its_connection_is_encrypted(clusters: dict[str, str]) -> None:
    url = with_root_cert(clusters["ABRI_LISTINGS_DATABASE_URL"], clusters["PGSSLROOTCERT"])
    engine = make_engine(url, application_name="abri-tls-test")
    try:
        async with engine.connect() as connection:
            encrypted, version = (await connection.execute(text(SSL_STATE))).one()
        assert encrypted is True and version in ("TLSv1.2", "TLSv1.3")
    finally:
        await engine.dispose()


async def test_the_ca_may_come_from_pgsslrootcert_as_for_libpq(clusters: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", clusters["PGSSLROOTCERT"])
    engine = make_engine(clusters["ABRI_MATCHING_KEYSTORE_URL"])  # the key store's cluster: another certificate, same CA
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text(SSL_STATE))).one()[0] is True
    finally:
        await engine.dispose()


def test_migrations_run_over_verify_full(clusters: dict[str, str]) -> None:
    url = with_root_cert(clusters["ABRI_BUSTEST_DATABASE_URL"], clusters["PGSSLROOTCERT"])
    upgrade(REPO / "services" / "listings" / "abri_listings" / "migrations", url)


async def test_a_plain_asyncpg_dsn_checks_the_same_way(clusters: dict[str, str]) -> None:
    """The relay's LISTEN connection and the search pool open the URL with asyncpg directly."""
    dsn = with_root_cert(clusters["ABRI_NOTIFICATIONS_DATABASE_URL"], clusters["PGSSLROOTCERT"]).replace(
        "postgresql+asyncpg://", "postgresql://"
    )
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        row = await connection.fetchrow(SSL_STATE)
        assert row is not None and row["ssl"] is True
    finally:
        await connection.close()


async def test_a_server_certificate_from_another_ca_is_refused(clusters: dict[str, str], tmp_path: Path) -> None:
    other = TestCa("other", tmp_path)
    engine = make_engine(with_root_cert(clusters["ABRI_LISTINGS_DATABASE_URL"], other.cert_file))
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
    dsn = with_root_cert(clusters["ABRI_LISTINGS_DATABASE_URL"], other.cert_file).replace("postgresql+asyncpg://", "postgresql://")
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncpg.connect(dsn, timeout=5)


async def test_a_connection_without_tls_is_refused(clusters: dict[str, str]) -> None:
    url = clusters["ABRI_LISTINGS_DATABASE_URL"].replace("sslmode=verify-full", "sslmode=disable")
    engine = make_engine(url)
    try:
        with pytest.raises(Exception, match="no encryption"):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()


def test_an_unknown_sslmode_is_refused_naming_it() -> None:
    from abri_kit.pg_ssl import ssl_argument

    with pytest.raises(ValueError, match="verify-fulll"):
        ssl_argument("verify-fulll")
    assert ssl_argument("disable") is False
    context = ssl_argument("verify-full")
    assert isinstance(context, ssl.SSLContext) and context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED


def test_require_with_a_root_certificate_checks_the_ca_as_libpq_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """libpq: with a root CA file, ``sslmode=require`` behaves as ``verify-ca``; without one, encrypted only."""
    from abri_kit.pg_ssl import ssl_argument

    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    plain = ssl_argument("require")
    assert isinstance(plain, ssl.SSLContext) and plain.verify_mode == ssl.CERT_NONE
    ca = TestCa("pg-require", tmp_path).cert_file
    given = ssl_argument("require", str(ca))
    monkeypatch.setenv("PGSSLROOTCERT", str(ca))
    from_environment = ssl_argument("require")
    for context in (given, from_environment):
        assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED and not context.check_hostname


def test_a_cloudnativepg_uri_read_from_a_file_gets_the_asyncpg_driver_and_the_tls_parameters(tmp_path: Path) -> None:
    """The chart passes CloudNativePG's app Secret's ``uri`` as ABRI_<S>_DATABASE_URL_FILE and the TLS parameters apart."""
    from abri_listings.settings import ListingsSettings

    uri = tmp_path / "uri"
    uri.write_text("postgresql://listings:pw@abri-listings-db-rw.abri:5432/listings\n")
    environ = {
        "ABRI_LISTINGS_DATABASE_URL_FILE": str(uri),
        "ABRI_LISTINGS_DATABASE_SSLMODE": "verify-full",
        "ABRI_LISTINGS_DATABASE_SSLROOTCERT": "/etc/abri/postgres/ca.crt",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environ.items():
            patch.setenv(name, value)
        url = ListingsSettings().database_url.get_secret_value()
        assert url == (
            "postgresql+asyncpg://listings:pw@abri-listings-db-rw.abri:5432/listings?sslmode=verify-full&sslrootcert=/etc/abri/postgres/ca.crt"
        )
        own = ListingsSettings(database_url="postgresql+asyncpg://a:b@h/d?sslmode=require").database_url.get_secret_value()
        assert own == "postgresql+asyncpg://a:b@h/d?sslmode=require&sslrootcert=/etc/abri/postgres/ca.crt"  # its own mode kept
