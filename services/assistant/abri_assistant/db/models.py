"""The assistant service's tables besides the knowledge base: its read model of households' files, fed by
events (matching's household and placement events, guarantees' file events: ids, codes and dates, nothing
personal), and the conversations, whose messages are sealed under each person's own key."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from abri_assistant.db.access_log import PersonAccessLogEntry  # noqa: F401  (registers the access log)
from abri_assistant.db.base import Base
from abri_assistant.db.knowledge import KnowledgeRow  # noqa: F401  (registers the knowledge table)


class HouseholdRow(Base):
    """A household as matching's events say it: its association, its own account (when it has one), its purposes."""

    __tablename__ = "households"

    household_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    org_id: Mapped[str] = mapped_column(sa.String(200))
    account_subject: Mapped[str | None] = mapped_column(sa.String(200), nullable=True, index=True)
    purposes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(60)))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class PlacementRow(Base):
    """A placement's latest step as matching's events say it."""

    __tablename__ = "placements"

    placement_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True, index=True)
    org_id: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(30))
    sliding: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    answer_by: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    next_review_by: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class GuaranteeFileRow(Base):
    """A guarantee file's latest step as guarantees' events say it."""

    __tablename__ = "guarantee_files"

    file_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    status: Mapped[str] = mapped_column(sa.String(30))
    review_deadline: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    failed_rules: Mapped[list[str]] = mapped_column(ARRAY(sa.String(80)), default=list)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Conversation(Base):
    """One person's conversation with the assistant: whose (the account's subject, its role and organisation),
    in which language, and its hand-over, if the person asked for one."""

    __tablename__ = "conversations"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(200), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    org_id: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True, index=True)
    language: Mapped[str] = mapped_column(sa.String(2))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_message_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    handover_requested_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    handover_org_id: Mapped[str | None] = mapped_column(sa.String(200), nullable=True, index=True)
    """The association the conversation was handed to (the household's, at the hand-over)."""
    urgent_categories: Mapped[list[str]] = mapped_column(ARRAY(sa.String(30)), default=list)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)


class Message(Base):
    """One message of a conversation, its text sealed under the person's key (gone with the key at an erasure)."""

    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    author: Mapped[str] = mapped_column(sa.String(10))
    """``person`` or ``assistant``."""
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    reply_kind: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    """The assistant's messages: ``answer``, ``urgent``, ``unknown`` or ``file``."""
    entry_id: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)

    __table_args__ = (sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),)
