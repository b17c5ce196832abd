"""Settings every service shares; each service subclasses with its own environment prefix."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from abri_bus.kafka import KafkaSettings


class ServiceSettings(BaseSettings):
    """Configuration from the environment (``ABRI_<SERVICE>_...``); secrets never come from the repo."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: SecretStr = Field(description="postgresql+asyncpg://role:password@host:port/database")
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_request_timeout_ms: int = 15_000
    relay_enabled: bool = True
    relay_batch_size: int = Field(default=1000, ge=1, le=10_000)
    relay_poll_interval_s: float = Field(default=1.0, gt=0)
    consumer_enabled: bool = True
    consumer_max_attempts: int = Field(default=5, ge=1, le=100)
    db_pool_size: int = Field(default=5, ge=1)
    readiness_timeout_s: float = Field(default=2.0, gt=0)

    def kafka(self, client_id: str) -> KafkaSettings:
        """Kafka client settings for this service."""
        return KafkaSettings(
            bootstrap_servers=self.kafka_bootstrap_servers,
            client_id=client_id,
            request_timeout_ms=self.kafka_request_timeout_ms,
        )
