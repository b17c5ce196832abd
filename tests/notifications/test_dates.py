"""One clock: what a message tells of is dated by its event's own time (an event handled late, or
replayed from a dead-letter topic, keeps its date), when it is due by the service's clock; requests, the
sender and the digests read the service's clock too. A digest lists every message that arrived since
the last one, whatever its date."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from abri_bus.envelope import Envelope
from abri_kit.usecase import Context
from abri_notifications.db.repositories.people import People
from abri_notifications.usecases.digests import digest_for
from tests.notifications.support import as_, execute, handle, rows, serve, unique
from tests.notifications.test_dispatch import proposed
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

pytestmark = pytest.mark.timeout(60)
PARIS = ZoneInfo("Europe/Paris")
HAPPENED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HANDLED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a day later: 11:00 in Paris


async def test_a_late_event_keeps_its_date_and_is_due_from_when_it_is_handled(issuer: TestIssuer) -> None:
    async with serve(issuer, clock=lambda: HANDLED) as (app, client):
        owner = unique("owner-t")
        headers = as_(issuer, owner, "owner")
        always_quiet = {"language": "fr", "channels": ["email", "sms"], "email": "t@example.org", "phone": "+33612345678",
                        "quiet_start": "00:00:00", "quiet_end": "23:59:00"}  # fmt: skip
        assert (await client.put("/v1/me/preferences", json=always_quiet, headers=headers)).status_code == 200
        event = proposed(owner, unique("assoc"))
        late = await handle(app, event, envelope=Envelope.of(event, time=HAPPENED))

        message = (await client.get("/v1/inbox", headers=headers)).json()["items"][0]
        assert datetime.fromisoformat(message["created_at"]) == HAPPENED
        deliveries = await rows(
            "SELECT channel, created_at, next_attempt_at FROM deliveries WHERE event_id = :e ORDER BY channel", e=late.id
        )
        assert [(d.channel, d.created_at) for d in deliveries] == [("email", HAPPENED), ("sms", HAPPENED)]
        email, sms = deliveries
        assert email.next_attempt_at == HANDLED  # due when handled, not a day in the past
        assert sms.next_attempt_at == datetime(2026, 3, 2, 23, 59, tzinfo=PARIS)  # quiet hours judged when handled

        read = (await client.post(f"/v1/inbox/{message['id']}/read", headers=headers)).json()
        assert datetime.fromisoformat(read["read_at"]) == HANDLED
        worker = as_(issuer, unique("sw-t"), "social_worker", unique("assoc-t"))
        hook = (await client.post("/v1/webhooks", json={"url": "https://partner.example.org/t"}, headers=worker)).json()
        assert datetime.fromisoformat(hook["created_at"]) == HANDLED

        await execute("UPDATE deliveries SET status = 'failed' WHERE event_id = :e AND channel = 'sms'", e=late.id)
        failed = (await rows("SELECT id FROM deliveries WHERE event_id = :e AND channel = 'sms'", e=late.id))[0].id
        retried = (await client.post(f"/v1/ops/deliveries/{failed}/retry", headers=as_(issuer, "ops-t", "ops"))).json()
        assert datetime.fromisoformat(retried["next_attempt_at"]) == HANDLED


async def test_a_digest_lists_a_message_dated_before_the_last_digest_that_arrived_after_it(issuer: TestIssuer) -> None:
    async with serve(issuer) as (app, client):
        owner, org = unique("owner-dl"), unique("assoc-dl")
        headers = as_(issuer, owner, "owner")
        prefs = {"language": "en", "channels": ["email"], "email": "dl@example.org", "daily_digest": True, "digest_at": "18:00:00"}
        assert (await client.put("/v1/me/preferences", json=prefs, headers=headers)).status_code == 200

        async def digest(at: datetime) -> int:
            async with app.state.sessionmaker() as session, session.begin():
                ctx = Context.of_system(session, at)
                person = await People.for_system(ctx.uow).get(owner, for_update=True)
                return await digest_for(ctx, [person])

        first = proposed(owner, org)
        await handle(app, first, envelope=Envelope.of(first, time=datetime(2026, 5, 10, 8, 0, tzinfo=UTC)))
        assert await digest(datetime(2026, 5, 10, 16, 5, tzinfo=UTC)) == 1  # 18:05 in Paris
        late = proposed(owner, org)  # happened at 17:00 in Paris, handled after the 18:05 digest
        await handle(app, late, envelope=Envelope.of(late, time=datetime(2026, 5, 10, 15, 0, tzinfo=UTC)))
        assert await digest(datetime(2026, 5, 11, 16, 5, tzinfo=UTC)) == 1
        assert await digest(datetime(2026, 5, 12, 16, 5, tzinfo=UTC)) == 0  # nothing new: no digest
        digests = await rows("SELECT text FROM deliveries WHERE recipient = :r ORDER BY created_at", r=owner)
        assert len(digests) == 2 and all("(×" not in d.text for d in digests)  # each message in one digest only
