"""Households and what belongs to each: its consents (its data key: the key store, ``usecases/sealing.py``;
the log of reads of its personal data: ``access_log.py``).

A social worker sees its association's households (``org_id``); a household person its own file (the
one whose ``account_subject`` is its subject), though its token carries its association's ``org_id``
too. Consents, keys and log entries are seen through their household.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_matching.db.households import Consent, Household
from abri_matching.db.units import UnitView
from abri_matching.domain.households import HouseholdStatus

MATCHING = "matching"
"""The purpose ranking and allocation need in force (``domain/consents.py``)."""
M = TypeVar("M")
KM_PER_LATITUDE_DEGREE_AT_MOST = 111.0
"""A degree of latitude is 111.19 km (``domain.ranking.EARTH_RADIUS_KM``): boxes drawn with 111 are a little larger."""


class Households(ScopedRepository[Household]):
    model = Household
    owner_column = "account_subject"
    org_column = "org_id"
    kind = "household"

    async def page_by_registration(self, request: PageRequest, status: str | None = None) -> tuple[list[Household], str | None]:
        """The caller's households (``status``: only those), the longest registered first."""
        where = [Household.status == status] if status is not None else []
        return await self.page(request, (Household.registered_since, Household.id), where=where)

    def visible_ids(self, *, writing: bool = False) -> sa.Select[Any]:
        """The ids of the caller's households: what its consents, keys and log entries are seen through."""
        return self.where_visible(sa.select(Household.id), writing=writing)

    async def by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Household]:
        """The caller's households among ``ids``, by id."""
        rows = await self.session.scalars(self.select().where(Household.id.in_(ids)))
        return {household.id: household for household in rows}

    async def not_erased_after(self, after: uuid.UUID | None, limit: int) -> list[Household]:
        """Up to ``limit`` households not erased, in id order after ``after`` (the service's own walk over them all)."""
        statement = self.select(writing=True).where(Household.erased_at.is_(None)).order_by(Household.id).limit(limit)
        if after is not None:
            statement = statement.where(Household.id > after)
        return list(await self.session.scalars(statement.with_for_update(skip_locked=True)))

    async def searching_near(self, units: Sequence[UnitView]) -> list[Household]:
        """The searching households that may want one of ``units``: one of their communes, or a point whose
        latitude alone is within the household's radius of the units' band (a great-circle distance is at
        least the latitude difference, 111.19 km a degree: 111 here, a margin). A superset of the
        households that pass the ``wanted_place`` rule for one of the units."""
        communes = sorted({unit.insee_code for unit in units if unit.insee_code})
        latitudes = [unit.latitude for unit in units if unit.latitude is not None]
        near = [Household.wanted_communes.overlap(communes)] if communes else []
        if latitudes:
            margin = Household.wanted_radius_km / KM_PER_LATITUDE_DEGREE_AT_MOST
            near.append(Household.wanted_latitude.between(min(latitudes) - margin, max(latitudes) + margin))
        if not near:
            return []
        statement = self.select().where(
            Household.status == HouseholdStatus.SEARCHING.value, sa.literal(MATCHING) == sa.any_(Household.purposes_in_force), sa.or_(*near)
        )
        return list(await self.session.scalars(statement))


class OfHousehold(ScopedRepository[M]):
    """Rows seen through their household (``household_id``): a caller sees those of its households."""

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        if self.principal is None:
            return sa.true()
        household_id: Any = self.model.household_id
        seen: sa.ColumnElement[bool] = household_id.in_(Households(self.session, self.principal).visible_ids(writing=writing))
        return seen


class Consents(OfHousehold[Consent]):
    model = Consent
    kind = "consent"

    async def page_of(self, household_id: uuid.UUID, request: PageRequest) -> tuple[list[Consent], str | None]:
        """A household's consents, the oldest given first."""
        return await self.page(request, (Consent.consented_at, Consent.id), where=[Consent.household_id == household_id])

    async def of_household(self, household_id: uuid.UUID, consent_id: uuid.UUID) -> Consent | None:
        """One consent of one household."""
        found: Consent | None = await self.session.scalar(
            self.select(writing=True).where(Consent.id == consent_id, Consent.household_id == household_id)
        )
        return found

    async def purposes_given(self, household_id: uuid.UUID) -> set[str]:
        """The purposes the household consented to and has not withdrawn."""
        statement = self.where_visible(sa.select(Consent.purpose).distinct()).where(
            Consent.household_id == household_id, Consent.withdrawn_at.is_(None)
        )
        return set(await self.session.scalars(statement))

    async def given(self, household_id: uuid.UUID, purpose: str) -> bool:
        """Whether the household consented to ``purpose`` and has not withdrawn it."""
        statement = self.where_visible(sa.select(sa.func.count()).select_from(Consent)).where(
            Consent.household_id == household_id, Consent.purpose == purpose, Consent.withdrawn_at.is_(None)
        )
        return bool(await self.session.scalar(statement))
