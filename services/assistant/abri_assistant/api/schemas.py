"""The shapes of the assistant's API: a conversation, its messages, what comes with the assistant's replies."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from abri_assistant.db.models import Conversation
from abri_assistant.domain.replies import ReplyPolicy
from abri_assistant.usecases.conversations import Shown
from abri_kit.input import Input

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ConversationStart(Input):
    language: Literal["fr", "en", "ar", "uk"] = Field(description="The language the assistant answers in (the knowledge base's four).")


class Question(Input):
    text: str = Field(min_length=1, max_length=ReplyPolicy.max_message_chars, description="The person's message, 2,000 characters at most.")

    @field_validator("text")
    @classmethod
    def _plain(cls, text: str) -> str:
        if _CONTROL.search(text):
            raise ValueError("control characters are refused (line breaks and tabs are fine)")
        if not text.strip():
            raise ValueError("the message is empty")
        return text.strip()


class Handover(Input):
    consent: bool = Field(description="The person agrees that their association's social workers read this conversation.")


class SourceOut(BaseModel):
    title: str
    url: str = Field(description="A public page, or a page of Abri's documentation (`docs/<page>.md#<heading>`).")
    checked_on: str = Field(description="The day the answer was checked against its source (ISO date).")
    language: Literal["fr", "en"] = Field(
        default="en",
        description="The title's language: `fr` for a text cited as its publisher names it, `en` for Abri's own documentation "
        "(replies given before titles said it: `en`).",
    )


class NumberOut(BaseModel):
    dial: str = Field(description="The number to call (free, national).")
    name: str = Field(description="What it is for, in the conversation's language.")


class MessageOut(BaseModel):
    seq: int
    at: datetime
    author: Literal["person", "assistant"]
    text: str
    kind: Literal["answer", "urgent", "unknown"] | None = Field(
        default=None, description="The assistant's reply: an answer found, an urgency, or no answer (never a guess)."
    )
    entry_id: str | None = Field(default=None, description="The knowledge base's entry that answered.")
    source: SourceOut | None = None
    numbers: list[NumberOut] = Field(
        default_factory=list, description="The emergency numbers, shown at once with an urgent or unknown reply."
    )
    file: str | None = Field(default=None, description="Where the household's own file stands, when it asked.")
    handover_offered: bool = Field(default=False, description="The person may hand this conversation to their association.")

    @classmethod
    def of(cls, shown: Shown) -> MessageOut:
        return cls(
            seq=shown.seq,
            at=shown.at,
            author=shown.author,
            text=shown.text,
            kind=shown.kind,
            entry_id=shown.entry_id,
            source=SourceOut(**shown.source) if shown.source else None,
            numbers=[NumberOut(**number) for number in shown.numbers],
            file=shown.file,
            handover_offered=shown.handover_offered,
        )


class ConversationOut(BaseModel):
    id: uuid.UUID
    language: str
    role: str = Field(description="The role its person spoke in.")
    household_id: uuid.UUID | None = Field(
        description="The household it is about (its file in matching), once a household linked to its association asked or handed it over."
    )
    started_at: datetime
    last_message_at: datetime
    urgent: bool = Field(description="A message signalled an urgency.")
    categories: list[str] = Field(description="The kinds of urgency recognised (codes).")
    handed_over_at: datetime | None = Field(description="When the person handed it to their association, if they did.")
    messages: list[MessageOut] | None = Field(default=None, description="Its messages, when one conversation is read.")

    @classmethod
    def of(cls, conversation: Conversation, messages: list[Shown] | None = None) -> ConversationOut:
        return cls(
            id=conversation.id,
            language=conversation.language,
            role=conversation.role,
            household_id=conversation.household_id,
            started_at=conversation.started_at,
            last_message_at=conversation.last_message_at,
            urgent=bool(conversation.urgent_categories),
            categories=list(conversation.urgent_categories),
            handed_over_at=conversation.handover_requested_at,
            messages=[MessageOut.of(m) for m in messages] if messages is not None else None,
        )


class Exchange(BaseModel):
    """A message and the assistant's reply."""

    first_seq: int = Field(description="The place of the person's message in the conversation (the reply follows it).")
    messages: list[MessageOut] | None = Field(description="The person's message and the assistant's reply.")
