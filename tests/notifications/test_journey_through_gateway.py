"""The whole journey, end to end, through the gateway, the four services running with their relays and
consumers on the real broker: an owner publishes a unit → a social worker registers a household and
proposes → the owner accepts → the association files the guarantee → the fund approves → the lease is
signed. At each step the right parties receive the right messages (the SMTP sink, the inbox, the
partner's webhook), exactly once, in their language."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from abri_gateway.app import create_app as create_gateway
from abri_gateway.settings import GatewaySettings
from abri_guarantees.main import create_app as create_guarantees
from abri_guarantees.settings import GuaranteesSettings
from abri_kit.calendar import day_in_france
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from abri_matching.main import create_app as create_matching
from abri_matching.settings import MatchingSettings
from abri_notifications.channels.webhook import verify_webhook
from abri_notifications.main import create_app as create_notifications
from abri_notifications.settings import NotificationsSettings
from tests.guarantees.support import TENANT
from tests.listings.test_units_api import DRAFT
from tests.matching.test_households_api import household
from tests.notifications.support import local_webhooks, unique
from tests.notifications.test_sender import Receiver, Sink
from tests.oidc_issuer import TestIssuer, serving
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, free_port, kafka_bootstrap, wait_until, walk_pages

pytestmark = pytest.mark.timeout(300)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REQUIRED_DOCUMENTS = (("identity", "passport"), ("professional_situation", "employment_contract"), ("resources", "payslips"))
"""One document of each category a Visale-like fund requires before approving."""
AURILLAC = {
    "commune": "Aurillac",
    "postal_code": "15000",
    "insee_code": "15014",
    "departement": "15",
    "latitude": 44.926,
    "longitude": 2.443,
}


def bearer(issuer: TestIssuer, subject: str, role: str, org_id: str | None) -> dict[str, str]:
    claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
    return {"authorization": f"Bearer {issuer.token(sub=subject, roles=[role], exp=int(time.time()) + 1800, **claims)}"}


class Journey:
    def __init__(self, issuer: TestIssuer, gateway: httpx.AsyncClient, sink: Sink, receiver: Receiver) -> None:
        self.gateway, self.sink, self.receiver = gateway, sink, receiver
        self.org, self.fund = unique("assoc-j"), unique("fund-j")
        self.subjects = {"owner": unique("owner-j"), "worker": unique("sw-j"), "agent": unique("agent-j")}
        roles = {"owner": ("owner", None), "worker": ("social_worker", self.org), "agent": ("fund_agent", self.fund)}
        self.headers = {name: bearer(issuer, self.subjects[name], role, org) for name, (role, org) in roles.items()}
        self.ops = bearer(issuer, "ops-j", "ops", None)
        self.emails = {"owner": f"{self.subjects['owner']}@example.org", "worker": f"{self.subjects['worker']}@example.org",
                       "agent": f"{self.subjects['agent']}@example.org"}  # fmt: skip

    async def call(self, method: str, path: str, who: str, **kwargs: Any) -> httpx.Response:
        headers = self.ops if who == "ops" else self.headers[who]
        return await self.gateway.request(method, f"/api{path}", headers={**headers, **kwargs.pop("headers", {})}, **kwargs)

    async def templates(self, who: str) -> Counter[str]:
        inbox = await walk_pages(self.gateway, "/api/notifications/v1/inbox", self.headers[who], limit=200)
        return Counter(message["template"] for message in inbox)

    def mailed(self, who: str) -> list[tuple[str, str]]:
        """(Content-Language, Subject) of every email to ``who``."""
        return [(m["Content-Language"], str(m["Subject"])) for _, to, m in self.sink.messages if to == [self.emails[who]]]

    async def told(self, who: str, template: str) -> None:
        async def arrived() -> bool:
            return (await self.templates(who))[template] >= 1

        await wait_until(arrived, timeout=90, what=f"{who} is told {template}")


@pytest.fixture(scope="module")
async def journey(issuer: TestIssuer) -> AsyncIterator[Journey]:
    sink, smtp_port, receiver = Sink(), free_port(), Receiver()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap(), "oidc_issuer": issuer.issuer, "relay_poll_interval_s": 0.2}
    ports = {name: free_port() for name in ("listings", "matching", "guarantees", "notifications", "gateway")}
    notifications = NotificationsSettings(
        database_url=database_url("notifications"), smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none",
        mail_from="no-reply@abri.test", send_every_s=0.3, **local_webhooks(receiver.port), **common,
    )  # fmt: skip
    urls = {f"{name}_url": f"http://127.0.0.1:{port}" for name, port in ports.items() if name != "gateway"}
    gateway = GatewaySettings(oidc_issuer=issuer.issuer, rate_limit="10000/minute", **urls)  # type: ignore[arg-type]
    try:
        async with (
            serving(receiver.app(), receiver.port),
            serving(create_listings(ListingsSettings(database_url=database_url("listings"), **common)), ports["listings"]),
            serving(create_matching(MatchingSettings(database_url=database_url("matching"), **common)), ports["matching"]),
            serving(create_guarantees(GuaranteesSettings(database_url=database_url("guarantees"), **common)), ports["guarantees"]),
            serving(create_notifications(notifications), ports["notifications"]),
            serving(create_gateway(gateway), ports["gateway"]),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['gateway']}", timeout=30) as client,
        ):
            yield Journey(issuer, client, sink, receiver)
    finally:
        controller.stop()


async def eventually(read: Callable[[], Awaitable[Any]], expected: Any, what: str) -> None:
    async def reached() -> bool:
        return bool(await read() == expected)

    await wait_until(reached, timeout=90, what=what)


async def test_each_step_tells_the_right_people_once_in_their_language(journey: Journey) -> None:
    j = journey
    for who, language in (("owner", "en"), ("worker", "fr"), ("agent", "uk")):
        prefs = {"language": language, "channels": ["email"], "email": j.emails[who]}
        assert (await j.call("PUT", "/notifications/v1/me/preferences", who, json=prefs)).status_code == 200
    hook = (await j.call("POST", "/notifications/v1/webhooks", "worker", json={"url": f"http://127.0.0.1:{j.receiver.port}/hook"})).json()
    created = await j.call("POST", "/guarantees/v1/funds", "ops", json={"fund_id": j.fund, "name": "Fonds J", "kind": "visale"})
    assert created.status_code == 201, created.text

    unit = (await j.call("POST", "/listings/v1/units", "owner", json={**DRAFT, **AURILLAC})).json()
    published = await j.call("POST", f"/listings/v1/units/{unit['id']}/publish", "owner", headers={"if-match": '"1"'})
    assert published.status_code == 200, published.text
    await j.told("owner", "owner.unit_published")

    body = {**household(unique("J")), "wanted": {"communes": ["15014"]}, "needs": {"min_bedrooms": 1}}
    household_id = (await j.call("POST", "/matching/v1/households", "worker", json=body)).json()["id"]
    agreed = {"purpose": "guarantee_file", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}
    assert (await j.call("POST", f"/matching/v1/households/{household_id}/consents", "worker", json=agreed)).status_code == 201

    async def candidates() -> int:
        return (await j.call("GET", f"/matching/v1/units/{unit['id']}/candidates", "worker")).status_code

    await eventually(candidates, 200, "matching learns the unit")
    proposal = {"household_id": household_id, "unit_id": unit["id"], "scheme": "intermediated_letting"}
    placement = (await j.call("POST", "/matching/v1/placements", "worker", json=proposal)).json()
    await j.told("owner", "owner.placement_proposed_association_tenant")

    accepted = await j.call("POST", f"/matching/v1/placements/{placement['id']}/accept", "owner", json={"require_guarantee": True})
    assert accepted.json()["status"] == "awaiting_guarantee", accepted.text
    await j.told("worker", "association.guarantee_requested")

    answers: list[httpx.Response] = []

    async def filed() -> bool:
        file = {"placement_id": placement["id"], "fund_id": j.fund, "tenant": TENANT}
        answers.append(await j.call("POST", "/guarantees/v1/files", "worker", json=file))
        return answers[-1].status_code == 201

    await wait_until(filed, timeout=90, what="guarantees learns the placement")
    file_id = answers[-1].json()["id"]
    await j.told("agent", "fund.file_submitted")
    for kind, sub_kind in REQUIRED_DOCUMENTS:  # what the fund requires before approving
        piece = {"content": (f"{sub_kind}.pdf", PDF, "application/pdf")}
        sent = await j.call(
            "POST", f"/guarantees/v1/files/{file_id}/documents", "worker", data={"kind": kind, "sub_kind": sub_kind}, files=piece
        )
        assert sent.status_code == 201, sent.text
    assert (await j.call("POST", f"/guarantees/v1/files/{file_id}/approval", "agent")).status_code == 200
    await j.told("worker", "association.file_approved")

    async def placement_status() -> str:
        return str((await j.call("GET", f"/matching/v1/placements/{placement['id']}", "worker")).json()["status"])

    await eventually(placement_status, "guaranteed", "matching moves the placement on the approval")
    today = day_in_france(datetime.now(UTC)).isoformat()  # the services count French calendar days
    head_lease_ends_on = (day_in_france(datetime.now(UTC)) + timedelta(days=3 * 365)).isoformat()
    lease = {"signed_on": today, "starts_on": today, "lease_type": "sub_let", "head_lease_ends_on": head_lease_ends_on}  # intermediated
    assert (await j.call("POST", f"/matching/v1/placements/{placement['id']}/lease", "worker", json=lease)).status_code == 200
    await j.told("owner", "owner.guarantee_activated")
    await j.told("agent", "fund.guarantee_activated")
    await j.told("owner", "owner.unit_let")
    await j.told("worker", "association.lease_signed")

    expected = {
        "owner": {
            "owner.unit_published",
            "owner.placement_proposed_association_tenant",
            "owner.unit_reserved",
            "owner.unit_let",
            "owner.guarantee_activated",
        },
        "worker": {
            "association.placement_accepted", "association.guarantee_requested", "association.file_under_review",
            "association.file_approved", "association.lease_signed", "association.guarantee_activated",
        },
        "agent": {"fund.file_submitted", "fund.guarantee_activated"},
    }  # fmt: skip

    async def all_mailed() -> bool:
        return all(len(j.mailed(who)) >= len(templates) for who, templates in expected.items())

    await wait_until(all_mailed, timeout=90, what="every email is sent")
    for who, templates in expected.items():
        told = await j.templates(who)
        passed_on = told.pop("association.tell_household", 0)  # the household has no account: its news goes through its association
        assert passed_on == (4 if who == "worker" else 0), (who, passed_on)  # home proposed, owner's yes, guarantee granted, lease
        assert set(told) >= templates, (who, told)
        assert all(count == 1 for count in told.values()), (who, told)  # exactly once each
        mails = j.mailed(who)
        assert len(mails) == len(told) + passed_on
        assert {language for language, _ in mails} == {dict(owner="en", worker="fr", agent="uk")[who]}
    assert all("Kovalenko" not in str(m) and "Oksana" not in str(m) for _, _, m in j.sink.messages)  # the tenant's name goes nowhere

    hooks = [call for call in j.receiver.calls if call[0] == "/hook"]
    types = Counter(verify_webhook(hook["secret"], headers, body)["type"] for _, headers, body in hooks)
    assert types["abri.matching.placement.accepted.v1"] == 1 and types["abri.guarantees.file.approved.v1"] == 1
    assert all(count == 1 for count in types.values()), types
