"""The app factory every service uses: lifespan (database, relay, consumer), probes, metrics, errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from prometheus_client import make_asgi_app

from abri_auth.assurance import ACR_MFA, MFA_ROLES, StrongAuthentication, operation_key, require_service_access
from abri_auth.token_cache import ValidatedTokens
from abri_auth.tokens import TokenValidator
from abri_bus.consumer import BatchHandler, EventConsumer, Handler
from abri_bus.relay import OutboxRelay
from abri_contracts import EventContract
from abri_kit.bus_status import consumer_group
from abri_kit.clock import Clock, system_clock
from abri_kit.db import make_engine, make_sessionmaker
from abri_kit.draining import CloseWhileDraining, draining
from abri_kit.http_metrics import HttpMetricsMiddleware
from abri_kit.idempotency import purge
from abri_kit.me import router as me_router
from abri_kit.openapi import install_truthful_openapi
from abri_kit.ops_api import KEY_OPERATIONS, OpsContext
from abri_kit.ops_api import router as ops_router
from abri_kit.periodic import periodic
from abri_kit.problems import UnhandledErrors, install_problem_handlers, problem_response
from abri_kit.readiness import KafkaProbe, check_database
from abri_kit.request_id import RequestIdMiddleware
from abri_kit.settings import ServiceSettings
from abri_kit.telemetry import configure_tracing
from abri_kit.tracing_middleware import NO_NATIVE_TELEMETRY, ServerSpanMiddleware

log = logging.getLogger(__name__)
IDEMPOTENCY_PURGE_S = 3600.0


async def _purge_idempotency_keys(app: FastAPI) -> int:
    async with app.state.sessionmaker() as session, session.begin():
        return await purge(session, app.state.clock())


idempotency_purger = periodic("idempotency-purge", IDEMPOTENCY_PURGE_S, _purge_idempotency_keys, "%d idempotency key(s) purged")


@dataclass
class ServiceSpec:
    """What makes one service: its name, settings, routes and the events it consumes."""

    name: str
    settings: ServiceSettings
    version: str = "0.1.0"
    description: str = ""
    routers: Sequence[APIRouter] = ()
    public_routers: Sequence[APIRouter] = ()
    """Routes that need no token: only those an issue names public (each rate-limits and reveals nothing)."""
    handlers: Mapping[type[EventContract], Handler | BatchHandler] = field(default_factory=dict)
    resources: Sequence[Callable[[FastAPI], AbstractAsyncContextManager[None]]] = ()
    """Held for the app's lifetime, entered after the database engine exists (e.g. a dedicated read pool)."""
    clock: Clock = system_clock
    """The service's time (``app.state.clock``): tests pass one they move."""
    readiness: Mapping[str, Callable[[float], Awaitable[str | None]]] = field(default_factory=dict)
    advisories: Mapping[str, Callable[[float], Awaitable[str | None]]] = field(default_factory=dict)
    """Checked and reported by ``/readyz`` like ``readiness``, but never failing it: what only some routes need
    (their routes answer 503 on their own), so that its absence does not take every replica out of its Service."""
    """More ``/readyz`` checks by name (e.g. the transit engine holding the KEK): given the timeout, None when ready."""
    strong_authentication: Mapping[str, StrongAuthentication] = field(default_factory=dict)
    """The operations that need a second factor of a professional (``abri_auth.assurance``), by
    ``"METHOD /path"``; the ops API's key operations are added to them."""


def mark_strong_operations(routers: Sequence[APIRouter], strong: Mapping[str, StrongAuthentication]) -> None:
    """Say in the OpenAPI which operations need a second factor (``x-abri-strong-authentication``), on the
    routers' routes before they are included; a name in ``strong`` that matches no route stops the service
    at start (a typo would silently protect nothing)."""
    unmatched = dict(strong)
    for route in iter_route_contexts([route for router in routers for route in router.routes]):
        original = route.original_route
        for method in sorted(route.methods or ()):
            need = unmatched.pop(operation_key(method, route.path or ""), None)
            if need is not None and isinstance(original, APIRoute):
                extra: dict[str, Any] = {"acr_values": ACR_MFA, "roles": sorted(MFA_ROLES), "why": need.why}
                if need.max_age_s is not None:
                    extra["max_age"] = need.max_age_s
                original.openapi_extra = {**(original.openapi_extra or {}), "x-abri-strong-authentication": extra}
    if unmatched:
        raise ValueError(f"strong authentication declared for routes that do not exist: {', '.join(sorted(unmatched))}")


def create_service_app(spec: ServiceSpec) -> FastAPI:
    """A FastAPI app with ``/healthz``, ``/readyz``, ``/metrics``, problem details, tracing, and the
    service's outbox relay and event consumer running for the app's lifetime."""
    settings = spec.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_tracing(spec.name)
        engine = make_engine(
            settings.database_url.get_secret_value(), pool_size=settings.db_pool_size, application_name=f"abri-{spec.name}"
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.kafka_probe = KafkaProbe(settings.kafka(f"abri-{spec.name}-probe"))
        oidc_http = httpx.AsyncClient(timeout=5.0, verify=settings.oidc_tls())
        validator = TokenValidator(settings.token_policy(), oidc_http, jwks_uri=settings.oidc_jwks_uri)
        app.state.validated_tokens = ValidatedTokens(validator, settings.token_cache_size)
        kafka = settings.kafka(f"abri-{spec.name}")
        workers: list[Any] = []
        if settings.relay_enabled:
            workers.append(
                OutboxRelay(
                    engine,
                    kafka.producer,
                    service=spec.name,
                    batch_size=settings.relay_batch_size,
                    poll_interval=settings.relay_poll_interval_s,
                )
            )
        consumer = (
            EventConsumer(
                group_id=consumer_group(spec.name),
                kafka=kafka,
                sessionmaker=app.state.sessionmaker,
                handlers=spec.handlers,
                max_attempts=settings.consumer_max_attempts,
            )
            if spec.handlers
            else None
        )
        app.state.replayer = consumer  # ops replay this group's dead letters through it, running or not
        if settings.consumer_enabled and consumer is not None:
            workers.append(consumer)
        tasks = [asyncio.create_task(worker.run(), name=f"{spec.name}-{type(worker).__name__}") for worker in workers]
        app.state.workers = workers
        resources = contextlib.AsyncExitStack()
        try:
            for resource in [*spec.resources, idempotency_purger]:
                await resources.enter_async_context(resource(app))
            yield
        finally:
            await resources.aclose()
            for worker in workers:
                await worker.stop()
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=15)
                for task in pending:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            await app.state.kafka_probe.close()
            await oidc_http.aclose()
            await engine.dispose()

    app = FastAPI(
        title=f"Abri {spec.name}",
        version=spec.version,
        description=spec.description,
        lifespan=lifespan,
        telemetry=NO_NATIVE_TELEMETRY,
    )
    install_problem_handlers(app)
    app.state.clock = spec.clock
    app.state.ops = OpsContext(
        service=spec.name,
        group_id=consumer_group(spec.name),
        consumed_topics=tuple(sorted({contract.topic() for contract in spec.handlers})),
        kafka=settings.kafka(f"abri-{spec.name}-ops"),
    )

    @app.get("/healthz", tags=["probes"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @app.get(
        "/readyz",
        tags=["probes"],
        summary="Readiness: the database and Kafka are reachable",
        responses={503: {"description": "A dependency is unreachable; the body names it."}},
    )
    async def readyz(request: Request) -> JSONResponse:
        timeout = settings.readiness_timeout_s
        database, kafka, *others = await asyncio.gather(
            check_database(request.app.state.engine, timeout),
            request.app.state.kafka_probe.check(timeout),
            *(probe(timeout) for probe in spec.readiness.values()),
            *(probe(timeout) for probe in spec.advisories.values()),
        )
        required, advised = others[: len(spec.readiness)], others[len(spec.readiness) :]
        failures = [reason for reason in (database, kafka, *required) if reason]
        if draining():
            failures.append("draining: the server stops in a moment")
        checks = {"database": database or "ok", "kafka": kafka or "ok"}
        checks.update({name: reason or "ok" for name, reason in zip(spec.readiness, required, strict=True)})
        checks.update({name: reason or "ok" for name, reason in zip(spec.advisories, advised, strict=True)})
        if failures:
            return problem_response(503, "; ".join(failures), title="Not ready", checks=checks)
        return JSONResponse({"status": "ready", "service": spec.name, "checks": checks})

    strong = {**KEY_OPERATIONS, **spec.strong_authentication}
    access = Depends(require_service_access(spec.name, strong))
    routers = [me_router, ops_router, *spec.routers]
    mark_strong_operations(routers, strong)
    for router in routers:  # secure by default: a valid token with the route's scope (and a second factor where named)
        app.include_router(router, dependencies=[access])
    for router in spec.public_routers:
        app.include_router(router)
    install_truthful_openapi(app, [getattr(route, "path", "") for router in spec.public_routers for route in router.routes])
    app.mount("/metrics", make_asgi_app())
    app.add_middleware(UnhandledErrors)  # innermost: the others see an ordinary 500
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(HttpMetricsMiddleware, service=spec.name)
    app.add_middleware(ServerSpanMiddleware)  # the span covers the whole request
    app.add_middleware(CloseWhileDraining)  # outermost: a draining server closes every connection after its answer
    return app
