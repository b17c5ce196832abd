"""Issue 20: the household is told at each step that concerns it, in its language, on its channels, only with
its consent to be contacted (else its association is told to pass the news on), never with another person's
data; every message names its home and links to the page where its reader acts (real database)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts import EventContract
from abri_contracts.guarantees import GuaranteeApproved
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased, Purpose
from abri_contracts.listings import UnitPublished
from abri_contracts.matching import LeaseSigned, LeaseSlid, PlacementAccepted, PlacementDeclined, PlacementProposed, SlidingReviewDue
from abri_notifications.events.households import on_consents_changed, on_household_erased
from tests.notifications.support import Api, as_, execute, handle, rows, serve, unique
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

pytestmark = pytest.mark.timeout(90)
PUBLIC_URL = "https://abri.example.fr"
ARABIC_APARTMENT = "شقة في Lyon (69001)"


@pytest.fixture
async def api(issuer: TestIssuer) -> AsyncIterator[Api]:
    async with serve(issuer, public_url=PUBLIC_URL) as served:
        yield served


class Case:
    """One household, its association, a unit of an owner, a fund: the parties of one placement."""

    def __init__(self) -> None:
        self.household = uuid.uuid4()
        self.subject = unique("hh-sub")
        self.org, self.owner, self.fund = unique("assoc-h"), unique("owner-h"), unique("fund-h")
        self.unit, self.placement = uuid.uuid4(), uuid.uuid4()
        self.now = datetime.now(UTC)

    def ids(self, placement: uuid.UUID | None = None) -> dict[str, Any]:
        return {"placement_id": placement or self.placement, "unit_id": self.unit, "org_id": self.org, "household_id": self.household}

    def published(self) -> UnitPublished:
        return UnitPublished(
            unit_id=self.unit, version=1, owner_id=self.owner, postal_code="69001", insee_code="69381", departement="69",
            latitude=45.76, longitude=4.83, rooms=2, living_area_m2=40.0, floor=1, elevator=False, furnished=False,
            rent_cents=50_000, charges_cents=5_000, energy_class="C", schemes=["direct_lease"], available_from=date(2027, 1, 1),
            published_at=self.now, status="published", commune="Lyon", kind="apartment",
        )  # fmt: skip

    def steps(self) -> list[EventContract]:
        """Every step that concerns the household, in the order of a journey (a declined proposal apart)."""
        now = self.now
        return [
            PlacementProposed(
                **self.ids(), owner_id=self.owner, household_size=3, resources_band="1,200 to 1,800 €", guarantee_required=True,
                proposed_at=now, answer_by=now + timedelta(days=7),
            ),
            PlacementAccepted(**self.ids(), accepted_at=now),
            GuaranteeApproved(
                file_id=uuid.uuid4(), placement_id=self.placement, fund_id=self.fund, decided_at=now, org_id=self.org,
                max_rent_cents=80_000, valid_until=date(2027, 3, 1),
            ),  # no household_id: found through the placement
            LeaseSigned(**self.ids(), signed_at=now, lease_starts_on=date(2027, 2, 1)),
            SlidingReviewDue(**self.ids(), owner_id=self.owner, next_review_by=date(2027, 8, 1), days_left=30, alerted_at=now),
            LeaseSlid(**self.ids(), slid_at=now),
            PlacementDeclined(**self.ids(uuid.uuid4()), reason="prefers_another_proposal", declined_at=now),
        ]  # fmt: skip


STEPS = [
    "household.home_proposed",
    "household.owner_accepted",
    "household.guarantee_granted",
    "household.lease_signed",
    "household.sliding_review_due",
    "household.lease_slid",
    "household.owner_declined",
]


async def consents(app: Any, case: Case, purposes: list[Purpose], *, account: bool = True) -> None:
    """Matching's ``household.consents_changed``, handed to the service's handler as its consumer would."""
    event = HouseholdConsentsChanged(
        household_id=case.household,
        org_id=case.org,
        account_subject=case.subject if account else None,
        purposes=purposes,
        changed_at=app.state.clock(),
    )
    async with app.state.sessionmaker() as session, session.begin():
        await on_consents_changed(session, ReceivedEvent(Envelope.of(event), event, event.topic(), 0, 0), clock=app.state.clock)


async def walk(app: Any, case: Case) -> None:
    await handle(app, case.published())
    for event in case.steps():
        await handle(app, event, times=2)  # redelivered: told once all the same


async def test_a_household_that_consents_is_told_each_step_in_its_language_on_its_channels(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    case = Case()
    household = as_(issuer, case.subject, "household", case.org)
    prefs = {"language": "ar", "channels": ["email", "sms"], "email": "foyer@example.org", "phone": "+33612345678"}
    assert (await client.put("/v1/me/preferences", json=prefs, headers=household)).status_code == 200
    worker = as_(issuer, unique("sw-h"), "social_worker", case.org)
    assert (await client.get("/v1/me/preferences", headers=worker)).status_code == 200  # enrols
    await consents(app, case, ["matching", "notifications"])
    await walk(app, case)

    messages = list(reversed((await client.get("/v1/inbox", headers=household)).json()["items"]))
    assert [m["template"] for m in messages] == STEPS  # each step once, in order
    assert all(m["language"] == "ar" and m["direction"] == "rtl" for m in messages)
    assert all(m["link"] == "/household" for m in messages)
    proposed = messages[0]
    assert proposed["subject"] == "نقترح عليك مسكنًا" and ARABIC_APARTMENT in proposed["text"]  # the home named in words
    deliveries = await rows("SELECT template, channel, text FROM deliveries WHERE recipient = :r ORDER BY created_at", r=case.subject)
    assert {d.template for d in deliveries if d.channel == "email"} == set(STEPS)
    assert {d.template for d in deliveries if d.channel == "sms"} == {
        "household.home_proposed", "household.owner_accepted", "household.sliding_review_due"
    }  # fmt: skip
    email = next(d.text for d in deliveries if d.channel == "email" and d.template == "household.home_proposed")
    assert f"{PUBLIC_URL}/household" in email and ARABIC_APARTMENT in email  # links to its page, on the public address

    everything = " ".join([*(m["subject"] + m["text"] for m in messages), *(d.text for d in deliveries)])
    for someone_else in (case.owner, case.org, case.fund, str(case.unit), "1,200", "1 200", "1\u202f200", "800,00", "800"):
        assert someone_else not in everything  # never another person's data, nor the owner's or the fund's view
    assert "المالك" in everything  # the owner is named by the role, not the person
    passed = [m for m in (await client.get("/v1/inbox", headers=worker)).json()["items"] if m["template"] == "association.tell_household"]
    assert passed == []  # told itself: its association has nothing to pass on


@pytest.mark.parametrize("account", [True, False], ids=["without-consent", "without-account"])
async def test_a_household_that_cannot_be_told_is_told_through_its_association(api: Api, issuer: TestIssuer, account: bool) -> None:
    app, client = api
    case = Case()
    household = as_(issuer, case.subject, "household", case.org)
    assert (await client.put("/v1/me/preferences", json={"language": "uk", "channels": []}, headers=household)).status_code == 200
    worker = as_(issuer, unique("sw-p"), "social_worker", case.org)
    assert (await client.put("/v1/me/preferences", json={"language": "fr"}, headers=worker)).status_code == 200
    await consents(app, case, ["matching"], account=account)  # no consent to be told (or no account at all)
    await walk(app, case)

    assert (await client.get("/v1/inbox", headers=household)).json()["items"] == []  # nothing reaches the household itself
    assert await rows("SELECT 1 FROM deliveries WHERE recipient = :r", r=case.subject) == []
    items = (await client.get("/v1/inbox", params={"limit": 50}, headers=worker)).json()["items"]
    passed = [m for m in reversed(items) if m["template"] == "association.tell_household"]
    assert len(passed) == len(STEPS)  # once per step, besides the association's own message of the same event
    assert {m["template"] for m in items} >= {"association.placement_accepted", "association.lease_signed", "association.file_approved"}
    accepted = passed[1]
    assert accepted["subject"] == "Prévenez le ménage" and "le propriétaire a dit oui" in accepted["text"]
    assert "un appartement à Lyon (69001)" in accepted["text"]
    assert accepted["link"] == f"/association/placements/{case.placement}"


async def test_an_erased_household_is_told_nothing_more_nor_through_its_association(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    case = Case()
    worker = as_(issuer, unique("sw-e"), "social_worker", case.org)
    assert (await client.get("/v1/me/preferences", headers=worker)).status_code == 200  # enrols
    await consents(app, case, ["matching"])
    proposed, _, approved, *_ = case.steps()
    await handle(app, proposed)  # the placement's household is kept
    erased = HouseholdErased(
        household_id=case.household, org_id=case.org, account_subject=case.subject, request_id=uuid.uuid4(),
        requested_by="household", erased_at=app.state.clock(), placement_ids=[case.placement],
    )  # fmt: skip
    async with app.state.sessionmaker() as session, session.begin():
        await on_household_erased(session, ReceivedEvent(Envelope.of(erased), erased, erased.topic(), 0, 0), clock=app.state.clock)
    assert await rows("SELECT 1 FROM placement_orgs WHERE household_id = :h", h=case.household) == []
    await handle(app, approved)  # a decision that names only the placement
    review_due = next(e for e in case.steps() if isinstance(e, SlidingReviewDue))
    await handle(app, review_due)  # a later step that names the household itself
    assert await rows("SELECT 1 FROM placement_orgs WHERE household_id = :h", h=case.household) == []  # not linked again
    templates = [m["template"] for m in (await client.get("/v1/inbox", headers=worker)).json()["items"]]
    assert "association.file_approved" in templates  # the association's own news still comes
    assert templates.count("association.tell_household") == 1  # the proposal's news only, before the erasure


async def test_the_inbox_shows_each_message_in_the_language_the_page_asks_for(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    case = Case()
    owner = as_(issuer, case.owner, "owner")
    assert (await client.put("/v1/me/preferences", json={"language": "en"}, headers=owner)).status_code == 200
    await handle(app, case.published())
    await handle(app, case.steps()[0])
    as_stored = (await client.get("/v1/inbox", headers=owner)).json()["items"]
    proposal = next(m for m in as_stored if m["template"] == "owner.placement_proposed")
    assert proposal["subject"] == "A household is proposed to you" and proposal["language"] == "en"
    assert "The home: an apartment in Lyon (69001)" in proposal["text"] and proposal["link"] == "/owner/proposals"

    french = (await client.get("/v1/inbox", params={"lang": "fr"}, headers=owner)).json()["items"]
    proposal = next(m for m in french if m["template"] == "owner.placement_proposed")
    assert proposal["subject"] == "Un ménage vous est proposé" and proposal["language"] == "fr"
    assert "Le logement : un appartement à Lyon (69001)" in proposal["text"] and "1 200" in proposal["text"].replace("\u202f", " ")
    ukrainian = (await client.get("/v1/inbox", headers={**owner, "accept-language": "uk-UA,uk;q=0.9,en;q=0.5"})).json()["items"]
    assert all(m["language"] == "uk" for m in ukrainian) and any("квартира в Lyon (69001)" in m["text"] for m in ukrainian)
    arabic = (await client.get("/v1/inbox", params={"lang": "ar"}, headers=owner)).json()["items"]
    assert all(m["direction"] == "rtl" for m in arabic)
    assert (await client.get("/v1/inbox", params={"lang": "fr;drop"}, headers=owner)).status_code == 422  # not a language tag

    await execute(
        "INSERT INTO inbox_messages (id, key, recipient, event_type, template, language, direction, subject, text, created_at)"
        " VALUES (gen_random_uuid(), md5(random()::text), :r, 'abri.matching.placement.proposed.v1', 'owner.placement_proposed',"
        " 'en', 'ltr', 'Stored before', 'Stored text', now())",
        r=case.owner,
    )  # fmt: skip
    older = (await client.get("/v1/inbox", params={"lang": "fr"}, headers=owner)).json()["items"][0]
    assert (older["subject"], older["text"], older["language"]) == ("Stored before", "Stored text", "en")  # shown as stored


async def test_the_inbox_comes_in_pages_and_counts_every_unread_message(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    reader = unique("owner-many")
    headers = as_(issuer, reader, "owner")
    await execute(
        "INSERT INTO inbox_messages (id, key, recipient, event_type, template, language, direction, subject, text, created_at)"
        " SELECT gen_random_uuid(), md5(:r || n), :r, 'abri.test.v1', 'owner.unit_let', 'fr', 'ltr', 'Message ' || n, 'Texte',"
        " now() FROM generate_series(1, 205) AS n",
        r=reader,
    )  # fmt: skip
    assert (await client.get("/v1/inbox/unread", headers=headers)).json() == {"unread": 205}  # no cap at 200
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        page = (await client.get("/v1/inbox", params={"limit": 20, **({"cursor": cursor} if cursor else {})}, headers=headers)).json()
        assert len(page["items"]) <= 20
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 205
    first = (await client.get("/v1/inbox", params={"limit": 20, "lang": "fr"}, headers=headers)).json()
    then = await client.get("/v1/inbox", params={"limit": 20, "lang": "ar", "cursor": first["next_cursor"]}, headers=headers)
    assert then.status_code == 200 and then.json()["items"][0]["id"] == seen[20]  # a page read in another language goes on
    unread = await client.get("/v1/inbox", params={"limit": 20, "unread": "true", "cursor": first["next_cursor"]}, headers=headers)
    assert unread.status_code == 400  # a cursor of the whole list is not one of the unread messages
    assert (await client.get("/v1/inbox", params={"limit": 201}, headers=headers)).status_code == 422  # never more than 200 a page


async def test_an_event_handled_before_the_one_that_leads_to_its_household_waits_for_it(api: Api, issuer: TestIssuer) -> None:
    """Topics are read in no set order (a consumer lags on one while a replica is down): a fund's approval,
    which names only the placement, handled before matching's proposal, which names the household. The
    association is told of the approval at once; the household's news waits, and is passed on when the
    proposal arrives, dated as the approval happened, once (found by the system fault suite)."""
    app, client = api
    case = Case()
    worker_subject = unique("sw-o")
    worker = as_(issuer, worker_subject, "social_worker", case.org)
    assert (await client.get("/v1/me/preferences", headers=worker)).status_code == 200  # enrols
    await consents(app, case, ["matching"], account=False)
    proposed, _, approved, *_ = case.steps()
    approval = await handle(app, approved, times=2)

    async def passed_on() -> list[str]:
        found = await rows(
            "SELECT params->'step'->>'v' AS step FROM inbox_messages WHERE recipient = :r AND template = 'association.tell_household'",
            r=worker_subject,
        )
        return sorted(row.step for row in found)

    templates = [m["template"] for m in (await client.get("/v1/inbox", headers=worker)).json()["items"]]
    assert templates == ["association.file_approved"]  # its own news at once; the household's waits
    waiting = await rows("SELECT waits_for FROM awaiting_events WHERE event_id = :e", e=approval.id)
    assert [row.waits_for for row in waiting] == [f"placement_id:{case.placement}"]

    proposal = await handle(app, proposed)
    assert await passed_on() == ["household.guarantee_granted", "household.home_proposed"]
    assert await rows("SELECT 1 FROM awaiting_events WHERE event_id = :e", e=approval.id) == []
    items = (await client.get("/v1/inbox", headers=worker)).json()["items"]
    assert [m["template"] for m in items].count("association.file_approved") == 1  # told again, nothing twice
    await handle(app, proposed, envelope=proposal)  # redelivered: nothing more
    assert len(await passed_on()) == 2
