"""Who is told of each event, and with which template: a declarative table. Pure.

A :class:`Route` names a kind of recipient and a template of the catalogue (``templates.CATALOGUE``).
The recipient is found from an id in the event (:data:`ID_FIELDS`): the owner by ``owner_id`` (the
subject of their account), the association by ``org_id`` (its members and its webhook endpoints), the
fund by ``fund_id`` (its agents and its webhook endpoints), the household by ``household_id`` (its own
account, when it has one and consents to be told; otherwise its association is told to pass the news on,
with :data:`PASS_ON`: ``usecases/telling.py``). Events carry no personal data; the service resolves these
ids against its own directory and read models.

Two refinements keep the table honest:

- ``via``: some events do not name the recipient (placement events name the association and the unit,
  not the owner). The route then names the event field through which the service finds it in the read
  models it keeps from other events: ``unit_id`` → the unit's owner (from listings' unit events, which
  carry ``owner_id``), ``placement_id`` → the placement's association (from matching's placement events,
  which carry ``org_id``; and the placement's household, from the same events, which carry
  ``household_id``). A field that is present wins over ``via``.
- ``when``: a route that applies only to some outcomes of the event, as ``(field, value)`` or ``(field,
  (value, ...))``; ``None`` among the values stands for the field's absence (an event older than the
  field), and a yes/no field's values are ``"true"`` and ``"false"``. A submitted guarantee file enters
  the fund's queue only when the pre-check passed (``outcome = under_review``); a withdrawn unit is told
  as its owner's own act when ``reason`` is ``owner`` or absent, and with the rule that refused it
  otherwise (one template per reason); a proposal under a scheme where the association is the owner's
  tenant carries no household summary, and is told without one.

Template keys are ``<reader>.<what happened>``; they are stored with each delivery, so they never change
meaning (a new wording keeps its key; a new message gets a new key). Each owner learns of a step once:
the steps that listings echoes for a placement (reserved, let, published again, back to draft when the lease
ended) reach the owner through listings' events, which name them, and the association through matching's
events. The end of a lease reaches the owner only through listings' ``unit.lease_ended``: it is told only if
the unit did go back to draft, and without matching's coded reason (eviction, death...: the household's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class RecipientKind(StrEnum):
    OWNER = "owner"
    ASSOCIATION = "association"
    FUND = "fund"
    HOUSEHOLD = "household"


ID_FIELDS: Mapping[RecipientKind, str] = {
    RecipientKind.OWNER: "owner_id",
    RecipientKind.ASSOCIATION: "org_id",
    RecipientKind.FUND: "fund_id",
    RecipientKind.HOUSEHOLD: "household_id",
}
"""The event field that names each kind of recipient."""

VIA_FIELDS = frozenset({"unit_id", "placement_id"})
"""The fields through which the service may find a recipient an event does not name (its read models)."""


@dataclass(frozen=True)
class Route:
    """One recipient of an event type and the template it is told with."""

    recipient: RecipientKind
    template: str
    via: str | None = None
    when: tuple[str, str | tuple[str | None, ...]] | None = None

    @property
    def outcomes(self) -> tuple[str | None, ...]:
        """The values of the ``when`` field this route applies to (``None``: the field is absent); empty
        when the route applies to every event of its type."""
        if self.when is None:
            return ()
        values = self.when[1]
        return values if isinstance(values, tuple) else (values,)

    def __post_init__(self) -> None:
        if self.via is not None and self.via not in VIA_FIELDS:
            raise ValueError(f"route {self.template}: cannot find a recipient through {self.via!r}")
        if not self.template.startswith(f"{self.recipient.value}."):
            raise ValueError(f"route {self.template}: a template for a {self.recipient.value} starts with {self.recipient.value!r}")


OWNER, ASSOCIATION, FUND, HOUSEHOLD = RecipientKind.OWNER, RecipientKind.ASSOCIATION, RecipientKind.FUND, RecipientKind.HOUSEHOLD

PASS_ON = "association.tell_household"  # noqa: S105 (a template key)
"""What the association is told when a household's message cannot reach it (no account of its own, or no
consent to be told): "tell the household: ...", the household's news named by ``step`` (the household's
template key, in words: ``texts.CODES["step"]``)."""

ROUTES: Mapping[str, tuple[Route, ...]] = {
    # listings: the owner's own unit
    "abri.listings.unit.published.v1": (Route(OWNER, "owner.unit_published"),),
    "abri.listings.unit.updated.v1": (Route(OWNER, "owner.unit_updated"),),
    "abri.listings.unit.withdrawn.v1": (
        Route(OWNER, "owner.unit_withdrawn", when=("reason", ("owner", None))),  # its owner withdrew it (no reason: older events)
        Route(OWNER, "owner.unit_returned_to_draft_ban", when=("reason", "letting_ban")),
        Route(OWNER, "owner.unit_returned_to_draft_dpe", when=("reason", "dpe_expired")),
        Route(OWNER, "owner.unit_returned_to_draft_rules", when=("reason", "rules")),
    ),
    "abri.listings.unit.reserved.v1": (Route(OWNER, "owner.unit_reserved"),),
    "abri.listings.unit.let.v1": (Route(OWNER, "owner.unit_let"),),
    "abri.listings.unit.republished.v1": (Route(OWNER, "owner.unit_republished"),),
    "abri.listings.unit.lease_ended.v1": (Route(OWNER, "owner.unit_lease_ended"),),  # back to draft: to check and publish again
    "abri.listings.unit.deadline_announced.v1": (
        Route(OWNER, "owner.letting_ban_announced", when=("reason", "letting_ban")),
        Route(OWNER, "owner.dpe_expiry_announced", when=("reason", "dpe_expired")),
    ),
    # matching: a placement, from proposal to lease
    "abri.matching.placement.proposed.v1": (
        Route(OWNER, "owner.placement_proposed", when=("association_is_tenant", ("false", None))),
        Route(OWNER, "owner.placement_proposed_association_tenant", when=("association_is_tenant", "true")),  # no household summary
        Route(HOUSEHOLD, "household.home_proposed"),
    ),
    "abri.matching.placement.accepted.v1": (
        Route(ASSOCIATION, "association.placement_accepted"),
        Route(HOUSEHOLD, "household.owner_accepted"),
    ),
    "abri.matching.placement.declined.v1": (
        Route(ASSOCIATION, "association.placement_declined"),
        Route(HOUSEHOLD, "household.owner_declined"),  # without the owner's reason
    ),
    "abri.matching.placement.expired.v1": (
        Route(ASSOCIATION, "association.placement_expired"),
        Route(OWNER, "owner.placement_expired", via="unit_id"),
    ),
    "abri.matching.placement.withdrawn.v1": (Route(OWNER, "owner.placement_withdrawn", via="unit_id"),),
    "abri.matching.placement.fell_through.v1": (Route(ASSOCIATION, "association.placement_fell_through"),),
    "abri.matching.placement.guarantee_requested.v1": (Route(ASSOCIATION, "association.guarantee_requested"),),
    "abri.matching.placement.lease_signed.v1": (
        Route(ASSOCIATION, "association.lease_signed"),
        Route(HOUSEHOLD, "household.lease_signed"),
    ),
    "abri.matching.placement.sliding_reviewed.v1": (Route(ASSOCIATION, "association.sliding_reviewed"),),
    "abri.matching.placement.sliding_review_due.v1": (
        Route(ASSOCIATION, "association.sliding_review_due"),
        Route(OWNER, "owner.sliding_review_due"),
        Route(HOUSEHOLD, "household.sliding_review_due"),
    ),
    "abri.matching.placement.sliding_review_overdue.v1": (
        Route(ASSOCIATION, "association.sliding_review_overdue"),
        Route(OWNER, "owner.sliding_review_overdue"),
    ),
    "abri.matching.placement.slide_agreed.v1": (
        Route(ASSOCIATION, "association.slide_agreed"),
        Route(OWNER, "owner.slide_agreed"),
    ),
    "abri.matching.placement.slid.v1": (
        Route(ASSOCIATION, "association.lease_slid"),
        Route(OWNER, "owner.lease_slid", via="unit_id"),
        Route(HOUSEHOLD, "household.lease_slid"),
    ),
    # guarantees: the file's review
    "abri.guarantees.file.submitted.v1": (
        Route(FUND, "fund.file_submitted", when=("outcome", "under_review")),
        Route(ASSOCIATION, "association.file_under_review", when=("outcome", "under_review")),
        Route(ASSOCIATION, "association.file_ineligible", when=("outcome", "ineligible")),
    ),
    "abri.guarantees.file.information_requested.v1": (Route(ASSOCIATION, "association.file_information_requested"),),
    "abri.guarantees.file.approved.v1": (
        Route(ASSOCIATION, "association.file_approved", via="placement_id"),
        Route(HOUSEHOLD, "household.guarantee_granted", via="placement_id"),
    ),
    "abri.guarantees.file.rejected.v1": (
        Route(ASSOCIATION, "association.file_rejected", via="placement_id"),
        Route(HOUSEHOLD, "household.guarantee_refused", via="placement_id"),
    ),
    "abri.guarantees.file.visa_revoked.v1": (Route(ASSOCIATION, "association.visa_revoked"),),
    # guarantees: the guarantee and its claims
    "abri.guarantees.guarantee.activated.v1": (
        Route(OWNER, "owner.guarantee_activated"),
        Route(FUND, "fund.guarantee_activated"),
        Route(ASSOCIATION, "association.guarantee_activated"),
    ),
    "abri.guarantees.guarantee.activation_refused.v1": (
        Route(ASSOCIATION, "association.guarantee_activation_refused"),
        Route(OWNER, "owner.guarantee_activation_refused"),
    ),
    "abri.guarantees.guarantee.ended.v1": (Route(OWNER, "owner.guarantee_ended"), Route(FUND, "fund.guarantee_ended")),
    "abri.guarantees.claim.filed.v1": (Route(FUND, "fund.claim_filed"),),
    "abri.guarantees.claim.validated.v1": (Route(OWNER, "owner.claim_validated"),),
    "abri.guarantees.claim.paid.v1": (Route(OWNER, "owner.claim_paid"),),
    "abri.guarantees.claim.rejected.v1": (Route(OWNER, "owner.claim_rejected"),),
    "abri.assistant.conversation.handover_requested.v1": (
        Route(ASSOCIATION, "association.conversation_handed_over", when=("urgent", "false")),
        Route(ASSOCIATION, "association.conversation_handed_over_urgent", when=("urgent", "true")),
    ),
}
"""Every event type the service handles, with its recipients (see the module docstring for the rules)."""


HOME_FIELDS = ("postal_code", "commune")
"""What names a home to its owner ("your home in 75011 Paris"): its postal code and commune's name."""


def with_home(event_data: Mapping[str, Any]) -> dict[str, Any]:
    """The event's data, with the home it is about named at its top level: ``unit.deadline_announced`` names
    it itself (``postal_code``, ``commune``), ``unit.withdrawn`` in the unit's snapshot (``unit``). An older
    event without them is left as it is (its message says "your home": ``texts.Message.unnamed``)."""
    snapshot = event_data.get("unit")
    if not isinstance(snapshot, Mapping):
        return dict(event_data)
    named = {field: snapshot[field] for field in HOME_FIELDS if event_data.get(field) is None and snapshot.get(field) is not None}
    return {**event_data, **named}


def routes_for(event_type: str) -> tuple[Route, ...]:
    """The routes of an event type; none for a type the service does not handle (it is acknowledged)."""
    return ROUTES.get(event_type, ())


def applies(route: Route, event_data: Mapping[str, Any]) -> bool:
    """Whether the route applies to this event: always, unless it is for some outcomes only."""
    if route.when is None:
        return True
    value = event_data.get(route.when[0])
    return (None if value is None else str(value).lower() if isinstance(value, bool) else str(value)) in route.outcomes


def recipient_id(route: Route, event_data: Mapping[str, Any]) -> str | None:
    """The id of the route's recipient as the event names it (``owner_id``, ``org_id`` or ``fund_id``),
    or ``None`` when the event does not name it: then :func:`lookup` says where to find it."""
    value = event_data.get(ID_FIELDS[route.recipient])
    return str(value) if value not in (None, "") else None


def lookup(route: Route, event_data: Mapping[str, Any]) -> tuple[str, str] | None:
    """For a recipient the event does not name: the ``(field, value)`` through which the service finds
    it (``("unit_id", "…")`` → that unit's owner); ``None`` when the event names it or the route has no
    ``via``."""
    if recipient_id(route, event_data) is not None or route.via is None:
        return None
    value = event_data.get(route.via)
    return (route.via, str(value)) if value not in (None, "") else None
