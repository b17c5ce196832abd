"""Each association's own matching settings (its rent-burden threshold, the schemes it works with)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base


class AssociationSettings(Base):
    """Set by the association's social workers; without a row, the policy's defaults apply."""

    __tablename__ = "association_settings"

    org_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    rent_burden_threshold: Mapped[float] = mapped_column(sa.Float)
    schemes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(40)))
    updated_by: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
