"""The assistant as a service, on its own PostgreSQL database and the key store: a household asks in its
language and gets answers with their sources, its own file's stage, or, for an urgency, the emergency numbers
at once and the offer of a hand-over; with its consent the conversation goes to its association (an event
without a word of it), whose social worker reads it (logged where the household sees it); no one else sees
it; its messages are sealed; deleted by its person, by the retention sweeper, or by an erasure (with the
receipt)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from abri_assistant.domain.retention import RetentionPolicy
from abri_assistant.sweepers import delete_lapsed
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from tests.assistant.support import Api, bearer, handled, rows, serve
from tests.oidc_issuer import TestIssuer


@pytest.fixture(scope="module")
async def api(issuer: TestIssuer) -> AsyncIterator[Api]:
    async with serve(issuer) as served:
        yield served


async def linked_household(app: Api, org: str) -> tuple[uuid.UUID, str]:
    """A household its association registered with an account of its own (the read model told by matching's event)."""
    household, subject = uuid.uuid4(), f"household-{uuid.uuid4().hex[:8]}"
    event = HouseholdConsentsChanged(
        household_id=household, org_id=org, account_subject=subject, purposes=["matching"], changed_at=datetime.now(UTC)
    )
    await handled(app[0], event, datetime.now(UTC))
    return household, subject


async def started(client: httpx.AsyncClient, headers: dict[str, str], language: str = "fr") -> str:
    answer = await client.post("/v1/conversations", json={"language": language}, headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def asked(client: httpx.AsyncClient, headers: dict[str, str], conversation: str, text: str) -> dict[str, Any]:
    answer = await client.post(f"/v1/conversations/{conversation}/messages", json={"text": text}, headers=headers)
    assert answer.status_code == 201, answer.text
    person, reply = answer.json()["messages"]
    assert person["author"] == "person" and person["text"] == text.strip()
    assert reply["author"] == "assistant"
    return dict(reply)


async def test_a_household_is_answered_with_sources_then_hands_an_urgency_to_its_social_worker(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    org = f"assoc-{uuid.uuid4().hex[:6]}"
    household, subject = await linked_household(api, org)
    me = bearer(issuer, subject, "household", org)
    conversation = await started(client, me)

    answer = await asked(client, me, conversation, "C'est quoi un bail glissant ?")
    assert answer["kind"] == "answer" and answer["entry_id"] == "sliding-lease"
    assert answer["source"]["url"].startswith("https://") and answer["source"]["checked_on"]
    assert answer["numbers"] == [] and answer["handover_offered"] is False

    mine = await asked(client, me, conversation, "Où en est mon dossier ?")
    assert mine["entry_id"] == "my-file-pages"
    assert str(mine["file"]).startswith("Votre dossier est enregistré et votre association cherche un logement avec vous")

    urgent = await asked(client, me, conversation, "Le propriétaire m'a mis dehors, je n'ai nulle part où dormir ce soir avec mes enfants")
    assert urgent["kind"] == "urgent" and urgent["handover_offered"] is True
    dials = [number["dial"] for number in urgent["numbers"]]
    assert {"115", "3919", "119"} <= set(dials)
    assert all(number["name"] for number in urgent["numbers"])

    refused = await client.post(f"/v1/conversations/{conversation}/handover", json={"consent": False}, headers=me)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    assert (await rows("SELECT 1 FROM conversations WHERE id = :id AND handover_requested_at IS NOT NULL", id=conversation)) == []

    handed = await client.post(f"/v1/conversations/{conversation}/handover", json={"consent": True}, headers=me)
    assert handed.status_code == 200, handed.text
    assert handed.json()["handed_over_at"] and handed.json()["urgent"] is True
    again = await client.post(f"/v1/conversations/{conversation}/handover", json={"consent": True}, headers=me)
    assert again.status_code == 200
    events = await rows(
        "SELECT data FROM event_outbox WHERE event_type = 'abri.assistant.conversation.handover_requested.v1' AND message_key = :id",
        id=conversation,
    )
    assert len(events) == 1, "asked twice, handed over once"
    data = events[0].data
    assert data["org_id"] == org and data["household_id"] == str(household) and data["urgent"] is True
    assert "no_shelter" in data["categories"]
    assert "dormir" not in str(data) and "dehors" not in str(data), "nothing of the conversation leaves in the event"

    # the social worker of the household's association reads it, and the household sees that reading
    worker = bearer(issuer, f"sw-{uuid.uuid4().hex[:6]}", "social_worker", org)
    listed = await client.get("/v1/handovers", headers=worker)
    assert conversation in [item["id"] for item in listed.json()["items"]]
    read = await client.get(f"/v1/handovers/{conversation}", headers=worker)
    assert read.status_code == 200
    texts = [message["text"] for message in read.json()["messages"]]
    assert any("nulle part où dormir" in text for text in texts)
    log = (await client.get("/v1/me/access-log", headers=me)).json()["items"]
    assert [entry["purpose"] for entry in log] == ["handover"] and log[0]["actor_org"] == org

    # no one else: another association's worker, another household, the household's own page of another's
    stranger = bearer(issuer, "sw-other", "social_worker", f"other-{org}")
    assert (await client.get(f"/v1/handovers/{conversation}", headers=stranger)).status_code == 404
    assert conversation not in [item["id"] for item in (await client.get("/v1/handovers", headers=stranger)).json()["items"]]
    other = bearer(issuer, f"household-{uuid.uuid4().hex[:6]}", "household", org)
    assert (await client.get(f"/v1/conversations/{conversation}", headers=other)).status_code == 404
    assert (await client.get(f"/v1/handovers/{conversation}", headers=me)).status_code == 403

    # its messages are sealed: the database holds no word of them
    sealed = await rows("SELECT sealed FROM messages WHERE conversation_id = :id", id=conversation)
    assert sealed and all(b"dormir" not in bytes(row.sealed) and b"glissant" not in bytes(row.sealed) for row in sealed)


async def test_what_the_base_does_not_answer_gets_no_made_up_answer(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    owner = bearer(issuer, f"owner-{uuid.uuid4().hex[:6]}", "owner")
    conversation = await started(client, owner, "en")
    reply = await asked(client, owner, conversation, "What colour should I paint the kitchen ceiling of my holiday chalet?")
    assert reply["kind"] == "unknown" and reply["entry_id"] is None and reply["source"] is None
    assert [number["dial"] for number in reply["numbers"]] == ["115", "3919", "119"]
    assert reply["handover_offered"] is False, "an owner has no social worker to hand over to"
    refused = await client.post(f"/v1/conversations/{conversation}/handover", json={"consent": True}, headers=owner)
    assert refused.status_code == 409 and refused.json()["title"] == "No association to hand over to"


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_replies_and_hand_overs_are_counted_once_done_with_no_person_in_a_label(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    org = f"assoc-{uuid.uuid4().hex[:6]}"
    _, subject = await linked_household(api, org)
    me = bearer(issuer, subject, "household", org)
    before = {kind: counted("abri_assistant_replies_total", kind=kind, language="uk") for kind in ("answer", "urgent", "unknown")}
    handovers = counted("abri_assistant_handovers_total", urgent="true")
    conversation = await started(client, me, "uk")
    await asked(client, me, conversation, "Мене виселяють завтра, мені нема де ночувати з дітьми")
    refused = await client.post(f"/v1/conversations/{conversation}/messages", json={"text": "x" * 2001}, headers=me)
    assert refused.status_code == 422
    assert counted("abri_assistant_replies_total", kind="urgent", language="uk") == before["urgent"] + 1
    assert counted("abri_assistant_replies_total", kind="answer", language="uk") == before["answer"]
    assert counted("abri_assistant_replies_total", kind="unknown", language="uk") == before["unknown"]
    assert (await client.post(f"/v1/conversations/{conversation}/handover", json={"consent": False}, headers=me)).status_code == 403
    assert counted("abri_assistant_handovers_total", urgent="true") == handovers
    for _ in range(2):
        assert (await client.post(f"/v1/conversations/{conversation}/handover", json={"consent": True}, headers=me)).status_code == 200
    assert counted("abri_assistant_handovers_total", urgent="true") == handovers + 1, "asked twice, handed over and counted once"
    ours = [metric for metric in REGISTRY.collect() if metric.name.startswith("abri_assistant_")]
    labels = {tuple(sorted(sample.labels)) for metric in ours for sample in metric.samples}
    assert labels <= {("kind", "language"), ("urgent",)}


async def test_bad_input_is_refused_and_changes_nothing(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    me = bearer(issuer, f"owner-{uuid.uuid4().hex[:6]}", "owner")
    assert (await client.post("/v1/conversations", json={"language": "de"}, headers=me)).status_code == 422
    conversation = await started(client, me, "uk")
    for text in ("x" * 2001, "   ", "bonjour\x00", 42):
        answer = await client.post(f"/v1/conversations/{conversation}/messages", json={"text": text}, headers=me)
        assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    assert await rows("SELECT 1 FROM messages WHERE conversation_id = :id", id=conversation) == []
    missing = uuid.uuid4()
    assert (await client.post(f"/v1/conversations/{missing}/messages", json={"text": "привіт"}, headers=me)).status_code == 404
    assert (await client.post("/v1/conversations", json={"language": "fr"})).status_code == 401


async def test_a_conversation_deleted_by_its_person_is_gone_with_its_key(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    me = bearer(issuer, f"owner-{uuid.uuid4().hex[:6]}", "owner")
    conversation = await started(client, me)
    await asked(client, me, conversation, "Comment publier mon logement ?")
    assert (await client.delete(f"/v1/conversations/{conversation}", headers=me)).status_code == 204
    assert (await client.get(f"/v1/conversations/{conversation}", headers=me)).status_code == 404
    assert await rows("SELECT 1 FROM messages WHERE conversation_id = :id", id=conversation) == []


async def test_retention_and_erasure_delete_conversations_and_the_erasure_sends_its_receipt(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org = f"assoc-{uuid.uuid4().hex[:6]}"
    household, subject = await linked_household(api, org)
    me = bearer(issuer, subject, "household", org)
    kept, lapsing, erased = await started(client, me), await started(client, me), await started(client, me)
    for conversation in (kept, lapsing, erased):
        await asked(client, me, conversation, "Qu'est-ce que Loc'Avantages ?")
    assert (await client.post(f"/v1/conversations/{kept}/handover", json={"consent": True}, headers=me)).status_code == 200

    # 31 days on, what was never handed over is gone; the handed-over one stays two years
    month_on = datetime.now(UTC) + timedelta(days=31)
    await delete_lapsed(app.state.sessionmaker, month_on, RetentionPolicy())
    left = {str(row.id) for row in await rows("SELECT id FROM conversations WHERE subject = :s", s=subject)}
    assert left == {kept}

    # the household's erasure takes the rest, and answers with its receipt
    request = uuid.uuid4()
    event = HouseholdErased(
        household_id=household, org_id=org, account_subject=subject, request_id=request, requested_by="household",
        erased_at=datetime.now(UTC),
    )  # fmt: skip
    await handled(app, event, datetime.now(UTC))
    assert await rows("SELECT 1 FROM conversations WHERE subject = :s", s=subject) == []
    assert await rows("SELECT 1 FROM households WHERE household_id = :h", h=household) == []
    receipts = await rows(
        "SELECT data FROM event_outbox WHERE event_type = 'abri.assistant.erasure.completed.v1' AND message_key = :h", h=str(household)
    )
    assert len(receipts) == 1 and receipts[0].data["request_id"] == str(request) and receipts[0].data["kept"] == []
    assert (await client.get(f"/v1/conversations/{kept}", headers=me)).status_code == 404
    del erased, lapsing


async def test_a_retried_question_is_answered_once_and_its_stored_answer_keeps_no_word(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    owner = bearer(issuer, f"owner-{uuid.uuid4().hex[:6]}", "owner")
    conversation = await started(client, owner)
    me = {**owner, "Idempotency-Key": str(uuid.uuid4())}
    text = "Qu'est-ce que l'intermédiation locative ?"
    first = await client.post(f"/v1/conversations/{conversation}/messages", json={"text": text}, headers=me)
    again = await client.post(f"/v1/conversations/{conversation}/messages", json={"text": text}, headers=me)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json() and first.json()["messages"][0]["text"] == text
    assert len(await rows("SELECT 1 FROM messages WHERE conversation_id = :id", id=conversation)) == 2
    stored = await rows("SELECT body::text AS body FROM idempotency_keys WHERE key = :k", k=me["Idempotency-Key"])
    assert stored and all("intermédiation" not in str(row.body) and "interm" not in str(row.body) for row in stored)
