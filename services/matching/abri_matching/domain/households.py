"""Households as the matching rules see them: status, priority situations and their level. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class HouseholdStatus(StrEnum):
    """Where a household is in its search."""

    SEARCHING = "searching"
    PROPOSED = "proposed"
    PLACED = "placed"
    ARCHIVED = "archived"


class HouseholdMove(StrEnum):
    """What moves a household: its placement's steps, and the erasure of its personal data."""

    PROPOSE = "propose"
    """A placement is proposed for it."""
    RELEASE = "release"
    """Its placement ended before a lease (declined, expired, withdrawn, guarantee rejected)."""
    PLACE = "place"
    """Its lease is signed."""
    ARCHIVE = "archive"
    """Its personal data were erased."""


HOUSEHOLD_MOVES: dict[tuple[HouseholdStatus, HouseholdMove], HouseholdStatus] = {
    (HouseholdStatus.SEARCHING, HouseholdMove.PROPOSE): HouseholdStatus.PROPOSED,
    (HouseholdStatus.PROPOSED, HouseholdMove.RELEASE): HouseholdStatus.SEARCHING,
    (HouseholdStatus.PROPOSED, HouseholdMove.PLACE): HouseholdStatus.PLACED,
    (HouseholdStatus.ARCHIVED, HouseholdMove.RELEASE): HouseholdStatus.ARCHIVED,  # erased meanwhile: archived stays archived
    (HouseholdStatus.ARCHIVED, HouseholdMove.PLACE): HouseholdStatus.ARCHIVED,
    **{(status, HouseholdMove.ARCHIVE): HouseholdStatus.ARCHIVED for status in HouseholdStatus},
}
"""One active placement per household: only a searching household may be proposed; an archived one
never comes back into the rankings."""


class HouseholdMoveRefused(Exception):
    """A move the household's status does not allow (a proposal for a household that is not searching)."""

    def __init__(self, status: HouseholdStatus, move: HouseholdMove) -> None:
        refused = "not searching" if move == HouseholdMove.PROPOSE else f"it cannot {move.value}"
        super().__init__(f"the household is {status.value}, {refused}")
        self.status = status
        self.move = move


def household_after(status: HouseholdStatus, move: HouseholdMove) -> HouseholdStatus:
    """Where ``move`` leads a household from ``status``; :class:`HouseholdMoveRefused` if not allowed."""
    try:
        return HOUSEHOLD_MOVES[(status, move)]
    except KeyError:
        raise HouseholdMoveRefused(status, move) from None


DALO = "dalo_decision"
L441_1_GROUPS = (
    "disability",
    "domestic_violence",
    "forced_marriage_or_prostitution",
    "leaving_shelter_or_therapeutic_housing",
    "unfit_or_dangerous_housing",
    "threatened_with_eviction",
    "no_home",
    "non_decent_or_overcrowded_with_minor_or_disabled",
)
"""Priority groups of article L441-1 of the Code de la construction et de l'habitation (and the DALO
situations of article L441-2-3) that a social worker may record; see ``docs/domain-rules.md``, "Priority situations"."""

PRIORITY_SITUATIONS = (DALO, *L441_1_GROUPS)


@dataclass(frozen=True)
class PriorityPolicy:
    """The priority level the ranking uses, from the recorded situations (a number per kind of decision).

    - ``dalo_level``: a favourable DALO commission decision (loi 2007-290, CCH art. L441-2-3): the
      prefect must rehouse; highest priority.
    - ``group_level``: belonging to an L441-1 CCH priority group.
    Only the level is stored in clear for ranking; which situation it is stays sealed with the
    household's personal data.
    """

    dalo_level: int = 2
    group_level: int = 1


def priority_level(situations: Iterable[str], policy: PriorityPolicy = PriorityPolicy()) -> int:
    """0 (none), ``group_level`` or ``dalo_level``."""
    recorded = set(situations)
    if DALO in recorded:
        return policy.dalo_level
    return policy.group_level if recorded & set(L441_1_GROUPS) else 0


class AccessPurpose(StrEnum):
    """Why someone reads a household's personal data (written to the access log)."""

    SUPPORT_FOLLOW_UP = "support_follow_up"
    CONTACT = "contact"
    PLACEMENT_PROPOSAL = "placement_proposal"
    GUARANTEE_FILE = "guarantee_file"
    LEASE_SIGNATURE = "lease_signature"
    HOUSEHOLD_OWN_REQUEST = "household_own_request"
    OWNER_AFTER_ACCEPTANCE = "owner_after_acceptance"


def last_day_under(birth_date: date, age: int) -> date:
    """The last day a person born on ``birth_date`` is under ``age``: the eve of that birthday (born on 29 February,
    the birthday of a common year is 1 March, so the eve is 28 February)."""
    try:
        birthday = birth_date.replace(year=birth_date.year + age)
    except ValueError:  # 29 February, in a common year
        birthday = date(birth_date.year + age, 3, 1)
    return birthday - timedelta(days=1)
