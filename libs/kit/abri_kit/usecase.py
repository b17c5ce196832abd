"""What every use case (a command or a query of a service's ``usecases/`` layer) works with.

- :class:`UnitOfWork`: one database transaction. What the use case reads and writes, and the events it
  publishes (the outbox rows), commit or roll back together; the route or handler that called it owns
  the transaction (the request's session, or the consumer's with its inbox row).
- :class:`Context`: the unit of work, the caller (:class:`Principal`) and the instant of the request or
  event, read once from the service's clock; ``today`` is that instant's day in France.

A use case takes a :class:`Context` and plain values, calls the domain rules, goes through the
repositories of ``db/`` (scoped to the caller) and raises the errors of :mod:`abri_kit.errors`. It knows
nothing of HTTP or Kafka, so a rule holds whichever way the action comes in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import event as orm_events
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from abri_auth.principal import Principal
from abri_bus.outbox import publish
from abri_contracts import EventContract
from abri_kit.calendar import day_in_france
from abri_kit.errors import Stale

_AFTER_COMMIT = "abri_after_commit"
"""The key of :attr:`Session.info` holding what runs once the transaction commits (:meth:`UnitOfWork.after_commit`)."""

SYSTEM = Principal(subject="system", roles=frozenset(), org_id=None, scopes=frozenset())
"""The service itself, acting on an event or a schedule: it holds no role, so a scoped repository gives
it nothing; use cases it runs use the repositories' unscoped ``for_system`` access, on purpose."""


@dataclass(frozen=True)
class UnitOfWork:
    """One transaction of the service's database."""

    session: AsyncSession

    async def flush(self, what: str = "the resource") -> None:
        """Write pending changes now (versions bump); :class:`Stale` (412) if another transaction changed a
        versioned row meanwhile."""
        try:
            await self.session.flush()
        except StaleDataError as exc:
            raise Stale(f"{what} changed meanwhile: read it again") from exc

    async def publish(self, event: EventContract, *, at: datetime) -> None:
        """Publish ``event`` with this transaction (the outbox): stamped ``at``, when the change happened."""
        await publish(self.session, event, time=at)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this transaction has committed, never if it rolls back: a metric counts what was
        done, not what was tried. ``action`` must not fail (a metric's increment) nor touch the database."""
        sync = self.session.sync_session
        pending: list[Callable[[], None]] | None = sync.info.get(_AFTER_COMMIT)
        if pending is None:
            pending = sync.info[_AFTER_COMMIT] = []
            orm_events.listen(sync, "after_commit", _run_after_commit)
            orm_events.listen(sync, "after_soft_rollback", _forget_after_commit)
        pending.append(action)


def _run_after_commit(session: Session) -> None:
    pending: list[Callable[[], None]] = session.info[_AFTER_COMMIT]
    actions, pending[:] = list(pending), []
    for action in actions:
        action()


def _forget_after_commit(session: Session, _previous: Any) -> None:
    session.info[_AFTER_COMMIT].clear()


@dataclass(frozen=True)
class Context:
    """Who acts, when, in which transaction."""

    uow: UnitOfWork
    principal: Principal
    now: datetime

    @property
    def today(self) -> date:
        """The day of :attr:`now` in France (Europe/Paris): the day every rule and deadline is judged on."""
        return day_in_france(self.now)

    @classmethod
    def of_system(cls, session: AsyncSession, now: datetime) -> Context:
        """The service acting on an event (``now``: the event's own time) or a schedule."""
        return cls(UnitOfWork(session), SYSTEM, now)
