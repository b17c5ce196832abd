"""A person's export from the assistant (``GET /v1/me/export``): every conversation of the caller with its
messages opened (the reply's source, numbers and file stage with it), who other than the person read them,
nothing of anyone else's; a role the assistant does not answer gets 403."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.assistant.support import Api, bearer, serve
from tests.assistant.test_conversations import asked, linked_household, started
from tests.oidc_issuer import TestIssuer


@pytest.fixture(scope="module")
async def api(issuer: TestIssuer) -> AsyncIterator[Api]:
    async with serve(issuer) as served:
        yield served


async def test_a_person_exports_its_conversations_with_their_messages_and_who_read_them(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    org = f"assoc-{uuid.uuid4().hex[:6]}"
    _, subject = await linked_household(api, org)
    me = bearer(issuer, subject, "household", org)
    first = await started(client, me)
    await asked(client, me, first, "C'est quoi un bail glissant ?")
    second = await started(client, me, "uk")
    await asked(client, me, second, "Мене виганяють з квартири сьогодні, замки поміняли, я на вулиці з дітьми")
    handed = await client.post(f"/v1/conversations/{second}/handover", json={"consent": True}, headers=me)
    assert handed.status_code == 200, handed.text
    worker = bearer(issuer, f"sw-{uuid.uuid4().hex[:6]}", "social_worker", org)
    assert (await client.get(f"/v1/handovers/{second}", headers=worker)).status_code == 200
    other = bearer(issuer, f"household-{uuid.uuid4().hex[:6]}", "household", org)
    theirs = await started(client, other)
    await asked(client, other, theirs, "Qu'est-ce que l'intermédiation locative ?")

    answer = await client.get("/v1/me/export", headers=me)
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["service"] == "assistant" and document["schema_version"] == 1 and document["account_subject"] == subject
    assert document["documents"] == []
    assert [c["id"] for c in document["conversations"]] == [first, second], "mine only, the oldest first"
    sliding, urgent = document["conversations"]
    assert [(m["seq"], m["author"]) for m in sliding["messages"]] == [(1, "person"), (2, "assistant")]
    assert sliding["messages"][0]["text"] == "C'est quoi un bail glissant ?"
    reply = sliding["messages"][1]
    assert reply["reply_kind"] == "answer" and reply["entry_id"] == "sliding-lease" and reply["text"]
    assert reply["answer_source"]["url"].startswith("https://") and reply["answer_source"]["checked_on"]
    assert urgent["language"] == "uk" and urgent["handed_over_at"] and urgent["urgency_categories"]
    dials = [number["dial"] for number in urgent["messages"][1]["emergency_numbers"]]
    assert {"115", "3919", "119"} <= set(dials) and all(n["what_for"] for n in urgent["messages"][1]["emergency_numbers"])
    assert [(r["purpose"], r["actor_org"], r["actor_role"]) for r in document["access_log"]] == [("handover", org, "social_worker")]

    theirs_exported = (await client.get("/v1/me/export", headers=other)).json()
    assert [c["id"] for c in theirs_exported["conversations"]] == [theirs] and theirs_exported["access_log"] == []
    ops = bearer(issuer, f"ops-{uuid.uuid4().hex[:6]}", "ops")
    assert (await client.get("/v1/me/export", headers=ops)).status_code == 403
