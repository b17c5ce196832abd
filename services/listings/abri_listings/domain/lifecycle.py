"""The life of a unit: draft → published → reserved → let; withdrawn from draft or published; back to
published when a placement falls through; back to draft when a rule now refuses a published or
released unit (a letting ban that came into force, a diagnosis that expired: the daily sweep); back to
draft when the lease of a let unit ends (a sliding lease that slid as well: the home is empty either way),
for its owner to check its rent, availability and diagnoses before publishing it again. Any other
move is refused (the API answers 409)."""

from __future__ import annotations

from enum import StrEnum


class UnitStatus(StrEnum):
    """Where a unit is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RESERVED = "reserved"
    LET = "let"
    WITHDRAWN = "withdrawn"


class Transition(StrEnum):
    """What can happen to a unit."""

    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    RESERVE = "reserve"  # the owner accepted a proposal (a placement event)
    LET = "let"  # the lease is signed (a placement event)
    REPUBLISH = "republish"  # the placement fell through (a placement event)
    RETURN_TO_DRAFT = (
        "return_to_draft"  # a rule now refuses it: a ban began, its diagnosis expired, or its placement fell through meanwhile
    )
    LEASE_ENDED = "lease_ended"  # the lease of its placement ended, slid or not (a placement event): its owner offers it again


ALLOWED: dict[tuple[UnitStatus, Transition], UnitStatus] = {
    (UnitStatus.DRAFT, Transition.PUBLISH): UnitStatus.PUBLISHED,
    (UnitStatus.DRAFT, Transition.WITHDRAW): UnitStatus.WITHDRAWN,
    (UnitStatus.PUBLISHED, Transition.WITHDRAW): UnitStatus.WITHDRAWN,
    (UnitStatus.PUBLISHED, Transition.RESERVE): UnitStatus.RESERVED,
    (UnitStatus.PUBLISHED, Transition.RETURN_TO_DRAFT): UnitStatus.DRAFT,
    (UnitStatus.RESERVED, Transition.LET): UnitStatus.LET,
    (UnitStatus.RESERVED, Transition.REPUBLISH): UnitStatus.PUBLISHED,
    (UnitStatus.RESERVED, Transition.RETURN_TO_DRAFT): UnitStatus.DRAFT,
    (UnitStatus.LET, Transition.LEASE_ENDED): UnitStatus.DRAFT,
}


class InvalidTransition(Exception):
    """A move the lifecycle does not allow."""

    def __init__(self, status: UnitStatus, transition: Transition) -> None:
        super().__init__(f"a {status.value} unit cannot {transition.value}")
        self.status = status
        self.transition = transition


def next_status(status: UnitStatus, transition: Transition) -> UnitStatus:
    """The status after ``transition``; :class:`InvalidTransition` if not allowed."""
    try:
        return ALLOWED[(status, transition)]
    except KeyError:
        raise InvalidTransition(status, transition) from None
