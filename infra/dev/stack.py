"""Bring up what Abri needs locally (PostgreSQL, Kafka, Redis) and take down only what we started.

Used by ``make run`` (``infra/dev/run.py``) and ``make test`` (``infra/dev/with_infra.py``), so that a
developer's already running broker or database is reused and left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from abri_contracts.services import SERVICES as SERVICES  # re-exported for run.py and openapi.py

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # infra/lib: helpers shared by the scripts
from envfile import read_env_file as read_env_file  # re-exported for run.py

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PGCTL = [PYTHON, str(REPO / "infra" / "postgres" / "pgctl.py")]
KAFKA_SH = [str(REPO / "infra" / "kafka" / "kafka.sh")]
REDISCTL = [PYTHON, str(REPO / "infra" / "redis" / "redisctl.py")]


def log(message: str) -> None:
    """One line on stderr."""
    print(f"abri: {message}", file=sys.stderr, flush=True)


def _quiet(command: list[str]) -> bool:
    return subprocess.run(command, capture_output=True, check=False, timeout=60).returncode == 0


@dataclass
class Stack:
    """What this process started, to be stopped by it and by nothing else."""

    started: list[str] = field(default_factory=list)

    def up(self) -> None:
        """Start PostgreSQL (embedded, unless external URLs are set), Kafka and Redis, if not running."""
        # each is recorded before it starts, so that an interrupted start is still stopped (stop is idempotent)
        for cluster in ("data", "keystore"):  # the services' databases, then the key store (wrapped keys, erasure ledger)
            if _quiet([*PGCTL, "status", "--cluster", cluster]):
                log(f"PostgreSQL ({cluster}) already running: reusing it")
                subprocess.run([*PGCTL, "provision", "--cluster", cluster], check=True, timeout=120)
            else:
                self.started.append(f"postgres-{cluster}")
                subprocess.run([*PGCTL, "start", "--cluster", cluster], check=True, timeout=180)
        if _quiet([*KAFKA_SH, "status"]):
            log("Kafka already running: reusing it")
            subprocess.run([*KAFKA_SH, "topics"], check=True, timeout=120)
        else:
            self.started.append("kafka")
            subprocess.run([*KAFKA_SH, "start"], check=True, timeout=600, start_new_session=True)
        if _quiet([*REDISCTL, "status"]):
            log("Redis already running: reusing it")
        else:
            self.started.append("redis")
            subprocess.run([*REDISCTL, "start"], check=True, timeout=60)

    def down(self) -> None:
        """Stop what :meth:`up` started, in reverse order."""
        for what in reversed(self.started):
            if what == "kafka":
                command = [*KAFKA_SH, "stop"]
            elif what == "redis":
                command = [*REDISCTL, "stop"]
            else:
                command = [*PGCTL, "stop", "--cluster", what.removeprefix("postgres-")]
            subprocess.run(command, check=False, timeout=120)
        self.started.clear()


URL_SUFFIXES = ("_DATABASE_URL", "_KEYSTORE_URL", "_LEDGER_URL")
"""A service's data database, its key store and the erasure ledger (infra/postgres/README.md)."""


def credentials() -> dict[str, str]:
    """The database URLs: the environment's, else those that ``pgctl`` wrote."""
    values = read_env_file(Path(os.environ.get("ABRI_PG_CREDENTIALS", REPO / ".run" / "postgres" / "credentials.env")))
    values.update({k: v for k, v in os.environ.items() if k.endswith(URL_SUFFIXES)})
    return values


def keystore_env() -> dict[str, str]:
    """The key store's and the erasure ledger's URLs of every service that has them, for processes (the
    services, the tests) that read them from their environment; a variable already set wins."""
    found = {k: v for k, v in credentials().items() if k.endswith(URL_SUFFIXES[1:])}
    return {k: v for k, v in found.items() if not os.environ.get(k)}


def redis_url() -> str:
    """The local Redis's URL (with its password): the environment's ``ABRI_REDIS_URL``, else what
    ``infra/redis/redisctl.py`` wrote in its run dir (``ABRI_REDIS_DIR``, default ``.run/redis``)."""
    run_dir = Path(os.environ.get("ABRI_REDIS_DIR", REPO / ".run" / "redis"))
    url = os.environ.get("ABRI_REDIS_URL") or read_env_file(run_dir / "credentials.env").get("ABRI_REDIS_URL")
    if not url:
        raise SystemExit("no ABRI_REDIS_URL: is Redis started (infra/redis/redisctl.py start)?")
    return url


def kafka_dir() -> Path:
    """The local broker's run dir (``ABRI_KAFKA_DIR``, as infra/kafka/kafka.sh reads it)."""
    configured = Path(os.environ.get("ABRI_KAFKA_DIR", ".run/kafka"))
    return configured if configured.is_absolute() else REPO / configured


def kafka_env(service: str | None = None) -> dict[str, str]:
    """The local broker's credentials (generated at its first start, infra/kafka/security.py), for processes
    that read them from their environment: each service's own principal (``ABRI_<SERVICE>_KAFKA_USERNAME``,
    ``_PASSWORD``, ``_CA_FILE``) and, without ``service``, the admin's as ``ABRI_KAFKA_USERNAME``... for the
    tools and the tests' own clients. A variable already set wins."""
    security = kafka_dir() / "security"
    passwords = read_env_file(security / "credentials.env")
    if not passwords:
        return {}
    ca = str(security / "ca.pem")
    found: dict[str, str] = {}
    for name in [service] if service else SERVICES:
        password = passwords.get(f"ABRI_KAFKA_{name.upper()}_PASSWORD")
        if password is None:  # a broker secured before the service was added: its next start adds the principal
            log(f"the local broker has no principal for {name}: stop it (make kafka-down) and its next start adds one")
            continue
        prefix = f"ABRI_{name.upper()}_KAFKA_"
        found |= {prefix + "USERNAME": name, prefix + "PASSWORD": password, prefix + "CA_FILE": ca}
    if service is None:
        found |= {"ABRI_KAFKA_USERNAME": "admin", "ABRI_KAFKA_PASSWORD": passwords["ABRI_KAFKA_ADMIN_PASSWORD"], "ABRI_KAFKA_CA_FILE": ca}
    return {k: v for k, v in found.items() if not os.environ.get(k)}


def service_env(service: str, bootstrap: str) -> dict[str, str]:
    """The environment a service process needs."""
    prefix = f"ABRI_{service.upper()}_"
    url = credentials().get(f"{prefix}DATABASE_URL")
    if not url:
        raise SystemExit(f"no {prefix}DATABASE_URL: is PostgreSQL provisioned?")
    keys = {k: v for k, v in credentials().items() if k in (f"{prefix}KEYSTORE_URL", f"{prefix}LEDGER_URL")}
    local = {"ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS": "true"} if service == "listings" else {}  # the shipped sample, locally only
    return {
        **local,
        **os.environ,
        **local_secrets(service),
        **kafka_env(service),
        **keys,
        f"{prefix}DATABASE_URL": url,
        f"{prefix}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
    }


def generated_secrets(service: str) -> dict[str, str]:
    """The secrets ``service`` needs beyond its database, newly generated (each on one line)."""
    from abri_kit.access_log import MacKeys
    from abri_kit.envelope import Keyring

    if service in ("matching", "notifications", "assistant"):
        prefix = f"ABRI_{service.upper()}_"
        return {f"{prefix}KEKS": Keyring.generate_entry("local-1"), f"{prefix}ACCESS_LOG_KEY": MacKeys.generate_entry("local-1")}
    if service == "guarantees":
        from abri_guarantees.visa_signing import VisaSigner

        return {
            "ABRI_GUARANTEES_KEKS": Keyring.generate_entry("local-1"),
            "ABRI_GUARANTEES_VISA_SIGNING_KEY": VisaSigner.generate_pem(),
            "ABRI_GUARANTEES_ACCESS_LOG_KEY": MacKeys.generate_entry("local-1"),
        }
    if service == "gateway":
        import base64
        import json
        import secrets

        return {"ABRI_GATEWAY_SESSION_KEYS": json.dumps([base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()])}
    return {}


def local_secrets(service: str) -> dict[str, str]:
    """Secrets a service needs beyond its database: generated once for this machine into
    ``.run/secrets/<service>.env`` (mode 0600), never committed; a variable already set wins.
    Matching, notifications, the assistant: their key-encryption keys; guarantees: its key-encryption keys and its
    visa signing key; matching, guarantees, notifications and the assistant: their access log's MAC key; the
    gateway: the keys that encrypt its browser sessions in Redis. Listings and insights hold no per-person keys:
    nothing (no file is written)."""
    path = REPO / ".run" / "secrets" / f"{service}.env"
    stored: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            if name and value:
                stored[name] = value
    fresh = generated_secrets(service)
    missing = {name: value for name, value in fresh.items() if name not in stored}
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        stored.update(missing)
        path.write_text("".join(f"{name}={value}\n" for name, value in stored.items()), encoding="utf-8")
    return {name: value for name, value in stored.items() if name in fresh and not os.environ.get(name)}


def migrate(bootstrap: str) -> None:
    """Migrate every service's database with its own command."""
    for service in SERVICES:
        subprocess.run([PYTHON, "-m", f"abri_{service}.migrate"], env=service_env(service, bootstrap), check=True, timeout=300)
        log(f"{service}: database migrated")
