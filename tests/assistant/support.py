"""What the assistant service's tests share: the app in-process on its migrated database (no consumer: tests
hand events to its handlers, as the consumer would), tokens, and a raw view of its tables."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_assistant.events import handlers
from abri_assistant.main import create_app
from abri_assistant.settings import AssistantSettings
from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts import EventContract
from abri_kit.clock import Clock, system_clock
from tests.oidc_issuer import TestIssuer
from tests.support import database_url, kafka_bootstrap

REPO = Path(__file__).resolve().parents[2]
Api = tuple[FastAPI, httpx.AsyncClient]


async def migrated() -> str:
    """The assistant's database, migrated to head; its URL."""
    url = database_url("assistant")
    env = {**os.environ, "ABRI_ASSISTANT_DATABASE_URL": url}
    await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "abri_assistant.migrate"], env=env, cwd=REPO, check=True, timeout=120)
    return url


@contextlib.asynccontextmanager
async def serve(issuer: TestIssuer, *, clock: Clock = system_clock, **changes: Any) -> AsyncIterator[Api]:
    """The service in-process on its migrated database, its consumer off."""
    settings = AssistantSettings(
        database_url=await migrated(),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        **{"consumer_enabled": False, **changes},
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://assistant") as client:
            yield app, client


def bearer(issuer: TestIssuer, subject: str, role: str, org_id: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token(sub=subject, roles=[role], org_id=org_id)}"}


async def handled(app: FastAPI, event: EventContract, at: datetime) -> None:
    """Hand ``event`` to the service's handler in a transaction of its own, as its consumer would."""
    async with app.state.sessionmaker() as session, session.begin():
        await handlers()[type(event)](session, ReceivedEvent(Envelope.of(event, at), event, event.topic(), 0, 0))


async def rows(sql: str, **params: Any) -> list[Any]:
    """A raw look at the assistant's tables."""
    engine = create_async_engine(database_url("assistant"))
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(sa.text(sql), params)).all())
    finally:
        await engine.dispose()
