"""Settings of the guarantees service, from ``ABRI_GUARANTEES_*``."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from abri_kit.envelope import Keyring, KeyringError
from abri_kit.settings import ServiceSettings

NAMESPACE = "guarantee-file"
"""The word that binds every sealed value and wrapped key to a guarantee file (``abri_kit.envelope``)."""


class GuaranteesSettings(ServiceSettings):
    """The guarantees service's configuration, from ``ABRI_GUARANTEES_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_GUARANTEES_", extra="ignore", frozen=True)

    keks: SecretStr | None = Field(
        default=None,
        description=(
            "Key-encryption keys, `kid:base64(32 bytes)[,kid:...]`, the first one current: they wrap each "
            "guarantee file's data key. Required to serve; from a secret, never from the repo."
        ),
    )
    review_sla_hours: int = Field(
        default=48, ge=1, le=24 * 60, description="Hours a fund has to answer a file in its queue (domain/workflow.py)."
    )

    def keyring(self) -> Keyring:
        """The KEKs; :class:`~abri_kit.envelope.KeyringError` if absent or malformed."""
        if self.keks is None:
            raise KeyringError("ABRI_GUARANTEES_KEKS is not set: the guarantees service needs its key-encryption key to start")
        return Keyring.parse(self.keks.get_secret_value(), NAMESPACE, variable="ABRI_GUARANTEES_KEKS")
