"""The guarantees service's ASGI app: ``uvicorn --factory abri_guarantees.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

import abri_guarantees
from abri_guarantees.api import routers
from abri_guarantees.events import handlers
from abri_guarantees.settings import GuaranteesSettings
from abri_kit.app import ServiceSpec, create_service_app


def create_app(settings: GuaranteesSettings | None = None) -> FastAPI:
    """Build the app from the environment (or from ``settings``, in tests)."""
    return create_service_app(
        ServiceSpec(
            name="guarantees",
            settings=settings or GuaranteesSettings(),
            description=(abri_guarantees.__doc__ or "").strip(),
            routers=routers,
            handlers=handlers,
        )
    )
