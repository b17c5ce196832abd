"""What the notifications service's tests share: the app in-process (no consumer: tests hand it events,
as the consumer would), its DNS (:class:`FakeDns`: no DNS server runs here), tokens, and a raw view of the
tables."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from abri_bus.envelope import Envelope
from abri_contracts import EventContract
from abri_kit.clock import Clock, system_clock
from abri_notifications.events.dispatch import on_event
from abri_notifications.main import create_app
from abri_notifications.settings import NotificationsSettings
from tests.oidc_issuer import TestIssuer
from tests.support import database_url, execute_sql, fetch_rows, in_process, kafka_bootstrap, received

Api = tuple[FastAPI, httpx.AsyncClient]

PUBLIC_ADDRESS = "93.184.215.14"
"""A public address (one IANA gave the example domains) that the partners of the tests' webhooks resolve
to: a webhook sent there fails its TLS handshake (no certificate is valid for partner.example.org), so nothing
is ever posted."""


class FakeDns:
    """The service's resolver in the tests: answers what it is told, per name (``answers[name]``), and
    counts the questions; an unknown name does not resolve (as ``getaddrinfo`` would refuse it). Change an
    answer between registration and delivery to play DNS rebinding."""

    def __init__(self, answers: Mapping[str, Sequence[str]] | None = None) -> None:
        self.answers: dict[str, list[str]] = {"partner.example.org": [PUBLIC_ADDRESS], "localhost": ["127.0.0.1", "::1"]}
        self.answers.update({name: list(addresses) for name, addresses in (answers or {}).items()})
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.answers[host])


def local_webhooks(*ports: int) -> dict[str, Any]:
    """The development setting (plain http to the loopback) and the ports of the tests' own receivers: what a
    test that posts webhooks to a local server must turn on explicitly."""
    return {"webhooks_allow_local_http": True, "webhooks_ports": [443, *ports]}


@contextlib.asynccontextmanager
async def serve(issuer: TestIssuer, *, clock: Clock = system_clock, dns: FakeDns | None = None, **changes: Any) -> AsyncIterator[Api]:
    """The service in-process; its consumer off unless ``consumer_enabled=True`` (then it reads the broker as
    group ``abri-notifications``); its webhook destinations resolved by ``dns`` (a :class:`FakeDns` by default)."""
    settings = NotificationsSettings(
        database_url=database_url("notifications"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        **{"consumer_enabled": False, **changes},
    )
    app = create_app(settings, clock=clock, resolver=dns or FakeDns())
    async with in_process(app, "notifications") as client:
        yield app, client


@pytest.fixture
async def api(issuer: TestIssuer) -> AsyncIterator[Api]:
    async with serve(issuer) as served:
        yield served


def as_(issuer: TestIssuer, sub: str, role: str, org_id: str | None = None) -> dict[str, str]:
    claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
    return {"authorization": f"Bearer {issuer.token(sub=sub, roles=[role], **claims)}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{os.urandom(3).hex()}"


async def handle(app: FastAPI, event: EventContract, *, times: int = 1, envelope: Envelope | None = None) -> Envelope:
    """The event handed to the dispatcher as the consumer would, on the app's clock, its messages linking to
    the app's configured web front (``times`` > 1: redelivered, same id)."""
    envelope = envelope or Envelope.of(event)
    for _ in range(times):
        async with app.state.sessionmaker() as session, session.begin():
            await on_event(
                session, received(event, envelope=envelope), clock=app.state.clock, public_url=app.state.notifications_settings.public_url
            )
    return envelope


async def rows(statement: str, **params: Any) -> list[Any]:
    return await fetch_rows("notifications", statement, **params)


async def execute(statement: str, **params: Any) -> None:
    """A write, committed."""
    await execute_sql("notifications", statement, **params)
