"""The guarantees service's ASGI app: ``uvicorn --factory abri_guarantees.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import abri_guarantees
from abri_guarantees.access_log_upkeep import access_log_sweeper
from abri_guarantees.api import public_routers, routers
from abri_guarantees.api.strong_authentication import strong_authentication
from abri_guarantees.events import handlers
from abri_guarantees.retention import retention_sweeper
from abri_guarantees.settings import ACCESS_LOG_KEY_VARIABLE, GuaranteesSettings
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.clock import Clock, system_clock
from abri_kit.envelope import Unreadable
from abri_kit.problems import problem_response
from abri_kit.rate_limits import RateLimits


def create_app(settings: GuaranteesSettings | None = None, clock: Clock = system_clock) -> FastAPI:
    """Build the app from the environment (or from ``settings``, in tests; ``clock``: a test's own time).
    Without its key-encryption keys (``ABRI_GUARANTEES_KEKS``) or its visa signing key
    (``ABRI_GUARANTEES_VISA_SIGNING_KEY``) the service refuses to start."""
    settings = settings or GuaranteesSettings()
    keyring = settings.keyring()
    settings.configure_keystore([keyring.namespace], "ABRI_GUARANTEES_")  # refuses to start without the key store
    settings.access_log_keys(ACCESS_LOG_KEY_VARIABLE)  # refuses to start without the access log's MAC key
    signer = settings.visa_signer()
    app = create_service_app(
        ServiceSpec(
            name="guarantees",
            settings=settings,
            description=(abri_guarantees.__doc__ or "").strip(),
            routers=routers,
            public_routers=public_routers,
            handlers=handlers(clock),
            resources=[
                retention_sweeper(settings.retention_sweep_s, settings.retention_years),
                access_log_sweeper(settings.access_log_anchor_s, settings.access_log_retention_days),
            ],
            clock=clock,
            readiness=keyring.readiness(),  # the transit engine, when it holds the KEK (every file needs it)
            advisories=signer.readiness(),  # ... and the visa key: reported, only the visa routes need it
            strong_authentication=strong_authentication,
        )
    )

    @app.exception_handler(Unreadable)
    async def erased(request: Request, exc: Unreadable) -> JSONResponse:
        return problem_response(410, "the file's personal data were erased (retention period over, or on request)", title="Erased")

    app.state.keyring = keyring
    app.state.review_sla_hours = settings.review_sla_hours
    app.state.visa_signer = signer
    app.state.visa_checks = RateLimits(settings.visa_checks_rate)
    app.state.guarantees_settings = settings
    return app
