"""My notification preferences: channels (the in-app inbox always, email and SMS if I wish), addresses,
language, quiet hours for SMS, the owners' daily digest."""

from __future__ import annotations

from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter
from pydantic import EmailStr, Field, field_validator, model_validator

from abri_kit.dependencies import Ctx
from abri_kit.input import Input
from abri_notifications.api.keys import Keys
from abri_notifications.directory import Contact
from abri_notifications.usecases import preferences

router = APIRouter(prefix="/v1/me", tags=["preferences"])


class Preferences(Input):
    language: Literal["fr", "en", "ar", "uk"] = "fr"
    channels: list[Literal["email", "sms"]] = Field(default_factory=list, max_length=10, description="Besides the in-app inbox, always on.")
    email: EmailStr | None = None
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{7,14}$", description="E.164, e.g. +33612345678")
    quiet_start: time | None = Field(default=None, description="SMS wait from this hour...")
    quiet_end: time | None = Field(default=None, description="...to this one (across midnight allowed)")
    zone: str = Field(default="Europe/Paris", max_length=64, description="The IANA time zone of the hours above and of dates in messages")
    daily_digest: bool = Field(default=False, description="Owners: one email a day instead of one per event (the inbox as ever)")
    digest_at: time = Field(default=time(18, 0), description="When the daily digest is made, on the wall clock of the zone")

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r}") from exc
        return zone

    @model_validator(mode="after")
    def _consistent(self) -> Preferences:
        if "email" in self.channels and not self.email:
            raise ValueError("the email channel needs an email address")
        if "sms" in self.channels and not self.phone:
            raise ValueError("the sms channel needs a phone number")
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet hours need a start and an end")
        self.channels = sorted(set(self.channels))
        return self


ADDRESSES = frozenset({"email", "phone"})


@router.get("/preferences", summary="My notification preferences")
async def read_preferences(ctx: Ctx, keyring: Keys) -> Preferences:
    person, contact = await preferences.read_preferences(ctx, keyring)
    kept = {name: getattr(person, name) for name in Preferences.model_fields if name not in ADDRESSES}
    return Preferences(**kept, email=contact.email, phone=contact.phone)


@router.put("/preferences", summary="Set my notification preferences")
async def write_preferences(body: Preferences, ctx: Ctx, keyring: Keys) -> Preferences:
    contact = Contact(str(body.email) if body.email else None, body.phone)
    await preferences.set_preferences(ctx, keyring, body.model_dump(exclude=set(ADDRESSES)), contact)
    return body
