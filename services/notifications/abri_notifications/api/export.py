"""A household's export from notifications: one JSON document (GDPR art. 15 and 20), gathered with the
other services' by the gateway. Stable keys, ISO 8601 instants with their offset, codes for events and
templates; the addresses opened for the household itself or its association."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx
from abri_kit.exports import HouseholdExport
from abri_notifications.api.keys import Keys
from abri_notifications.usecases import export as exporting

router = APIRouter(prefix="/v1/households", tags=["export"])
Exporter = Annotated[Principal, Depends(require_roles("social_worker", "household"))]


class ExportedPreferences(BaseModel):
    language: str
    channels: list[str] = Field(description="Besides the in-app inbox, always on.")
    email: str | None
    phone: str | None
    quiet_start: time | None
    quiet_end: time | None
    zone: str
    daily_digest: bool
    digest_at: time
    updated_at: datetime


class ExportedMessage(BaseModel):
    id: uuid.UUID
    event_type: str
    template: str
    language: str
    subject: str
    text: str
    created_at: datetime
    read_at: datetime | None


class ExportedDelivery(BaseModel):
    id: uuid.UUID
    event_type: str
    template: str
    channel: str
    language: str
    subject: str
    text: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None


class NotificationsExport(HouseholdExport):
    """What the notifications service holds about one household."""

    service: Literal["notifications"] = "notifications"
    account_subject: str | None = Field(description="The household's own account; null without one (then nothing is held here).")
    preferences: ExportedPreferences | None = Field(description="Null if the household never signed in.")
    inbox: list[ExportedMessage]
    deliveries: list[ExportedDelivery] = Field(description="E-mails and SMS addressed to the household, oldest first.")
    documents: list[str] = Field(default_factory=list, description="Notifications keeps no document.")


@router.get(
    "/{household_id}/export",
    summary="Everything notifications holds about a household, as one JSON document (the household or its association)",
)
async def export_household(household_id: uuid.UUID, _: Exporter, ctx: Ctx, keyring: Keys) -> NotificationsExport:
    found = await exporting.export_household(ctx, keyring, household_id)
    person = found.person
    preferences = (
        ExportedPreferences(
            language=person.language,
            channels=list(person.channels),
            email=found.contact.email,
            phone=found.contact.phone,
            quiet_start=person.quiet_start,
            quiet_end=person.quiet_end,
            zone=person.zone,
            daily_digest=person.daily_digest,
            digest_at=person.digest_at,
            updated_at=person.updated_at,
        )
        if person is not None
        else None
    )
    return NotificationsExport(
        schema_version=exporting.SCHEMA_VERSION,
        generated_at=found.generated_at,
        household_id=found.household_id,
        account_subject=found.account_subject,
        preferences=preferences,
        inbox=[ExportedMessage.model_validate(message, from_attributes=True) for message in found.inbox],
        deliveries=[ExportedDelivery.model_validate(delivery, from_attributes=True) for delivery in found.deliveries],
    )
