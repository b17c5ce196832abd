"""How long matching keeps what can identify a person: data, with their sources, never code.

- ``household_years`` (2): a household's identity, contact and situations are social follow-up data,
  which stay in the live base at most 2 years after the last contact with the person followed
  (CNIL, délibération n° 2016-095 of 14 April 2016, AU-048, art. 4, as the SI-SIAO applies it: its
  "droit à l'oubli"; the CNIL's retention framework for the social sector keeps 2 years). The last
  contact is the latest of the household's registration, its last change (its record, its purposes in
  force, its legal basis), its consents given or withdrawn and its placements' steps. A household
  whose placement is still running (proposed, accepted, awaiting or holding its guarantee, or a sliding
  lease not yet slid: the association still follows it) is kept whatever the date. Past the period the
  household is erased as if asked (``usecases/erasure.py``, ``requested_by: retention``): its data key
  shredded, every service told by ``household.erased``.
- ``placement_years`` (5): a closed placement (declined, expired, withdrawn, guarantee rejected, a lease
  signed other than sliding, a sliding lease slid) and its steps are the evidence of who proposed, who
  answered and why (coded reasons), kept for a dispute while an action can be brought: personal
  actions are barred 5 years after the facts (Code civil, art. 2224). Counted from the placement's last
  step; then deleted with its steps (the owner's and the social workers' subjects with them).
- ``inventory_years`` (3): a placement's move-in and move-out inventories (états des lieux) are the lease's
  evidence of the home's condition: kept while the lease runs, then 3 years (loi 89-462, art. 7-1: actions
  arising from the lease are barred) after the deposit's last day, two months after the move-out (art. 22).
  Without a move-out signed in Abri (made on paper, or never), the end of the lease's last known term stands for
  it (renewals move it); an inventory not signed by both keeps nothing. The placement they belong to is
  kept as long (its own period notwithstanding); then both are deleted and the inventories' keys shredded.
- ``consent_proof_years`` (5): the consents of an erased household (purpose, notice version, dates,
  who recorded them) are the proof that its processing had a basis (RGPD art. 7.1: the controller
  demonstrates the consent), kept as long as the processing ran plus the limitation period (Code civil,
  art. 2224), counted from the erasure, which ended the processing; then deleted.

A year here is a calendar year (a period that began on 29 February ends on 28 February), so that
nothing leaves a day early. A deployment overrides any of them with ``ABRI_MATCHING_RETENTION`` (JSON);
``docs/domain-rules.md`` ("Retention") gives the sources and the date they were checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from abri_kit.calendar import day_in_france
from abri_matching.domain.leases import add_months
from abri_matching.domain.placements import ACTIVE, ENDED, PlacementStatus

FOLLOWED = tuple(sorted(status.value for status in ACTIVE))
"""Placements that keep their household whatever its last contact (with a sliding lease not yet slid:
``still_followed``)."""
SLIDING = "sliding"
CLOSED = tuple(sorted(status.value for status in (*ENDED, PlacementStatus.SLID)))
"""Placements closed whatever their lease (with a lease signed other than sliding: ``closed``)."""


def still_followed(status: str, lease_type: str | None) -> bool:
    """Whether a placement keeps its household: running, or a sliding lease not yet slid."""
    return status in FOLLOWED or (status == PlacementStatus.LEASE_SIGNED.value and lease_type == SLIDING)


def closed(status: str, lease_type: str | None) -> bool:
    """Whether a placement's journey is over (its retention runs from its last step)."""
    return status in CLOSED or (status == PlacementStatus.LEASE_SIGNED.value and lease_type != SLIDING)


DEPOSIT_MONTHS_AT_MOST = 2
"""Loi 89-462, art. 22: the deposit is returned at the latest two months after the keys (``InventoryPolicy``)."""


def months_moved(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months (either way; the month's last day where it is shorter)."""
    return add_months(day, months)


def years_before(now: datetime, years: int) -> datetime:
    """``now`` moved ``years`` calendar years back (29 February falls on 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


@dataclass(frozen=True)
class RetentionPolicy:
    """The periods, in calendar years (see the module's docstring for their sources)."""

    household_years: int = 2
    placement_years: int = 5
    consent_proof_years: int = 5
    inventory_years: int = 3

    def __post_init__(self) -> None:
        for name in ("household_years", "placement_years", "consent_proof_years", "inventory_years"):
            if not 1 <= getattr(self, name) <= 10:
                raise ValueError(f"{name} is a number of years from 1 to 10")

    def contact_before(self, now: datetime) -> datetime:
        """Households last in contact before this instant have outlived their period."""
        return years_before(now, self.household_years)

    def closed_before(self, now: datetime) -> datetime:
        """Placements closed (their last step) before this instant have outlived their period."""
        return years_before(now, self.placement_years)

    def moved_out_before(self, now: datetime) -> date:
        """Inventories whose move-out inventory was made before this day have outlived their period: counted from
        the deposit's last day (the move-out and ``DEPOSIT_MONTHS_AT_MOST``), when the tenant's action on it arises."""
        return months_moved(day_in_france(years_before(now, self.inventory_years)), -DEPOSIT_MONTHS_AT_MOST)

    def inventories_kept_until(self, moved_out_on: date) -> date:
        """The last day a lease's inventories are kept: ``inventory_years`` after the deposit's last day."""
        deposit_due = months_moved(moved_out_on, DEPOSIT_MONTHS_AT_MOST)
        try:
            return deposit_due.replace(year=deposit_due.year + self.inventory_years)
        except ValueError:
            return deposit_due.replace(year=deposit_due.year + self.inventory_years, day=28)

    def erased_before(self, now: datetime) -> datetime:
        """The consents of households erased before this instant have outlived their period."""
        return years_before(now, self.consent_proof_years)
