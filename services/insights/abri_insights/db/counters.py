"""The counters, written and read: each fact adds one to its row in each of its scopes (an upsert, in the
consumer's transaction); a scope's rows are read back for a range of months."""

from __future__ import annotations

from collections import Counter as Counter_
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from abri_insights.db.models import Counter
from abri_insights.domain.facts import Fact


async def add(session: AsyncSession, facts: Sequence[Fact]) -> None:
    """Add one for each fact in each of its scopes."""
    keyed = Counter_((f.measure, scope, scope_id, f.month, f.value) for f in facts for scope, scope_id in f.scopes)
    if not keyed:
        return
    names = ("measure", "scope", "scope_id", "month", "value")
    statement = insert(Counter).values([{**dict(zip(names, key, strict=True)), "count": n} for key, n in sorted(keyed.items())])
    await session.execute(
        statement.on_conflict_do_update(index_elements=list(names), set_={"count": Counter.count + statement.excluded.count})
    )


async def read(session: AsyncSession, scope: str, scope_id: str, first_month: str, last_month: str) -> list[Counter]:
    """Every counter of a scope from ``first_month`` to ``last_month`` (``YYYY-MM``, both included)."""
    found = await session.scalars(
        sa.select(Counter).where(
            Counter.scope == scope, Counter.scope_id == scope_id, Counter.month >= first_month, Counter.month <= last_month
        )
    )
    return list(found)
