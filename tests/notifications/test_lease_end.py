"""A lease's end through the real broker, database and SMTP sink: the owner learns it once, from listings'
``unit.lease_ended`` (the unit back to draft), in their language, in the inbox and by e-mail, with what to do
(check and publish again); never why the lease ended, nor anything of the household, though matching's
``placement.lease_ended`` (its coded reason, the household's pseudonymous id) travels on a topic the service
consumes too."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from babel.dates import format_date

from abri_bus.envelope import Envelope
from abri_contracts.listings import UnitLeaseEnded
from abri_contracts.matching import LeaseEnded
from tests.notifications.support import Api, as_, rows, unique
from tests.notifications.test_rules_at_their_dates import emails_to, enrol, inbox, plain, snapshot
from tests.notifications.test_rules_at_their_dates import service as service
from tests.notifications.test_sender import Sink
from tests.notifications.test_sender import smtp as smtp
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import send_events

pytestmark = pytest.mark.timeout(180)
ENDED_ON = date(2027, 6, 30)
DRAFT_WORDS = {"fr": "repasse en brouillon", "en": "back to draft", "ar": "عاد مسكنك إلى المسودة", "uk": "повернуто до чернеток"}
PUBLISH_AGAIN = {"fr": "publiez-le à nouveau", "en": "publish it again", "ar": "انشره من جديد", "uk": "знову опублікуйте"}
REASON_WORDS = ("eviction", "expulsion", "death", "décès", "social_housing", "logement social")


def ended(owner: str, placement: uuid.UUID, household: uuid.UUID) -> tuple[LeaseEnded, UnitLeaseEnded]:
    """Matching's event and listings' echo of it, for one unit of ``owner``."""
    unit = snapshot(owner, "97400", "Saint-Denis", "97411", "974")
    matching = LeaseEnded(
        placement_id=placement, unit_id=unit.unit_id, org_id="assoc-end", household_id=household, ended_on=ENDED_ON,
        lease_starts_on=date(2025, 2, 1), lease_type="sliding", slid=True, reason="eviction", recorded_at=datetime.now(UTC),
    )  # fmt: skip
    listings = UnitLeaseEnded(**unit.model_dump(), placement_id=placement, ended_on=ENDED_ON)
    return matching, listings


@pytest.mark.parametrize("language", ["fr", "en", "ar", "uk"])
async def test_the_owner_learns_once_in_their_language_that_the_lease_ended_and_what_to_do_never_why(
    service: Api, issuer: TestIssuer, smtp: tuple[Sink, int], language: str
) -> None:
    sink, _ = smtp
    owner, address, household = unique("owner-end"), f"{unique('end')}@example.org", uuid.uuid4()
    headers = as_(issuer, owner, "owner")
    await enrol(service, headers, language, address)
    matching, listings = ended(owner, uuid.uuid4(), household)
    echo = Envelope.of(listings)
    await send_events(matching, echo, echo)  # listings' echo delivered twice: told once

    (message,) = await inbox(service, headers, 1)
    assert message["template"] == "owner.unit_lease_ended" and message["language"] == language
    assert message["link"] == f"/owner/units/{listings.unit_id}"
    day = format_date(ENDED_ON, format="long", locale={"fr": "fr_FR", "en": "en_GB", "ar": "ar", "uk": "uk_UA"}[language])
    (email,) = await emails_to(sink, address, 1)
    for text in (message["text"], plain(email)):
        assert day in text and DRAFT_WORDS[language] in text and PUBLISH_AGAIN[language] in text and "97400" in text
        assert not any(word in text for word in REASON_WORDS) and str(household) not in text
    assert [d.channel for d in await rows("SELECT channel FROM deliveries WHERE recipient = :o", o=owner)] == ["email"]
    assert not await rows("SELECT 1 FROM deliveries WHERE text LIKE :h OR payload::text LIKE :h", h=f"%{household}%")
    stored = await rows("SELECT params FROM inbox_messages WHERE recipient = :o", o=owner)
    assert len(stored) == 1 and "reason" not in stored[0].params and str(household) not in str(stored[0].params)
    assert len((await service[1].get("/v1/inbox", headers=headers)).json()["items"]) == 1
