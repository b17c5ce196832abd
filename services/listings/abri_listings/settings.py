"""Settings of the listings service, from ``ABRI_LISTINGS_*``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from abri_kit.settings import ServiceSettings
from abri_listings.domain.retention import RetentionPolicy


class ListingsSettings(ServiceSettings):
    """The listings service's configuration, from ``ABRI_LISTINGS_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_LISTINGS_", extra="ignore", frozen=True)

    search_pool_size: int = Field(default=10, ge=1, le=100, description="Connections of the search's own read pool")
    retention_unit_years: int = Field(
        default=RetentionPolicy.unit_years,
        ge=1,
        le=10,
        description="Years after its last change that a unit no longer offered (draft, withdrawn, let) is kept (domain/retention.py).",
    )
    retention_sweep_s: float = Field(default=3600.0, gt=0, description="How often units past their retention are deleted.")
    deadline_sweep_s: float = Field(
        default=3600.0, gt=0, description="How often published units not yet checked today are checked against the day's rules."
    )
    position_sweep_s: float = Field(
        default=60.0,
        gt=0,
        description="How often units whose stored public position is not on the policy's grid are snapped (public_positions.py).",
    )
    energy_cost_sweep_s: float = Field(
        default=300.0,
        gt=0,
        description="How often units whose stored energy bill was priced with another price table are priced again (energy_costs.py).",
    )

    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy(unit_years=self.retention_unit_years)
