"""The notifications service's ASGI app: ``uvicorn --factory abri_notifications.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

import abri_notifications
from abri_kit.app import ServiceSpec, create_service_app
from abri_notifications.api import routers
from abri_notifications.events import handlers
from abri_notifications.settings import NotificationsSettings


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    """Build the app from the environment (or from ``settings``, in tests)."""
    return create_service_app(
        ServiceSpec(
            name="notifications",
            settings=settings or NotificationsSettings(),
            description=(abri_notifications.__doc__ or "").strip(),
            routers=routers,
            handlers=handlers,
        )
    )
