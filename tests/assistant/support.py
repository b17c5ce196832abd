"""What the assistant service's tests share: the app in-process on its migrated database (no consumer: tests
hand events to its handlers, as the consumer would), tokens, and a raw view of its tables."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI

from abri_assistant.events import handlers
from abri_assistant.main import create_app
from abri_assistant.settings import AssistantSettings
from abri_contracts import EventContract
from abri_kit.clock import Clock, system_clock
from tests.oidc_issuer import TestIssuer
from tests.support import fetch_rows, in_process, kafka_bootstrap, migrated, received

Api = tuple[FastAPI, httpx.AsyncClient]


@contextlib.asynccontextmanager
async def serve(issuer: TestIssuer, *, clock: Clock = system_clock, **changes: Any) -> AsyncIterator[Api]:
    """The service in-process on its migrated database, its consumer off."""
    settings = AssistantSettings(
        database_url=await migrated("assistant"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        **{"consumer_enabled": False, **changes},
    )
    app = create_app(settings, clock=clock)
    async with in_process(app, "assistant") as client:
        yield app, client


def bearer(issuer: TestIssuer, subject: str, role: str, org_id: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token(sub=subject, roles=[role], org_id=org_id)}"}


async def handled(app: FastAPI, event: EventContract, at: datetime) -> None:
    """Hand ``event`` to the service's handler in a transaction of its own, as its consumer would."""
    async with app.state.sessionmaker() as session, session.begin():
        await handlers()[type(event)](session, received(event, at))


async def rows(sql: str, **params: Any) -> list[Any]:
    """A raw look at the assistant's tables."""
    return await fetch_rows("assistant", sql, **params)
