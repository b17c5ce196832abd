"""The rules that decide whether a room may be offered for intergenerational cohabitation (CCH art. L631-17), each
at its edges (pure: nothing running)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from abri_listings.domain.facts import HostFacts, UnitFacts
from abri_listings.domain.policy import ListingsPolicy
from abri_listings.domain.reference_rents import ReferenceRents
from abri_listings.domain.rules import publishing_failures
from abri_listings.domain.sources import SOURCES

pytestmark = pytest.mark.unit
POLICY = ListingsPolicy()
TODAY = date(2026, 12, 6)
ROOM = UnitFacts(
    insee_code="34172",
    overseas=False,
    kind="room",
    rooms=1,
    living_area_m2=12.0,
    ceiling_height_m=2.5,
    furnished=True,
    rent_cents=20_000,
    charges_cents=3_000,
    deposit_cents=60_000,  # three months: loi 89-462's cap does not bind a contract that is not a lease
    energy_class="G",  # the letting bans of loi 89-462 art. 6 do not reach it either
    primary_energy_kwh=500.0,
    emissions_kg=120.0,
    final_energy_kwh=460.0,
    dpe_date=date(2024, 3, 1),
    available_from=date(2027, 1, 1),
    schemes=("intergenerational_cohabitation",),
    host=HostFacts(aged_60_or_over=True, occupancy="owner"),
)


def failed(unit: UnitFacts, policy: ListingsPolicy = POLICY) -> set[str]:
    return {failure.rule for failure in publishing_failures(unit, TODAY, policy, ReferenceRents.of({}))}


def test_a_room_of_a_host_of_60_or_over_passes_without_the_lease_rules() -> None:
    assert failed(ROOM) == set()
    as_a_lease = replace(ROOM, schemes=("direct_lease",))
    assert {"energy_letting_ban", "deposit_cap"} <= failed(as_a_lease)  # the same room under a lease: loi 89-462 applies


def test_the_host_declares_being_60_or_over() -> None:
    assert "cohabitation_host_age" in failed(replace(ROOM, host=None))
    assert "cohabitation_host_age" in failed(replace(ROOM, host=HostFacts(aged_60_or_over=False, occupancy="owner")))


@pytest.mark.parametrize(
    ("informed_on", "fails"), [(None, True), (date(2026, 12, 6), False), (date(2026, 11, 1), False), (date(2026, 12, 7), True)]
)
def test_a_tenant_host_informed_the_landlord_beforehand(informed_on: date | None, fails: bool) -> None:
    tenant = replace(ROOM, host=HostFacts(aged_60_or_over=True, occupancy="tenant", landlord_informed_on=informed_on))
    assert ("cohabitation_landlord_informed" in failed(tenant)) is fails


def test_a_room_of_the_hosts_home_under_this_scheme_alone() -> None:
    assert "cohabitation_room" in failed(replace(ROOM, kind="apartment", rooms=2, living_area_m2=40.0))
    assert "cohabitation_alone" in failed(replace(ROOM, schemes=("intergenerational_cohabitation", "direct_lease")))


def test_a_decent_main_room_is_still_asked() -> None:
    assert "minimum_size" in failed(replace(ROOM, living_area_m2=7.0, ceiling_height_m=2.5))


def test_a_deployment_may_hold_the_counterpart_to_a_ceiling() -> None:
    assert "cohabitation_counterpart" not in failed(ROOM)  # freely agreed by default: L631-17 gives no figure
    capped = replace(POLICY, cohabitation_max_monthly_cents=23_000)
    assert "cohabitation_counterpart" not in failed(ROOM, capped)  # 200 + 30 €: at the ceiling
    assert "cohabitation_counterpart" in failed(replace(ROOM, charges_cents=3_001), capped)


def test_each_rule_names_its_source() -> None:
    for rule in ("cohabitation_room", "cohabitation_alone", "cohabitation_host_age", "cohabitation_landlord_informed"):
        assert "L631-17" in SOURCES[rule].text


def test_a_host_declaration_goes_only_with_the_scheme_and_only_a_tenant_informs_a_landlord() -> None:
    from pydantic import ValidationError

    from abri_listings.api.schemas import UnitDraft
    from tests.listings.test_units_api import DRAFT

    host = {"aged_60_or_over": True, "occupancy": "owner"}
    room = {**DRAFT, "kind": "room", "rooms": 1, "schemes": ["intergenerational_cohabitation"], "host": host}
    assert UnitDraft.model_validate(room).host is not None
    with pytest.raises(ValidationError, match="goes only with intergenerational_cohabitation"):
        UnitDraft.model_validate({**room, "schemes": ["direct_lease"]})  # the declaration kept with no purpose
    with pytest.raises(ValidationError, match="no landlord to inform"):
        UnitDraft.model_validate({**room, "host": {**host, "landlord_informed_on": "2026-11-01"}})
