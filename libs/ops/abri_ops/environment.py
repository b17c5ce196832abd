"""Where a service's database and Kafka are, and which keyrings are installed: from the environment, as in
the service's own pod (the chart sets the same variables), or as set by hand on a laptop."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.metadata import entry_points

from abri_bus.kafka import KafkaSecurity, KafkaSettings
from abri_contracts.services import SERVICES as SERVICES
from abri_kit.key_rotation import ENTRY_POINT_GROUP, KeyringDeclaration

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"


class EnvironmentError_(LookupError):
    """A variable the command needs is not set."""


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def database_url(service: str, environ: Mapping[str, str] | None = None) -> str:
    """``ABRI_<SERVICE>_DATABASE_URL``."""
    name = f"ABRI_{service.upper()}_DATABASE_URL"
    url = _environ(environ).get(name)
    if not url:
        raise EnvironmentError_(f"{name} is not set (in the service's pod it is; on a laptop, export it)")
    return url


def keystore_url(service: str, environ: Mapping[str, str] | None = None) -> str:
    """``ABRI_<SERVICE>_KEYSTORE_URL``: the service's key store (wrapped per-person data keys)."""
    return _required(f"ABRI_{service.upper()}_KEYSTORE_URL", environ)


def ledger_url(service: str, environ: Mapping[str, str] | None = None) -> str:
    """``ABRI_<SERVICE>_LEDGER_URL``: the erasure ledger, as the service's role reaches it."""
    return _required(f"ABRI_{service.upper()}_LEDGER_URL", environ)


def _required(name: str, environ: Mapping[str, str] | None) -> str:
    url = _environ(environ).get(name)
    if not url:
        raise EnvironmentError_(f"{name} is not set (in the service's pod it is; on a laptop, export it)")
    return url


def bootstrap_servers(service: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``ABRI_KAFKA_BOOTSTRAP_SERVERS``, else the service's ``ABRI_<SERVICE>_KAFKA_BOOTSTRAP_SERVERS``, else the local
    broker (on ``ABRI_KAFKA_PORT`` when set, as infra/kafka/kafka.sh and the tools' own clients read it)."""
    env = _environ(environ)
    found = env.get("ABRI_KAFKA_BOOTSTRAP_SERVERS")
    if not found and service:
        found = env.get(f"ABRI_{service.upper()}_KAFKA_BOOTSTRAP_SERVERS")
    if not found and env.get("ABRI_KAFKA_PORT"):
        found = f"127.0.0.1:{env['ABRI_KAFKA_PORT']}"
    return found or DEFAULT_BOOTSTRAP


def kafka_settings(service: str | None, environ: Mapping[str, str] | None = None) -> KafkaSettings:
    """The brokers (:func:`bootstrap_servers`) and the credential: the service's own
    (``ABRI_<SERVICE>_KAFKA_USERNAME``, ``_PASSWORD``, ``_CA_FILE``, as in its pod), else ``ABRI_KAFKA_USERNAME``..."""
    env = _environ(environ)
    own = KafkaSecurity.from_env(f"ABRI_{service.upper()}_KAFKA_", env) if service else None
    security = own or KafkaSecurity.from_env(environ=env)
    return KafkaSettings(bootstrap_servers=bootstrap_servers(service, env), client_id="abri-ops", security=security)


def keyrings() -> dict[str, KeyringDeclaration]:
    """The keyring declarations of the services installed here (entry points ``abri.keyrings``): all of
    them in a development environment, the pod's own service in an image."""
    found: dict[str, KeyringDeclaration] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        declaration = entry.load()
        if not isinstance(declaration, KeyringDeclaration):
            raise TypeError(f"entry point {entry.name} of {ENTRY_POINT_GROUP} is not a KeyringDeclaration")
        found[declaration.service] = declaration
    return found


def keyring_declaration(service: str) -> KeyringDeclaration:
    """The service's declaration; a clear error if the service wraps nothing or is not installed here."""
    found = keyrings()
    if service not in found:
        known = ", ".join(sorted(found)) or "none installed here"
        raise EnvironmentError_(f"{service} declares no keyring (services with one: {known})")
    return found[service]
