"""A person's export from the assistant (GDPR art. 15 and 20): every conversation of the caller with its messages
opened (the person's and the assistant's, with what came with each reply), and who other than the person read
them. The person's own reading is not logged, as any reading of their own conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from abri_assistant.db.access_log import PersonAccessLogEntry
from abri_assistant.db.models import Conversation
from abri_assistant.db.repositories.access_log import PersonAccessLog
from abri_assistant.db.repositories.conversations import MyConversations
from abri_assistant.usecases.conversations import Shown, read_mine, role_of
from abri_kit.envelope import KeyEncryption
from abri_kit.pagination import MAX_LIMIT, PageRequest
from abri_kit.usecase import Context

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Exported:
    """What the assistant holds about the caller."""

    generated_at: datetime
    subject: str
    conversations: list[tuple[Conversation, list[Shown]]]
    access_log: list[PersonAccessLogEntry]


async def export_mine(ctx: Context, keyring: KeyEncryption) -> Exported:
    """The caller's conversations (the oldest first), each with its messages opened, and its access log."""
    role_of(ctx)  # 403 for a role the assistant does not answer
    conversations: list[tuple[Conversation, list[Shown]]] = []
    cursor: str | None = None
    while True:
        found, cursor = await MyConversations.of(ctx).page_of_mine(PageRequest(limit=MAX_LIMIT, cursor=cursor))
        for conversation in found:
            conversations.append(await read_mine(ctx, keyring, conversation.id))
        if cursor is None:
            break
    log: list[PersonAccessLogEntry] = []
    cursor = None
    while True:
        entries, cursor = await PersonAccessLog.of(ctx).page_of(ctx.principal.subject, PageRequest(limit=MAX_LIMIT, cursor=cursor))
        log += entries
        if cursor is None:
            break
    return Exported(ctx.now, ctx.principal.subject, conversations, log)
