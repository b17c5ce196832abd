"""Settings of the matching service, from ``ABRI_MATCHING_*``."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from abri_kit.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    """The matching service's configuration, from ``ABRI_MATCHING_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_MATCHING_", extra="ignore", frozen=True)
