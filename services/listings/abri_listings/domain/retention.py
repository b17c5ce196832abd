"""How long listings keeps a unit that is no longer offered: data, with their sources, never code.

What listings holds about a person is its owner's: the subject of their account (``owner_id``) and, for
a private owner, the street and exact position of their property (which, once let, are where a
household lives). A unit no longer offered (a draft never published or back to draft, a withdrawn unit)
is deleted ``unit_years`` after its last change (3 years): the CNIL's rental-management framework
(délibération n° 2021-057 of 6 May 2021, which addresses online platforms offering rental-management
services too) keeps the data of a landlord relationship 3 years after the last contact. A published,
reserved or let unit is in use and kept: a let unit's lease runs until the association records its end,
which puts the unit back to draft (matching's ``lease_ended``), and its 3 years run from then.
Deleting, rather than pseudonymising, leaves nothing to re-identify:
listings' events already told the other services everything non-personal they keep (snapped position,
facts), and no law asks listings to keep a record (the lease and the accounts are kept by the parties).

A deployment overrides the years with ``ABRI_LISTINGS_RETENTION_UNIT_YEARS``; ``docs/domain-rules.md``
("Retention") gives the sources and the date they were checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

NOT_OFFERED = ("draft", "withdrawn")
"""Statuses of a unit no longer (or not yet) offered: its retention runs from its last change."""


@dataclass(frozen=True)
class RetentionPolicy:
    unit_years: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.unit_years <= 10:
            raise ValueError("unit_years is a number of years from 1 to 10")

    def changed_before(self, now: datetime) -> datetime:
        """Units not offered and last changed before this instant have outlived their period (a year of
        365 days: a leap day errs on keeping one day less)."""
        return now - timedelta(days=365 * self.unit_years)
