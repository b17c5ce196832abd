"""What a reader may see: no household identity for owners, no situation details in SMS (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from abri_contracts.matching import LeaseEnded
from abri_notifications.domain.minimisation import (
    DATE_FIELDS,
    HOUSEHOLD_IDENTITY,
    PARTY_IDS,
    PRIORITY_SITUATION,
    REFERENCE_FIELDS,
    allowed_fields,
    forbidden_fields,
    is_situation_detail,
    minimise,
)
from abri_notifications.domain.routing import ROUTES, RecipientKind, Route
from abri_notifications.domain.templates import CATALOGUE, Channel, fields_of, has_sms, render
from tests.notifications.test_templates import sample_values

pytestmark = pytest.mark.unit
OWNER, ASSOCIATION = RecipientKind.OWNER, RecipientKind.ASSOCIATION
ROUTED = sorted({route for routes in ROUTES.values() for route in routes}, key=lambda route: route.template)
IDENTITY = {
    "first_name": "Amina",
    "last_name": "Diallo",
    "email": "amina@example.org",
    "phone": "+33600000000",
    "birth_date": date(1990, 1, 1),
    "priority_situations": ["domestic_violence"],
    "dalo": True,
}


@pytest.mark.parametrize("channel", list(Channel))
def test_an_owners_proposal_never_carries_household_identity(channel: Channel) -> None:
    values = sample_values("owner.placement_proposed") | IDENTITY
    kept = minimise(values, OWNER, "owner.placement_proposed", channel)
    assert not set(kept) & set(IDENTITY)
    assert not set(kept) & PARTY_IDS  # nor the subjects of the owner or the association
    if channel is Channel.SMS:
        assert set(kept) == {"answer_by"}
    else:
        assert {"household_size", "resources_band", "guarantee_required", "answer_by", "placement_id"} <= set(kept)


@pytest.mark.parametrize("template", sorted(name for name in CATALOGUE if name.startswith("owner.")))
def test_no_owner_message_may_carry_identity_or_priority_situation(template: str) -> None:
    for channel in Channel:
        assert not allowed_fields(OWNER, template, channel) & (HOUSEHOLD_IDENTITY | PRIORITY_SITUATION)
    assert not fields_of(template, Channel.EMAIL) & (HOUSEHOLD_IDENTITY | PRIORITY_SITUATION)  # the catalogue itself asks for none


def test_an_sms_drops_amounts_and_reasons() -> None:
    values = sample_values("association.file_approved") | {"reason": "fraud", "reasons": ["rent_cap"], "household_size": 3}
    assert set(minimise(values, ASSOCIATION, "association.file_approved", Channel.SMS)) == {"valid_until"}
    assert {"max_rent_cents", "valid_until", "file_id"} <= set(minimise(values, ASSOCIATION, "association.file_approved", Channel.EMAIL))


@pytest.mark.parametrize("template", sorted(name for name in CATALOGUE if has_sms(name)))
def test_an_sms_says_open_abri_with_a_date_at_most(template: str) -> None:
    needed = fields_of(template, Channel.SMS)
    assert len(needed) <= 1 and needed <= DATE_FIELDS, f"{template}: its SMS shows {sorted(needed)}"
    assert not any(is_situation_detail(field) for field in needed)


@pytest.mark.parametrize("route", ROUTED, ids=[route.template for route in ROUTED])
def test_every_message_renders_from_its_minimised_values(route: Route) -> None:
    """Minimisation never takes away a value the text needs: the service minimises, then renders."""
    values = sample_values(route.template)
    channels = [Channel.EMAIL, Channel.INBOX, Channel.WEBHOOK] + ([Channel.SMS] if has_sms(route.template) else [])
    for channel in channels:
        kept = minimise(values, route.recipient, route.template, channel)
        assert kept.keys() <= allowed_fields(route.recipient, route.template, channel)
        for language in ("fr", "ar"):
            render(route.template, language, kept, channel)


def test_the_ids_of_the_case_but_never_of_other_parties() -> None:
    webhook = allowed_fields(OWNER, "owner.placement_proposed", Channel.WEBHOOK)
    assert webhook >= REFERENCE_FIELDS and not webhook & PARTY_IDS
    assert not allowed_fields(OWNER, "owner.placement_proposed", Channel.SMS) & REFERENCE_FIELDS
    assert forbidden_fields(RecipientKind.FUND, Channel.EMAIL) >= PARTY_IDS


def test_situation_details_and_amounts_are_recognised() -> None:
    assert all(is_situation_detail(field) for field in ["resources_band", "household_size", "reason", "reasons", "payable_cents"])
    assert not any(is_situation_detail(field) for field in ["answer_by", "valid_until", "placement_id"])


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.INBOX, Channel.WEBHOOK])
def test_an_owner_told_that_the_lease_ended_never_learns_why_nor_of_the_household(channel: Channel) -> None:
    """The owner learns a lease's end from listings' ``unit.lease_ended``: the home and the last day. Even if matching's
    event (its coded reason: an eviction, a death...; the household's pseudonymous id) reached the template, none of it passes."""
    ended = LeaseEnded(
        placement_id=UUID(int=1), unit_id=UUID(int=2), org_id="assoc-1", household_id=UUID(int=3), ended_on=date(2027, 6, 30),
        lease_starts_on=date(2027, 2, 1), lease_type="sliding", slid=True, reason="eviction", recorded_at=datetime(2027, 7, 1, tzinfo=UTC),
    )  # fmt: skip
    values = sample_values("owner.unit_lease_ended") | ended.model_dump() | IDENTITY
    kept = minimise(values, OWNER, "owner.unit_lease_ended", channel)
    assert set(kept) == {"postal_code", "ended_on", "unit_id", "placement_id"}
    for language in ("fr", "en", "ar", "uk"):
        text = render("owner.unit_lease_ended", language, kept, channel).text
        assert "eviction" not in text and "expulsion" not in text and str(UUID(int=3)) not in text
