"""Pricing again the stored energy bill of units priced with another table than the policy's (after a deploy
that brings the next price table, and the rows written before the column existed): what the search shows
stays the policy's. Nothing is published and no version moves (a price changed, not the unit); a unit's
events carry the estimate computed when they are sent (``unit_events.py``)."""

from __future__ import annotations

from abri_kit.usecase import Context
from abri_listings.db.repositories.units import Units
from abri_listings.usecases.publishing import energy_cost_of, policy


async def price_stale(ctx: Context, batch: int = 500) -> int:
    """Price again up to ``batch`` units priced with another table; returns how many."""
    units = Units.for_system(ctx.uow)
    since = policy().energy_prices_since
    found = await units.priced_elsewhere(since, batch)
    costs = []
    for unit in found:
        cost = energy_cost_of(unit)
        costs.append({"id": unit.id, "energy_cost_cents": cost["monthly_cents"] if cost else None, "energy_prices_since": since})
    for unit in found:
        units.session.expunge(unit)  # written by the statement below, not by the ORM (which would bump the version)
    await units.set_energy_costs(costs)
    return len(found)
