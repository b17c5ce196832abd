"""Who stands behind ids some events do not name (``domain/routing.py`` ``via``): a unit's owner (from
listings' unit events), a placement's association (from matching's placement events). The service's own
read models: only its event handlers reach them (``for_system``, ``repositories/read_models.py``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from abri_notifications.db.base import Base


class UnitOwner(Base):
    __tablename__ = "unit_owners"

    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[str] = mapped_column(sa.String(200))
    postal_code: Mapped[str | None] = mapped_column(sa.String(5), nullable=True)
    """What names the home to the people who may see it (issue 20): commune, postal code, kind, rooms."""
    commune: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    kind: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    rooms: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)


class PlacementOrg(Base):
    __tablename__ = "placement_orgs"

    placement_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(sa.String(200))
    household_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    """The placement's household and unit (matching's placement events): a guarantee's decision names neither."""
    unit_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)


class HouseholdContact(Base):
    """A household with its own account (matching's ``household.consents_changed``): whether it may be
    told (``notifications`` among its purposes in force). The newest ``changed_at`` wins; erased, it has
    no account any more."""

    __tablename__ = "household_contacts"

    household_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_subject: Mapped[str | None] = mapped_column(sa.String(200), nullable=True, index=True)
    org_id: Mapped[str | None] = mapped_column(sa.String(200), nullable=True, index=True)
    """The household's association (its social workers may export what is held here on its behalf)."""
    purposes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(40)))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class AwaitingEvent(Base):
    """An event whose recipient cannot be found yet: it names a unit or a placement the service has not
    learned (events of other topics arrive in no set order, and a consumer may lag behind on one topic while
    a replica is down). It is told when an event names that unit or placement
    (``usecases/telling.py``); the retention sweep drops one that waited too long."""

    __tablename__ = "awaiting_events"

    event_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(120))
    data: Mapped[dict[str, object]] = mapped_column(JSONB)
    """The event's data (ids, dates, codes: events carry no personal data)."""
    happened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    processed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    waits_for: Mapped[str] = mapped_column(sa.String(120), index=True)
    """``unit_id:<id>`` or ``placement_id:<id>``: what must be learned first."""
