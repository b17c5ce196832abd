"""The assistant's read model of households' files in its own database (migrated): matching's household and
placement events and guarantees' file events, handed to the service's handlers, tell where a household's file
stands; an older event arriving late changes nothing; another account learns nothing of it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from abri_assistant.events import handlers
from abri_assistant.usecases.files import where_my_file_stands
from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts import EventContract
from abri_contracts import guarantees as g
from abri_contracts import matching as m
from abri_contracts.households import HouseholdConsentsChanged
from abri_kit.usecase import Context
from tests.support import database_url

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
async def sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = database_url("assistant")
    env = {**os.environ, "ABRI_ASSISTANT_DATABASE_URL": url}
    await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "abri_assistant.migrate"], env=env, cwd=REPO, check=True, timeout=120)
    engine = create_async_engine(url)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


async def handled(sessions: async_sessionmaker[AsyncSession], event: EventContract, at: datetime) -> None:
    async with sessions() as session, session.begin():
        await handlers()[type(event)](session, ReceivedEvent(Envelope.of(event, at), event, event.topic(), 0, 0))


async def stands(sessions: async_sessionmaker[AsyncSession], subject: str) -> tuple[str, str]:
    async with sessions() as session:
        answer = await where_my_file_stands(Context.of_system(session, T0), subject)
        return answer.stage, answer.next_step


async def test_the_events_tell_where_a_file_stands_and_a_late_one_changes_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    household, placement, unit, file = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    subject, org = f"person-{uuid.uuid4().hex[:8]}", "assoc-assistant"
    ids = {"placement_id": placement, "unit_id": unit, "org_id": org, "household_id": household}
    linked = HouseholdConsentsChanged(household_id=household, org_id=org, account_subject=subject, purposes=["matching"], changed_at=T0)
    await handled(sessions, linked, T0)
    assert await stands(sessions, subject) == ("searching", "association_proposes")
    assert await stands(sessions, "someone-else") == ("not_linked", "ask_association_for_invitation")

    proposed = m.PlacementProposed(
        **ids, owner_id="owner-x", household_size=2, resources_band="1,200 to 1,800 €", guarantee_required=True, proposed_at=T0,
        answer_by=T0 + timedelta(days=7),
    )  # fmt: skip
    await handled(sessions, proposed, T0 + timedelta(minutes=1))
    assert await stands(sessions, subject) == ("proposed", "owner_answers")
    await handled(sessions, m.GuaranteeRequested(**ids, requested_at=T0), T0 + timedelta(hours=1))
    assert await stands(sessions, subject) == ("guarantee_requested", "association_files_guarantee")
    submitted = g.GuaranteeFileSubmitted(
        file_id=file, placement_id=placement, fund_id="fund-x", org_id=org, submitted_at=T0, outcome="ineligible",
        failed_rules=["resources_documents"],
    )  # fmt: skip
    await handled(sessions, submitted, T0 + timedelta(hours=2))
    assert await stands(sessions, subject) == ("guarantee_ineligible", "association_completes_file")
    approved = g.GuaranteeApproved(
        file_id=file, placement_id=placement, fund_id="fund-x", decided_at=T0, max_rent_cents=60_000,
        valid_until=T0.date() + timedelta(days=90),
    )  # fmt: skip
    await handled(sessions, approved, T0 + timedelta(hours=3))
    assert await stands(sessions, subject) == ("guarantee_approved", "lease_signature")
    await handled(sessions, proposed, T0 + timedelta(minutes=1))  # redelivered late: older than what the row holds
    assert await stands(sessions, subject) == ("guarantee_approved", "lease_signature")
    signed = m.LeaseSigned(**ids, signed_at=T0, lease_starts_on=T0.date(), lease_type="sliding", signed_on=T0.date())
    await handled(sessions, signed, T0 + timedelta(days=1))
    assert await stands(sessions, subject) == ("lease_signed", "none")
    slid = m.LeaseSlid(**ids, slid_at=T0 + timedelta(days=400))
    await handled(sessions, slid, T0 + timedelta(days=400))
    assert await stands(sessions, subject) == ("slid", "none")
    ended = m.LeaseEnded(
        **ids, ended_on=T0.date() + timedelta(days=700), lease_starts_on=T0.date(), lease_type="sliding", slid=True,
        reason="social_housing", recorded_at=T0 + timedelta(days=701),
    )  # fmt: skip
    await handled(sessions, ended, T0 + timedelta(days=701))
    assert await stands(sessions, subject) == ("lease_ended", "tell_association_if_searching")
    await handled(sessions, ended, T0 + timedelta(days=701))  # redelivered: the same
    await handled(sessions, slid, T0 + timedelta(days=400))  # the slide arriving late changes nothing
    assert await stands(sessions, subject) == ("lease_ended", "tell_association_if_searching")
    again = m.PlacementProposed(
        placement_id=uuid.uuid4(), unit_id=uuid.uuid4(), org_id=org, household_id=household, owner_id="owner-y", household_size=2,
        resources_band="1,200 to 1,800 €", guarantee_required=False, proposed_at=T0 + timedelta(days=720),
        answer_by=T0 + timedelta(days=727),
    )  # fmt: skip
    await handled(sessions, again, T0 + timedelta(days=720))  # proposed for another home: that is the news now
    assert await stands(sessions, subject) == ("proposed", "owner_answers")
