"""Insights on its own PostgreSQL database, from the events of journeys handed to its handler: an association's
and a fund's reports for their members only (anyone else 404), the platform's and a département's for anyone;
small populations hidden ("< 11", and one more cell where the total would give it away), quartiles only over
11 journeys, claims per guarantee only when both counts show; the open-data CSV says the same; bad months 422."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI

from abri_contracts import guarantees as g
from abri_contracts import matching as m
from abri_kit.calendar import day_in_france
from tests.insights.support import Api, handled, serve
from tests.oidc_issuer import TestIssuer

NOW = datetime.now(UTC)
MONTH = f"{day_in_france(NOW):%Y-%m}"
"""The month of ``NOW`` in France, where the reports count it (UTC is still on the month before at 00:30 on a 1st)."""


@pytest.fixture(scope="module")
async def api(issuer: TestIssuer) -> AsyncIterator[Api]:
    async with serve(issuer) as served:
        yield served


def ids(org: str) -> dict[str, object]:
    return {"placement_id": uuid.uuid4(), "unit_id": uuid.uuid4(), "org_id": org, "household_id": uuid.uuid4(), "departement": "34"}


async def proposals(app: FastAPI, org: str, waits: list[int]) -> None:
    for days in waits:
        proposed = m.PlacementProposed(
            **ids(org), owner_id="owner-x", household_size=None, resources_band=None, guarantee_required=True, proposed_at=NOW,
            answer_by=NOW + timedelta(days=7), days_since_registration=days,
        )  # fmt: skip
        await handled(app, proposed, NOW)


async def test_an_association_sees_its_counts_small_ones_hidden_and_no_one_else_sees_them(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org = f"assoc-{uuid.uuid4().hex[:8]}"
    await proposals(app, org, list(range(10, 22)))  # 12 journeys: 10 to 21 days
    for _ in range(3):
        await handled(app, m.PlacementDeclined(**ids(org), reason="guarantee_insufficient", declined_at=NOW), NOW)
    for _ in range(14):
        await handled(app, m.PlacementAccepted(**ids(org), accepted_at=NOW), NOW)
    worker = {"Authorization": f"Bearer {issuer.token(sub='sw-1', roles=['social_worker'], org_id=org)}"}
    answer = await client.get(f"/v1/insights/associations/{org}", headers=worker)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["first_month"] <= MONTH == report["last_month"] and report["threshold"] == 11
    wait = report["durations"]["registration_to_proposal_days"]
    assert wait["journeys"] == {"count": 12, "shown": "12"}
    assert (wait["first_quartile_days"], wait["median_days"], wait["third_quartile_days"]) == (12, 15, 18)
    outcomes = report["breakdowns"]["proposal_outcomes"]
    assert outcomes["declined:guarantee_insufficient"]["shown"] == "< 11" and outcomes["accepted"]["shown"] == "14"
    assert outcomes["proposed"]["shown"] == "< 11", "the one hidden cell takes the smallest other with it (12 proposed)"
    assert report["durations"]["registration_to_lease_days"]["journeys"]["shown"] == "< 11"
    assert report["durations"]["registration_to_lease_days"]["median_days"] is None

    exported = await client.get(f"/v1/insights/associations/{org}", params={"form": "csv"}, headers=worker)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    records = list(csv.DictReader(io.StringIO(exported.text)))
    assert {"measure": "proposal_outcomes", "value": "declined:guarantee_insufficient", "count": "< 11"}.items() <= next(
        r for r in records if r["value"] == "declined:guarantee_insufficient"
    ).items()
    assert all(r["scope"] == "association" and r["scope_id"] == org for r in records)

    for stranger in (
        issuer.token(sub="sw-2", roles=["social_worker"], org_id=f"other-{org}"),
        issuer.token(sub="fa-1", roles=["fund_agent"], org_id=org),
    ):
        refused = await client.get(f"/v1/insights/associations/{org}", headers={"Authorization": f"Bearer {stranger}"})
        assert refused.status_code == 404 and refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"/v1/insights/associations/{org}")).status_code == 401


async def test_a_fund_sees_its_decision_times_against_its_deadline_and_claims_per_guarantee(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    fund, org = f"fund-{uuid.uuid4().hex[:8]}", f"assoc-{uuid.uuid4().hex[:8]}"
    for index in range(13):
        decided = NOW - timedelta(minutes=index)
        approved = g.GuaranteeApproved(
            file_id=uuid.uuid4(), placement_id=uuid.uuid4(), fund_id=fund, org_id=org, decided_at=decided, max_rent_cents=80_000,
            valid_until=(NOW + timedelta(days=90)).date(), under_review_since=decided - timedelta(days=index),
            review_deadline=decided + timedelta(days=1) if index < 12 else decided - timedelta(days=1),
        )  # fmt: skip
        await handled(app, approved, decided)
        activated = g.GuaranteeActivated(
            file_id=uuid.uuid4(), placement_id=uuid.uuid4(), fund_id=fund, org_id=org, owner_id="owner-x", activated_at=decided,
            lease_signed_on=decided.date(), rent_and_charges_cents=70_000,
        )  # fmt: skip
        await handled(app, activated, decided)
    agent = {"Authorization": f"Bearer {issuer.token(sub='fa-1', roles=['fund_agent'], org_id=fund)}"}
    report = (await client.get(f"/v1/insights/funds/{fund}", headers=agent)).json()
    assert report["breakdowns"]["guarantee_decisions"]["approved"]["shown"] == "13"
    assert report["breakdowns"]["guarantee_decisions_on_time"] == {
        "late": {"count": None, "shown": "< 11"},
        "on_time": {"count": None, "shown": "< 11"},
    }, "12 on time and 1 late: the late one hidden, and the other with it (the total would tell it)"
    assert report["durations"]["guarantee_decision_days"]["median_days"] == 6
    assert report["totals"]["guarantees_activated"]["shown"] == "13" and report["totals"]["claims_filed"]["shown"] == "< 11"
    assert report["claims_per_guarantee"] is None
    other = {"Authorization": f"Bearer {issuer.token(sub='fa-2', roles=['fund_agent'], org_id='another-fund')}"}
    assert (await client.get(f"/v1/insights/funds/{fund}", headers=other)).status_code == 404


async def test_the_platform_and_a_departement_are_open_data_and_bad_months_are_refused(api: Api) -> None:
    app, client = api
    await proposals(app, f"assoc-{uuid.uuid4().hex[:8]}", [5] * 11)
    platform = await client.get("/v1/public/insights/platform")
    assert platform.status_code == 200 and platform.json()["scope"] == "platform"
    assert platform.json()["breakdowns"]["proposal_outcomes"]["proposed"]["count"] >= 11
    herault = await client.get("/v1/public/insights/departements/34", params={"from": MONTH, "to": MONTH, "form": "csv"})
    assert herault.status_code == 200 and "departement,34" in herault.text
    for params in ({"from": "2026-13"}, {"from": "2026-06", "to": "2026-01"}, {"from": "2010-01", "to": "2026-01"}, {"form": "xml"}):
        refused = await client.get("/v1/public/insights/platform", params=params)
        assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json"), params
    assert (await client.get("/v1/public/insights/departements/XX")).status_code == 422


async def test_the_leases_still_running_are_read_from_their_cohort_once_it_is_old_enough(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org = f"assoc-{uuid.uuid4().hex[:8]}"
    year, month = divmod(NOW.year * 12 + NOW.month - 1 - 8, 12)
    began = date(year, month + 1, 1)  # eight months ago: old enough to tell at six months, not at twelve
    for index in range(30):
        placement = ids(org)
        await handled(app, m.LeaseSigned(**placement, signed_at=NOW, lease_starts_on=began, lease_type="sub_let"), NOW)
        if index < 12:
            ended = m.LeaseEnded(
                **placement, ended_on=began + timedelta(days=100), lease_starts_on=began, lease_type="sub_let", slid=False,
                reason="moved_elsewhere", recorded_at=NOW,
            )  # fmt: skip
            await handled(app, ended, NOW)
    worker = {"Authorization": f"Bearer {issuer.token(sub='sw-1', roles=['social_worker'], org_id=org)}"}
    report = (await client.get(f"/v1/insights/associations/{org}", params={"from": began.isoformat()[:7]}, headers=worker)).json()
    six, twelve, _ = report["leases_still_running"]
    assert (six["horizon_months"], six["leases"]["count"], six["still_running"]["count"], six["share"]) == (6, 30, 18, 0.6)
    assert twelve["leases"]["shown"] == "< 11" and twelve["share"] is None
    assert report["breakdowns"]["lease_ends"]["moved_elsewhere"]["shown"] == "12"
