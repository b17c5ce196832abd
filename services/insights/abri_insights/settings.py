"""Settings of the insights service, from ``ABRI_INSIGHTS_*``."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from abri_kit.settings import ServiceSettings


class InsightsSettings(ServiceSettings):
    """The insights service's configuration, from ``ABRI_INSIGHTS_*`` variables (see ServiceSettings). It holds no
    personal data: no key-encryption key, no key store, no access log."""

    model_config = SettingsConfigDict(env_prefix="ABRI_INSIGHTS_", extra="ignore", frozen=True)
