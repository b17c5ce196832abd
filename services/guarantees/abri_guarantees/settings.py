"""Settings of the guarantees service, from ``ABRI_GUARANTEES_*``."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from abri_kit.settings import ServiceSettings


class GuaranteesSettings(ServiceSettings):
    """The guarantees service's configuration, from ``ABRI_GUARANTEES_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_GUARANTEES_", extra="ignore", frozen=True)
