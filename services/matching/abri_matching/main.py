"""The matching service's ASGI app: ``uvicorn --factory abri_matching.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

import abri_matching
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.clock import Clock, system_clock
from abri_matching.api import routers
from abri_matching.events import handlers
from abri_matching.expiry import expiry_sweeper
from abri_matching.settings import MatchingSettings
from abri_matching.usecases.ranking_cache import RankingCache


def create_app(settings: MatchingSettings | None = None, clock: Clock = system_clock) -> FastAPI:
    """Build the app from the environment (or from ``settings``, in tests; ``clock``: a test's own time). Without its key-encryption
    keys (``ABRI_MATCHING_KEKS``) the service refuses to start."""
    settings = settings or MatchingSettings()
    keyring = settings.keyring()
    policy = settings.policy()
    app = create_service_app(
        ServiceSpec(
            name="matching",
            settings=settings,
            description=(abri_matching.__doc__ or "").strip(),
            routers=routers,
            handlers=handlers(clock),
            resources=[expiry_sweeper(settings.expiry_sweep_s)],
            clock=clock,
        )
    )
    app.state.keyring = keyring
    app.state.policy = policy
    app.state.ranking_cache = RankingCache(settings.ranking_cache_associations)
    app.state.placement_policy = settings.placement_policy()
    return app
