"""Settings of the notifications service, from ``ABRI_NOTIFICATIONS_*``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from abri_kit.access_log import AccessLogSettings
from abri_kit.envelope import KeyEncryption
from abri_kit.key_rotation import Emptied, KeyringDeclaration, WrappedColumns
from abri_kit.keystore import KeyStoreSettings
from abri_kit.policies import with_overrides
from abri_kit.settings import ServiceSettings
from abri_kit.transit import TransitSettings
from abri_notifications.channels.email import EmailSettings
from abri_notifications.channels.sms import SmsSettings
from abri_notifications.domain.policy import Block, WebhookDestinationPolicy
from abri_notifications.domain.retention import RetentionPolicy

NAMESPACE = "webhook-endpoint"
"""The word that binds each wrapped webhook secret to its endpoint (``abri_kit.envelope``)."""
PERSON_NAMESPACE = "person"
"""The key store's namespace of people's data keys (their sealed addresses, ``directory.py``)."""
KEYRING = KeyringDeclaration(
    service="notifications",
    namespace=NAMESPACE,
    variable="ABRI_NOTIFICATIONS_KEKS",
    tables=(
        WrappedColumns(table="people", owner="subject", kek_id="contact_kek", wrapped="contact"),
        WrappedColumns(table="webhook_endpoints", owner="id", kek_id="kek_id", wrapped="wrapped_secret"),
    ),
    keystore=(PERSON_NAMESPACE,),
    erased=(
        Emptied(PERSON_NAMESPACE, "people", "subject", delete=True),
        Emptied(PERSON_NAMESPACE, "inbox_messages", "recipient", delete=True),
        Emptied(
            PERSON_NAMESPACE,
            "deliveries",
            "recipient",
            (("subject", "''"), ("text", "''"), ("html", "''"), ("payload", "'{}'::jsonb")),
        ),
    ),
)
"""Where the KEKs wrap values, for their rotation (``abri-ops keys rotate notifications``): webhook secrets
and addresses sealed before the key store, directly (db/directory.py), and people's data keys in the key
store (namespace ``person``); and what a person's erasure removes, for ``abri-ops erasures reapply
notifications`` after a restore."""


ACCESS_LOG_KEY_VARIABLE = "ABRI_NOTIFICATIONS_ACCESS_LOG_KEY"
"""The access log's MAC keys (``abri_kit.access_log``): a secret, like the KEKs."""


class NotificationsSettings(ServiceSettings, AccessLogSettings, KeyStoreSettings, TransitSettings):
    """The notifications service's configuration, from ``ABRI_NOTIFICATIONS_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_NOTIFICATIONS_", extra="ignore", frozen=True)

    keks: SecretStr | None = Field(
        default=None,
        description=(
            "Key-encryption keys, `kid:base64(32 bytes)[,kid:...]`, the first one current: they wrap webhook secrets and people's "
            "data keys. Required unless KEK_TRANSIT_URL is set."
        ),
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^/?#]+(/[^?#]*)?$",
        description="The web front's public address (the gateway's ABRI_GATEWAY_PUBLIC_URL): e-mails link to its pages.",
    )
    stream_poll_s: float = Field(default=1.0, gt=0, le=30, description="How often the live inbox stream looks for new messages.")
    stream_max_s: float = Field(default=600.0, gt=0, description="How long one live stream lasts before the client reconnects.")

    smtp_host: str | None = Field(default=None, description="The SMTP relay; without it, emails are retried, then failed (ops see them).")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = Field(default="starttls", description="none only for a relay on a trusted network")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = Field(default="no-reply@abri.localhost", description="The From address of every email")
    smtp_messages_per_session: int = Field(
        default=100, ge=1, description="Emails sent in one SMTP session before a new one is opened (the relay's limit, if lower)"
    )
    sms_url: str | None = Field(default=None, description="The SMS provider's endpoint (channels/sms.py); without it, SMS fail.")
    sms_api_key: SecretStr | None = None
    sms_sender: str = Field(default="Abri", max_length=11, description="The sender id shown on phones")
    send_every_s: float = Field(default=2.0, gt=0, description="How often due deliveries are sent.")
    digest_every_s: float = Field(default=300.0, gt=0, description="How often the owners' daily digests due are made.")
    retention: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Overrides of the retention periods (domain/retention.py: delivery_days, inbox_days, idle_person_days), JSON; "
            "the defaults carry their sources."
        ),
    )
    retention_sweep_s: float = Field(default=3600.0, gt=0, description="How often what outlived its retention period is deleted.")
    webhooks_allow_local_http: bool = Field(
        default=False,
        description=(
            "Development only, never in production: lets webhooks use plain http and reach the loopback (127.0.0.0/8, ::1, "
            "localhost), for tests and `make run`; nothing else (ports and every other refused range still apply)."
        ),
    )
    webhooks_ports: list[int] = Field(default=[443], min_length=1, description="The ports webhook endpoints may use, JSON.")
    webhooks_refused_networks: list[str] = Field(
        default_factory=list,
        description="Address ranges (CIDR, JSON) webhooks never reach besides the built-in ones: a cluster on public addresses, its nodes.",
    )

    def retention_policy(self) -> RetentionPolicy:
        """The sourced defaults of :class:`RetentionPolicy` with the configured overrides."""
        return with_overrides(RetentionPolicy, self.retention)

    def webhook_destinations(self) -> WebhookDestinationPolicy:
        """Where webhooks may go (``domain/policy.py``), with this deployment's ports and ranges."""
        extra = tuple(
            Block(cidr, "refused_by_deployment", "ABRI_NOTIFICATIONS_WEBHOOKS_REFUSED_NETWORKS") for cidr in self.webhooks_refused_networks
        )
        return WebhookDestinationPolicy(
            ports=tuple(self.webhooks_ports), allow_local_http=self.webhooks_allow_local_http, extra_blocks=extra
        )

    def email(self) -> EmailSettings | None:
        if self.smtp_host is None:
            return None
        return EmailSettings(
            host=self.smtp_host,
            port=self.smtp_port,
            security=self.smtp_security,
            username=self.smtp_username,
            password=self.smtp_password,
            sender_address=self.mail_from,
            messages_per_session=self.smtp_messages_per_session,
        )

    def sms(self) -> SmsSettings | None:
        if self.sms_url is None or self.sms_api_key is None:
            return None
        return SmsSettings(url=self.sms_url, api_key=self.sms_api_key, sender=self.sms_sender)

    def keyring(self) -> KeyEncryption:
        """What wraps webhook secrets and people's data keys (the KEKs, or the transit engine)."""
        return self.key_encryption(service="notifications", namespace=NAMESPACE, keks=self.keks, needed_for="wraps webhook secrets with it")
