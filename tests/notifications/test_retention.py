"""Retention: deliveries, inbox messages and idle directory entries leave when their period is over
(real database, the service on a clock the test moves; the test's rows are dated years back, so that
the sweeps it runs reach only rows as old as its own)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from abri_bus.envelope import Envelope
from abri_contracts.matching import PlacementProposed
from abri_notifications.domain.retention import RetentionPolicy
from abri_notifications.retention import delete_lapsed
from tests.notifications.support import as_, handle, rows, serve, unique
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

pytestmark = pytest.mark.timeout(60)

START = datetime(2011, 3, 7, 9, 0, tzinfo=UTC)
"""Long before any other test's rows: a sweep at START plus a period reaches only rows this old."""


QUIET: dict[str, Any] = {"send_every_s": 3600.0, "digest_every_s": 3600.0, "retention_sweep_s": 3600.0}
"""The app's own jobs stay idle: the test runs the sweeps (the sender would lock deliveries meanwhile)."""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def proposed(owner: str, at: datetime) -> PlacementProposed:
    return PlacementProposed(
        placement_id=uuid.uuid4(),
        unit_id=uuid.uuid4(),
        org_id=unique("assoc"),
        owner_id=owner,
        household_size=2,
        resources_band="1,200 to 1,800 €",
        guarantee_required=False,
        proposed_at=at,
        answer_by=at + timedelta(days=7),
    )


async def counts(owner: str) -> tuple[int, int, int]:
    """(deliveries, inbox messages, directory entries) of ``owner``."""
    deliveries = await rows("SELECT count(*) FROM deliveries WHERE recipient = :o", o=owner)
    messages = await rows("SELECT count(*) FROM inbox_messages WHERE recipient = :o", o=owner)
    people = await rows("SELECT count(*) FROM people WHERE subject = :o", o=owner)
    return deliveries[0][0], messages[0][0], people[0][0]


async def test_each_kind_leaves_after_its_own_period_and_not_before(issuer: TestIssuer) -> None:
    clock = Clock()
    policy = RetentionPolicy()
    async with serve(issuer, clock=clock, **QUIET) as (app, client):
        owner = unique("owner-r")
        headers = as_(issuer, owner, "owner")
        choices = {"language": "fr", "channels": ["email"], "email": "r@example.org"}
        assert (await client.put("/v1/me/preferences", json=choices, headers=headers)).status_code == 200
        await handle(app, proposed(owner, START), envelope=Envelope.of(proposed(owner, START), time=START))
        assert await counts(owner) == (1, 1, 1)

        def at(days: int) -> datetime:
            return START + timedelta(days=days)

        # the person keeps using the service: their entry stays whatever the sweeps
        for day in (policy.delivery_days - 1, policy.delivery_days + 1, policy.inbox_days - 1, policy.inbox_days + 1):
            clock.now = at(day)
            assert (await client.get("/v1/inbox/unread", headers=headers)).status_code == 200  # seen today
            await delete_lapsed(app.state.sessionmaker, clock.now, policy)
            expected = (
                int(day < policy.delivery_days),  # the delivery's trace: 6 months
                int(day < policy.inbox_days),  # the message: 2 years
                1,
            )
            assert await counts(owner) == expected, day

        # then stops: the entry (and its sealed addresses) goes once idle for the period, not a day before
        last_seen = clock.now
        clock.now = last_seen + timedelta(days=policy.idle_person_days - 1)
        await delete_lapsed(app.state.sessionmaker, clock.now, policy)
        assert (await counts(owner))[2] == 1
        clock.now = last_seen + timedelta(days=policy.idle_person_days + 1)
        await delete_lapsed(app.state.sessionmaker, clock.now, policy)
        assert await counts(owner) == (0, 0, 0)


async def test_an_idle_persons_messages_and_pending_deliveries_go_with_them(issuer: TestIssuer) -> None:
    clock = Clock()
    policy = RetentionPolicy(delivery_days=3650, inbox_days=3650)  # only idleness can remove them here
    async with serve(issuer, clock=clock, **QUIET) as (app, client):
        owner = unique("owner-i")
        headers = as_(issuer, owner, "owner")
        choices = {"channels": ["email"], "email": "i@example.org"}
        assert (await client.put("/v1/me/preferences", json=choices, headers=headers)).status_code == 200
        later = START + timedelta(days=policy.idle_person_days - 10)  # still within the period when it happened
        await handle(app, proposed(owner, later), envelope=Envelope.of(proposed(owner, later), time=later))
        assert await counts(owner) == (1, 1, 1)
        clock.now = START + timedelta(days=policy.idle_person_days + 1)
        swept = await delete_lapsed(app.state.sessionmaker, clock.now, policy)
        assert swept.people >= 1
        assert await counts(owner) == (0, 0, 0)


async def test_replicas_sweeping_at_once_delete_each_row_once_in_small_batches(issuer: TestIssuer) -> None:
    clock = Clock()
    policy = RetentionPolicy()
    async with serve(issuer, clock=clock, **QUIET) as (app, client):
        owners = [unique("owner-b") for _ in range(5)]
        for owner in owners:
            choices = {"channels": ["email"], "email": "b@example.org"}
            assert (await client.put("/v1/me/preferences", json=choices, headers=as_(issuer, owner, "owner"))).status_code == 200
            for _ in range(3):
                await handle(app, proposed(owner, START), envelope=Envelope.of(proposed(owner, START), time=START))
        now = START + timedelta(days=policy.delivery_days + 1)
        results = await asyncio.gather(*(delete_lapsed(app.state.sessionmaker, now, policy, batch=2) for _ in range(3)))
        assert sum(r.deliveries for r in results) >= 15  # every one of them, each counted by one sweeper only
        for owner in owners:
            assert await counts(owner) == (0, 3, 1)  # their messages stay 2 years, and they were seen


def test_periods_are_sourced_defaults_and_refuse_nonsense() -> None:
    assert (RetentionPolicy().delivery_days, RetentionPolicy().inbox_days, RetentionPolicy().idle_person_days) == (180, 730, 730)
    with pytest.raises(ValueError, match="inbox_days"):
        RetentionPolicy(inbox_days=0)
