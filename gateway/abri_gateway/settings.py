"""Gateway settings, from ``ABRI_GATEWAY_*`` environment variables."""

from __future__ import annotations

import ssl
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from abri_auth.tokens import TokenPolicy
from abri_contracts.services import SERVICES as SERVICES
from abri_gateway.sessions import decode_key
from abri_kit.client_address import ProxyNetworks
from abri_kit.settings_files import SettingsFromFiles
from abri_kit.tls import client_context


class GatewaySettings(SettingsFromFiles):
    """Where the services and the identity provider are, and the gateway's limits."""

    model_config = SettingsConfigDict(env_prefix="ABRI_GATEWAY_", extra="ignore", frozen=True)

    public_url: str = Field(default="http://127.0.0.1:8000", description="URL browsers use to reach the gateway")
    listings_url: str = "http://127.0.0.1:8101"
    matching_url: str = "http://127.0.0.1:8102"
    guarantees_url: str = "http://127.0.0.1:8103"
    notifications_url: str = "http://127.0.0.1:8104"
    assistant_url: str = "http://127.0.0.1:8105"
    insights_url: str = "http://127.0.0.1:8106"
    timeouts_s: dict[str, float] = Field(
        default_factory=lambda: {
            "listings": 10.0,
            "matching": 15.0,
            "guarantees": 15.0,
            "notifications": 10.0,
            "assistant": 15.0,
            "insights": 10.0,
        },
        description="Per-service total timeout of a proxied request",
    )
    stream_timeout_s: float = Field(
        default=900.0, gt=0, description="Total timeout of a live stream (a GET ending in /stream: Server-Sent Events)"
    )
    connect_timeout_s: float = Field(default=1.0, gt=0, description="A down service answers within this")
    retries: int = Field(default=1, ge=0, le=3, description="Retries of idempotent requests on connection failures")
    upstream_ca_file: str | None = Field(
        default=None,
        description=(
            "PEM file of the CA that signed the services' certificates (https service URLs): only it is trusted "
            "for them, host names checked. None: the usual public authorities"
        ),
    )

    oidc_issuer: str = "http://127.0.0.1:8100"
    oidc_audience: str = "abri-api"
    oidc_jwks_uri: str | None = None
    oidc_leeway_s: int = Field(default=30, ge=0, le=300)
    oidc_ca_file: str | None = Field(
        default=None, description="PEM file of a CA trusted for the identity provider, besides the usual public authorities"
    )
    account_security_url: str | None = Field(
        default=None,
        description=(
            "Where a person turns a second factor on or manages it, at the identity provider (the preferences page "
            "links to it). None: <issuer>/account/security, the local provider's page; Keycloak: <issuer>/account"
        ),
    )
    oidc_client_id: str = Field(default="abri-web", description="The BFF's client at the identity provider")
    oidc_client_secret: SecretStr = Field(default=SecretStr(""), description="Its secret (from the environment)")
    oidc_scopes: str = " ".join(("openid profile offline_access", *(f"{service}:read {service}:write" for service in SERVICES)))
    token_cache_size: int = Field(default=10_000, ge=0, description="Validated tokens kept (0: validate every request)")

    session_ttl_s: int = Field(default=8 * 3600, gt=0, description="A browser session ends this long after sign-in (absolute)")
    session_idle_s: int = Field(
        default=30 * 60, gt=0, description="A browser session ends this long after its last request (sliding; at most session_ttl_s)"
    )
    session_cookie: str = "__Host-abri_session"
    redis_url: SecretStr | None = Field(
        default=None,
        description=(
            "Redis shared by the replicas (redis:// or rediss://, password included: a secret): browser sessions, "
            "pending logins and rate-limit counters. None: kept in this process (one replica only)"
        ),
    )
    require_redis: bool = Field(
        default=False, description="Refuse to start without redis_url (the chart sets it: its gateway runs several replicas)"
    )
    session_keys: list[SecretStr] = Field(
        default_factory=list,
        description=(
            "Keys that encrypt the sessions in Redis (JSON list of 32 random bytes in base64url each; the first "
            "encrypts, all decrypt: put a new one first to rotate, drop the old after session_ttl_s). Required with redis_url"
        ),
    )

    rate_limit: str = Field(default="600/minute", description="Per client (token subject and client id), `limits` syntax")
    public_rate_limit: str = Field(
        default="60/minute", description="Requests to the public API routes (no token) per IP address, `limits` syntax"
    )
    auth_failure_limit: str = Field(default="120/minute", description="Failed authentications per IP address before 429")
    max_body_bytes: int = Field(
        default=12 * 1024 * 1024, gt=0, description="Larger requests answer 413 (a 10 MiB document and its multipart envelope fit)"
    )
    web_assets_dir: Path = Field(
        default=Path(__file__).resolve().parents[1] / "web-assets" / "node_modules",
        description="The front-end packages (DSFR, htmx) the pages use, installed by `make web-assets`",
    )
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed to call the API from a browser")
    trusted_proxies: ProxyNetworks = Field(
        default_factory=list,
        description=(
            "Networks of the proxies in front of the gateway (JSON list of CIDRs: the Ingress controller's pods, a "
            "load balancer). Only a peer in them is believed about the caller's address (X-Forwarded-For, read from "
            "the right), which rate limits and the access log use. None by default: the peer is the caller"
        ),
    )
    metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port of the Prometheus endpoint (/metrics), apart from the public one; 0: not served",
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address the Prometheus endpoint listens on")
    organisations: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Display names of organisations by id (the tokens' `org_id`: associations, funds), as JSON: "
            '{"assoc-1": "Association Toit Commun"}. The pages name the organisation that read a person\'s data '
            'with it; an id without a name is said by its role ("a rent guarantee fund"), never shown'
        ),
    )
    legal_publisher: str = Field(
        default="",
        max_length=2000,
        description=(
            "The legal notice's publisher (LCEN, art. 6, III): the organisation that runs this deployment, its address, "
            "its registration number and a contact. Empty: the page says the deployment has not given it yet"
        ),
    )
    legal_director: str = Field(
        default="", max_length=500, description="The legal notice's director of publication (a person's name and role)"
    )
    legal_host: str = Field(
        default="", max_length=2000, description="The legal notice's host: the company that hosts the servers, its address and phone number"
    )
    accessibility_contact: str = Field(
        default="",
        max_length=500,
        description="Where people report an accessibility problem (an email address or a web form's address), named in the statement",
    )

    @field_validator("session_keys")
    @classmethod
    def _keys(cls, keys: list[SecretStr]) -> list[SecretStr]:
        for key in keys:
            decode_key(key.get_secret_value())  # a malformed key is refused at start
        return keys

    @model_validator(mode="after")
    def _sessions_encrypted(self) -> GatewaySettings:
        """Sessions hold tokens: never in Redis in clear."""
        if self.require_redis and not (self.redis_url and self.redis_url.get_secret_value()):
            raise ValueError("require_redis is set but redis_url is empty: replicas keeping their own sessions would sign browsers out")
        if self.redis_url is not None and self.redis_url.get_secret_value() and not self.session_keys:
            raise ValueError("redis_url is set but session_keys is empty: the gateway keeps no session in Redis unencrypted")
        return self

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard(cls, origins: list[str]) -> list[str]:
        """With credentials allowed, ``*`` would echo any origin back: name the origins."""
        if any(origin.strip() == "*" for origin in origins):
            raise ValueError("cors_origins must name each origin; '*' is refused")
        return origins

    def upstream(self, service: str) -> str:
        """The base URL of a service."""
        url: str = getattr(self, f"{service}_url")
        return url.rstrip("/")

    def upstream_tls(self) -> ssl.SSLContext | bool:
        """How the services' certificates are checked: against upstream_ca_file, else the public authorities."""
        return client_context(self.upstream_ca_file) if self.upstream_ca_file else True

    def oidc_tls(self) -> ssl.SSLContext | bool:
        """How the identity provider's certificate is checked."""
        return client_context(self.oidc_ca_file, public_authorities=True) if self.oidc_ca_file else True

    def account_security(self) -> str:
        """The identity provider's page where a person manages a second factor."""
        return self.account_security_url or f"{self.oidc_issuer.rstrip('/')}/account/security"

    def token_policy(self) -> TokenPolicy:
        """What a valid access token looks like."""
        return TokenPolicy(issuer=self.oidc_issuer, audience=self.oidc_audience, leeway_s=self.oidc_leeway_s)
