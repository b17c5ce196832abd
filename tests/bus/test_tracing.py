"""One trace follows a journey: the HTTP request that writes, the relay that publishes, the handler."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic import SecretStr

from abri_bus.outbox import publish
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.db import SessionDep
from abri_kit.settings import ServiceSettings
from tests.bus.conftest import WidgetChangedBase, widgets
from tests.bus.helpers import effect_count, record_effect
from tests.oidc_issuer import TestIssuer
from tests.support import database_url, kafka_bootstrap, wait_until


def widget_app(contract: type[WidgetChangedBase], issuer: TestIssuer) -> FastAPI:
    router = APIRouter()

    @router.post("/widgets/{widget_id}", status_code=201)
    async def create_widget(widget_id: str, session: SessionDep) -> dict[str, str]:
        await session.execute(sa.insert(widgets).values(widget_id=widget_id, seq=1))
        await publish(session, contract(widget_id=widget_id, seq=1))
        return {"widget_id": widget_id}

    settings = ServiceSettings(
        database_url=SecretStr(database_url("bustest")),
        kafka_bootstrap_servers=kafka_bootstrap(),
        relay_poll_interval_s=0.2,
        oidc_issuer=issuer.issuer,
    )
    return create_service_app(
        ServiceSpec(name="bustest", settings=settings, routers=[router], handlers={contract: record_effect("traced")})
    )


@pytest.fixture
async def client(db: object, contract: type[WidgetChangedBase], issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    app = widget_app(contract, issuer)
    token = issuer.token(scope="bustest:read bustest:write")  # the test service's own scopes
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://bustest", headers={"authorization": f"Bearer {token}"}
        ) as http:
            yield http


async def test_one_trace_spans_request_relay_and_handler(
    client: httpx.AsyncClient, contract: type[WidgetChangedBase], in_memory_spans: InMemorySpanExporter, db: object
) -> None:
    in_memory_spans.clear()
    response = await client.post("/widgets/w-traced")
    assert response.status_code == 201

    async def applied() -> bool:
        return await effect_count(db) == 1  # type: ignore[arg-type]

    await wait_until(applied, timeout=60, what="the handler's effect")
    await wait_until(lambda: _has_span(in_memory_spans, f"{contract.topic()} process"), timeout=10, what="the consumer span")

    spans = in_memory_spans.get_finished_spans()
    request = next(s for s in spans if s.kind == SpanKind.SERVER and "/widgets" in s.name)
    publish_span = next(s for s in spans if s.name == f"{contract.topic()} publish")
    process_span = next(s for s in spans if s.name == f"{contract.topic()} process")
    assert publish_span.kind == SpanKind.PRODUCER and process_span.kind == SpanKind.CONSUMER
    trace_id = request.context.trace_id
    assert publish_span.context.trace_id == trace_id
    assert process_span.context.trace_id == trace_id
    assert process_span.parent is not None and process_span.parent.span_id == publish_span.context.span_id


async def _has_span(exporter: InMemorySpanExporter, name: str) -> bool:
    return any(span.name == name for span in exporter.get_finished_spans())
