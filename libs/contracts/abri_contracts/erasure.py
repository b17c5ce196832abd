"""Erasure receipts: each service that holds (or could hold) something about a household answers
matching's ``abri.matching.household.erased.v1`` with one receipt on its own topic
``abri.<service>.erasure`` (keyed by the household's id). Matching keeps the erasure's state per service.

A receipt says what was kept because the law requires it (pseudonymised: no name, no contact), with
its legal basis and until when; ``kept`` is empty when nothing was.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from abri_contracts.base import EventContract, contract


class Kept(BaseModel):
    """What a service keeps after an erasure, pseudonymised, and why."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    what: str = Field(description="A code for what is kept (for instance `paid_claims`).")
    legal_basis: str = Field(description="The text that requires keeping it (for instance `Code de commerce, art. L123-22`).")
    until: date | None = Field(default=None, description="Until when it is kept at the latest (None: unknown yet).")


class ErasureCompleted(EventContract):
    request_id: UUID = Field(description="The erasure request (matching's ``household.erased``).")
    household_id: UUID = Field(description="The household (matching service): a pseudonymous id.")
    erased_in: str = Field(description="The service that erased its copies (its name: `guarantees`, `notifications`, `listings`).")
    completed_at: datetime
    kept: list[Kept] = Field(default_factory=list, description="What the law requires to keep, pseudonymised; empty if nothing.")


@contract
class GuaranteesErasureCompleted(ErasureCompleted):
    """The guarantees service erased the household's files (tenant data, documents, messages, visa holder)."""

    event_type = "abri.guarantees.erasure.completed.v1"
    aggregate_id_field = "household_id"
    summary = "Guarantees erased a household's files (what the law requires kept, pseudonymised)."
    consumers = ("matching",)


@contract
class NotificationsErasureCompleted(ErasureCompleted):
    """The notifications service erased the household's directory entry, inbox and deliveries' content."""

    event_type = "abri.notifications.erasure.completed.v1"
    aggregate_id_field = "household_id"
    summary = "Notifications erased a household's directory entry, inbox and deliveries' content."
    consumers = ("matching",)


@contract
class ListingsErasureCompleted(ErasureCompleted):
    """Listings holds nothing about a household: it answers that nothing was kept."""

    event_type = "abri.listings.erasure.completed.v1"
    aggregate_id_field = "household_id"
    summary = "Listings holds nothing about a household: its receipt says so."
    consumers = ("matching",)


@contract
class AssistantErasureCompleted(ErasureCompleted):
    """The assistant erased the household's conversations (their keys shredded, their rows deleted) and its
    read model of the household's files."""

    event_type = "abri.assistant.erasure.completed.v1"
    aggregate_id_field = "household_id"
    summary = "The assistant erased a household's conversations and its read model of the household's files."
    consumers = ("matching",)
