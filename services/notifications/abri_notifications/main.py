"""The notifications service's ASGI app: ``uvicorn --factory abri_notifications.main:create_app``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import httpx
from fastapi import FastAPI

import abri_notifications
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.clock import Clock, system_clock
from abri_kit.envelope import KeyEncryption
from abri_notifications.access_log_upkeep import access_log_sweeper
from abri_notifications.api import routers
from abri_notifications.api.strong_authentication import strong_authentication
from abri_notifications.channels.destinations import Destinations, Resolver, system_resolver
from abri_notifications.channels.outbound import Outbound
from abri_notifications.digests import digest_maker
from abri_notifications.events import handlers
from abri_notifications.retention import retention_sweeper
from abri_notifications.sender import sender
from abri_notifications.settings import ACCESS_LOG_KEY_VARIABLE, PERSON_NAMESPACE, NotificationsSettings


def outbound(
    settings: NotificationsSettings, keyring: KeyEncryption, destinations: Destinations
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The channels' settings and the HTTP clients (SMS; webhooks, which keep no connection alive: each goes to
    the address judged for its name, and a connection made for one name must never carry another's), for the
    app's lifetime."""

    @contextlib.asynccontextmanager
    async def held(app: FastAPI) -> AsyncIterator[None]:
        no_reuse = httpx.Limits(max_keepalive_connections=0)
        async with (
            httpx.AsyncClient(timeout=10.0, follow_redirects=False) as http,
            httpx.AsyncClient(timeout=10.0, follow_redirects=False, limits=no_reuse) as webhooks,
        ):
            app.state.outbound = Outbound(settings.email(), settings.sms(), keyring, http, webhooks=webhooks, destinations=destinations)
            yield

    return held


def create_app(settings: NotificationsSettings | None = None, clock: Clock = system_clock, resolver: Resolver = system_resolver) -> FastAPI:
    """Build the app from the environment (or from ``settings``, in tests; ``clock``: a test's own time: the
    routes, the event handler, the sender and the digests all read it; ``resolver``: a test's DNS, for
    webhook destinations, which registration and each delivery resolve). Without its key-encryption
    keys (``ABRI_NOTIFICATIONS_KEKS``) or its access log's MAC key (``ABRI_NOTIFICATIONS_ACCESS_LOG_KEY``)
    the service refuses to start."""
    settings = settings or NotificationsSettings()
    keyring = settings.keyring()
    settings.configure_keystore([PERSON_NAMESPACE], "ABRI_NOTIFICATIONS_")  # refuses to start without the key store
    settings.access_log_keys(ACCESS_LOG_KEY_VARIABLE)  # refuses to start without the access log's MAC key
    destinations = Destinations(settings.webhook_destinations(), resolver)
    app = create_service_app(
        ServiceSpec(
            name="notifications",
            settings=settings,
            description=(abri_notifications.__doc__ or "").strip(),
            routers=routers,
            handlers=handlers(clock, settings.public_url),
            resources=[
                outbound(settings, keyring, destinations),
                sender(settings.send_every_s),
                digest_maker(settings.digest_every_s, settings.public_url),
                retention_sweeper(settings.retention_sweep_s, settings.retention_policy()),
                access_log_sweeper(settings.access_log_anchor_s, settings.access_log_retention_days),
            ],
            clock=clock,
            readiness=keyring.readiness(),  # the transit engine, when it holds the KEK
            strong_authentication=strong_authentication,
        )
    )
    app.state.keyring = keyring
    app.state.webhook_destinations = destinations
    app.state.notifications_settings = settings
    return app
