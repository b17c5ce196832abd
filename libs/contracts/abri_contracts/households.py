"""Events published by the matching service about households (topic ``abri.matching.household``, keyed
by the household's id): what a household consented to, and its erasure.

No personal data: a household is named by its id (a pseudonymous uuid that means nothing outside
matching), its association by its organisation id, its own account (when it has one) by the identity
provider's opaque subject. Purposes and legal bases are codes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from abri_contracts.base import EventContract, contract

Purpose = Literal["matching", "share_with_owner_after_acceptance", "guarantee_file", "notifications"]
"""What a household may consent to: ranking, suggestions and proposals (``matching``); its contact shown to
the owner who accepted it; its guarantee file sent to a fund; being told by e-mail, SMS or in the inbox."""
LegalBasis = Literal["siao_orientation"]
"""A legal basis recorded with the household that stands in for a consent (an orientation by the SIAO
stands in for ``matching``)."""
Requester = Literal["household", "association", "dpo", "retention"]
"""Who asked for an erasure: the household itself, its association on its behalf, the data protection
officer (a request made to the DPO, carried out by ops), or the retention sweeper."""


class HouseholdEvent(EventContract):
    household_id: UUID = Field(description="The household (matching service): a pseudonymous id, meaning nothing outside matching.")
    org_id: str = Field(description="The association that supports the household.")
    account_subject: str | None = Field(
        default=None, description="The household's own sign-in subject (opaque id of the identity provider), when it has one."
    )


@contract
class HouseholdConsentsChanged(HouseholdEvent):
    """What the household's data may be processed for now: published at registration and at each
    consent recorded or withdrawn, and when its account subject changes. A consumer keeps the latest
    (``changed_at``) and stops at once what a purpose no longer in force covered."""

    event_type = "abri.matching.household.consents_changed.v1"
    aggregate_id_field = "household_id"
    summary = "A household's purposes in force changed (consent recorded or withdrawn, legal basis, account)."
    consumers = ("guarantees", "notifications", "assistant")

    purposes: list[Purpose] = Field(description="The purposes in force: consented and not withdrawn, or covered by a legal basis.")
    legal_bases: list[LegalBasis] = Field(default_factory=list, description="Legal bases recorded with the household.")
    changed_at: datetime
    previous_account_subject: str | None = Field(
        default=None, description="The account subject the household had before this change, when it changed."
    )


@contract
class HouseholdErased(HouseholdEvent):
    """The household's personal data were erased in matching: every service erases its own copies and
    answers with its receipt (``abri.<service>.erasure.completed.v1``), naming ``request_id``."""

    event_type = "abri.matching.household.erased.v1"
    aggregate_id_field = "household_id"
    summary = "A household's personal data were erased in matching: erase them everywhere."
    consumers = ("guarantees", "notifications", "listings", "assistant")

    request_id: UUID = Field(description="The erasure request; every receipt names it.")
    requested_by: Requester
    erased_at: datetime
    placement_ids: list[UUID] = Field(default_factory=list, description="The household's placements (ids only).")
