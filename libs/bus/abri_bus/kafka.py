"""Kafka client settings shared by the relay, the consumer and the tools: where the brokers are and who the
client is (SASL_SSL with SCRAM-SHA-512, the service's own principal, the cluster's CA)."""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.helpers import create_ssl_context

MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class KafkaSecurity:
    """SASL_SSL: the client's SCRAM credential and the certificate authority it trusts (``ca_file``: PEM; the
    system's CAs when None). Every connection is encrypted and the broker's name is checked."""

    username: str
    password: str = field(repr=False)
    ca_file: str | None = None
    mechanism: str = MECHANISM

    @classmethod
    def from_env(cls, prefix: str = "ABRI_KAFKA_", environ: Mapping[str, str] | None = None) -> KafkaSecurity | None:
        """``<prefix>USERNAME``, ``<prefix>PASSWORD``, ``<prefix>CA_FILE``; None without a user (a broker
        without authentication: never in a deployment, where the chart always sets them)."""
        env = os.environ if environ is None else environ
        username = env.get(prefix + "USERNAME")
        if not username:
            return None
        return cls(username=username, password=env.get(prefix + "PASSWORD", ""), ca_file=env.get(prefix + "CA_FILE") or None)

    def ssl_context(self) -> ssl.SSLContext:
        context: ssl.SSLContext = create_ssl_context(cafile=self.ca_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def options(self) -> dict[str, Any]:
        """aiokafka's connection options for this credential."""
        return {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
            "ssl_context": self.ssl_context(),
        }


@dataclass(frozen=True)
class KafkaSettings:
    """Where Kafka is and how Abri's clients talk to it."""

    bootstrap_servers: str = "127.0.0.1:9092"
    client_id: str = "abri"
    request_timeout_ms: int = 15_000
    linger_ms: int = 0
    security: KafkaSecurity | None = None

    @classmethod
    def from_env(cls, client_id: str = "abri-tools", environ: Mapping[str, str] | None = None) -> KafkaSettings:
        """The tools' and tests' connection: ``ABRI_KAFKA_BOOTSTRAP_SERVERS`` and ``ABRI_KAFKA_USERNAME`` /
        ``PASSWORD`` / ``CA_FILE``."""
        env = os.environ if environ is None else environ
        bootstrap = env.get("ABRI_KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{env.get('ABRI_KAFKA_PORT', '9092')}"
        return cls(bootstrap_servers=bootstrap, client_id=client_id, security=KafkaSecurity.from_env(environ=env))

    def connection(self) -> dict[str, Any]:
        """The options every client takes: the brokers, the client id and the credential."""
        options: dict[str, Any] = {"bootstrap_servers": self.bootstrap_servers, "client_id": self.client_id}
        if self.security is not None:
            options.update(self.security.options())
        return options

    def producer(self, **overrides: Any) -> AIOKafkaProducer:
        """An idempotent producer (acks=all): a retried send never duplicates nor reorders a partition."""
        options: dict[str, Any] = {
            **self.connection(),
            "enable_idempotence": True,
            "acks": "all",
            "linger_ms": self.linger_ms,
            "request_timeout_ms": self.request_timeout_ms,
            "retry_backoff_ms": 200,
        }
        options.update(overrides)
        return AIOKafkaProducer(**options)

    def consumer(self, *topics: str, **overrides: Any) -> AIOKafkaConsumer:
        """A consumer (no group and no auto-commit unless ``overrides`` say otherwise)."""
        options: dict[str, Any] = {**self.connection(), "group_id": None, "enable_auto_commit": False}
        options.update(overrides)
        return AIOKafkaConsumer(*topics, **options)

    def admin(self, **overrides: Any) -> AIOKafkaAdminClient:
        """An admin client (describe groups, offsets, topics)."""
        options: dict[str, Any] = {**self.connection(), "request_timeout_ms": self.request_timeout_ms}
        options.update(overrides)
        return AIOKafkaAdminClient(**options)
