"""Request and response bodies of the invitations that link a household's record to its own account."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from abri_kit.input import Input
from abri_matching.domain.invitations import InvitationState


class InvitationOut(BaseModel):
    """An invitation, never its code."""

    id: uuid.UUID
    household_id: uuid.UUID
    state: InvitationState = Field(description="`pending`, `accepted`, `revoked` (or replaced by a newer one), `expired`.")
    created_by: str = Field(description="The social worker who created it (a subject).")
    created_at: datetime
    expires_at: datetime = Field(description="Until when it may be accepted.")
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None


class InvitationCreated(InvitationOut):
    """A new invitation with its code: shown this once (Abri keeps only its hash). Hand it to the person,
    who signs in with its household account and gives it (POST /v1/household-invitations/accept)."""

    code: str | None = Field(
        description=(
            "20 symbols of Crockford's base32 in groups of 4 (100 random bits); dashes and case do not matter. "
            "Null in the answer to a repeated request (same Idempotency-Key): the code is never stored, so it cannot be "
            "shown again; create a new invitation, which revokes this one."
        )
    )


class InvitationAcceptIn(Input):
    """The code the association handed to the person."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=100, description="The invitation's code, as handed over (dashes and spaces ignored).")
