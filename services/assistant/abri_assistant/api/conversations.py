"""My conversations with the assistant: start one, ask, read it again, hand it to my association, delete it.
Every message is sealed under the conversation's own key; nothing of it leaves Abri."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Response

from abri_assistant.api.schemas import ConversationOut, ConversationStart, Exchange, Handover, MessageOut, Question
from abri_assistant.api.state import Keys, Policy
from abri_assistant.usecases import conversations
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import REPLAYED_HEADER, Idempotent, Replayed
from abri_kit.pagination import Page

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])
NOT_MINE: dict[int | str, dict[str, Any]] = {404: {"description": "No such conversation of mine"}}


@router.post("", status_code=201, summary="Start a conversation with the assistant, in one of its four languages")
async def start(body: ConversationStart, ctx: Ctx, keys: Keys, response: Response, idempotency: Idempotent) -> ConversationOut:
    await idempotency.claim(body)
    started = ConversationOut.of(await conversations.start(ctx, keys, body.language), [])
    response.headers["Location"] = f"/v1/conversations/{started.id}"
    await idempotency.remember(201, started, response.headers)
    return started


@router.get("", summary="My conversations, the oldest first, in pages (without their messages)")
async def mine(ctx: Ctx, page: PageParams) -> Page[ConversationOut]:
    found, next_cursor = await conversations.mine(ctx, page)
    return Page[ConversationOut](items=[ConversationOut.of(c) for c in found], next_cursor=next_cursor)


@router.get("/{conversation_id}", summary="One of my conversations with its messages", responses=NOT_MINE)
async def read(conversation_id: uuid.UUID, ctx: Ctx, keys: Keys) -> ConversationOut:
    return ConversationOut.of(*await conversations.read_mine(ctx, keys, conversation_id))


@router.post(
    "/{conversation_id}/messages",
    status_code=201,
    summary="Ask: the assistant answers from its knowledge base (with the source), says where my file stands, or hands over",
    description=(
        "An urgent message (eviction, violence, no place to sleep tonight, a child in danger, suicide, health) gets the "
        "emergency numbers at once and the offer to hand the conversation over; a question the knowledge base does not "
        "answer clearly gets no made-up answer: the offer and the numbers. With an `Idempotency-Key`, a retry gets the "
        "same two messages again, opened from the conversation: the stored answer keeps no word of them."
    ),
    responses=NOT_MINE,
)
async def ask(
    conversation_id: uuid.UUID, body: Question, ctx: Ctx, keys: Keys, policy: Policy, idempotency: Idempotent, response: Response
) -> Exchange:
    try:
        await idempotency.claim(body)
    except Replayed as replay:  # the first answer was lost: its two messages, opened again from the conversation
        first = json.loads(bytes(replay.response.body))
        shown = await conversations.read_exchange(ctx, keys, conversation_id, int(first["first_seq"]))
        response.headers[REPLAYED_HEADER] = "true"
        return Exchange(first_seq=first["first_seq"], messages=[MessageOut.of(m) for m in shown])
    shown = await conversations.ask(ctx, keys, policy, conversation_id, body.text)
    answer = Exchange(first_seq=shown[0].seq, messages=[MessageOut.of(m) for m in shown])
    await idempotency.remember(201, answer, secret_fields=("messages",))  # no word of the conversation in the stored answer
    return answer


@router.post(
    "/{conversation_id}/handover",
    summary="Hand my conversation to my association's social workers (households, with their consent)",
    responses={
        **NOT_MINE,
        403: {"description": "Without the person's consent"},
        409: {"description": "No association to hand over to (not a household whose account its association registered)"},
    },
)
async def hand_over(conversation_id: uuid.UUID, body: Handover, ctx: Ctx) -> ConversationOut:
    return ConversationOut.of(await conversations.hand_over(ctx, conversation_id, body.consent))


@router.delete(
    "/{conversation_id}", status_code=204, summary="Delete my conversation now (its key shredded, then its messages)", responses=NOT_MINE
)
async def delete(conversation_id: uuid.UUID, ctx: Ctx) -> Response:
    await conversations.delete_mine(ctx, conversation_id)
    return Response(status_code=204)
