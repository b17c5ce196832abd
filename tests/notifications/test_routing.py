"""The routing table against the published contracts: every event for notifications reaches someone (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Literal, get_args, get_origin
from uuid import UUID

import pytest
from fastapi import FastAPI
from starlette.routing import Match

from abri_contracts import EventContract, registry
from abri_contracts.guarantees import GuaranteeApproved, GuaranteeFileSubmitted
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from abri_contracts.listings import UnitSnapshot
from abri_contracts.matching import PlacementProposed, PlacementWithdrawn
from abri_notifications.domain.links import link_for
from abri_notifications.domain.minimisation import NOT_FOR_HOUSEHOLDS, PARTY_IDS, allowed_fields
from abri_notifications.domain.routing import (
    HOME_FIELDS,
    ID_FIELDS,
    PASS_ON,
    ROUTES,
    RecipientKind,
    Route,
    applies,
    lookup,
    recipient_id,
    routes_for,
)
from abri_notifications.domain.templates import CATALOGUE, CODES, DIGEST_TEMPLATE, Channel, fields_of
from abri_notifications.events import handlers

pytestmark = pytest.mark.unit
NOT_TOLD = {HouseholdConsentsChanged.event_type, HouseholdErased.event_type}
"""Matching's household events feed the consent gate and the erasure (their own handlers): nobody is told of them."""
FOR_NOTIFICATIONS: dict[str, type[EventContract]] = {
    t: model for t, model in registry.items() if "notifications" in model.consumers and t not in NOT_TOLD
}
ROUTED = [(event_type, route) for event_type, routes in ROUTES.items() for route in routes]
OWNER, ASSOCIATION, FUND, HOUSEHOLD = RecipientKind.OWNER, RecipientKind.ASSOCIATION, RecipientKind.FUND, RecipientKind.HOUSEHOLD
AT = datetime(2026, 3, 29, 9, 0, tzinfo=UTC)
PLACEMENT, UNIT, FILE = UUID(int=1), UUID(int=2), UUID(int=3)


def test_the_contracts_declare_events_for_notifications() -> None:
    assert len(FOR_NOTIFICATIONS) >= 25  # the introspection found the registry, not an empty dict


@pytest.mark.parametrize("event_type", sorted(FOR_NOTIFICATIONS))
def test_every_event_for_notifications_is_routed(event_type: str) -> None:
    assert routes_for(event_type), f"{event_type} names notifications among its consumers but has no route"


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_every_route_is_for_a_published_event_the_service_consumes(event_type: str) -> None:
    assert event_type in registry, f"{event_type} is routed but no contract publishes it"
    assert event_type in FOR_NOTIFICATIONS, f"{event_type} is routed but not published for notifications"
    assert registry[event_type] in handlers()  # and handled


@pytest.mark.parametrize(("event_type", "route"), ROUTED, ids=[f"{t}->{r.template}" for t, r in ROUTED])
def test_each_route_finds_its_recipient_on_the_contract(event_type: str, route: Route) -> None:
    fields = registry[event_type].model_fields
    id_field = ID_FIELDS[route.recipient]
    assert id_field in fields or route.via in fields, f"{event_type}: neither {id_field} nor a via field names the {route.recipient}"
    if route.via is not None:
        assert route.via in fields
    if route.when is not None:
        field = route.when[0]
        for value in route.outcomes:
            if value is None:
                assert not fields[field].is_required(), f"{event_type}: {field} is never absent"
            else:
                assert value in _literal_values(fields[field].annotation), f"{event_type}: {field} never equals {value!r}"


def _told_by_outcome(event_type: str, recipient: RecipientKind) -> dict[str | None, list[str]]:
    """For a reader whose message depends on a coded field: each value the contract allows (``None``: the
    field absent, when it may be) → the templates the reader gets."""
    theirs = [route for route in ROUTES[event_type] if route.recipient is recipient]
    fields = registry[event_type].model_fields
    (field,) = {route.when[0] for route in theirs if route.when is not None}
    values: set[str | None] = {str(value) for value in _literal_values(fields[field].annotation)}
    if not fields[field].is_required():
        values.add(None)
    return {value: [route.template for route in theirs if applies(route, {field: value})] for value in values}


BY_OUTCOME = [(t, r.recipient) for t, routes in ROUTES.items() for r in routes if r.when is not None]


@pytest.mark.parametrize(("event_type", "recipient"), sorted(set(BY_OUTCOME)))
def test_no_reader_gets_two_messages_for_one_event(event_type: str, recipient: RecipientKind) -> None:
    told = _told_by_outcome(event_type, recipient)
    assert all(len(templates) <= 1 for templates in told.values()), f"{event_type} to the {recipient.value}: {told}"


@pytest.mark.parametrize(
    "event_type", ["abri.listings.unit.withdrawn.v1", "abri.listings.unit.deadline_announced.v1", "abri.matching.placement.proposed.v1"]
)
def test_the_owner_is_told_of_every_reason_a_unit_leaves_or_will_leave_the_market(event_type: str) -> None:
    told = _told_by_outcome(event_type, OWNER)
    assert all(len(templates) == 1 for templates in told.values()), told


def test_a_proposal_without_the_household_summary_is_told_without_it() -> None:
    """Since issue 18 an owner whose tenant is the association (intermediated letting, sliding lease) learns
    nothing of the household before accepting: the proposal comes without its size and resources band."""
    assert _told_by_outcome("abri.matching.placement.proposed.v1", OWNER) == {
        None: ["owner.placement_proposed"],  # an event from before the field: the summary is there
        "false": ["owner.placement_proposed"],
        "true": ["owner.placement_proposed_association_tenant"],
    }
    summary = {"household_size", "resources_band"}
    assert summary <= fields_of("owner.placement_proposed", Channel.EMAIL)
    assert not summary & fields_of("owner.placement_proposed_association_tenant", Channel.EMAIL)


def test_a_unit_withdrawn_by_its_owner_or_by_an_older_producer_is_told_as_before_and_a_rule_with_its_reason() -> None:
    assert _told_by_outcome("abri.listings.unit.withdrawn.v1", OWNER) == {
        None: ["owner.unit_withdrawn"],  # an event from before the reason: its owner withdrew it
        "owner": ["owner.unit_withdrawn"],
        "letting_ban": ["owner.unit_returned_to_draft_ban"],
        "dpe_expired": ["owner.unit_returned_to_draft_dpe"],
        "rules": ["owner.unit_returned_to_draft_rules"],
    }


@pytest.mark.parametrize(("event_type", "route"), ROUTED, ids=[f"{t}->{r.template}" for t, r in ROUTED])
def test_each_placeholder_is_a_field_of_the_event(event_type: str, route: Route) -> None:
    needed = fields_of(route.template, Channel.EMAIL) | fields_of(route.template, Channel.SMS)
    fields = registry[event_type].model_fields
    carried = set(fields)
    if "unit" in fields and UnitSnapshot in get_args(fields["unit"].annotation):  # the home named from its snapshot (with_home)
        carried |= set(HOME_FIELDS) & set(UnitSnapshot.model_fields)
    assert needed <= carried, f"{route.template} shows fields {event_type} does not carry"


def test_templates_and_routes_match_one_to_one() -> None:
    routed = {route.template for _, route in ROUTED}
    assert routed <= set(CATALOGUE)
    assert set(CATALOGUE) - routed == {DIGEST_TEMPLATE, PASS_ON}  # every message but the digest and the pass-on has its event
    readers = {route.template: route.recipient for _, route in ROUTED}
    assert all(template.startswith(f"{kind.value}.") for template, kind in readers.items())


JOURNEY = [
    ("abri.listings.unit.published.v1", {OWNER}),
    ("abri.matching.placement.proposed.v1", {OWNER, HOUSEHOLD}),
    ("abri.matching.placement.accepted.v1", {ASSOCIATION, HOUSEHOLD}),
    ("abri.listings.unit.reserved.v1", {OWNER}),
    ("abri.matching.placement.declined.v1", {ASSOCIATION, HOUSEHOLD}),
    ("abri.matching.placement.expired.v1", {ASSOCIATION, OWNER}),
    ("abri.matching.placement.withdrawn.v1", {OWNER}),
    ("abri.matching.placement.fell_through.v1", {ASSOCIATION}),
    ("abri.listings.unit.republished.v1", {OWNER}),
    ("abri.matching.placement.lease_ended.v1", set()),  # the owner through listings' echo; the household through the assistant
    ("abri.listings.unit.lease_ended.v1", {OWNER}),
    ("abri.matching.placement.guarantee_requested.v1", {ASSOCIATION}),
    ("abri.guarantees.file.submitted.v1", {FUND, ASSOCIATION}),
    ("abri.guarantees.file.information_requested.v1", {ASSOCIATION}),
    ("abri.guarantees.file.approved.v1", {ASSOCIATION, HOUSEHOLD}),
    ("abri.guarantees.file.rejected.v1", {ASSOCIATION, HOUSEHOLD}),
    ("abri.guarantees.file.visa_revoked.v1", {ASSOCIATION}),
    ("abri.matching.placement.lease_signed.v1", {ASSOCIATION, HOUSEHOLD}),
    ("abri.listings.unit.let.v1", {OWNER}),
    ("abri.guarantees.guarantee.activated.v1", {OWNER, FUND, ASSOCIATION}),
    ("abri.guarantees.guarantee.activation_refused.v1", {ASSOCIATION, OWNER}),
    ("abri.guarantees.guarantee.ended.v1", {OWNER, FUND}),
    ("abri.guarantees.claim.filed.v1", {FUND}),
    ("abri.guarantees.claim.validated.v1", {OWNER}),
    ("abri.guarantees.claim.paid.v1", {OWNER}),
    ("abri.guarantees.claim.rejected.v1", {OWNER}),
    ("abri.listings.unit.deadline_announced.v1", {OWNER}),
    ("abri.listings.unit.withdrawn.v1", {OWNER}),
    ("abri.matching.placement.sliding_review_due.v1", {ASSOCIATION, OWNER, HOUSEHOLD}),
    ("abri.matching.placement.slid.v1", {ASSOCIATION, OWNER, HOUSEHOLD}),
    ("abri.matching.placement.sliding_review_overdue.v1", {ASSOCIATION, OWNER}),
    ("abri.matching.placement.slide_agreed.v1", {ASSOCIATION, OWNER}),
]


@pytest.mark.parametrize(("event_type", "readers"), JOURNEY)
def test_the_journey_tells_the_right_parties(event_type: str, readers: set[RecipientKind]) -> None:
    assert {route.recipient for route in routes_for(event_type)} == readers


def test_the_owner_learns_each_placement_step_once() -> None:
    # matching's steps that listings echoes reach the owner through listings' events, which name them
    for matching, listings in [
        ("accepted", "reserved"),
        ("lease_signed", "let"),
        ("fell_through", "republished"),
        ("lease_ended", "lease_ended"),
    ]:
        told = [route for route in routes_for(f"abri.matching.placement.{matching}.v1") if route.recipient is OWNER]
        assert not told and [route.recipient for route in routes_for(f"abri.listings.unit.{listings}.v1")] == [OWNER]


HOUSEHOLD_STEPS = {
    "abri.matching.placement.proposed.v1": "household.home_proposed",
    "abri.matching.placement.accepted.v1": "household.owner_accepted",
    "abri.matching.placement.declined.v1": "household.owner_declined",
    "abri.guarantees.file.approved.v1": "household.guarantee_granted",
    "abri.guarantees.file.rejected.v1": "household.guarantee_refused",
    "abri.matching.placement.lease_signed.v1": "household.lease_signed",
    "abri.matching.placement.sliding_review_due.v1": "household.sliding_review_due",
    "abri.matching.placement.slid.v1": "household.lease_slid",
}
"""Issue 20: each step that concerns the household, and what it is told."""


def test_the_household_is_told_each_step_that_concerns_it_and_nothing_else() -> None:
    told = {event_type: route.template for event_type, route in ROUTED if route.recipient is HOUSEHOLD}
    assert told == HOUSEHOLD_STEPS


def test_what_an_association_passes_on_names_every_household_step_in_words() -> None:
    assert set(CODES["step"]) == set(HOUSEHOLD_STEPS.values())
    assert fields_of(PASS_ON, Channel.EMAIL) == {"step"}


def test_no_household_message_shows_another_partys_data_or_reasons() -> None:
    for template in HOUSEHOLD_STEPS.values():
        for channel in (Channel.INBOX, Channel.EMAIL, Channel.SMS):
            assert not allowed_fields(HOUSEHOLD, template, channel) & (PARTY_IDS | NOT_FOR_HOUSEHOLDS | {"owner_id"}), template


def test_an_unrouted_type_has_no_route() -> None:
    assert routes_for("abri.listings.unit.imagined.v1") == ()


def test_the_owner_of_a_proposal_is_named_by_the_event() -> None:
    event = PlacementProposed(
        placement_id=PLACEMENT,
        unit_id=UNIT,
        org_id="org-1",
        owner_id="owner-sub",
        household_size=2,
        resources_band="under 800 €",
        guarantee_required=False,
        proposed_at=AT,
        answer_by=AT,
    ).model_dump()
    (route,) = [route for route in routes_for(PlacementProposed.event_type) if applies(route, event) and route.recipient is OWNER]
    assert route.template == "owner.placement_proposed"
    assert recipient_id(route, event) == "owner-sub"
    assert lookup(route, event) is None


def test_an_owner_the_event_does_not_name_is_found_through_the_unit() -> None:
    event = PlacementWithdrawn(placement_id=PLACEMENT, unit_id=UNIT, org_id="org-1", reason="other", withdrawn_at=AT).model_dump()
    (route,) = routes_for(PlacementWithdrawn.event_type)
    assert recipient_id(route, event) is None
    assert lookup(route, event) == ("unit_id", str(UNIT))


def test_an_id_the_event_carries_wins_over_the_lookup() -> None:
    older = GuaranteeApproved(
        file_id=FILE, placement_id=PLACEMENT, fund_id="fund-1", decided_at=AT, max_rent_cents=1, valid_until=AT.date()
    )
    route, households = routes_for(GuaranteeApproved.event_type)
    assert (recipient_id(route, older.model_dump()), lookup(route, older.model_dump())) == (None, ("placement_id", str(PLACEMENT)))
    newer = older.model_copy(update={"org_id": "org-1"}).model_dump()
    assert (recipient_id(route, newer), lookup(route, newer)) == ("org-1", None)
    assert households.recipient is HOUSEHOLD and lookup(households, newer) == ("placement_id", str(PLACEMENT))  # its household too


@pytest.mark.parametrize(
    ("outcome", "templates"),
    [
        ("under_review", {"fund.file_submitted", "association.file_under_review"}),
        ("ineligible", {"association.file_ineligible"}),
    ],
)
def test_a_file_reaches_the_fund_only_when_it_passed_the_pre_check(
    outcome: Literal["under_review", "ineligible"], templates: set[str]
) -> None:
    event = GuaranteeFileSubmitted(
        file_id=FILE, placement_id=PLACEMENT, fund_id="fund-1", org_id="org-1", submitted_at=AT, outcome=outcome, review_deadline=AT
    ).model_dump()
    applying = [route for route in routes_for(GuaranteeFileSubmitted.event_type) if applies(route, event)]
    assert {route.template for route in applying} == templates
    assert {recipient_id(route, event) for route in applying} <= {"fund-1", "org-1"}


def test_a_route_is_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="through 'owner_id'"):
        Route(OWNER, "owner.unit_let", via="owner_id")
    with pytest.raises(ValueError, match="starts with 'fund'"):
        Route(FUND, "owner.unit_let")


def _literal_values(annotation: object) -> set[object]:
    if annotation is bool:
        return {"true", "false"}  # how a route names a yes/no value
    if get_origin(annotation) is Literal:
        return set(get_args(annotation))
    return {value for arg in get_args(annotation) for value in _literal_values(arg)}


@cache
def _pages() -> FastAPI:
    """The web front's pages (what a message may link to), on an app of their own."""
    from abri_gateway.web.router import PAGES

    app = FastAPI()
    for router in PAGES:
        app.include_router(router)
    return app


def _served(path: str) -> bool:
    """Whether a GET page of the web front answers ``path``."""
    scope = {"type": "http", "path": path, "method": "GET", "root_path": "", "path_params": {}, "query_string": b"", "headers": []}
    return any(route.matches(scope)[0] is Match.FULL for route in _pages().routes)


@pytest.mark.parametrize("template", sorted(CATALOGUE))
def test_every_message_links_to_a_page_of_the_web_front(template: str) -> None:
    """Issue 20: "Répondez dans Abri" links somewhere real: each template's link, and each reader's fallback,
    is a page the web front serves (an id filled in)."""
    ids = {"unit_id": UNIT, "placement_id": PLACEMENT, "file_id": FILE}
    for path in (link_for(template, ids), link_for(template, {})):
        assert _served(path), f"{template} links to {path}, which no page serves"
    assert not _served("/owner/nowhere")  # the check can fail
