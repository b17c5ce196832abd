"""What the insights service's tests share: the app in-process on its migrated database (no consumer: tests hand
events to its handler, as the consumer would)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
from fastapi import FastAPI

from abri_contracts import EventContract
from abri_insights.events import handlers
from abri_insights.main import create_app
from abri_insights.settings import InsightsSettings
from tests.oidc_issuer import TestIssuer
from tests.support import in_process, kafka_bootstrap, migrated, received

Api = tuple[FastAPI, httpx.AsyncClient]


@contextlib.asynccontextmanager
async def serve(issuer: TestIssuer) -> AsyncIterator[Api]:
    settings = InsightsSettings(
        database_url=await migrated("insights"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        consumer_enabled=False,
    )
    app = create_app(settings)
    async with in_process(app, "insights") as client:
        yield app, client


async def handled(app: FastAPI, event: EventContract, at: datetime) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await handlers()[type(event)](session, received(event, at))
