"""The conversations households handed to my association (``/association/conversations``): the list (which
household, by the association's own reference and a link to its file; when, how urgent and why, in which language;
no word of them), and one conversation read-only. Each reading is written by
the assistant to the household's access log, which the household sees on its file page; the reading needs the
second factor (the assistant's step-up challenge sends the social worker to the identity provider and back).
Another association's conversation is the 404 page. The notifications service links its hand-over messages to
``/association/conversations/{conversation_id}``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from abri_gateway.web.pages.assistant import context, shown
from abri_gateway.web.pages.association.shared import Cursor, Page, household_references, render

router = APIRouter()


@router.get("/conversations", response_class=HTMLResponse, summary="Conversations households handed to my association")
async def handed(page: Page, cursor: Cursor = None) -> HTMLResponse:
    found, next_cursor = await page.page_of("assistant", "/v1/handovers", cursor)
    next_link = next_cursor and page.link("/association/conversations", cursor=next_cursor)
    first_link = cursor and "/association/conversations"
    references = await household_references(page) if found else {}
    return render(
        page, "conversations.html", conversations=found, references=references, next_link=next_link, first_link=first_link, **context()
    )


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse, summary="Read a handed-over conversation (logged)")
async def handed_one(conversation_id: uuid.UUID, page: Page) -> HTMLResponse:
    found = await page.get("assistant", f"/v1/handovers/{conversation_id}")
    messages = [shown(message) for message in found.get("messages") or []]
    references = await household_references(page)
    return render(page, "conversation.html", conversation=found, messages=messages, references=references, **context())
