"""A person's conversation with the assistant: start it, ask, read it again, delete it, hand it to the
household's association; a social worker's reading of the conversations handed to its association.

Each conversation has its own data key (``abri_kit.keystore``, namespace ``conversation``), created before its
first message is sealed; every message (the person's and the assistant's) is sealed under it. Deleting a
conversation (its person, the retention sweeper, an erasure) shreds the key first: a copy of the rows in a
backup opens no more.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from abri_assistant import metrics
from abri_assistant.db import conversations as rows
from abri_assistant.db import files, knowledge
from abri_assistant.db.models import Conversation, Message
from abri_assistant.db.repositories.access_log import PersonAccessLog
from abri_assistant.db.repositories.conversations import HandedConversations, MyConversations
from abri_assistant.domain.access import PersonalDataPurpose
from abri_assistant.domain.file_words import said
from abri_assistant.domain.knowledge import Audience
from abri_assistant.domain.replies import Reply, ReplyPolicy, decide
from abri_assistant.domain.reply_words import number_name, sentence
from abri_assistant.domain.urgency import Language
from abri_assistant.knowledge_files import file_wording, reply_wording
from abri_assistant.lexicons import lexicon
from abri_assistant.settings import CONVERSATION_NAMESPACE
from abri_assistant.usecases.files import where_my_file_stands
from abri_contracts.assistant import HandoverRequested
from abri_kit import keystore
from abri_kit.envelope import KeyEncryption, open_json, seal_json
from abri_kit.errors import Conflict, NotAllowed
from abri_kit.keystore import PersonalKeys
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context

AUDIENCES: dict[str, Audience] = {
    "household": "household",
    "owner": "owner",
    "social_worker": "social_worker",
    "fund_agent": "social_worker",
}
"""Whom the assistant answers as which audience of the knowledge base (a fund's agent reads the professionals')."""
FILE_ENTRY = "my-file-pages"
"""The entry that answers "where is my file": for a household signed in, its own file's stage is said with it."""


@dataclass(frozen=True)
class Shown:
    """A message as its reader sees it: who wrote it, its text, and for the assistant's, what came with it."""

    seq: int
    at: Any
    author: str
    text: str
    kind: str | None = None
    entry_id: str | None = None
    source: dict[str, str] | None = None
    numbers: list[dict[str, str]] = field(default_factory=list)
    file: str | None = None
    handover_offered: bool = False


def role_of(ctx: Context) -> str:
    """The caller's role the assistant answers as (403 for any other)."""
    for role in AUDIENCES:
        if ctx.principal.has_role(role):
            return role
    raise NotAllowed("the assistant answers households, owners, social workers and fund agents")


def audience_of(ctx: Context) -> Audience:
    return AUDIENCES[role_of(ctx)]


def _keys(keyring: KeyEncryption) -> PersonalKeys:
    return PersonalKeys(keyring)


async def start(ctx: Context, keyring: KeyEncryption, language: Language) -> Conversation:
    """A new conversation of the caller, in ``language``, with its data key stored first."""
    role = role_of(ctx)
    conversation = Conversation(
        id=uuid.uuid4(),
        subject=ctx.principal.subject,
        role=role,
        org_id=ctx.principal.org_id,
        household_id=None,
        language=language,
        started_at=ctx.now,
        last_message_at=ctx.now,
        urgent_categories=[],
        version=1,
    )
    if role == "household":
        household = await files.household_of_account(ctx, ctx.principal.subject)
        conversation.household_id = household.household_id if household else None
    await _keys(keyring).create(str(conversation.id))
    MyConversations.of(ctx).add(conversation)
    await ctx.uow.flush("the conversation")
    return conversation


async def ask(ctx: Context, keyring: KeyEncryption, policy: ReplyPolicy, conversation_id: uuid.UUID, text: str) -> list[Shown]:
    """The caller's message and the assistant's reply, both sealed and kept; the two as shown."""
    conversation = await MyConversations.of(ctx).get(conversation_id, for_update=True)
    language: Language = conversation.language  # type: ignore[assignment]
    audience = audience_of(ctx)
    signals = lexicon(language).signals(text)
    candidates = await knowledge.search(ctx.uow.session, language, audience, text)
    reply = decide(signals, candidates, policy)
    linked = None
    if audience == "household":
        linked = await files.household_of_account(ctx, ctx.principal.subject)
        if linked is not None and conversation.household_id is None:
            conversation.household_id = linked.household_id
    said_back = await _reply_content(ctx, reply, language, audience, handover_possible=linked is not None)
    data_key = await _keys(keyring).require(str(conversation.id))
    seq = await rows.next_seq(ctx.uow.session, conversation.id)
    person = Message(
        id=uuid.uuid4(), conversation_id=conversation.id, seq=seq, at=ctx.now, author="person",
        sealed=seal_json(data_key, {"text": text}, str(conversation.id), keyring.namespace),
    )  # fmt: skip
    answer = Message(
        id=uuid.uuid4(), conversation_id=conversation.id, seq=seq + 1, at=ctx.now, author="assistant",
        sealed=seal_json(data_key, said_back, str(conversation.id), keyring.namespace),
        reply_kind=reply.kind, entry_id=reply.entry_id,
    )  # fmt: skip
    ctx.uow.session.add_all([person, answer])
    categories = [signal.category for signal in reply.signals]
    conversation.urgent_categories = list(dict.fromkeys([*conversation.urgent_categories, *categories]))
    conversation.last_message_at = ctx.now
    await ctx.uow.flush("the conversation")
    ctx.uow.after_commit(metrics.REPLIES.labels(reply.kind, language).inc)
    return [_shown(person, {"text": text}), _shown(answer, said_back)]


async def _reply_content(ctx: Context, reply: Reply, language: Language, audience: Audience, *, handover_possible: bool) -> dict[str, Any]:
    """What the assistant says: the answer found (with its source), or the urgent or unknown reply; the
    emergency numbers when any; the household's own file when it asked where its file stands."""
    words = reply_wording()
    content: dict[str, Any] = {"kind": reply.kind, "handover_offered": reply.offers_handover and handover_possible}
    parts: list[str] = []
    if reply.kind == "urgent":
        parts.append(sentence(words, language, "urgent"))
    elif reply.kind == "unknown":
        parts.append(sentence(words, language, "unknown" if handover_possible else "unknown_no_handover"))
    if reply.entry_id is not None:
        entry = await knowledge.entry(ctx.uow.session, reply.entry_id, language)
        if entry is not None:
            parts.append(entry.answer)
            content["source"] = {
                "title": entry.source_title,
                "url": entry.source_url,
                "checked_on": entry.checked_on.isoformat(),
                "language": entry.source_language,
            }
            content["entry_id"] = reply.entry_id
        if reply.entry_id == FILE_ENTRY and audience == "household":
            content["file"] = said(await where_my_file_stands(ctx, ctx.principal.subject), language, file_wording())
    content["text"] = "\n\n".join(parts)
    content["numbers"] = [{"dial": n.dial, "name": number_name(words, language, n.purpose)} for n in reply.numbers]
    return content


def _shown(message: Message, content: dict[str, Any]) -> Shown:
    return Shown(
        seq=message.seq,
        at=message.at,
        author=message.author,
        text=str(content.get("text", "")),
        kind=message.reply_kind,
        entry_id=content.get("entry_id"),
        source=content.get("source"),
        numbers=list(content.get("numbers", [])),
        file=content.get("file"),
        handover_offered=bool(content.get("handover_offered", False)),
    )


async def _opened(session: Any, keyring: KeyEncryption, conversation: Conversation) -> list[Shown]:
    data_key = await _keys(keyring).require(str(conversation.id))
    found = await rows.messages_of(session, conversation.id)
    return [_shown(m, open_json(data_key, m.sealed, str(conversation.id), keyring.namespace)) for m in found]


async def mine(ctx: Context, page: PageRequest) -> tuple[list[Conversation], str | None]:
    return await MyConversations.of(ctx).page_of_mine(page)


async def read_mine(ctx: Context, keyring: KeyEncryption, conversation_id: uuid.UUID) -> tuple[Conversation, list[Shown]]:
    """The caller's own conversation and its messages (not logged: it is the person's own)."""
    conversation = await MyConversations.of(ctx).get(conversation_id)
    return conversation, await _opened(ctx.uow.session, keyring, conversation)


async def read_exchange(ctx: Context, keyring: KeyEncryption, conversation_id: uuid.UUID, first_seq: int) -> list[Shown]:
    """The caller's message at ``first_seq`` and the reply after it, opened again (a retried question's answer)."""
    _, shown = await read_mine(ctx, keyring, conversation_id)
    return [message for message in shown if message.seq in (first_seq, first_seq + 1)]


async def delete_mine(ctx: Context, conversation_id: uuid.UUID) -> None:
    """The caller deletes its conversation: its key shredded (recorded in the erasure ledger), then its rows."""
    conversation = await MyConversations.of(ctx).get(conversation_id, for_update=True)
    requester: keystore.Requester = "household" if conversation.role == "household" else "association"
    await erase(ctx, [conversation.id], requester)


async def hand_over(ctx: Context, conversation_id: uuid.UUID, consent: bool) -> Conversation:
    """The household hands its conversation to its association, having consented: an event tells the
    association's social workers (notifications); asked again, nothing more happens."""
    if not consent:
        raise NotAllowed("a conversation is handed over only with the person's consent")
    conversation = await MyConversations.of(ctx).get(conversation_id, for_update=True)
    if conversation.handover_requested_at is not None:
        return conversation
    household = await files.household_of_account(ctx, ctx.principal.subject) if conversation.role == "household" else None
    if household is None:
        raise Conflict(
            "only a household whose association registered its account can hand a conversation over: "
            "ask the association that supports you, or call the numbers shown",
            title="No association to hand over to",
        )
    conversation.household_id = household.household_id
    conversation.handover_requested_at = ctx.now
    conversation.handover_org_id = household.org_id
    await ctx.uow.flush("the conversation")
    await ctx.uow.publish(
        HandoverRequested(
            conversation_id=conversation.id,
            org_id=household.org_id,
            household_id=household.household_id,
            urgent=bool(conversation.urgent_categories),
            categories=list(conversation.urgent_categories),
            requested_at=ctx.now,
        ),
        at=ctx.now,
    )
    ctx.uow.after_commit(metrics.HANDOVERS.labels(str(bool(conversation.urgent_categories)).lower()).inc)
    return conversation


async def handed(ctx: Context, page: PageRequest) -> tuple[list[Conversation], str | None]:
    """The conversations handed to the caller's association, oldest hand-over first."""
    return await HandedConversations.of(ctx).page_of_handed(page)


async def read_handed(ctx: Context, keyring: KeyEncryption, conversation_id: uuid.UUID) -> tuple[Conversation, list[Shown]]:
    """A social worker reads a conversation handed to its association: logged in the access log first."""
    conversation = await HandedConversations.of(ctx).get(conversation_id)
    await PersonAccessLog.for_system(ctx.uow).append(
        conversation.subject, reader=ctx.principal, purpose=PersonalDataPurpose.HANDOVER, at=ctx.now
    )
    return conversation, await _opened(ctx.uow.session, keyring, conversation)


async def erase(
    ctx: Context, conversation_ids: Sequence[uuid.UUID], requested_by: keystore.Requester, request_id: uuid.UUID | None = None
) -> int:
    """Shred the conversations' keys (the ledger first), then delete their rows; how many were deleted."""
    if not conversation_ids:
        return 0
    await keystore.erase(
        CONVERSATION_NAMESPACE, [str(i) for i in conversation_ids], at=ctx.now, request_id=request_id, requested_by=requested_by
    )
    return await rows.delete(ctx.uow.session, conversation_ids)
