"""Settings every service shares; each service subclasses with its own environment prefix. Any of them may
be given in a file instead (``ABRI_<SERVICE>_<NAME>_FILE``: a mounted Secret), see ``abri_kit.settings_files``."""

from __future__ import annotations

import re
import ssl
from typing import Any
from urllib.parse import quote

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from abri_auth.tokens import TokenPolicy
from abri_bus.kafka import KafkaSecurity, KafkaSettings
from abri_kit.settings_files import SettingsFromFiles
from abri_kit.tls import client_context


class ServiceSettings(SettingsFromFiles):
    """Configuration from the environment (``ABRI_<SERVICE>_...``); secrets never come from the repo."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: SecretStr = Field(
        description=(
            "postgresql+asyncpg://role:password@host:port/database (postgresql:// as CloudNativePG writes it is taken too), "
            "with libpq's sslmode and sslrootcert if need be (abri_kit.pg_ssl)"
        )
    )
    database_sslmode: str | None = Field(
        default=None, description="libpq's sslmode added to database_url when it has none (the chart: verify-full)"
    )
    database_sslrootcert: str | None = Field(
        default=None, description="The CA file added to database_url as sslrootcert when it has none (the chart: the cluster's CA)"
    )
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_request_timeout_ms: int = 15_000
    kafka_username: str | None = Field(
        default=None, description="The service's SCRAM-SHA-512 principal at Kafka (SASL_SSL); unset: ABRI_KAFKA_USERNAME (tools, tests)"
    )
    kafka_password: SecretStr | None = Field(default=None, description="Its password (from the environment or a mounted secret)")
    kafka_ca_file: str | None = Field(default=None, description="PEM file of the CA that signed the brokers' certificates")
    relay_enabled: bool = True
    relay_batch_size: int = Field(default=1000, ge=1, le=10_000)
    relay_poll_interval_s: float = Field(default=1.0, gt=0)
    consumer_enabled: bool = True
    consumer_max_attempts: int = Field(default=5, ge=1, le=100)
    db_pool_size: int = Field(default=5, ge=1)
    readiness_timeout_s: float = Field(default=2.0, gt=0)
    oidc_issuer: str = Field(default="http://127.0.0.1:8100", description="Issuer whose access tokens are accepted")
    oidc_audience: str = Field(default="abri-api", description="Audience the access tokens must name")
    oidc_jwks_uri: str | None = Field(default=None, description="JWKS URL, if not found by discovery")
    oidc_leeway_s: int = Field(default=30, ge=0, le=300, description="Clock skew tolerated on exp/nbf/iat")
    oidc_ca_file: str | None = Field(
        default=None, description="PEM file of a CA trusted for the identity provider, besides the usual public authorities"
    )
    token_cache_size: int = Field(default=10_000, ge=0, description="Validated tokens kept until expiry (0: check every request)")

    @model_validator(mode="before")
    @classmethod
    def _database_url(cls, data: Any) -> Any:
        """The asyncpg driver for a libpq URL, and the TLS parameters given apart (a URL read from a file
        written by someone else, e.g. CloudNativePG's app Secret, cannot carry them)."""
        if not isinstance(data, dict):
            return data
        url = data.get("database_url")
        url = url.get_secret_value() if isinstance(url, SecretStr) else url
        if not isinstance(url, str):
            return data
        url = re.sub(r"^postgres(?:ql)?://", "postgresql+asyncpg://", url)
        for parameter in ("sslmode", "sslrootcert"):
            value = data.get(f"database_{parameter}")
            if value and f"{parameter}=" not in url.partition("?")[2]:
                url += ("&" if "?" in url else "?") + f"{parameter}={quote(str(value), safe='/')}"
        return {**data, "database_url": url}

    def token_policy(self) -> TokenPolicy:
        """What a valid access token looks like for this service."""
        return TokenPolicy(issuer=self.oidc_issuer, audience=self.oidc_audience, leeway_s=self.oidc_leeway_s)

    def oidc_tls(self) -> ssl.SSLContext | bool:
        """How the identity provider's certificate is checked (httpx's ``verify``)."""
        return client_context(self.oidc_ca_file, public_authorities=True) if self.oidc_ca_file else True

    def kafka(self, client_id: str) -> KafkaSettings:
        """Kafka client settings for this service: its own principal when set, else the environment's shared
        one (``ABRI_KAFKA_USERNAME``...: the tools and the tests' ad hoc services), else none."""
        if self.kafka_username:
            password = self.kafka_password.get_secret_value() if self.kafka_password else ""
            security: KafkaSecurity | None = KafkaSecurity(self.kafka_username, password, self.kafka_ca_file)
        else:
            security = KafkaSecurity.from_env()
        return KafkaSettings(
            bootstrap_servers=self.kafka_bootstrap_servers,
            client_id=client_id,
            request_timeout_ms=self.kafka_request_timeout_ms,
            security=security,
        )
