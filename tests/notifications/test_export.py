"""A household's export from notifications (GDPR art. 15 and 20): how it chose to be told, its addresses
(opened), its inbox and the e-mails sent to it, held under its own account; for the household itself or
its association only (anyone else 404, other roles 403). Matching's household event handed to the
handler as the consumer would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import FastAPI

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts.households import HouseholdConsentsChanged
from abri_notifications.events.households import on_consents_changed
from tests.notifications.support import Api, as_, execute, unique
from tests.notifications.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

ADDRESS = "export-marker-7Q4@example.org"


async def known_household(app: FastAPI, household_id: uuid.UUID, org: str, subject: str | None) -> None:
    event = HouseholdConsentsChanged(
        household_id=household_id, org_id=org, account_subject=subject, purposes=["matching", "notifications"], changed_at=datetime.now(UTC)
    )
    async with app.state.sessionmaker() as session, session.begin():
        await on_consents_changed(session, ReceivedEvent(Envelope.of(event), event, "abri.matching.household", 0, 0))


async def told(subject: str) -> None:
    """An inbox message and an e-mail for ``subject``, as the dispatcher leaves them."""
    now = datetime.now(UTC)
    common = {"event_type": "abri.matching.placement.proposed.v1", "template": "placement_proposed", "language": "fr", "at": now}
    await execute(
        "INSERT INTO inbox_messages (id, key, recipient, event_type, template, language, direction, subject, text, created_at) "
        "VALUES (:id, :key, :r, :event_type, :template, :language, 'ltr', 'Un logement vous est proposé', 'Bonjour', :at)",
        id=uuid.uuid4(), key=uuid.uuid4().hex, r=subject, **common,
    )  # fmt: skip
    await execute(
        "INSERT INTO deliveries (id, key, event_id, event_type, template, recipient, channel, language, subject, text, html, "
        "payload, status, attempts, next_attempt_at, sent_at, created_at) VALUES (:id, :key, :e, :event_type, :template, :r, "
        "'email', :language, 'Un logement vous est proposé', 'Bonjour', '<p>Bonjour</p>', '{}', 'sent', 1, :at, :at, :at)",
        id=uuid.uuid4(), key=uuid.uuid4().hex, e=str(uuid.uuid4()), r=subject, **common,
    )  # fmt: skip


async def test_the_household_and_its_association_export_what_is_held_under_its_account(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org, subject, household_id = unique("assoc-n"), unique("hh-n"), uuid.uuid4()
    person = as_(issuer, subject, "household", org)
    preferences = {"language": "uk", "channels": ["email"], "email": ADDRESS}
    assert (await client.put("/v1/me/preferences", json=preferences, headers=person)).status_code == 200
    await known_household(app, household_id, org, subject)
    await told(subject)

    url = f"/v1/households/{household_id}/export"
    answer = await client.get(url, headers=person)
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["service"] == "notifications" and document["schema_version"] == 1 and document["household_id"] == str(household_id)
    assert document["account_subject"] == subject
    assert document["preferences"]["email"] == ADDRESS and document["preferences"]["language"] == "uk"
    assert [message["template"] for message in document["inbox"]] == ["placement_proposed"]
    assert [(d["channel"], d["status"]) for d in document["deliveries"]] == [("email", "sent")]
    assert document["documents"] == []
    association = await client.get(url, headers=as_(issuer, unique("sw-n"), "social_worker", org))
    assert association.status_code == 200 and association.json()["preferences"]["email"] == ADDRESS


async def test_a_household_without_its_own_account_has_nothing_here_and_says_so(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org, household_id = unique("assoc-n"), uuid.uuid4()
    await known_household(app, household_id, org, None)
    answer = await client.get(f"/v1/households/{household_id}/export", headers=as_(issuer, unique("sw-n"), "social_worker", org))
    assert answer.status_code == 200, answer.text
    assert answer.json()["account_subject"] is None and answer.json()["preferences"] is None and answer.json()["inbox"] == []


async def test_no_one_else_exports_what_notifications_holds_about_a_household(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org, subject, household_id = unique("assoc-n"), unique("hh-n"), uuid.uuid4()
    await known_household(app, household_id, org, subject)
    await told(subject)
    url = f"/v1/households/{household_id}/export"
    assert (await client.get(url, headers=as_(issuer, unique("sw-z"), "social_worker", unique("assoc-z")))).status_code == 404
    assert (await client.get(url, headers=as_(issuer, unique("hh-z"), "household", org))).status_code == 404  # another household
    assert (await client.get(url, headers=as_(issuer, unique("owner"), "owner"))).status_code == 403
    assert (await client.get(url, headers=as_(issuer, unique("agent"), "fund_agent", "fund-n"))).status_code == 403
    assert (await client.get(f"/v1/households/{uuid.uuid4()}/export", headers=as_(issuer, subject, "household", org))).status_code == 404
