"""The directory notifications owns: the people it may tell (and how), and organisations' webhooks.

A person appears on their first call to the service (``api/me.py``) with the defaults (in-app inbox,
French) and sets their channels, addresses, language and quiet hours there. Their email address and
phone number are kept sealed (``directory.py``), opened only to send and to show them their own. An association's or a
fund's members are the people whose token carries its ``org_id``. Webhook secrets are kept only
wrapped by the service's key-encryption key (``ABRI_NOTIFICATIONS_KEKS``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from abri_notifications.db.base import Base


class Person(Base):
    """Someone Abri tells: by subject (their account), with their organisation and roles as their token says."""

    __tablename__ = "people"

    subject: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    org_id: Mapped[str | None] = mapped_column(sa.String(200), nullable=True, index=True)
    roles: Mapped[list[str]] = mapped_column(ARRAY(sa.String(30)))
    has_email: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false(), default=False)
    has_phone: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false(), default=False)
    contact_kek: Mapped[str | None] = mapped_column(sa.String(50), nullable=True)
    contact: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    """The email address and phone number, sealed by the key-encryption key and bound to the subject
    (``directory.py``); the flags above say which exist, for queries that must not open them."""
    language: Mapped[str] = mapped_column(sa.String(5))
    channels: Mapped[list[str]] = mapped_column(ARRAY(sa.String(10)))
    """Besides the inbox (always): ``email``, ``sms``."""
    quiet_start: Mapped[time | None] = mapped_column(sa.Time, nullable=True)
    quiet_end: Mapped[time | None] = mapped_column(sa.Time, nullable=True)
    zone: Mapped[str] = mapped_column(sa.String(40))
    daily_digest: Mapped[bool] = mapped_column(sa.Boolean)
    digest_at: Mapped[time] = mapped_column(sa.Time, server_default=sa.text("'18:00'"), default=time(18, 0))
    """When, on their wall clock, the daily digest is made."""
    last_digest_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    last_digest_seq: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    """The last inbox message (its ``seq``) the digest covered: the next one lists those that arrived since."""
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(), index=True)
    """When they last used the service (read their inbox or preferences): an entry idle for the retention
    period is deleted (``domain/retention.py``)."""


class WebhookEndpoint(Base):
    """Where an organisation's partner system receives its events (Standard Webhooks, signed)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    kek_id: Mapped[str] = mapped_column(sa.String(50))
    wrapped_secret: Mapped[bytes] = mapped_column(sa.LargeBinary)
    active: Mapped[bool] = mapped_column(sa.Boolean)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    refused_rule: Mapped[str | None] = mapped_column(sa.String(50), default=None)
    """Set when the service stopped the endpoint: its destination was refused at a delivery (the rule's id)."""
    refused_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), default=None)
