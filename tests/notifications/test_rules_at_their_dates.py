"""Issue 18 through the real broker and database: an owner warned months ahead of a letting ban or of their
diagnosis's end, told why a rule returned their home to draft (and their own withdrawal as before), and a
sliding lease's review alerts and the owner's agreement to a slide told to the association and the owner.
The events are put on their topics as their producers would; the service's own consumer handles them; the
sender delivers the emails to an SMTP sink. Each party is told once, in their language."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from typing import Any

import pytest

from abri_bus.envelope import Envelope
from abri_contracts.listings import UnitDeadlineAnnounced, UnitSnapshot, UnitWithdrawn, WithdrawalReason
from abri_contracts.matching import SlideAgreed, SlidingReviewDue, SlidingReviewOverdue
from tests.notifications.support import Api, as_, rows, serve, unique
from tests.notifications.test_sender import Sink
from tests.notifications.test_sender import smtp as smtp
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import send_events, wait_until

pytestmark = pytest.mark.timeout(180)
FRANCE_RENOV = "https://france-renov.gouv.fr"


@pytest.fixture
async def service(issuer: TestIssuer, smtp: tuple[Sink, int]) -> AsyncIterator[Api]:
    """The service with its consumer on the broker and its sender on the SMTP sink."""
    _, port = smtp
    settings: dict[str, Any] = {
        "consumer_enabled": True, "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
        "mail_from": "no-reply@abri.test", "send_every_s": 0.2,
    }  # fmt: skip
    async with serve(issuer, **settings) as served:
        yield served


async def enrol(api: Api, headers: dict[str, str], language: str, email: str | None = None) -> None:
    prefs: dict[str, Any] = {"language": language, "channels": ["email"] if email else [], **({"email": email} if email else {})}
    assert (await api[1].put("/v1/me/preferences", json=prefs, headers=headers)).status_code == 200


async def inbox(api: Api, headers: dict[str, str], count: int) -> list[dict[str, Any]]:
    """The person's inbox once it holds ``count`` messages (newest first)."""
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        nonlocal found
        found = (await api[1].get("/v1/inbox", headers=headers)).json()["items"]
        return len(found) >= count

    await wait_until(arrived, timeout=90, what=f"{count} inbox messages")
    return found


async def emails_to(sink: Sink, address: str, count: int) -> list[Message]:
    async def arrived() -> bool:
        return len([m for m in sink.messages if m[1] == [address]]) >= count

    await wait_until(arrived, timeout=60, what=f"{count} emails to {address}")
    return [m[2] for m in sink.messages if m[1] == [address]]


def plain(email: Message) -> str:
    (part,) = [part for part in email.walk() if part.get_content_type() == "text/plain"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


def announced(owner: str, reason: str, deadline: date, **changes: Any) -> UnitDeadlineAnnounced:
    fields: dict[str, Any] = {
        "unit_id": uuid.uuid4(), "version": 3, "owner_id": owner, "reason": reason, "deadline": deadline,
        "energy_class": "F", "overseas": False, "announced_at": datetime.now(UTC),
    }  # fmt: skip
    return UnitDeadlineAnnounced(**(fields | changes))


def withdrawn(
    owner: str, reason: WithdrawalReason | None, rules: list[str] | None = None, unit: UnitSnapshot | None = None
) -> UnitWithdrawn:
    return UnitWithdrawn(
        unit_id=uuid.uuid4(), version=4, owner_id=owner, withdrawn_at=datetime.now(UTC), reason=reason, rules=rules or [], unit=unit
    )


def snapshot(owner: str, postal_code: str, commune: str, insee_code: str, departement: str) -> UnitSnapshot:
    """A unit as listings' events carry it (a real commune: its postal code, name, INSEE code)."""
    return UnitSnapshot(
        unit_id=uuid.uuid4(), version=4, owner_id=owner, postal_code=postal_code, insee_code=insee_code, departement=departement,
        latitude=14.6, longitude=-61.07, rooms=2, living_area_m2=40.0, floor=1, elevator=False, furnished=False, rent_cents=50_000,
        charges_cents=5_000, energy_class="G", schemes=["intermediated_letting"], available_from=date(2027, 6, 15),
        published_at=datetime(2027, 6, 1, 10, tzinfo=UTC), status="draft", commune=commune, overseas=departement.startswith("97"),
    )  # fmt: skip


async def test_an_owner_is_warned_months_ahead_in_their_language_once_with_what_they_can_do(
    service: Api, issuer: TestIssuer, smtp: tuple[Sink, int]
) -> None:
    sink, _ = smtp
    owner, address = unique("owner-ban"), f"{unique('ban')}@example.org"
    headers = as_(issuer, owner, "owner")
    await enrol(service, headers, "uk", address)
    ban = Envelope.of(announced(owner, "letting_ban", date(2028, 1, 1)))
    await send_events(ban, ban)  # delivered twice: told once

    (message,) = await inbox(service, headers, 1)
    assert message["template"] == "owner.letting_ban_announced" and message["language"] == "uk"
    assert "1 січня 2028" in message["text"] and "F" in message["text"] and FRANCE_RENOV in message["text"]
    assert "материкової Франції" in message["text"]  # the mainland calendar of the bans
    (email,) = await emails_to(sink, address, 1)
    assert "1 січня 2028" in plain(email) and FRANCE_RENOV in plain(email) and "MaPrimeRénov'" in plain(email)
    assert len(await rows("SELECT 1 FROM deliveries WHERE event_id = :e", e=ban.id)) == 1  # one email, no SMS asked for
    assert len((await service[1].get("/v1/inbox", headers=headers)).json()["items"]) == 1


async def test_a_diagnosis_ending_and_an_overseas_ban_are_told_in_their_words(service: Api, issuer: TestIssuer) -> None:
    owner = unique("owner-dpe")
    headers = as_(issuer, owner, "owner")
    await enrol(service, headers, "en")
    await send_events(
        announced(owner, "dpe_expired", date(2027, 6, 1), energy_class="D"),
        announced(owner, "letting_ban", date(2028, 1, 1), energy_class="G", overseas=True),
    )
    by_template = {message["template"]: message for message in await inbox(service, headers, 2)}  # in whatever order they came
    dpe, overseas = by_template["owner.dpe_expiry_announced"], by_template["owner.letting_ban_announced"]
    assert "no longer be valid from 1 June 2027" in dpe["text"] and "new DPE" in dpe["text"]
    assert "overseas départements" in overseas["text"]


@pytest.mark.parametrize(
    ("language", "named"),
    [
        ("fr", "Votre logement situé à Saint-Denis (97400) est de classe énergétique G"),
        ("en", "Your home in 97400 Saint-Denis is of energy class G"),
        ("ar", "مسكنك الواقع في Saint-Denis (97400) من فئة الطاقة G"),
        ("uk", "Ваше житло за адресою 97400 Saint-Denis має енергетичний клас G"),
    ],
)
async def test_an_announcement_names_the_home_in_the_owners_language(
    service: Api, issuer: TestIssuer, smtp: tuple[Sink, int], language: str, named: str
) -> None:
    sink, _ = smtp
    owner, address = unique("owner-named"), f"{unique('named')}@example.org"
    headers = as_(issuer, owner, "owner")
    await enrol(service, headers, language, address)
    home = {"postal_code": "97400", "commune": "Saint-Denis", "overseas": True, "energy_class": "G"}
    await send_events(announced(owner, "letting_ban", date(2028, 1, 1), **home))
    (message,) = await inbox(service, headers, 1)
    assert message["template"] == "owner.letting_ban_announced" and named in message["text"], message["text"]
    (email,) = await emails_to(sink, address, 1)
    assert named in plain(email)


async def test_an_older_announcement_without_the_home_says_your_home(service: Api, issuer: TestIssuer) -> None:
    owner = unique("owner-older")
    headers = as_(issuer, owner, "owner")
    await enrol(service, headers, "fr")
    await send_events(announced(owner, "dpe_expired", date(2027, 6, 1), energy_class="D"))  # listings before it named homes
    (message,) = await inbox(service, headers, 1)
    unnamed = "Le diagnostic de performance énergétique (DPE) de votre logement ne sera plus valide à partir du 1 juin 2027"
    assert message["text"].startswith(unnamed)


@pytest.mark.parametrize(
    ("reason", "rules", "template", "named"),
    [
        ("letting_ban", ["energy_letting_ban"], "owner.unit_returned_to_draft_ban", "Votre logement situé à Fort-de-France (97200) est"),
        ("dpe_expired", ["dpe_validity"], "owner.unit_returned_to_draft_dpe", "logement situé à Fort-de-France (97200) n'est plus"),
        ("rules", ["deposit_cap"], "owner.unit_returned_to_draft_rules", "Votre logement situé à Fort-de-France (97200) ne respecte plus"),
    ],
)
async def test_a_home_returned_to_draft_is_named_from_the_events_snapshot(
    service: Api, issuer: TestIssuer, reason: WithdrawalReason, rules: list[str], template: str, named: str
) -> None:
    owner = unique("owner-wdn")
    headers = as_(issuer, owner, "owner")
    await enrol(service, headers, "fr")
    await send_events(withdrawn(owner, reason, rules, snapshot(owner, "97200", "Fort-de-France", "97209", "972")))
    (message,) = await inbox(service, headers, 1)
    assert message["template"] == template and named in message["text"], message["text"]


@pytest.mark.parametrize(
    ("reason", "rules", "template", "words"),
    [
        (None, [], "owner.unit_withdrawn", "Votre logement a été retiré d'Abri"),  # an event from before the reason
        ("owner", [], "owner.unit_withdrawn", "Votre logement a été retiré d'Abri"),
        ("letting_ban", ["energy_letting_ban"], "owner.unit_returned_to_draft_ban", "loi 2021-1104"),
        ("dpe_expired", ["dpe_validity"], "owner.unit_returned_to_draft_dpe", "décret 2020-1610"),
        ("rules", ["deposit_cap", "minimum_size"], "owner.unit_returned_to_draft_rules", "le dépôt de garantie dépasse le plafond légal"),
    ],
)
async def test_a_withdrawn_unit_tells_its_owner_why_and_what_to_do(
    service: Api, issuer: TestIssuer, reason: WithdrawalReason | None, rules: list[str], template: str, words: str
) -> None:
    owner = unique("owner-wd")
    headers = as_(issuer, owner, "owner")
    await enrol(service, headers, "fr")
    await send_events(withdrawn(owner, reason, rules))
    (message,) = await inbox(service, headers, 1)
    assert message["template"] == template and words in message["text"]
    assert ("brouillon" in message["text"]) == (template != "owner.unit_withdrawn")


async def test_a_sliding_leases_review_and_the_owners_agreement_reach_the_association_and_the_owner(
    service: Api, issuer: TestIssuer, smtp: tuple[Sink, int]
) -> None:
    sink, _ = smtp
    org, owner, address = unique("assoc-sl"), unique("owner-sl"), f"{unique('sw')}@example.org"
    worker, stranger = as_(issuer, unique("sw-sl"), "social_worker", org), as_(issuer, unique("sw-x"), "social_worker", unique("o"))
    owner_headers = as_(issuer, owner, "owner")
    await enrol(service, worker, "ar", address)
    await enrol(service, stranger, "fr")
    await enrol(service, owner_headers, "fr")
    placement, unit, household = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    case = {"placement_id": placement, "unit_id": unit, "org_id": org, "household_id": household, "owner_id": owner}
    review_by, now = date(2027, 3, 1), datetime.now(UTC)
    due = Envelope.of(SlidingReviewDue(**case, next_review_by=review_by, days_left=30, alerted_at=now))
    await send_events(due, due)
    await send_events(SlidingReviewOverdue(**case, next_review_by=review_by, days_overdue=1, alerted_at=now + timedelta(days=31)))
    await send_events(SlideAgreed(**case, agreed_at=now + timedelta(days=40)))

    theirs = [m for m in await inbox(service, worker, 4) if m["template"] != "association.tell_household"]
    assert [m["template"] for m in theirs] == [
        "association.slide_agreed",
        "association.sliding_review_overdue",
        "association.sliding_review_due",
    ]
    assert all(m["language"] == "ar" and m["direction"] == "rtl" for m in theirs) and "1 مارس 2027" in theirs[2]["text"]
    mine = await inbox(service, owner_headers, 3)
    assert [m["template"] for m in mine] == ["owner.slide_agreed", "owner.sliding_review_overdue", "owner.sliding_review_due"]
    assert "au plus tard le 1 mars 2027" in mine[2]["text"]
    assert (await service[1].get("/v1/inbox", headers=stranger)).json()["items"] == []  # another association: nothing
    assert len(await emails_to(sink, address, 4)) == 4  # and the household's news to pass on (issue 20: it has no account here)
    assert len(await rows("SELECT 1 FROM deliveries WHERE event_id = :e", e=due.id)) == 1  # the worker's email, once
    kept = await rows("SELECT text, payload FROM deliveries WHERE event_id = :e", e=due.id)
    assert str(household) not in str([tuple(row) for row in kept])  # the household's id goes to no one
    assert str(household) not in str(mine + theirs)
