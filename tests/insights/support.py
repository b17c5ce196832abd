"""What the insights service's tests share: the app in-process on its migrated database (no consumer: tests hand
events to its handler, as the consumer would)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts import EventContract
from abri_insights.events import handlers
from abri_insights.main import create_app
from abri_insights.settings import InsightsSettings
from tests.oidc_issuer import TestIssuer
from tests.support import database_url, kafka_bootstrap

REPO = Path(__file__).resolve().parents[2]
Api = tuple[FastAPI, httpx.AsyncClient]


@contextlib.asynccontextmanager
async def serve(issuer: TestIssuer) -> AsyncIterator[Api]:
    url = database_url("insights")
    env = {**os.environ, "ABRI_INSIGHTS_DATABASE_URL": url}
    await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "abri_insights.migrate"], env=env, cwd=REPO, check=True, timeout=120)
    settings = InsightsSettings(
        database_url=url, kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer, consumer_enabled=False
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://insights") as client:
            yield app, client


async def handled(app: FastAPI, event: EventContract, at: datetime) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await handlers()[type(event)](session, ReceivedEvent(Envelope.of(event, at), event, event.topic(), 0, 0))
