"""Funds (organisations: a fund agent's ``org_id`` is the fund's id) and their policy versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from abri_guarantees.db.base import Base


class Fund(Base):
    """A guarantee fund: Visale-like, the FSL of a département, or a private GLI insurer."""

    __tablename__ = "funds"

    fund_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    current_version: Mapped[int] = mapped_column(sa.Integer)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class FundPolicyVersion(Base):
    """One version of a fund's policy (``domain/policy.py``, as ``policy_to_dict`` writes it). Versions
    are never changed: a file records the version it was checked against."""

    __tablename__ = "fund_policies"

    fund_id: Mapped[str] = mapped_column(sa.ForeignKey("funds.fund_id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
