"""Move-in and move-out inventories of a placement's home, and their photos.

The content (rooms, items, conditions, notes, meters, keys) and each photo are sealed with the inventory's
own data key (key store, namespace ``inventory``): they show a person's home. The tenant columns are copied
from the placement, so that a query is scoped without a join. Deleting the placement deletes them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base


class Inventory(Base):
    """One inventory: a draft while either side has not signed its current content, then closed."""

    __tablename__ = "inventories"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    placement_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    owner_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    made_on: Mapped[date] = mapped_column(sa.Date)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """Sealed JSON: ``{"rooms": [...], "meters": [...], "keys": [...]}``."""
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    """What a party signs: the content and its photos' digests (``domain/inventories.content_digest``)."""
    landlord_signed_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    landlord_signed_role: Mapped[str | None] = mapped_column(sa.String(30), nullable=True)
    landlord_signed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    household_signed_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    household_signed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    completion: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    """Sealed JSON: what the household asked to complete (art. 3-2), recorded beside what was signed."""
    completion_asked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    __table_args__ = (
        sa.UniqueConstraint("placement_id", "kind", name="uq_inventories_one_kind_per_placement"),
        sa.CheckConstraint("kind IN ('move_in', 'move_out')", name="ck_inventories_kind"),
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def signed(self) -> bool:
        """Both sides signed its current content: it is closed."""
        return self.landlord_signed_at is not None and self.household_signed_at is not None


class InventoryPhoto(Base):
    """A photo of one item, cleaned (``photos.py``) and sealed."""

    __tablename__ = "inventory_photos"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    inventory_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("inventories.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    added_by: Mapped[str] = mapped_column(sa.String(200))
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
