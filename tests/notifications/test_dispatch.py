"""Events → the right people, on their channels, in their language, once (real database)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from abri_contracts.matching import PlacementAccepted, PlacementProposed, PlacementWithdrawn
from abri_kit.usecase import Context
from abri_notifications.digests import make_digests
from abri_notifications.usecases import inbox as inbox_usecases
from tests.notifications.support import Api, as_, execute, handle, rows, serve, unique
from tests.notifications.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

pytestmark = pytest.mark.timeout(60)


def proposed(owner: str, org: str, unit: uuid.UUID | None = None) -> PlacementProposed:
    now = datetime.now(UTC)
    return PlacementProposed(
        placement_id=uuid.uuid4(),
        unit_id=unit or uuid.uuid4(),
        org_id=org,
        owner_id=owner,
        household_size=3,
        resources_band="1,200 to 1,800 €",
        guarantee_required=True,
        proposed_at=now,
        answer_by=now + timedelta(days=7),
    )


async def test_an_owner_is_told_once_in_their_language_on_their_channels_and_sms_wait_for_quiet_hours(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    owner = unique("owner-n")
    headers = as_(issuer, owner, "owner")
    everything = {
        "language": "en",
        "channels": ["email", "sms"],
        "email": "owner@example.org",
        "phone": "+33612345678",
        "quiet_start": "00:00:00",
        "quiet_end": "23:59:00",  # always quiet: the SMS waits
    }
    assert (await client.put("/v1/me/preferences", json=everything, headers=headers)).status_code == 200
    envelope = await handle(app, proposed(owner, unique("assoc")), times=3)  # delivered three times by the broker

    inbox = (await client.get("/v1/inbox", headers=headers)).json()["items"]
    assert len(inbox) == 1 and inbox[0]["language"] == "en" and inbox[0]["template"] == "owner.placement_proposed"
    deliveries = await rows(
        "SELECT channel, status, next_attempt_at, text FROM deliveries WHERE event_id = :e ORDER BY channel", e=envelope.id
    )
    assert [d.channel for d in deliveries] == ["email", "sms"]
    email, sms = deliveries
    assert sms.next_attempt_at > datetime.now(UTC)  # deferred to the end of the quiet hours
    assert email.next_attempt_at <= datetime.now(UTC) + timedelta(seconds=5)
    assert "1,200" not in sms.text and "1 200" not in sms.text and "1\u202f200" not in sms.text  # no situation detail by SMS
    assert len(sms.text) <= 160
    assert "owner@example.org" not in str(deliveries) and "+33612345678" not in str(deliveries)  # addresses read at send time


async def test_an_associations_social_workers_and_its_webhooks_are_told_not_other_people(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org, other = unique("assoc-n"), unique("assoc-o")
    first, second = as_(issuer, unique("sw-a"), "social_worker", org), as_(issuer, unique("sw-b"), "social_worker", org)
    stranger, agent = as_(issuer, unique("sw-c"), "social_worker", other), as_(issuer, unique("agent"), "fund_agent", org)
    for headers in (first, second, stranger, agent):
        assert (await client.get("/v1/me/preferences", headers=headers)).status_code == 200  # each one enrols
    hook = await client.post("/v1/webhooks", json={"url": "https://partner.example.org/abri"}, headers=first)
    assert hook.status_code == 201
    event = PlacementAccepted(placement_id=uuid.uuid4(), unit_id=uuid.uuid4(), org_id=org, accepted_at=datetime.now(UTC))
    envelope = await handle(app, event, times=2)

    for headers, expected in ((first, 1), (second, 1), (stranger, 0), (agent, 0)):
        assert len((await client.get("/v1/inbox", headers=headers)).json()["items"]) == expected
    webhooks = await rows("SELECT recipient, payload FROM deliveries WHERE event_id = :e AND channel = 'webhook'", e=envelope.id)
    assert [w.recipient for w in webhooks] == [hook.json()["id"]]
    assert webhooks[0].payload.get("placement_id") == str(event.placement_id)


async def test_an_event_that_does_not_name_the_owner_finds_them_through_the_unit(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    owner, org, unit = unique("owner-v"), unique("assoc-v"), uuid.uuid4()
    await handle(app, proposed(owner, org, unit))
    withdrawn = PlacementWithdrawn(
        placement_id=uuid.uuid4(), unit_id=unit, org_id=org, reason="household_housed_elsewhere", withdrawn_at=datetime.now(UTC)
    )
    await handle(app, withdrawn)
    templates = [m["template"] for m in (await client.get("/v1/inbox", headers=as_(issuer, owner, "owner"))).json()["items"]]
    assert templates == ["owner.placement_withdrawn", "owner.placement_proposed"]
    texts = " ".join(m["text"] for m in (await client.get("/v1/inbox", headers=as_(issuer, owner, "owner"))).json()["items"])
    assert "housed elsewhere" not in texts and "logé" not in texts  # the association's reason is about the household: not told


async def test_the_inbox_marks_read_and_streams_new_messages_live(issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    started = asyncio.Event()
    follow_from = inbox_usecases.follow_from

    async def following(ctx: Context, last_seen: int | None) -> int:
        after = await follow_from(ctx, last_seen)
        started.set()  # the stream's starting point is fixed: what arrives now is new to it
        return after

    monkeypatch.setattr(inbox_usecases, "follow_from", following)
    async with serve(issuer, stream_poll_s=0.1, stream_max_s=1.5) as (app, client):
        owner = unique("owner-s")
        headers = as_(issuer, owner, "owner")
        await handle(app, proposed(owner, unique("assoc")))
        listening = asyncio.create_task(client.get("/v1/inbox/stream", headers=headers))
        await asyncio.wait_for(started.wait(), timeout=10)
        await handle(app, proposed(owner, unique("assoc")))  # arrives while the stream is open
        streamed = await listening
        assert streamed.status_code == 200 and streamed.headers["content-type"].startswith("text/event-stream")
        assert streamed.text.count("event: message") == 1  # only the new one: the stream starts from now
        messages = (await client.get("/v1/inbox", params={"unread": "true"}, headers=headers)).json()["items"]
        assert len(messages) == 2 and (await client.get("/v1/inbox/unread", headers=headers)).json() == {"unread": 2}
        read = await client.post(f"/v1/inbox/{messages[0]['id']}/read", headers=headers)
        assert read.status_code == 200 and read.json()["read_at"] is not None
        assert len((await client.get("/v1/inbox", params={"unread": "true"}, headers=headers)).json()["items"]) == 1
        assert (await client.get("/v1/inbox/unread", headers=headers)).json() == {"unread": 1}
        other = as_(issuer, unique("owner-x"), "owner")
        assert (await client.post(f"/v1/inbox/{messages[1]['id']}/read", headers=other)).status_code == 404
        resumed = await client.get("/v1/inbox/stream", headers={**headers, "last-event-id": str(messages[1]["seq"] - 1)})
        assert resumed.text.count("event: message") == 2  # reconnecting with Last-Event-ID gets what was missed
        assert (await client.get("/v1/inbox/stream", headers={**headers, "last-event-id": "x"})).status_code == 400


async def test_an_owner_who_chose_the_digest_gets_the_days_emails_as_one(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    owner, neighbour = unique("owner-d"), unique("owner-d")
    headers = as_(issuer, owner, "owner")
    prefs = {"language": "en", "channels": ["email"], "email": "d@example.org", "daily_digest": True, "digest_at": "18:00:00"}
    assert (await client.put("/v1/me/preferences", json=prefs, headers=headers)).status_code == 200
    assert (await client.put("/v1/me/preferences", json=prefs, headers=as_(issuer, neighbour, "owner"))).status_code == 200
    await execute("UPDATE people SET last_digest_at = now() - interval '2 minutes' WHERE subject IN (:s, :n)", s=owner, n=neighbour)
    for _ in range(2):
        await handle(app, proposed(owner, unique("assoc")))
    await handle(app, proposed(neighbour, unique("assoc")))
    assert await rows("SELECT 1 FROM deliveries WHERE recipient = :r", r=owner) == []  # no email per event
    assert len((await client.get("/v1/inbox", headers=headers)).json()["items"]) == 2  # the inbox as ever

    now = datetime.now(UTC)
    paris = now.astimezone(ZoneInfo("Europe/Paris"))
    due = (paris + timedelta(days=1)).replace(hour=18, minute=5, second=0, microsecond=0)  # tomorrow after 18:00 in Paris
    made = await make_digests(app.state.sessionmaker, due, batch=1, public_url="https://abri.example.fr/")
    assert made >= 2  # one person per batch: every batch is made
    assert await make_digests(app.state.sessionmaker, due + timedelta(hours=1)) == 0  # once a day
    assert len(await rows("SELECT 1 FROM deliveries WHERE recipient = :r", r=neighbour)) == 1
    digests = await rows("SELECT template, subject, text, language FROM deliveries WHERE recipient = :r", r=owner)
    assert len(digests) == 1 and digests[0].template == "owner.daily_digest" and digests[0].language == "en"
    assert "(×2)" in digests[0].text  # the same subject twice: one line with its count
    assert "Open in Abri: https://abri.example.fr/inbox" in digests[0].text  # the inbox on the web front (issue 20)


async def test_a_proposal_where_the_association_is_the_tenant_is_told_without_a_household_summary(api: Api, issuer: TestIssuer) -> None:
    """Issue 18: under intermediated letting or a sliding lease matching leaves out the household's size and
    resources band; the owner is told all the same (not a message with a hole in it, nor a dead letter)."""
    app, client = api
    owner = unique("owner-t")
    headers = as_(issuer, owner, "owner")
    assert (await client.put("/v1/me/preferences", json={"language": "en"}, headers=headers)).status_code == 200
    event = proposed(owner, unique("assoc")).model_copy(
        update={"household_size": None, "resources_band": None, "association_is_tenant": True}
    )
    await handle(app, event, times=2)
    (message,) = (await client.get("/v1/inbox", headers=headers)).json()["items"]
    assert message["template"] == "owner.placement_proposed_association_tenant"
    assert "the association is your tenant" in message["text"] and "Number of people" not in message["text"]
