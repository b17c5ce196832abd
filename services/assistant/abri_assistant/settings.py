"""Settings of the assistant service, from ``ABRI_ASSISTANT_*``."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from abri_assistant.domain.replies import ReplyPolicy
from abri_assistant.domain.retention import RetentionPolicy
from abri_kit.access_log import AccessLogSettings
from abri_kit.envelope import KeyEncryption
from abri_kit.key_rotation import KeyringDeclaration
from abri_kit.keystore import KeyStoreSettings
from abri_kit.policies import with_overrides
from abri_kit.settings import ServiceSettings
from abri_kit.transit import TransitSettings

CONVERSATION_NAMESPACE = "conversation"
"""The key store's namespace of the conversations' data keys: one key per conversation, which seals its
messages; shredded when the conversation is deleted (by its person, by the retention sweeper, by an erasure)."""
KEYRING = KeyringDeclaration(
    service="assistant",
    namespace=CONVERSATION_NAMESPACE,
    variable="ABRI_ASSISTANT_KEKS",
    tables=(),
    keystore=(CONVERSATION_NAMESPACE,),
    erased=(),
)
"""Where the KEKs wrap values, for their rotation (``abri-ops keys rotate assistant``): only the conversations'
data keys, in the key store."""
ACCESS_LOG_KEY_VARIABLE = "ABRI_ASSISTANT_ACCESS_LOG_KEY"
"""The access log's MAC keys (``abri_kit.access_log``): a secret, like the KEKs."""


class AssistantSettings(ServiceSettings, AccessLogSettings, KeyStoreSettings, TransitSettings):
    """The assistant service's configuration, from ``ABRI_ASSISTANT_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_ASSISTANT_", extra="ignore", frozen=True)

    keks: SecretStr | None = Field(
        default=None,
        description=(
            "Key-encryption keys, `kid:base64(32 bytes)[,kid:...]`, the first one current: they wrap the conversations' data keys. "
            "Required unless KEK_TRANSIT_URL is set."
        ),
    )
    answer_min_score: float = Field(default=ReplyPolicy.min_score, ge=0, le=1, description="The least score an entry needs to answer")
    answer_min_margin: float = Field(default=ReplyPolicy.min_margin, ge=0, le=1, description="How far ahead of the next entry it must be")
    retention: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides of the conversations' retention periods (domain/retention.py), JSON; the defaults carry their sources.",
    )
    retention_sweep_s: float = Field(default=3600.0, gt=0, description="How often the conversations past their retention are deleted.")

    def reply_policy(self) -> ReplyPolicy:
        return ReplyPolicy(min_score=self.answer_min_score, min_margin=self.answer_min_margin)

    def retention_policy(self) -> RetentionPolicy:
        """The sourced defaults of :class:`RetentionPolicy` with the configured overrides."""
        return with_overrides(RetentionPolicy, self.retention)

    def keyring(self) -> KeyEncryption:
        """What wraps the conversations' data keys (the KEKs, or the transit engine)."""
        return self.key_encryption(
            service="assistant", namespace=CONVERSATION_NAMESPACE, keks=self.keks, needed_for="wraps the conversations' keys with it"
        )
