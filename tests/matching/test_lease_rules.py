"""The rules of issue 18, pure: schemes and lease forms, the lease's dates (acceptance, guarantee, energy
ban, DPE), the head lease, joint reviews, the slide, the review alerts, the owner's disclosure, the resources
bands and the exact rent-burden threshold; each at its edges (the eve and the first day of each dated rule,
both sides of each threshold)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pytest

from abri_kit.policies import with_overrides
from abri_matching.domain.leases import (
    LeaseFacts,
    RenewalFacts,
    SlideFacts,
    lease_refusals,
    next_review_by,
    renewal_refusals,
    review_alert,
    review_refusals,
    slide_refusals,
    term_ends_on,
)
from abri_matching.domain.placements import PlacementPolicy, resources_band
from abri_matching.domain.policy import ALL_SCHEMES, MatchingPolicy
from abri_matching.domain.proposals import energy_refusals
from abri_matching.domain.ranking import exact_ratio, size_fit_component, within_rent_burden
from abri_matching.domain.schemes import DEFAULT_SCHEMES
from abri_matching.domain.sources import SOURCES
from abri_matching.settings import MatchingSettings

POLICY = PlacementPolicy()
DAY = date(2027, 3, 10)
ONE = timedelta(days=1)
LEASE = LeaseFacts(
    scheme="direct_lease",
    lease_type="direct",
    under_mandate=False,
    signed_on=DAY,
    starts_on=DAY,
    ends_on=None,
    head_lease_ends_on=None,
    today=DAY,
    accepted_on=DAY,
    guarantee_required=False,
    guarantee_decided_on=None,
    letting_banned_from=None,
    dpe_valid_until=None,
)


def rules_of(facts: LeaseFacts) -> list[str]:
    return [error["rule"] for error in lease_refusals(facts, POLICY.schemes)]


ALLOWED = {
    "intermediated_letting": {("sub_let", False), ("sub_let", True)},  # a mandate says nothing of a sub-let
    "sliding_lease": {("sliding", False), ("sliding", True)},
    "management_mandate": {("direct", False), ("direct", True)},  # a direct lease under the mandate, whatever is said
    "direct_lease": {("direct", False), ("direct", True)},
    "loc_avantages_1": {("direct", False), ("direct", True), ("sub_let", False), ("sub_let", True)},
    "loc_avantages_2": {("direct", False), ("direct", True), ("sub_let", False), ("sub_let", True)},
    "loc_avantages_3": {("direct", True), ("sub_let", False), ("sub_let", True)},  # never direct without an intermediary
    "intergenerational_cohabitation": {("cohabitation", False)},  # a contract that is not a lease, never under a mandate
}


@pytest.mark.parametrize("scheme", sorted(ALL_SCHEMES))
@pytest.mark.parametrize("lease_type", ["direct", "sub_let", "sliding", "cohabitation"])
@pytest.mark.parametrize("under_mandate", [False, True])
def test_each_scheme_allows_only_its_lease_forms(scheme: str, lease_type: str, under_mandate: bool) -> None:
    head = DAY + timedelta(days=1000) if lease_type != "cohabitation" else None  # a contract that is not a lease has none
    facts = replace(LEASE, scheme=scheme, lease_type=lease_type, under_mandate=under_mandate, head_lease_ends_on=head)  # type: ignore[arg-type]
    refused = bool({"lease_type_not_allowed_by_scheme", "cohabitation_not_a_lease"} & set(rules_of(facts)))
    assert refused == ((lease_type, under_mandate) not in ALLOWED[scheme])


def test_the_table_covers_every_scheme_and_each_refusal_names_its_source() -> None:
    assert set(DEFAULT_SCHEMES) == ALL_SCHEMES
    error = lease_refusals(replace(LEASE, scheme="intermediated_letting", lease_type="sliding"), POLICY.schemes)[0]
    assert error["rule"] == "lease_type_not_allowed_by_scheme" and error["fields"] == ["lease_type"]
    assert error["params"] == {"scheme": "intermediated_letting", "lease_form": "sliding", "allowed": "sub_let"}
    assert "L442-8-1" in error["source"] and error["source_url"]
    for rule in ("energy_letting_ban", "dpe_expired", "joint_review_parties", "slide_needs_owner_agreement", "head_lease_ended"):
        assert SOURCES[rule].text and SOURCES[rule].url


def test_signed_on_the_day_of_acceptance_holds_the_eve_is_refused() -> None:
    assert rules_of(replace(LEASE, accepted_on=DAY)) == []
    assert rules_of(replace(LEASE, accepted_on=DAY + ONE, today=DAY + ONE)) == ["signed_before_acceptance"]


def test_signed_on_the_day_of_the_guarantee_holds_the_eve_is_refused() -> None:
    guaranteed = replace(LEASE, guarantee_required=True, accepted_on=DAY - 5 * ONE)
    assert rules_of(replace(guaranteed, guarantee_decided_on=DAY)) == []
    assert rules_of(replace(guaranteed, guarantee_decided_on=DAY + ONE, today=DAY + ONE)) == ["signed_before_guarantee_decision"]
    assert rules_of(replace(guaranteed, guarantee_required=False, guarantee_decided_on=DAY + ONE, today=DAY + ONE)) == []


def test_the_energy_ban_refuses_a_lease_that_hands_the_home_over_from_its_first_day() -> None:
    assert rules_of(replace(LEASE, letting_banned_from=DAY + ONE)) == []  # signed and handed over on the eve of the ban
    banned = lease_refusals(replace(LEASE, letting_banned_from=DAY), POLICY.schemes)
    assert [e["rule"] for e in banned] == ["energy_letting_ban"] and "2021-1104, art. 160" in banned[0]["source"]
    assert banned[0]["params"] == {"letting_banned_from": DAY.isoformat(), "delivered_on": DAY.isoformat()}
    early = replace(LEASE, letting_banned_from=DAY + ONE, starts_on=DAY + ONE)  # signed the eve, handed over on the ban's day
    assert rules_of(early) == ["energy_letting_ban"]
    assert rules_of(replace(LEASE, letting_banned_from=None)) == []  # no ban reaches the class


@pytest.mark.parametrize(("energy_class", "refused"), [("D", False), ("E", False), ("F", True), ("G", True)])
def test_a_unit_of_an_older_event_without_its_ban_date_is_let_only_when_no_ban_can_have_begun(energy_class: str, refused: bool) -> None:
    legacy = replace(LEASE, letting_banned_from=None, energy_known=False, energy_class=energy_class)
    assert (rules_of(legacy) == ["energy_facts_unknown"]) is refused
    assert rules_of(replace(legacy, energy_known=True)) == []


def test_a_dpe_valid_on_the_signature_day_holds_the_day_after_it_lapsed_is_refused() -> None:
    assert rules_of(replace(LEASE, dpe_valid_until=DAY)) == []
    assert rules_of(replace(LEASE, dpe_valid_until=DAY - ONE)) == ["dpe_expired"]


def test_a_lease_is_recorded_within_the_grace_of_its_signature() -> None:
    grace = POLICY.lease_recording_grace_days
    assert grace == 30
    last = DAY + timedelta(days=grace)
    assert rules_of(replace(LEASE, today=last, recording_grace_days=grace)) == []  # the grace's last day
    late = lease_refusals(replace(LEASE, today=last + ONE, recording_grace_days=grace), POLICY.schemes)
    assert [e["rule"] for e in late] == ["lease_signed_too_long_ago"] and late[0]["fields"] == ["signed_on"]
    assert late[0]["params"] == {"grace_days": 30, "earliest_signed_on": (DAY + ONE).isoformat(), "today": (last + ONE).isoformat()}
    assert late[0]["source"] == "" and late[0]["source_url"] is None  # Abri's choice: no text to cite
    assert rules_of(replace(LEASE, today=last + ONE, recording_grace_days=31)) == []


def test_a_signature_before_a_ban_in_force_by_the_recording_day_is_allowed_and_kept() -> None:
    before = replace(LEASE, letting_banned_from=DAY + ONE)
    assert rules_of(before) == [] and not before.signed_before_ban_in_force  # recorded on the eve of the ban
    after = replace(before, today=DAY + ONE)
    assert rules_of(after) == [] and after.signed_before_ban_in_force  # recorded on its first day
    assert not replace(after, letting_banned_from=None).signed_before_ban_in_force
    assert not replace(after, letting_banned_from=DAY + 2 * ONE).signed_before_ban_in_force  # the ban has not begun
    assert not replace(LEASE, letting_banned_from=DAY).signed_before_ban_in_force  # handed over in the ban: refused instead


def test_a_lease_runs_for_its_term_three_years_unfurnished_one_year_furnished() -> None:
    assert POLICY.term_months(False) == 36 and POLICY.term_months(None) == 36 and POLICY.term_months(True) == 12
    assert term_ends_on(date(2027, 4, 12), 36) == date(2030, 4, 11)
    assert term_ends_on(date(2027, 4, 12), 12) == date(2028, 4, 11)
    assert term_ends_on(date(2027, 1, 31), 1) == date(2027, 2, 27)  # to the shorter month's last day, less one
    assert term_ends_on(date(2028, 2, 29), 12) == date(2029, 2, 27)


RENEWAL = RenewalFacts(renews_on=DAY, today=DAY, term_ends_on=DAY - ONE, letting_banned_from=None, dpe_valid_until=None)


def renewal_rules(facts: RenewalFacts) -> list[str]:
    return [error["rule"] for error in renewal_refusals(facts)]


def test_a_lease_is_renewed_at_its_terms_end_and_not_before_it_happened() -> None:
    assert renewal_rules(RENEWAL) == []  # the day after the term's last day
    early = renewal_refusals(replace(RENEWAL, term_ends_on=DAY))  # on the term's last day
    assert [e["rule"] for e in early] == ["renewal_not_at_term_end"]
    assert early[0]["params"] == {"term_ends_on": DAY.isoformat(), "renews_on": (DAY + ONE).isoformat()} and "art. 10" in early[0]["source"]
    assert renewal_rules(replace(RENEWAL, term_ends_on=DAY - 2 * ONE)) == ["renewal_not_at_term_end"]
    assert renewal_rules(replace(RENEWAL, today=DAY - ONE)) == ["renewal_in_the_future"]


def test_no_renewal_from_the_first_day_of_the_ban_nor_past_the_dpe() -> None:
    assert renewal_rules(replace(RENEWAL, letting_banned_from=DAY + ONE)) == []  # the ban begins the next day
    banned = renewal_refusals(replace(RENEWAL, letting_banned_from=DAY))
    assert [e["rule"] for e in banned] == ["energy_letting_ban"] and "2021-1104, art. 160" in banned[0]["source"]
    assert banned[0]["params"] == {"letting_banned_from": DAY.isoformat(), "renews_on": DAY.isoformat()}
    assert renewal_rules(replace(RENEWAL, letting_banned_from=DAY - 100 * ONE)) == ["energy_letting_ban"]
    assert renewal_rules(replace(RENEWAL, dpe_valid_until=DAY)) == []  # valid on the renewed term's first day
    expired = renewal_refusals(replace(RENEWAL, dpe_valid_until=DAY - ONE))
    assert [e["rule"] for e in expired] == ["dpe_expired_at_renewal"] and "art. 3-3" in expired[0]["source"] and expired[0]["source_url"]
    assert renewal_rules(replace(RENEWAL, energy_known=False, energy_class="G")) == ["energy_facts_unknown"]
    assert renewal_rules(replace(RENEWAL, energy_known=False, energy_class="E")) == []


def test_dates_of_the_lease_itself() -> None:
    assert rules_of(replace(LEASE, starts_on=DAY - ONE)) == ["starts_before_signature"]
    assert rules_of(replace(LEASE, ends_on=DAY)) == ["ends_before_start"]
    assert rules_of(replace(LEASE, ends_on=DAY + ONE)) == []
    assert rules_of(replace(LEASE, signed_on=DAY + ONE, starts_on=DAY + ONE)) == ["signed_in_the_future"]


def test_a_sub_let_holds_within_its_head_lease() -> None:
    sub_let = replace(LEASE, scheme="intermediated_letting", lease_type="sub_let")
    assert rules_of(sub_let) == ["head_lease_term_required"]
    head = DAY + timedelta(days=3 * 365)
    assert rules_of(replace(sub_let, head_lease_ends_on=head, ends_on=head)) == []  # ends the day the head lease ends
    assert rules_of(replace(sub_let, head_lease_ends_on=head, ends_on=head + ONE)) == ["sub_let_beyond_head_lease"]
    assert rules_of(replace(sub_let, head_lease_ends_on=DAY)) == ["sub_let_beyond_head_lease"]  # ended as it starts
    assert rules_of(replace(sub_let, head_lease_ends_on=DAY + ONE)) == []
    assert rules_of(replace(LEASE, head_lease_ends_on=None)) == []  # a direct lease has no head lease


def test_a_review_is_joint() -> None:
    assert review_refusals(["association", "household", "owner"], POLICY.review_parties) == []
    refused = review_refusals(["association", "household"], POLICY.review_parties)
    assert [e["rule"] for e in refused] == ["joint_review_parties"] and refused[0]["params"] == {"missing": "owner"}


SLIDE = SlideFacts(
    today=DAY + POLICY.min_before_slide,
    signed_on=DAY,
    ready_to_slide=True,
    owner_agreed=True,
    head_lease_ends_on=DAY + timedelta(days=1000),
    earliest_slide_on=DAY + POLICY.min_before_slide,
)


def test_a_slide_needs_the_minimum_period_from_its_first_day_not_its_eve() -> None:
    assert slide_refusals(SLIDE) == []
    assert [e["rule"] for e in slide_refusals(replace(SLIDE, today=SLIDE.earliest_slide_on - ONE))] == ["slide_too_early"]
    assert [e["rule"] for e in slide_refusals(replace(SLIDE, today=DAY))] == ["slide_too_early"]  # never on the day of signature


def test_a_slide_needs_a_ready_review_the_owners_agreement_and_a_running_head_lease() -> None:
    assert [e["rule"] for e in slide_refusals(replace(SLIDE, ready_to_slide=False))] == ["slide_needs_ready_review"]
    assert [e["rule"] for e in slide_refusals(replace(SLIDE, owner_agreed=False))] == ["slide_needs_owner_agreement"]
    assert slide_refusals(replace(SLIDE, head_lease_ends_on=SLIDE.today)) == []
    assert [e["rule"] for e in slide_refusals(replace(SLIDE, head_lease_ends_on=SLIDE.today - ONE))] == ["head_lease_ended"]


def test_a_review_date_never_passes_the_head_leases_end() -> None:
    every = POLICY.sliding_review_every
    assert next_review_by(DAY, every, None) == DAY + every
    assert next_review_by(DAY, every, DAY + every) == DAY + every  # the head lease's last day: as due
    assert next_review_by(DAY, every, DAY + every - ONE) == DAY + every - ONE  # capped at it
    assert next_review_by(DAY, every, DAY + every + ONE) == DAY + every


def test_review_alerts_before_and_after_the_date() -> None:
    notice = POLICY.review_due_notice_days
    review_by = DAY + timedelta(days=notice)
    assert review_alert(review_by, DAY - ONE, notice) is None  # the eve of the notice
    assert review_alert(review_by, DAY, notice) == "due"  # its first day
    assert review_alert(review_by, review_by, notice) == "due"
    assert review_alert(review_by, review_by + ONE, notice) == "overdue"
    assert review_alert(None, DAY, notice) is None


def test_a_ban_before_the_availability_or_already_begun_refuses_the_proposal() -> None:
    available = DAY + timedelta(days=20)
    assert energy_refusals(None, available, DAY) == []
    assert energy_refusals(available + ONE, available, DAY) == []  # the ban starts the day after it is available
    assert [e["rule"] for e in energy_refusals(available, available, DAY)] == [
        "energy_letting_ban"
    ]  # on its availability: never handed over
    assert [e["rule"] for e in energy_refusals(available - ONE, available, DAY)] == ["energy_letting_ban"]
    assert [e["rule"] for e in energy_refusals(DAY, DAY - ONE, DAY)] == ["energy_letting_ban"]  # begun today
    assert energy_refusals(DAY + ONE, DAY - ONE, DAY) == []  # begins tomorrow: a lease may still be signed today


@pytest.mark.parametrize("scheme", sorted(ALL_SCHEMES))
def test_the_owner_sees_the_household_only_where_the_association_is_not_the_tenant(scheme: str) -> None:
    tenant = POLICY.schemes[scheme].association_is_tenant
    assert tenant == (scheme in {"intermediated_letting", "sliding_lease"})
    assert POLICY.discloses(scheme, "household_size") is not tenant and POLICY.discloses(scheme, "resources_band") is not tenant
    assert not POLICY.discloses("timeshare", "household_size")


def test_resources_bands_at_each_ceiling() -> None:
    assert [resources_band(c) for c in (0, 79_999, 80_000, 119_999, 120_000, 179_999, 180_000, 249_999, 250_000)] == [
        "under 800 €", "under 800 €", "800 to 1,200 €", "800 to 1,200 €", "1,200 to 1,800 €", "1,200 to 1,800 €",
        "1,800 to 2,500 €", "1,800 to 2,500 €", "2,500 € or more",
    ]  # fmt: skip
    assert resources_band(100_000, (50_000, 150_000)) == "500 to 1,500 €"


@pytest.mark.parametrize("threshold", [0.33, 0.3, 0.5, 0.35])
def test_the_rent_burden_threshold_holds_at_its_exact_boundary(threshold: float) -> None:
    ratio = exact_ratio(threshold)
    resources = 100_000 * ratio.denominator // 100  # a whole-cent boundary exists
    net = ratio * resources
    assert net.denominator == 1
    at = int(net)
    assert within_rent_burden(at, 0, 0, resources, threshold)  # exactly at the threshold: allowed
    assert not within_rent_burden(at + 1, 0, 0, resources, threshold)  # one cent above: refused
    assert within_rent_burden(at + 10_000, 0, 10_000, resources, threshold)  # benefit deducted, to the cent
    rents = np.array([at - 1, at, at + 1], dtype=float)
    assert within_rent_burden(rents, 0.0, 0.0, float(resources), np.full(3, threshold)).tolist() == [True, True, False]


def test_exactness_where_floats_lie() -> None:
    assert 33_000 / 100_000 <= 0.33 and exact_ratio(0.33) == Fraction(33, 100)
    assert within_rent_burden(33_000, 0, 0, 100_000, 0.33) and not within_rent_burden(33_001, 0, 0, 100_000, 0.33)
    # 0.1 + 0.2 written as a float: compared as the decimal it prints as, with Python integers
    assert within_rent_burden(30_000, 0, 0, 100_000, 0.1 + 0.2) and not within_rent_burden(30_001, 0, 0, 100_000, 0.1 + 0.2)
    assert not within_rent_burden(0, 0, 0, 0, 0.33)  # no resources: never


def test_size_fit_spare_bedrooms_is_policy() -> None:
    assert size_fit_component(4.0, 1.0, MatchingPolicy()) == 0.0
    assert size_fit_component(4.0, 1.0, MatchingPolicy(size_fit_spare_bedrooms=6.0)) == 0.5


def test_the_placement_policy_is_configurable_one_scheme_at_a_time() -> None:
    settings = MatchingSettings(
        database_url="postgresql+asyncpg://nowhere/none",
        placement={
            "min_before_slide": "P365D",
            "review_due_notice_days": 15,
            "schemes": {"direct_lease": {"lease_forms": ["direct"], "association_is_tenant": False}},
        },
    )
    policy = settings.placement_policy()
    assert policy.min_before_slide == timedelta(days=365) and policy.review_due_notice_days == 15
    assert policy.schemes["direct_lease"].lease_forms == frozenset({"direct"}) and not policy.discloses("direct_lease", "household_size")
    assert policy.schemes["sliding_lease"] == DEFAULT_SCHEMES["sliding_lease"]
    with pytest.raises(ValueError, match="increasing"):
        MatchingSettings(database_url="postgresql+asyncpg://nowhere/none", placement={"resources_bands_cents": [2, 1]}).placement_policy()
    assert with_overrides(PlacementPolicy, {}) == POLICY


def test_a_cohabitation_contract_takes_one_person_still_under_30_when_it_is_signed_and_begins() -> None:
    contract = replace(
        LEASE, scheme="intergenerational_cohabitation", lease_type="cohabitation", ends_on=DAY + timedelta(days=180), cohabitation_until=DAY
    )
    assert rules_of(contract) == []  # the eve of the 30th birthday: still under 30
    assert rules_of(replace(contract, cohabitation_until=DAY - timedelta(days=1))) == ["cohabitation_age"]  # 30 on the day
    later = replace(contract, starts_on=DAY + timedelta(days=1))
    assert rules_of(later) == ["cohabitation_age"]  # signed at 29, begun at 30
    assert rules_of(replace(contract, persons=2)) == ["cohabitation_age"]
    assert rules_of(replace(contract, cohabitation_until=None)) == ["cohabitation_age"]  # the household does not seek one
    leased = replace(contract, under_mandate=True, head_lease_ends_on=DAY + timedelta(days=900))
    refused = lease_refusals(leased, POLICY.schemes)
    assert [(r["rule"], r["fields"]) for r in refused] == [("cohabitation_not_a_lease", ["under_mandate", "head_lease_ends_on"])]
    expired = replace(contract, dpe_valid_until=DAY - timedelta(days=1), letting_banned_from=DAY - timedelta(days=400))
    assert rules_of(expired) == ["dpe_expired"]  # the diagnosis goes with any letting (CCH art. L126-29); loi 89-462's ban does not
