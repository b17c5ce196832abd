"""What each event adds to the counts (pure): the platform always, the association, the fund and the
département when the event names them; durations as whole days from the durations the events carry (an event
older than the field adds none); outcomes with their coded reasons; a listings event counted when it happened.
No fact carries an id of a household, a placement, a unit or a person."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from abri_contracts import guarantees as g
from abri_contracts import listings as li
from abri_contracts import matching as m
from abri_insights.domain.facts import departement_of_insee, months_run
from abri_insights.events import FACTS
from tests.matching.test_unit_read_model import snapshot

T0 = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
"""00:30 on 1 December in Paris: every fact of it counts in December, the month in France (UTC still says November)."""
IDS = {"placement_id": uuid.uuid4(), "unit_id": uuid.uuid4(), "org_id": "assoc-a", "household_id": uuid.uuid4()}


def facts_of(event: object, at: datetime = T0) -> set[tuple[str, str, str, tuple[tuple[str, str], ...]]]:
    return {(f.measure, f.month, f.value, f.scopes) for f in FACTS[type(event)](event, at)}  # type: ignore[index]


@pytest.mark.unit
def test_a_proposal_counts_for_the_platform_its_association_and_its_departement_with_its_wait() -> None:
    proposed = m.PlacementProposed(
        **IDS, departement="34", owner_id="owner-x", household_size=2, resources_band="800 to 1,200 €", guarantee_required=False,
        proposed_at=T0, answer_by=T0 + timedelta(days=7), days_since_registration=45,
    )  # fmt: skip
    where = (("platform", ""), ("association", "assoc-a"), ("departement", "34"))
    assert facts_of(proposed) == {
        ("proposal_outcomes", "2026-12", "proposed", where),
        ("registration_to_proposal_days", "2026-12", "45", where),
    }
    older = proposed.model_copy(update={"days_since_registration": None, "departement": None})
    assert facts_of(older) == {("proposal_outcomes", "2026-12", "proposed", (("platform", ""), ("association", "assoc-a")))}
    assert not any(str(IDS["household_id"]) in str(fact) or str(IDS["placement_id"]) in str(fact) for fact in facts_of(proposed))


@pytest.mark.unit
def test_outcomes_carry_their_coded_reasons_and_leases_their_type_and_wait() -> None:
    declined = m.PlacementDeclined(**IDS, reason="guarantee_insufficient", declined_at=T0)
    assert {f[2] for f in facts_of(declined)} == {"declined:guarantee_insufficient"}
    fell = m.PlacementFellThrough(**IDS, reason="guarantee_refused", ended_at=T0)
    assert {f[2] for f in facts_of(fell)} == {"fell_through:guarantee_refused"}
    signed = m.LeaseSigned(**IDS, signed_at=T0, lease_starts_on=date(2026, 12, 1), lease_type="sliding", days_since_registration=4000)
    assert {(f[0], f[1], f[2]) for f in facts_of(signed)} == {
        ("leases_signed", "2026-12", "sliding"),
        ("registration_to_lease_days", "2026-12", "1095"),  # three years or more: the last bucket
        ("lease_cohorts", "2026-12", "started"),  # the cohort is the month the lease began
    }
    slid = m.LeaseSlid(**IDS, slid_at=T0, days_since_registration=700, days_since_lease=400)
    assert {(f[0], f[2]) for f in facts_of(slid)} == {("registration_to_slide_days", "700"), ("lease_to_slide_days", "400")}


@pytest.mark.unit
def test_a_funds_decision_counts_its_time_and_whether_it_met_the_deadline() -> None:
    decision = {"file_id": uuid.uuid4(), "placement_id": uuid.uuid4(), "fund_id": "fund-f", "org_id": "assoc-a"}
    late = g.GuaranteeApproved(
        **decision, decided_at=T0, max_rent_cents=90_000, valid_until=date(2027, 6, 1),
        under_review_since=T0 - timedelta(days=9, hours=1), review_deadline=T0 - timedelta(hours=2),
    )  # fmt: skip
    found = {(f[0], f[2]) for f in facts_of(late)}
    assert found == {("guarantee_decisions", "approved"), ("guarantee_decision_days", "9"), ("guarantee_decisions_on_time", "late")}
    assert all(("fund", "fund-f") in f[3] and ("association", "assoc-a") in f[3] for f in facts_of(late))
    on_time = g.GuaranteeRejected(**decision, decided_at=T0, reasons=["rent_cap"], review_deadline=T0)
    assert ("guarantee_decisions_on_time", "on_time") in {(f[0], f[2]) for f in facts_of(on_time)}


@pytest.mark.unit
def test_homes_count_by_departement_when_they_happen_with_the_energy_class_of_those_let() -> None:
    assert departement_of_insee("75056") == "75" and departement_of_insee("2A004") == "2A"
    assert departement_of_insee("97411") == "974" and departement_of_insee(None) is None and departement_of_insee("x") is None
    unit = snapshot(uuid.uuid4(), 3, published_at=T0 - timedelta(days=90), status="let")
    let = li.UnitLet.model_validate({**unit, "placement_id": uuid.uuid4()})
    assert facts_of(let, at=T0 + timedelta(days=2)) == {
        ("units", "2026-12", "let", (("platform", ""), ("departement", "34"))),
        ("let_energy_classes", "2026-12", "D", (("platform", ""), ("departement", "34"))),
    }


@pytest.mark.unit
def test_a_lease_ended_counts_its_reason_and_its_months_run_in_its_cohort() -> None:
    assert months_run(date(2026, 1, 15), date(2026, 3, 14)) == 1 and months_run(date(2026, 1, 15), date(2026, 3, 15)) == 2
    assert months_run(date(2026, 1, 31), date(2026, 1, 31)) == 0
    ended = m.LeaseEnded(
        **IDS, departement="34", ended_on=date(2027, 7, 10), lease_starts_on=date(2026, 12, 1), lease_type="sub_let", slid=False,
        reason="social_housing", recorded_at=T0 + timedelta(days=230),
    )  # fmt: skip
    assert {(f[0], f[1], f[2]) for f in facts_of(ended)} == {
        ("lease_ends", "2027-07", "social_housing"),
        ("lease_cohorts", "2026-12", "ended_after:7"),
    }
