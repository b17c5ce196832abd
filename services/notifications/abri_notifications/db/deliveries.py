"""What is sent to whom, on which channel: one row per (event, recipient, channel), its key unique, so
that a redelivered event never sends twice; and the in-app inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from abri_notifications.db.base import Base


class Delivery(Base):
    """A message to send (email, SMS, webhook), already rendered in its reader's language and minimised.

    ``recipient`` is a person's subject (email, SMS: their address is read from the directory when it is
    sent, never copied here) or a webhook endpoint's id."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.Index("deliveries_due", "status", "next_attempt_at"),
        sa.Index("deliveries_by_status", "status", "created_at", "id"),
        sa.Index("ix_deliveries_created_at", "created_at"),  # the retention sweep
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    event_id: Mapped[str] = mapped_column(sa.String(100))
    event_type: Mapped[str] = mapped_column(sa.String(120))
    template: Mapped[str] = mapped_column(sa.String(80))
    recipient: Mapped[str] = mapped_column(sa.String(200), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    language: Mapped[str] = mapped_column(sa.String(5))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str] = mapped_column(sa.Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """For webhooks: the minimised event data; otherwise empty."""
    status: Mapped[str] = mapped_column(sa.String(10))
    """``pending``, ``sent`` or ``failed`` (permanently: visible to ops)."""
    attempts: Mapped[int] = mapped_column(sa.Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """When what it tells of happened (the event's time; a digest's: when it was made)."""


class InboxMessage(Base):
    """A message in a person's in-app inbox (written when the event is handled: nothing to send)."""

    __tablename__ = "inbox_messages"
    __table_args__ = (
        sa.Index("inbox_by_reader", "recipient", "created_at"),
        sa.Index("inbox_by_reader_seq", "recipient", "seq"),
        sa.Index("ix_inbox_messages_created_at", "created_at"),  # the retention sweep
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True))
    """Order of arrival (the live stream resumes after the last one a reader saw)."""
    recipient: Mapped[str] = mapped_column(sa.String(200))
    event_type: Mapped[str] = mapped_column(sa.String(120))
    template: Mapped[str] = mapped_column(sa.String(80))
    language: Mapped[str] = mapped_column(sa.String(5))
    direction: Mapped[str] = mapped_column(sa.String(3))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=sa.text("'{}'::jsonb"), default=dict)
    """The minimised values it was rendered from (``domain/params.py``, typed): the inbox renders it again in
    the language of the reader's page. Empty for messages stored before (shown as stored)."""
    link: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    """The page of the web front where the reader acts on it (a path: ``domain/links.py``)."""
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """When what it tells of happened (the event's time): a message handled late keeps its date."""
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
