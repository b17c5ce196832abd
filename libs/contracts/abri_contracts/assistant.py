"""Events published by the assistant service (topic ``abri.assistant.conversation``, keyed by the
conversation's id): a person asked that their conversation be handed to their association's social workers.

No personal data and nothing of the conversation: the conversation and the household are named by their ids,
the association by its organisation id; whether the assistant judged the conversation urgent, and the kinds of
urgency it recognised (codes). The social worker reads the conversation in the assistant, where each reading
is logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from abri_contracts.base import EventContract, contract

UrgencyCategory = Literal["eviction_now", "no_shelter", "violence", "child_in_danger", "suicide", "health"]
"""The kinds of urgency the assistant recognises in a message (its lexicons, in four languages)."""


@contract
class HandoverRequested(EventContract):
    """A household asked, with its consent, that its conversation with the assistant be handed to its
    association: the association's social workers are told (an inbox message and a notification), and read
    the conversation in the assistant."""

    event_type = "abri.assistant.conversation.handover_requested.v1"
    aggregate_id_field = "conversation_id"
    summary = "A household handed its conversation with the assistant to its association's social workers."
    consumers = ("notifications",)

    conversation_id: UUID = Field(description="The conversation (assistant service).")
    org_id: str = Field(description="The association the conversation is handed to (the household's).")
    household_id: UUID = Field(description="The household (matching service): a pseudonymous id.")
    urgent: bool = Field(description="Whether a message of the conversation signalled an urgency.")
    categories: list[UrgencyCategory] = Field(default_factory=list, description="The kinds of urgency recognised, codes only.")
    requested_at: datetime
