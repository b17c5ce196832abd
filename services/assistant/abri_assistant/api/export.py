"""My data in the assistant, as one JSON document (GDPR art. 15 and 20): my conversations with their messages
opened, and who other than me read them. The gateway puts it in the archive of a household's own export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from abri_assistant.api.schemas import SourceOut
from abri_assistant.api.state import Keys
from abri_assistant.usecases import export as exporting
from abri_assistant.usecases.conversations import Shown
from abri_kit.dependencies import Ctx

router = APIRouter(prefix="/v1/me", tags=["export"])


class ExportedNumber(BaseModel):
    dial: str = Field(description="The number to call (free, national).")
    what_for: str = Field(description="What it is for, in the conversation's language.")


class ExportedMessage(BaseModel):
    """A message as the person reads it in their export: its fields named for a reader (emergency_numbers,
    file_stage), where the conversations' own route names them for a program (numbers, file)."""

    seq: int = Field(description="Its place in the conversation.")
    at: datetime
    author: Literal["person", "assistant"]
    text: str
    reply_kind: str | None = Field(description="The assistant's reply: `answer`, `urgent` or `unknown`; null for the person's.")
    entry_id: str | None = Field(description="The knowledge base's entry that answered.")
    answer_source: SourceOut | None = Field(description="The source of the answer.")
    emergency_numbers: list[ExportedNumber]
    file_stage: str | None = Field(description="Where the household's own file stood, as the assistant said it.")
    handover_offered: bool

    @classmethod
    def of(cls, shown: Shown) -> ExportedMessage:
        return cls(
            seq=shown.seq,
            at=shown.at,
            author=shown.author,
            text=shown.text,
            reply_kind=shown.kind,
            entry_id=shown.entry_id,
            answer_source=SourceOut(**shown.source) if shown.source else None,
            emergency_numbers=[ExportedNumber(dial=n["dial"], what_for=n["name"]) for n in shown.numbers],
            file_stage=shown.file,
            handover_offered=shown.handover_offered,
        )


class ExportedConversation(BaseModel):
    id: uuid.UUID
    language: str
    role: str = Field(description="The role the person spoke in.")
    started_at: datetime
    last_message_at: datetime
    urgency_categories: list[str] = Field(description="The kinds of urgency recognised in it (codes).")
    handed_over_at: datetime | None = Field(description="When the person handed it to their association, if they did.")
    messages: list[ExportedMessage]


class ExportedRead(BaseModel):
    at: datetime
    actor: str = Field(description="The reader's subject (an opaque id).")
    actor_role: str | None
    actor_org: str | None
    purpose: str = Field(description="Why, a code (`handover`).")


class AssistantExport(BaseModel):
    """What the assistant holds about the caller."""

    schema_version: int = Field(description="Changes when the document's shape changes.")
    service: Literal["assistant"] = "assistant"
    generated_at: datetime
    account_subject: str = Field(description="The caller's sign-in account, whose conversations these are.")
    conversations: list[ExportedConversation] = Field(description="The oldest first, each with its messages.")
    access_log: list[ExportedRead] = Field(description="Who other than the person read the conversations, when and why.")
    documents: list[str] = Field(default_factory=list, description="The assistant keeps no document.")


@router.get(
    "/export",
    summary="Everything the assistant holds about me, as one JSON document: my conversations with their messages, who read them",
)
async def export_mine(ctx: Ctx, keys: Keys) -> AssistantExport:
    found = await exporting.export_mine(ctx, keys)
    return AssistantExport(
        schema_version=exporting.SCHEMA_VERSION,
        generated_at=found.generated_at,
        account_subject=found.subject,
        conversations=[
            ExportedConversation(
                id=conversation.id,
                language=conversation.language,
                role=conversation.role,
                started_at=conversation.started_at,
                last_message_at=conversation.last_message_at,
                urgency_categories=list(conversation.urgent_categories),
                handed_over_at=conversation.handover_requested_at,
                messages=[ExportedMessage.of(message) for message in messages],
            )
            for conversation, messages in found.conversations
        ],
        access_log=[
            ExportedRead(at=r.at, actor=r.actor, actor_role=r.actor_role, actor_org=r.actor_org, purpose=r.purpose)
            for r in found.access_log
        ],
    )
