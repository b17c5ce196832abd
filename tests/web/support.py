"""The web front's page tests: every service and the gateway served on 127.0.0.1 (real PostgreSQL,
real Kafka), and browsers' sessions opened for people of each role.

A session is put straight into the gateway's session store with a token from the test issuer (the
sign-in itself is tested against the local identity provider in ``tests/gateway/test_bff.py`` and in
the browser tests): each test gets people and organisations of its own, so tests never see each
other's data.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from abri_assistant.main import create_app as create_assistant
from abri_assistant.settings import AssistantSettings
from abri_contracts.services import SERVICES
from abri_gateway.app import create_app as create_gateway
from abri_gateway.sessions import Session
from abri_gateway.settings import GatewaySettings
from abri_guarantees.main import create_app as create_guarantees
from abri_guarantees.settings import GuaranteesSettings
from abri_insights.main import create_app as create_insights
from abri_insights.settings import InsightsSettings
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from abri_matching.main import create_app as create_matching
from abri_matching.settings import MatchingSettings
from abri_notifications.main import create_app as create_notifications
from abri_notifications.settings import NotificationsSettings
from tests.notifications.support import unique
from tests.oidc_issuer import TestIssuer, serving
from tests.support import database_url, free_port, kafka_bootstrap

SESSION_COOKIE = "__Host-abri_session"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Stack:
    """The running gateway and services."""

    issuer: TestIssuer | None
    gateway_url: str
    gateway_app: Any

    def sessions(self) -> Any:
        return self.gateway_app.site.state.web.auth.sessions

    def browser(
        self, role: str, *, org_id: str | None = None, subject: str | None = None, name: str = "Test Person", **token_claims: Any
    ) -> Browser:
        """A browser signed in as a new person of ``role`` (social workers and fund agents get a new organisation);
        ``token_claims`` change its token (e.g. ``acr``: how strongly it signed in)."""
        assert self.issuer is not None, "sessions are made from the test issuer's tokens"
        subject = subject or unique(role)
        if org_id is None and role in ("social_worker", "fund_agent", "household"):
            org_id = unique("org")
        claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
        token = self.issuer.token(sub=subject, roles=[role], exp=int(time.time()) + 3600, **{**claims, **token_claims})
        session = Session(
            access_token=token, refresh_token=None, id_token=None, access_expires_at=time.time() + 3600,
            subject=subject, name=name, roles=[role], org_id=org_id,
        )  # fmt: skip
        session_id = self.sessions().put(session)  # the in-memory store: opened at once
        client = httpx.AsyncClient(base_url=self.gateway_url, timeout=30, headers={"cookie": f"{SESSION_COOKIE}={session_id}"})
        return Browser(client, session, subject, org_id)

    def anonymous(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.gateway_url, timeout=30)


@dataclass
class Browser:
    """A signed-in browser: GETs pages and posts forms with their CSRF token."""

    client: httpx.AsyncClient
    session: Session
    subject: str
    org_id: str | None

    @property
    def csrf(self) -> str:
        return self.session.csrf_token

    @property
    def bearer(self) -> dict[str, str]:
        """The same person's token, to prepare data through the API."""
        return {"authorization": f"Bearer {self.session.access_token}"}

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)

    async def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]] | None = None, *, csrf: bool = True) -> httpx.Response:
        """Post a form as the page would (with the session's CSRF token unless ``csrf`` is False)."""
        fields: list[tuple[str, str]] = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            fields.append(("csrf_token", self.csrf))
        form: dict[str, list[str]] = {}
        for name, value in _flatten(fields):
            form.setdefault(name, []).append(value)
        return await self.client.post(path, data=form)

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the API through the gateway with this person's bearer token."""
        headers = {**self.bearer, **kwargs.pop("headers", {})}
        return await self.client.request(method, f"/api{path}", headers=headers, **kwargs)

    async def aclose(self) -> None:
        await self.client.aclose()


async def a_fund(ops: Browser, fund_id: str, name: str) -> str:
    """Create the guarantee fund ``fund_id`` (a Visale one) as ``ops``, the only role that may: files
    need a fund to be filed with, and fund agents an organisation to sign in to. Its id back."""
    created = await ops.api("POST", "/guarantees/v1/funds", json={"fund_id": fund_id, "name": name, "kind": "visale"})
    assert created.status_code == 201, created.text
    return fund_id


def _flatten(fields: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    flat: list[tuple[str, str]] = []
    for name, value in fields:
        if isinstance(value, list | tuple):
            flat += [(name, str(v)) for v in value]
        elif isinstance(value, bool):
            if value:
                flat.append((name, "on"))
        elif value is not None:
            flat.append((name, str(value)))
    return flat


async def running_stack(issuer: TestIssuer | str, gateway_port: int | None = None, **gateway_overrides: Any) -> AsyncIterator[Stack]:
    """Serve the services and the gateway on free ports for the duration of the generator; ``issuer`` is
    the test issuer, or the URL of another provider (the local identity provider of the browser tests)."""
    issuer_url = issuer if isinstance(issuer, str) else issuer.issuer
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap(), "oidc_issuer": issuer_url, "relay_poll_interval_s": 0.2}
    ports = {name: free_port() for name in SERVICES}
    ports["gateway"] = gateway_port or free_port()
    urls = {f"{name}_url": f"http://127.0.0.1:{port}" for name, port in ports.items() if name != "gateway"}
    settings = GatewaySettings(oidc_issuer=issuer_url, rate_limit="100000/minute", **{**urls, **gateway_overrides})
    gateway = create_gateway(settings)
    notifications = NotificationsSettings(
        database_url=database_url("notifications"), smtp_host="127.0.0.1", smtp_port=free_port(), **common
    )
    async with (
        serving(create_listings(ListingsSettings(database_url=database_url("listings"), **common)), ports["listings"]),
        serving(create_matching(MatchingSettings(database_url=database_url("matching"), **common)), ports["matching"]),
        serving(create_guarantees(GuaranteesSettings(database_url=database_url("guarantees"), **common)), ports["guarantees"]),
        serving(create_notifications(notifications), ports["notifications"]),
        serving(create_assistant(AssistantSettings(database_url=database_url("assistant"), **common)), ports["assistant"]),
        serving(create_insights(InsightsSettings(database_url=database_url("insights"), **common)), ports["insights"]),
        serving(gateway, ports["gateway"]),
    ):
        await until_ready({name: f"http://127.0.0.1:{ports[name]}" for name in SERVICES})
        yield Stack(None if isinstance(issuer, str) else issuer, f"http://127.0.0.1:{ports['gateway']}", gateway)


async def until_ready(urls: dict[str, str], within_s: float = 60.0) -> None:
    """Wait until every service's ``/readyz`` answers 200, as a rollout waits for its pods' readiness: a
    service whose Kafka probe and pool are still warming up answers slowly at first on a busy machine."""
    deadline = time.monotonic() + within_s
    waiting = dict(urls)
    async with httpx.AsyncClient(timeout=5.0) as http:
        while waiting:
            for name, url in list(waiting.items()):
                try:
                    if (await http.get(f"{url}/readyz")).status_code == 200:
                        del waiting[name]
                except httpx.HTTPError:
                    pass
            if waiting and time.monotonic() > deadline:
                raise TimeoutError(f"not ready within {within_s:g} s: {', '.join(sorted(waiting))}")
            if waiting:
                await asyncio.sleep(0.2)


def main_text(page: str) -> str:
    """The words of a page's ``<main>`` (an error page's title and detail), for a failing assertion to say."""
    found = re.search(r"<main[^>]*>(.*?)</main>", page, re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1) if found else page[:2000]).split())
