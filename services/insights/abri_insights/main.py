"""The insights service's ASGI app: ``uvicorn --factory abri_insights.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

import abri_insights
from abri_insights.api import public_routers, routers
from abri_insights.events import handlers
from abri_insights.settings import InsightsSettings
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.clock import Clock, system_clock


def create_app(settings: InsightsSettings | None = None, clock: Clock = system_clock) -> FastAPI:
    """Build the app from the environment (or from ``settings``, in tests; ``clock``: a test's own time)."""
    settings = settings or InsightsSettings()
    return create_service_app(
        ServiceSpec(
            name="insights",
            settings=settings,
            description=(abri_insights.__doc__ or "").strip(),
            routers=routers,
            public_routers=public_routers,
            handlers=handlers(),
            clock=clock,
        )
    )
