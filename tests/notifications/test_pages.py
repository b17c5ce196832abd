"""Every list of the notifications service comes in pages: a reader's inbox (newest first), an
organisation's webhook endpoints (oldest first), ops' deliveries by status (newest first). Pages follow
one another without a row twice or missed, a bad cursor or limit is refused, and a cursor opens nothing
of someone else's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.notifications.support import Api, as_, execute, handle, unique
from tests.notifications.support import api as api
from tests.notifications.test_dispatch import proposed
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import assert_cursor_refused, walk_pages

pytestmark = pytest.mark.timeout(90)


async def test_a_readers_inbox_comes_in_pages_newest_first(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    owner = unique("owner-pg")
    headers = as_(issuer, owner, "owner")
    for _ in range(5):
        await handle(app, proposed(owner, unique("assoc")))
    every = await walk_pages(client, "/v1/inbox", headers, limit=2)
    assert len(every) == 5 and [m["seq"] for m in every] == sorted((m["seq"] for m in every), reverse=True)
    assert await walk_pages(client, "/v1/inbox", headers, limit=5) == every
    read = await client.post(f"/v1/inbox/{every[1]['id']}/read", headers=headers)
    assert read.status_code == 200
    unread = await walk_pages(client, "/v1/inbox", headers, limit=2, params={"unread": "true"})
    assert [m["id"] for m in unread] == [m["id"] for m in every if m["id"] != every[1]["id"]]
    assert (await client.get("/v1/inbox/unread", headers=headers)).json() == {"unread": 4}
    await assert_cursor_refused(client, "/v1/inbox", headers)
    of_unread = (await client.get("/v1/inbox", params={"unread": "true", "limit": 1}, headers=headers)).json()["next_cursor"]
    assert (await client.get("/v1/inbox", params={"cursor": of_unread}, headers=headers)).status_code == 400  # another list's
    first = (await client.get("/v1/inbox", params={"limit": 2}, headers=headers)).json()
    other = as_(issuer, unique("owner-pg"), "owner")
    theirs = await client.get("/v1/inbox", params={"limit": 2, "cursor": first["next_cursor"]}, headers=other)
    assert theirs.status_code == 200 and theirs.json() == {"items": [], "next_cursor": None}  # the list is still the caller's


async def test_an_organisations_webhook_endpoints_come_in_pages_oldest_first(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    org = unique("assoc-pg")
    member = as_(issuer, unique("sw-pg"), "social_worker", org)
    made = []
    for n in range(3):
        answer = await client.post("/v1/webhooks", json={"url": f"https://partner.example.org/{n}"}, headers=member)
        made.append(answer.json()["id"])
    assert (await client.delete(f"/v1/webhooks/{made[1]}", headers=member)).status_code == 204
    listed = await walk_pages(client, "/v1/webhooks", member, limit=2)
    assert [e["id"] for e in listed] == made and [e["active"] for e in listed] == [True, False, True]  # stopped ones stay listed
    await assert_cursor_refused(client, "/v1/webhooks", member)
    colleague = as_(issuer, unique("partner-pg"), "partner", org)
    assert [e["id"] for e in await walk_pages(client, "/v1/webhooks", colleague, limit=1)] == made
    elsewhere = as_(issuer, unique("sw-pg"), "social_worker", unique("assoc-pg"))
    assert await walk_pages(client, "/v1/webhooks", elsewhere, limit=2) == []
    no_org = as_(issuer, unique("sw-pg"), "social_worker")
    assert (await client.get("/v1/webhooks", headers=no_org)).status_code == 403


async def test_ops_read_deliveries_by_status_in_pages_newest_first(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    marker, ops = unique("pages"), as_(issuer, "ops-pg", "ops")
    later = datetime(2999, 1, 1, tzinfo=UTC)  # newer than any other test's: the first rows of the list
    made = [uuid.uuid4() for _ in range(5)]
    try:
        for n, delivery in enumerate(made):
            await execute(
                "INSERT INTO deliveries (id, key, event_id, event_type, template, recipient, channel, language, subject, text, html,"
                " payload, status, attempts, next_attempt_at, created_at) VALUES (:id, :key, :e, 't', 'owner.unit_let', 'x', 'email',"
                " 'fr', 's', 't', 'h', '{}', 'failed', 12, :at, :at)",
                id=delivery, key=uuid.uuid4().hex, e=marker, at=later + timedelta(minutes=n),
            )  # fmt: skip
        newest_first = [str(d) for d in reversed(made)]
        seen: list[str] = []
        cursor = None
        for _ in range(3):  # ours are the first five: three pages of two
            query: dict[str, Any] = {"status": "failed", "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/v1/ops/deliveries", params=query, headers=ops)).json()
            seen += [d["id"] for d in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:  # the list ends (with ours, and perhaps another test's older failed deliveries)
                break
        assert seen[:5] == newest_first and len(set(seen)) == len(seen)
        await assert_cursor_refused(client, "/v1/ops/deliveries", ops)
        second = (await client.get("/v1/ops/deliveries", params={"status": "failed", "limit": 1}, headers=ops)).json()["next_cursor"]
        sent = await client.get("/v1/ops/deliveries", params={"status": "sent", "cursor": second}, headers=ops)
        assert sent.status_code == 400  # a cursor of the failed deliveries is not one of the sent
        assert (await client.get("/v1/ops/deliveries", headers=as_(issuer, unique("sw"), "social_worker", "org"))).status_code == 403
    finally:
        await execute("DELETE FROM deliveries WHERE event_id = :e", e=marker)
