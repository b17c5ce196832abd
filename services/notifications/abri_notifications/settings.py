"""Settings of the notifications service, from ``ABRI_NOTIFICATIONS_*``."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from abri_kit.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """The notifications service's configuration, from ``ABRI_NOTIFICATIONS_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_NOTIFICATIONS_", extra="ignore", frozen=True)
