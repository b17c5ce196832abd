"""Documents of a guarantee file: kinds from the legal checklist only, the bytes sealed with the file's key."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_guarantees.db.base import Base


class Document(Base):
    """One uploaded document (``domain/documents.py`` decides what may be uploaded)."""

    __tablename__ = "documents"
    __table_args__ = (sa.CheckConstraint("sub_kind IS NOT NULL", name="documents_sub_kind_required"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    file_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    sub_kind: Mapped[str | None] = mapped_column(sa.String(60), nullable=True)
    """The document of décret 2015-1437 it is (``domain/documents.py`` ``SUB_KINDS``): required for every
    upload since migration 0009 (a CHECK added NOT VALID); ``None`` only for documents uploaded before."""
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column(sa.Integer)
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(sa.String(200))
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
