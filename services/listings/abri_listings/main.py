"""The listings service's ASGI app: ``uvicorn --factory abri_listings.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

import abri_listings
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.calendar import day_in_france
from abri_kit.clock import Clock, system_clock
from abri_kit.communes import communes
from abri_listings.api import routers
from abri_listings.api.strong_authentication import strong_authentication
from abri_listings.deadlines import deadline_sweeper
from abri_listings.energy_costs import energy_cost_sweeper
from abri_listings.events import handlers
from abri_listings.public_positions import position_sweeper
from abri_listings.retention import retention_sweeper
from abri_listings.search.reader import search_reader
from abri_listings.settings import ListingsSettings
from abri_listings.usecases.publishing import policy, reference_rents_file


def create_app(settings: ListingsSettings | None = None, clock: Clock = system_clock) -> FastAPI:
    """Build the app from the environment (or from ``settings``, in tests; ``clock``: a test's own time). The rules' policy and the
    reference rents and the commune table are read here, so that a bad file (or the sample rents where they are not allowed, or a
    table of a year too old) stops the service at start, not at a publication."""
    policy()
    reference_rents_file().load(day_in_france(clock()))
    communes()
    settings = settings or ListingsSettings()
    return create_service_app(
        ServiceSpec(
            name="listings",
            settings=settings,
            description=(abri_listings.__doc__ or "").strip(),
            routers=routers,
            handlers=handlers(clock),
            resources=[
                search_reader(settings.search_pool_size),
                retention_sweeper(settings.retention_sweep_s, settings.retention_policy()),
                deadline_sweeper(settings.deadline_sweep_s),
                position_sweeper(settings.position_sweep_s, policy().position_grid_deg),
                energy_cost_sweeper(settings.energy_cost_sweep_s),
            ],
            clock=clock,
            strong_authentication=strong_authentication,
        )
    )
