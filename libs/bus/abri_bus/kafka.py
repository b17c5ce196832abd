"""Kafka client settings shared by the relay, the consumer and the tools."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer


@dataclass(frozen=True)
class KafkaSettings:
    """Where Kafka is and how Abri's clients talk to it."""

    bootstrap_servers: str = "127.0.0.1:9092"
    client_id: str = "abri"
    request_timeout_ms: int = 15_000
    linger_ms: int = 0

    def producer(self, **overrides: Any) -> AIOKafkaProducer:
        """An idempotent producer (acks=all): a retried send never duplicates nor reorders a partition."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "client_id": self.client_id,
            "enable_idempotence": True,
            "acks": "all",
            "linger_ms": self.linger_ms,
            "request_timeout_ms": self.request_timeout_ms,
            "retry_backoff_ms": 200,
        }
        options.update(overrides)
        return AIOKafkaProducer(**options)
