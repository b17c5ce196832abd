"""What outlived its retention period (``domain/retention.py``), for the service's sweeper only (the
service acting for itself, every association's rows): each query takes a batch with SKIP LOCKED (rows
another replica is sweeping, or a use case is changing, are left for later) in the caller's transaction.
The access log is not touched here: its own job prunes it (append-only tables)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from abri_kit.usecase import UnitOfWork
from abri_matching.db.erasures import HouseholdErasure
from abri_matching.db.households import Consent, Household
from abri_matching.db.inventories import Inventory
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.domain.placements import PlacementStatus
from abri_matching.domain.retention import CLOSED, FOLLOWED, SLIDING

SIGNED = PlacementStatus.LEASE_SIGNED.value


def _followed() -> sa.ColumnElement[bool]:
    """A placement that keeps its household (``domain/retention.py`` ``still_followed``)."""
    return sa.or_(Placement.status.in_(FOLLOWED), sa.and_(Placement.status == SIGNED, Placement.lease_type == SLIDING))


def _closed() -> sa.ColumnElement[bool]:
    """A placement whose journey is over (``domain/retention.py`` ``closed``)."""
    signed_not_sliding = sa.and_(Placement.status == SIGNED, sa.func.coalesce(Placement.lease_type, "") != SLIDING)
    return sa.or_(Placement.status.in_(CLOSED), signed_not_sliding)


class Lapsed:
    """The sweeper's view of households, placements and consents."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def for_system(cls, uow: UnitOfWork) -> Lapsed:
        return cls(uow.session)

    async def households_out_of_contact(self, before: datetime, batch: int) -> list[Household]:
        """Up to ``batch`` households not erased whose last contact (registration, last change, legal basis
        recorded, a consent given or withdrawn, a step of one of their placements) is before ``before``
        and that no running placement keeps, locked; by association then id, so that replicas erasing side
        by side take the associations' ranking generations in the same order."""
        recent_step = sa.exists().where(
            PlacementStep.placement_id == Placement.id, Placement.household_id == Household.id, PlacementStep.at >= before
        )
        recent_consent = sa.exists().where(
            Consent.household_id == Household.id, sa.or_(Consent.consented_at >= before, Consent.withdrawn_at >= before)
        )
        running = sa.exists().where(Placement.household_id == Household.id, _followed())
        asked = sa.exists().where(HouseholdErasure.household_id == Household.id)  # erased by a request meanwhile
        statement = (
            sa.select(Household)
            .where(
                Household.erased_at.is_(None),
                Household.created_at < before,
                Household.updated_at < before,
                sa.or_(Household.legal_basis_recorded_at.is_(None), Household.legal_basis_recorded_at < before),
                ~recent_step,
                ~recent_consent,
                ~running,
                ~asked,
            )
            .order_by(Household.org_id, Household.id)
            .limit(batch)
            .with_for_update(of=Household, skip_locked=True)
        )
        return list(await self.session.scalars(statement))

    async def delete_closed_placements(self, before: datetime, moved_out_before: date, batch: int) -> tuple[int, list[uuid.UUID]]:
        """Delete up to ``batch`` closed placements whose last step is before ``before``, with their steps and
        inventories, unless their inventories are still kept: signed by both, and a move-out made on or after
        ``moved_out_before``, or a move-in without a signed move-out whose lease's last known term ends on or after
        it (or is not known); returns how many, and the inventories deleted."""
        last_step = sa.select(sa.func.max(PlacementStep.at)).where(PlacementStep.placement_id == Placement.id).scalar_subquery()
        out = aliased(Inventory)
        signed = sa.and_(Inventory.landlord_signed_at.is_not(None), Inventory.household_signed_at.is_not(None))
        moved_out = sa.exists().where(
            out.placement_id == Inventory.placement_id,
            out.kind == "move_out",
            out.landlord_signed_at.is_not(None),
            out.household_signed_at.is_not(None),
        )
        lease_ends = sa.func.coalesce(Placement.lease_term_ends_on, Placement.lease_ends_on, Placement.head_lease_ends_on)
        inventory_kept = sa.exists().where(
            Inventory.placement_id == Placement.id,
            signed,  # a draft keeps nothing
            sa.or_(
                sa.and_(Inventory.kind == "move_out", Inventory.made_on >= moved_out_before),
                # no move-out signed in Abri: kept while the lease's last known term runs (renewals move it), then as long
                sa.and_(Inventory.kind == "move_in", ~moved_out, sa.or_(lease_ends.is_(None), lease_ends >= moved_out_before)),
            ),
        )
        lapsed = (
            sa.select(Placement.id)
            .where(_closed(), sa.func.coalesce(last_step, Placement.ended_at, Placement.proposed_at) < before)
            .where(sa.or_(Placement.ended_at.is_(None), Placement.ended_at < before))
            .where(~inventory_kept)
            .limit(batch)
            .with_for_update(of=Placement, skip_locked=True)
        )
        ids = list((await self.session.scalars(lapsed)).all())
        inventories: list[uuid.UUID] = []
        if ids:
            inventories = list((await self.session.scalars(sa.select(Inventory.id).where(Inventory.placement_id.in_(ids)))).all())
            await self.session.execute(sa.delete(Inventory).where(Inventory.placement_id.in_(ids)))
            await self.session.execute(sa.delete(PlacementStep).where(PlacementStep.placement_id.in_(ids)))
            await self.session.execute(sa.delete(Placement).where(Placement.id.in_(ids)))
        return len(ids), inventories

    async def delete_consent_proofs(self, before: datetime, batch: int) -> int:
        """Delete up to ``batch`` consents of households erased before ``before``; returns how many."""
        erased = sa.select(Household.id).where(Household.erased_at < before)
        lapsed = (
            sa.select(Consent.id)
            .where(Consent.household_id.in_(erased.scalar_subquery()))
            .limit(batch)
            .with_for_update(of=Consent, skip_locked=True)
        )
        ids = list((await self.session.scalars(lapsed)).all())
        if ids:
            await self.session.execute(sa.delete(Consent).where(Consent.id.in_(ids)))
        return len(ids)
