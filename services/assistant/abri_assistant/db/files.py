"""The read model of households' files, as rows: written from events (an event older than what a row holds
changes nothing: redeliveries and reorderings are harmless) and read back for one household."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_assistant.db.models import GuaranteeFileRow, HouseholdRow, PlacementRow
from abri_assistant.domain.file_state import GuaranteeState, PlacementState
from abri_kit.usecase import Context


async def household_changed(
    ctx: Context, household_id: uuid.UUID, org_id: str, account_subject: str | None, purposes: Sequence[str], at: datetime
) -> None:
    values = {
        "household_id": household_id,
        "org_id": org_id,
        "account_subject": account_subject,
        "purposes": list(purposes),
        "changed_at": at,
    }
    await _upsert_if_newer(ctx, HouseholdRow, "household_id", values)


async def placement_changed(
    ctx: Context,
    placement_id: uuid.UUID,
    household_id: uuid.UUID | None,
    org_id: str,
    at: datetime,
    *,
    status: str | None = None,
    sliding: bool | None = None,
    answer_by: datetime | None = None,
    next_review_by: date | None = None,
) -> None:
    """A placement's step (``status`` None: an event that moves no step, a review's next date only)."""
    table = PlacementRow.__table__
    found = (await ctx.uow.session.execute(sa.select(table).where(table.c.placement_id == placement_id))).first()
    if found is not None and found.changed_at > at:
        return
    values = {
        "placement_id": placement_id,
        "household_id": household_id if household_id is not None else (found.household_id if found else None),
        "org_id": org_id,
        "status": status or (found.status if found else "proposed"),
        "sliding": sliding if sliding is not None else (found.sliding if found else False),
        "answer_by": answer_by if answer_by is not None else (found.answer_by if found else None),
        "next_review_by": next_review_by if next_review_by is not None else (found.next_review_by if found else None),
        "changed_at": at,
    }
    await _upsert_if_newer(ctx, PlacementRow, "placement_id", values)


async def file_changed(
    ctx: Context,
    file_id: uuid.UUID,
    placement_id: uuid.UUID,
    status: str,
    at: datetime,
    *,
    review_deadline: datetime | None = None,
    failed_rules: Sequence[str] = (),
) -> None:
    values = {
        "file_id": file_id,
        "placement_id": placement_id,
        "status": status,
        "review_deadline": review_deadline,
        "failed_rules": list(failed_rules),
        "changed_at": at,
    }
    await _upsert_if_newer(ctx, GuaranteeFileRow, "file_id", values)


async def forget_household(ctx: Context, household_id: uuid.UUID) -> None:
    """An erased household: its row and its placements' (their files go with them)."""
    session = ctx.uow.session
    chosen = sa.select(PlacementRow.placement_id).where(PlacementRow.household_id == household_id)
    ids = (await session.execute(chosen)).scalars().all()
    await session.execute(sa.delete(GuaranteeFileRow).where(GuaranteeFileRow.placement_id.in_(ids)))
    await session.execute(sa.delete(PlacementRow).where(PlacementRow.household_id == household_id))
    await session.execute(sa.delete(HouseholdRow).where(HouseholdRow.household_id == household_id))


async def file_of(ctx: Context, account_subject: str) -> tuple[bool, list[PlacementState]]:
    """Whether a household has ``account_subject`` as its own account, and its placements' states."""
    session = ctx.uow.session
    households = HouseholdRow.__table__
    household = (await session.execute(sa.select(households).where(households.c.account_subject == account_subject))).first()
    if household is None:
        return False, []
    placements = PlacementRow.__table__
    rows = (await session.execute(sa.select(placements).where(placements.c.household_id == household.household_id))).all()
    files = GuaranteeFileRow.__table__
    chosen = sa.select(files).where(files.c.placement_id.in_([r.placement_id for r in rows])).order_by(files.c.changed_at)
    latest_files = {row.placement_id: row for row in (await session.execute(chosen)).all()}
    states = []
    for row in rows:
        found = latest_files.get(row.placement_id)
        guarantee = GuaranteeState(found.status, found.review_deadline, tuple(found.failed_rules)) if found else None
        states.append(PlacementState(row.status, row.changed_at, row.answer_by, guarantee, row.next_review_by, row.sliding))
    return True, states


async def _upsert_if_newer(
    ctx: Context, model: type[HouseholdRow] | type[PlacementRow] | type[GuaranteeFileRow], key: str, values: dict[str, object]
) -> None:
    statement = insert(model).values(**values)
    kept = {name: statement.excluded[name] for name in values if name != key}
    newer = model.__table__.c.changed_at <= statement.excluded.changed_at
    await ctx.uow.session.execute(statement.on_conflict_do_update(index_elements=[key], set_=kept, where=newer))


async def household_of_account(ctx: Context, account_subject: str) -> HouseholdRow | None:
    """The household whose own account is ``account_subject``, as the events last said (None: not linked)."""
    found: HouseholdRow | None = await ctx.uow.session.scalar(
        sa.select(HouseholdRow).where(HouseholdRow.account_subject == account_subject)
    )
    return found
