"""Retention in matching: a household out of contact for 2 years is erased as if asked (``retention``),
not a day before, a later contact restarts its period, a running placement keeps it; closed placements
and the consent proofs of erased households go after the limitation period; replicas sweeping at once
erase each household once (real database and key store, the service on a clock the test moves; the test's
rows are dated years back, so that its sweeps reach only rows as old as its own)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from abri_kit.keystore import PersonalKeys
from abri_matching.domain.retention import RetentionPolicy, closed, still_followed, years_before
from abri_matching.main import create_app
from abri_matching.retention import sweep
from abri_matching.settings import INVENTORY_NAMESPACE, MatchingSettings
from abri_matching.usecases.inventory_sealing import new_key
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows, database_url, execute_sql, kafka_bootstrap

pytestmark = pytest.mark.timeout(90)

START = datetime(2010, 3, 7, 9, 0, tzinfo=UTC)
"""Long before any other test's rows: a sweep at START plus a period reaches only rows this old."""
POLICY = RetentionPolicy()
ERASED = "abri.matching.household.erased.v1"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def years(n: int, days: int = 0) -> datetime:
    """START moved ``n`` calendar years and ``days`` days on."""
    return START.replace(year=START.year + n) + timedelta(days=days)


@pytest.fixture
async def served(issuer: TestIssuer) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Clock]]:
    clock = Clock()
    settings = MatchingSettings(
        database_url=database_url("matching"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        consumer_enabled=False,
        expiry_sweep_s=3600.0,
        retention_sweep_s=3600.0,  # the app's own sweeper stays idle: the test runs the sweeps
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://matching") as http:
            yield app, http, clock


def worker(issuer: TestIssuer, org: str) -> dict[str, str]:
    return {"authorization": f"Bearer {issuer.token(sub='sw-retention', roles=['social_worker'], org_id=org)}"}


async def register(client: httpx.AsyncClient, headers: dict[str, str], at: datetime) -> str:
    consent = {"purpose": "matching", "notice_version": "2010-01", "consented_at": at.isoformat()}
    record = {
        "reference": f"RT-{uuid.uuid4().hex[:8]}",
        "adults": 1,
        "children": 2,
        "resources_cents": 150_000,
        "housing_benefit_cents": 30_000,
        "needs": {"step_free_access": False, "ground_floor": False, "min_bedrooms": 2},
        "wanted": {"communes": ["34172"]},
        "registered_since": at.date().isoformat(),
        "identity": {"first_name": "Oublia", "last_name": "Retentionova", "email": "oublia@example.org"},
        "consent": consent,
    }
    created = await client.post("/v1/households", json=record, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def placement(household_id: str, org: str, status: str, steps: list[datetime], lease_type: str | None = None) -> uuid.UUID:
    """A placement of the household in ``status`` whose steps were made at ``steps`` (the journey's own
    rules are tested elsewhere: here only its status and dates matter)."""
    placement_id = uuid.uuid4()
    ended = status in ("declined", "expired", "withdrawn", "guarantee_rejected")
    await execute_sql(
        "matching",
        "INSERT INTO placements (id, org_id, household_id, unit_id, owner_id, scheme, status, version, guarantee_required,"
        " proposed_by, proposed_at, answer_by, lease_type, ready_to_slide, ended_at, end_reason)"
        " VALUES (:id, :org, :household, :unit, 'owner-retention', 'intermediated_letting', :status, 1, false,"
        " 'sw-retention', :first, :answer_by, :lease_type, false, :ended_at, :end_reason)",
        id=placement_id, org=org, household=uuid.UUID(household_id), unit=uuid.uuid4(), status=status, first=steps[0],
        answer_by=steps[0] + timedelta(days=7), lease_type=lease_type, ended_at=steps[-1] if ended else None,
        end_reason=status if ended else None,
    )  # fmt: skip
    for at in steps:
        await execute_sql(
            "matching",
            "INSERT INTO placement_steps (placement_id, step, from_status, to_status, actor, actor_role, at)"
            " VALUES (:p, 'note', NULL, :status, 'sw-retention', 'social_worker', :at)",
            p=placement_id, status=status, at=at,
        )  # fmt: skip
    return placement_id


async def erased_by_retention(household_id: str, at: datetime | None = None) -> bool:
    """Whether the household was erased (at ``at``, when given): archived, with one erasure request, by retention,
    and one ``household.erased`` event; False while it is not erased, with no request and no event."""
    household = uuid.UUID(household_id)
    requests = await count_rows("matching", "SELECT count(*) FROM household_erasures WHERE household_id = :h", h=household)
    events = await count_rows(
        "matching", "SELECT count(*) FROM event_outbox WHERE message_key = :k AND event_type = :t", k=household_id, t=ERASED
    )
    if await count_rows("matching", "SELECT count(*) FROM households WHERE id = :h AND erased_at IS NULL", h=household):
        assert requests == 0 and events == 0, "a household is erased with its request and its event, or not at all"
        return False
    assert await count_rows("matching", "SELECT count(*) FROM households WHERE id = :h AND status = 'archived'", h=household) == 1
    if at is not None:
        assert await count_rows("matching", "SELECT count(*) FROM households WHERE id = :h AND erased_at = :at", h=household, at=at) == 1
    by_retention = "SELECT count(*) FROM household_erasures WHERE household_id = :h AND requested_by = 'retention'"
    assert requests == 1 and await count_rows("matching", by_retention, h=household) == 1 and events == 1, "one request, one event"
    return True


async def test_a_household_out_of_contact_is_erased_everywhere_after_two_years_not_a_day_before(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    org = f"assoc-rt-{uuid.uuid4().hex[:8]}"
    headers = worker(issuer, org)
    household_id = await register(client, headers, START)

    clock.now = years(POLICY.household_years, days=-1)
    await sweep(app.state.sessionmaker, clock.now, POLICY)
    assert not await erased_by_retention(household_id)
    assert (
        await count_rows("matching", "SELECT count(*) FROM households WHERE id = :h AND personal IS NOT NULL", h=uuid.UUID(household_id))
        == 1
    )

    clock.now = years(POLICY.household_years, days=1)
    swept = await sweep(app.state.sessionmaker, clock.now, POLICY)
    assert swept.households >= 1
    assert await erased_by_retention(household_id, at=clock.now)
    told = (
        "SELECT count(*) FROM event_outbox WHERE message_key = :k AND event_type = :t"
        " AND data->>'requested_by' = 'retention' AND data::text NOT LIKE '%Oublia%'"
    )
    assert await count_rows("matching", told, k=household_id, t=ERASED) == 1  # every service erases its copies and answers
    assert (
        await count_rows("matching", "SELECT count(*) FROM households WHERE id = :h AND personal IS NULL", h=uuid.UUID(household_id)) == 1
    )
    assert (await client.get(f"/v1/households/{household_id}/personal-data?purpose=contact", headers=headers)).status_code == 410
    state = (await client.get(f"/v1/households/{household_id}/erasure", headers=headers)).json()
    assert state["requested_by"] == "retention" and {s["service"]: s["state"] for s in state["services"]}["matching"] == "completed"

    await sweep(app.state.sessionmaker, years(POLICY.household_years + 1), POLICY)  # a later sweep does not erase it again
    assert await erased_by_retention(household_id, at=clock.now)


async def test_a_later_contact_restarts_the_period(served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer) -> None:
    app, client, clock = served
    org = f"assoc-rt-{uuid.uuid4().hex[:8]}"
    headers = worker(issuer, org)
    by_consent, by_step = await register(client, headers, START), await register(client, headers, START)

    clock.now = years(1)  # a year on, one consents to being told; the other's placement takes a step
    consent = {"purpose": "notifications", "notice_version": "2011-01", "consented_at": clock.now.isoformat()}
    recorded = await client.post(f"/v1/households/{by_consent}/consents", json=consent, headers=headers)
    assert recorded.status_code == 201, recorded.text
    await placement(by_step, org, "declined", [START + timedelta(days=30), clock.now])

    await sweep(app.state.sessionmaker, years(POLICY.household_years, days=1), POLICY)
    assert not await erased_by_retention(by_consent) and not await erased_by_retention(by_step)
    await sweep(app.state.sessionmaker, years(1 + POLICY.household_years, days=-1), POLICY)
    assert not await erased_by_retention(by_consent) and not await erased_by_retention(by_step)
    await sweep(app.state.sessionmaker, years(1 + POLICY.household_years, days=1), POLICY)
    assert await erased_by_retention(by_consent)
    assert await erased_by_retention(by_step)


async def test_a_running_placement_keeps_its_household(served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer) -> None:
    app, client, _ = served
    org = f"assoc-rt-{uuid.uuid4().hex[:8]}"
    headers = worker(issuer, org)
    awaiting, sliding, signed = [await register(client, headers, START) for _ in range(3)]
    awaiting_id = await placement(awaiting, org, "awaiting_guarantee", [START])
    await placement(sliding, org, "lease_signed", [START], lease_type="sliding")  # joint reviews go on: still followed
    await placement(signed, org, "lease_signed", [START], lease_type="direct")  # the journey ended at the signature

    await sweep(app.state.sessionmaker, years(POLICY.household_years + 3), POLICY)
    assert not await erased_by_retention(awaiting) and not await erased_by_retention(sliding)
    assert await erased_by_retention(signed)

    # once its placement has fallen through, the household's period runs from that last step
    await execute_sql(
        "matching", "UPDATE placements SET status = 'guarantee_rejected', ended_at = :at WHERE id = :p", at=START, p=awaiting_id
    )
    await sweep(app.state.sessionmaker, years(POLICY.household_years + 3), POLICY)
    assert await erased_by_retention(awaiting)
    assert not await erased_by_retention(sliding)


async def test_replicas_sweeping_at_once_erase_each_household_once(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, _ = served
    orgs = [f"assoc-rt-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    households = [await register(client, worker(issuer, orgs[i % 2]), START) for i in range(6)]
    now = years(POLICY.household_years, days=1)
    results = await asyncio.gather(*(sweep(app.state.sessionmaker, now, POLICY, batch=2) for _ in range(3)))
    assert sum(result.households for result in results) >= len(households)  # each counted by one sweeper only
    for household_id in households:
        assert await erased_by_retention(household_id), household_id  # one request, one event


async def test_closed_placements_and_consent_proofs_go_after_the_limitation_period(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, _ = served
    org = f"assoc-rt-{uuid.uuid4().hex[:8]}"
    household_id = await register(client, worker(issuer, org), START)
    withdrawn = await placement(household_id, org, "withdrawn", [START, START + timedelta(days=3)])
    last_step = START + timedelta(days=3)

    async def count(table: str, column: str, value: uuid.UUID) -> int:
        return await count_rows("matching", f"SELECT count(*) FROM {table} WHERE {column} = :v", v=value)  # noqa: S608 (the test's own names)

    erased_at = years(POLICY.household_years, days=4)  # its placement's last step was a contact
    await sweep(app.state.sessionmaker, erased_at - timedelta(days=2), POLICY)
    assert not await erased_by_retention(household_id)
    await sweep(app.state.sessionmaker, erased_at, POLICY)  # erased; its placement and consents stay as evidence
    assert await erased_by_retention(household_id)
    assert await count("placements", "id", withdrawn) == 1
    assert await count("consents", "household_id", uuid.UUID(household_id)) == 1

    await sweep(app.state.sessionmaker, last_step.replace(year=last_step.year + POLICY.placement_years) - timedelta(days=1), POLICY)
    assert await count("placements", "id", withdrawn) == 1
    await sweep(app.state.sessionmaker, last_step.replace(year=last_step.year + POLICY.placement_years) + timedelta(days=1), POLICY)
    assert await count("placements", "id", withdrawn) == 0
    assert await count("placement_steps", "placement_id", withdrawn) == 0
    assert await count("consents", "household_id", uuid.UUID(household_id)) == 1  # counted from the erasure

    await sweep(app.state.sessionmaker, erased_at.replace(year=erased_at.year + POLICY.consent_proof_years) - timedelta(days=1), POLICY)
    assert await count("consents", "household_id", uuid.UUID(household_id)) == 1
    await sweep(app.state.sessionmaker, erased_at.replace(year=erased_at.year + POLICY.consent_proof_years) + timedelta(days=1), POLICY)
    assert await count("consents", "household_id", uuid.UUID(household_id)) == 0
    assert await erased_by_retention(household_id)  # the household's row and request stay


async def inventory(
    placement_id: uuid.UUID, household_id: str, kind: str, made_on: datetime, app: FastAPI, signed: bool = True
) -> uuid.UUID:
    """An inventory of the placement made on ``made_on``'s day (signed by both that day, or a draft), with its own key
    in the key store (its content is not this test's subject)."""
    inventory_id = uuid.uuid4()
    await new_key(app.state.keyring, inventory_id)
    await execute_sql(
        "matching",
        "INSERT INTO inventories (id, placement_id, org_id, owner_id, household_id, kind, made_on, content, content_sha256,"
        " landlord_signed_at, household_signed_at, created_by, created_at, updated_at, version) VALUES (:id, :p, 'assoc-rt',"
        " 'owner-retention', :h, :kind, :day, :c, :sha, :signed, :signed, 'owner-retention', :at, :at, 1)",
        id=inventory_id, p=placement_id, h=uuid.UUID(household_id), kind=kind, day=made_on.date(), c=b"sealed", sha="0" * 64, at=made_on,
        signed=made_on if signed else None,
    )  # fmt: skip
    return inventory_id


async def test_a_leases_inventories_keep_its_placement_while_it_runs_and_three_years_after_the_move_out(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, _ = served
    org = f"assoc-rt-{uuid.uuid4().hex[:8]}"
    household_id = await register(client, worker(issuer, org), START)
    signed = await placement(household_id, org, "lease_signed", [START], lease_type="direct")
    move_in = await inventory(signed, household_id, "move_in", START, app)
    keys = PersonalKeys(app.state.keyring.in_namespace(INVENTORY_NAMESPACE))

    async def kept() -> bool:
        return bool(await count_rows("matching", "SELECT count(*) FROM placements WHERE id = :v", v=signed))

    await sweep(app.state.sessionmaker, years(POLICY.placement_years + 1), POLICY)  # past the placement's own period
    assert await kept()  # a move-in without a move-out: the lease runs
    moved_out = years(POLICY.placement_years + 2)
    move_out = await inventory(signed, household_id, "move_out", moved_out, app)
    deposit_due = moved_out.replace(month=moved_out.month + 2)  # START is in March: May, the deposit's last day (art. 22)
    three_years_on = deposit_due.replace(year=deposit_due.year + POLICY.inventory_years)
    await sweep(app.state.sessionmaker, three_years_on - timedelta(days=1), POLICY)
    assert await kept() and await keys.find(str(move_in)) is not None
    await sweep(app.state.sessionmaker, three_years_on + timedelta(days=1), POLICY)
    assert not await kept()
    assert await count_rows("matching", "SELECT count(*) FROM inventories WHERE placement_id = :v", v=signed) == 0
    assert await keys.find(str(move_in)) is None and await keys.find(str(move_out)) is None  # shredded with them


async def test_without_a_signed_move_out_the_leases_last_term_bounds_its_inventories_and_a_draft_keeps_nothing(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, _ = served
    org = f"assoc-rt-{uuid.uuid4().hex[:8]}"
    household_id = await register(client, worker(issuer, org), START)
    ended = await placement(household_id, org, "lease_signed", [START], lease_type="direct")
    term_end = years(3).date()
    await execute_sql("matching", "UPDATE placements SET lease_term_ends_on = :d WHERE id = :p", d=term_end, p=ended)
    await inventory(ended, household_id, "move_in", START, app)
    await inventory(ended, household_id, "move_out", years(4), app, signed=False)  # begun, never signed: a draft
    drafted = await placement(household_id, org, "lease_signed", [START], lease_type="direct")
    await inventory(drafted, household_id, "move_in", START, app, signed=False)

    async def kept(placement_id: uuid.UUID) -> bool:
        return bool(await count_rows("matching", "SELECT count(*) FROM placements WHERE id = :v", v=placement_id))

    last_day = datetime.combine(term_end, START.timetz()).replace(year=term_end.year + POLICY.inventory_years)
    last_day = last_day.replace(month=last_day.month + 2)  # the term ends in March: May, 3 years on
    await sweep(app.state.sessionmaker, years(POLICY.placement_years, days=1), POLICY)
    assert await kept(ended) and not await kept(drafted)  # a draft kept nothing past the placement's own period
    await sweep(app.state.sessionmaker, last_day - timedelta(days=1), POLICY)
    assert await kept(ended)
    await sweep(app.state.sessionmaker, last_day + timedelta(days=1), POLICY)
    assert not await kept(ended)


@pytest.mark.unit
def test_periods_are_sourced_defaults_in_calendar_years_and_refuse_nonsense() -> None:
    assert (POLICY.household_years, POLICY.placement_years, POLICY.consent_proof_years) == (2, 5, 5)
    assert years_before(datetime(2028, 2, 29, tzinfo=UTC), 2) == datetime(2026, 2, 28, tzinfo=UTC)
    assert POLICY.contact_before(datetime(2026, 12, 5, tzinfo=UTC)) == datetime(2024, 12, 5, tzinfo=UTC)
    assert still_followed("proposed", None) and still_followed("lease_signed", "sliding") and not still_followed("slid", "sliding")
    assert closed("lease_signed", "direct") and closed("withdrawn", None) and not closed("lease_signed", "sliding")
    assert not closed("accepted", None)
    with pytest.raises(ValueError, match="household_years"):
        RetentionPolicy(household_years=0)

    def configured(retention: dict[str, int]) -> MatchingSettings:
        return MatchingSettings(
            database_url="postgresql+asyncpg://unused/matching", kafka_bootstrap_servers="unused:9092", retention=retention
        )

    assert configured({"household_years": 3}).retention_policy().household_years == 3
    with pytest.raises(ValueError, match="placement_years"):
        configured({"placement_years": 40}).retention_policy()
