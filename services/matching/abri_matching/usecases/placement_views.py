"""What a caller sees of placements: each with its timeline and the household's anonymous summary, and
the household's id for its association only. Built for a whole page at once: the placements, then one
query for their households and one for their steps, however many."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.db.repositories.placements import Placements
from abri_matching.db.repositories.units import Units
from abri_matching.db.units import UnitView
from abri_matching.domain.placements import PlacementPolicy, PlacementStatus, resources_band


@dataclass(frozen=True)
class PlacementView:
    """A placement as its caller sees it."""

    placement: Placement
    household_id: uuid.UUID | None
    """For the placement's association only (an owner never learns who the household is)."""
    household_size: int | None
    """None where the caller is the owner and the scheme does not disclose it (``PlacementPolicy.schemes``)."""
    resources_band: str | None
    """None where the caller is the owner and the scheme does not disclose it."""
    association_is_tenant: bool
    """The scheme makes the association the owner's tenant: the owner learns only that an approved association carries it."""
    timeline: list[PlacementStep]
    unit: UnitView | None = None
    """The home as listings last described it (its kind, size and commune: what a search shows), so that a
    placement's page names it; None for a unit matching has not heard of."""
    lease_end_reason_shown: bool = True
    """Why the lease ended is the household's business: its association, the household and ops see it (the field
    and the ``end_lease`` step's reason); the owner learns the day only, as listings' event tells it."""


async def views(ctx: Context, journey: PlacementPolicy, placements: Sequence[Placement]) -> list[PlacementView]:
    """The placements as the caller sees them. The owner of the unit sees of the household only what the
    placement's scheme discloses (``PlacementPolicy.schemes``: nothing where the association is the tenant);
    the association, the household itself and ops see its size and band."""
    repository = Placements.of(ctx)
    ids = [placement.id for placement in placements]
    households, timelines = await repository.households_of(ids), await repository.timelines(ids)
    units = await Units.of(ctx).by_ids({placement.unit_id for placement in placements})
    principal = ctx.principal
    seen = []
    for placement in placements:
        size, resources = households.get(placement.id, (0, 0))
        association = principal.has_role("social_worker") and principal.org_id == placement.org_id
        as_owner = principal.has_role("owner") and principal.subject == placement.owner_id and not association
        rules = journey.rules_of(placement.scheme)
        shows_size = not as_owner or journey.discloses(placement.scheme, "household_size")
        shows_band = not as_owner or journey.discloses(placement.scheme, "resources_band")
        seen.append(
            PlacementView(
                placement=placement,
                household_id=placement.household_id if association else None,
                household_size=size if shows_size else None,
                resources_band=resources_band(resources, journey.resources_bands_cents) if shows_band else None,
                association_is_tenant=rules.association_is_tenant if rules is not None else False,
                timeline=timelines.get(placement.id, []),
                unit=units.get(placement.unit_id),
                lease_end_reason_shown=not as_owner,
            )
        )
    return seen


async def view(ctx: Context, journey: PlacementPolicy, placement: Placement) -> PlacementView:
    return (await views(ctx, journey, [placement]))[0]


async def list_placements(
    ctx: Context,
    journey: PlacementPolicy,
    page: PageRequest,
    *,
    statuses: Sequence[PlacementStatus] = (),
    household_id: uuid.UUID | None = None,
) -> tuple[list[PlacementView], str | None]:
    """One page of the caller's placements (its association's, those for its units, or its own
    household's), the latest proposed first; ``statuses`` (any of them), ``household_id``: only those."""
    rows, next_cursor = await Placements.of(ctx).page_newest_first(
        page, statuses=[status.value for status in statuses], household_id=household_id
    )
    return await views(ctx, journey, rows), next_cursor


async def count_placements(ctx: Context, *, household_id: uuid.UUID | None = None) -> dict[PlacementStatus, int]:
    """How many of the caller's placements are in each status (every status named, 0 for none): what a
    list filtered by status says of each filter, counted where the list reads, so the counts are true."""
    counted = await Placements.of(ctx).count_by_status(household_id=household_id)
    return {status: counted.get(status.value, 0) for status in PlacementStatus}


async def read_placement(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID) -> PlacementView:
    return await view(ctx, journey, await Placements.of(ctx).get(placement_id))
