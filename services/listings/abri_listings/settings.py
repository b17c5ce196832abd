"""Settings of the listings service, from ``ABRI_LISTINGS_*``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from abri_kit.settings import ServiceSettings


class ListingsSettings(ServiceSettings):
    """The listings service's configuration, from ``ABRI_LISTINGS_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_LISTINGS_", extra="ignore", frozen=True)

    search_pool_size: int = Field(default=10, ge=1, le=100, description="Connections of the search's own read pool")
