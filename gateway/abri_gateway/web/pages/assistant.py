"""The assistant's pages (``/assistant``), for every signed-in role it answers (households, owners, social workers,
fund agents): my conversations, a new one in a language of my choice, one conversation with its messages (each
reply with its source and the day it was checked; the emergency numbers, to call at once, when the reply has
them; the household's own file stage when it asked), the form to ask, the hand-over to my association (a
household, with its consent), and the deletion of a conversation after a confirmation. The three national
emergency numbers are shown on every one of these pages: a person in danger may never type a message.

Every call goes to the assistant with the person's own token: it answers a person only about their own
conversations (another's is the 404 page). Nothing personal goes in an address: ids only. The social workers'
reading of the conversations handed to their association is in ``association/conversations.py``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from babel import Locale
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from abri_gateway.web import forms, i18n
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import LANGUAGES
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.navigation import ASSISTED
from abri_gateway.web.visit import PageError, Visit, for_roles

router = APIRouter()
ROLES = tuple(sorted(ASSISTED))
"""Whom the assistant answers."""
Page = Annotated[Visit, Depends(for_roles(*ROLES))]
MAX_CHARS = 2000
"""The longest message the assistant takes (its own limit)."""
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""Characters no one types (line breaks and tabs are fine): the assistant refuses them."""
PARAGRAPHS = re.compile(r"\n\s*\n")


def category_words() -> dict[str, str]:
    """The kinds of urgency the assistant recognises, in words (its codes)."""
    return {
        "eviction_now": _("An eviction happening now"),
        "no_shelter": _("Nowhere to sleep tonight"),
        "violence": _("Violence"),
        "child_in_danger": _("A child in danger"),
        "suicide": _("A risk of suicide"),
        "health": _("A health emergency"),
    }


def reply_kind_words() -> dict[str, str]:
    """What an assistant's reply was, in words (its codes)."""
    return {
        "answer": _("An answer from the knowledge base"),
        "urgent": _("An urgency: the emergency numbers at once"),
        "unknown": _("No answer found: nothing made up"),
    }


def codes() -> dict[str, dict[str, str]]:
    """The assistant's codes in words, for the export's labels."""
    return {"urgency_category": category_words(), "reply_kind": reply_kind_words()}


def category(code: str) -> str:
    """One kind of urgency in words (a code without one shows as itself)."""
    return category_words().get(code, code)


def emergency_numbers() -> list[tuple[str, str]]:
    """The three numbers every page of the assistant shows, with what each is for: those the assistant shows with
    every urgent message (``ALWAYS`` of ``services/assistant``'s ``domain/emergency.py``, sourced there)."""
    return [
        ("115", _("Nowhere to sleep: emergency shelter (SAMU social)")),
        ("3919", _("Violence against women: anonymous listening and advice")),
        ("119", _("A child in danger, or a child who needs help")),
    ]


def language_name(code: str) -> str:
    """A language in the reader's own words ("ukrainien" on a French page), capitalised as a label."""
    try:
        name = Locale.parse(code).get_display_name(i18n.current()) or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class Source:
    """Where an answer comes from: a public page (linked), or a page of Abri's own documentation (its title)."""

    title: str
    url: str | None
    own_documentation: bool
    checked_on: str
    language: str
    """The title's language (``fr``: a French text cited by its name; ``en``: Abri's documentation), marked on the page."""


@dataclass(frozen=True)
class Message:
    """A message as the pages show it: its paragraphs, and for the assistant's, what came with it."""

    seq: int
    at: str
    author: str
    paragraphs: list[str]
    kind: str | None
    source: Source | None
    numbers: list[dict[str, str]] = field(default_factory=list)
    file: str | None = None
    handover_offered: bool = False


OWN_DOCUMENTATION = "Abri documentation, "
"""How the knowledge base's titles of Abri's own pages start (the page says it in the reader's words)."""


def source_of(source: dict[str, Any] | None) -> Source | None:
    """An answer's source: a public page is linked; a page of Abri's documentation (``docs/<page>.md#<heading>``) is
    named by its title (the front links to no copy of the repository's documentation)."""
    if not source:
        return None
    url, title = str(source.get("url") or ""), str(source.get("title") or "")
    own = url.startswith("docs/")
    if own:
        title = title.removeprefix(OWN_DOCUMENTATION)
    language = "fr" if source.get("language") == "fr" else "en"
    return Source(title, url if url.startswith("https://") else None, own, str(source.get("checked_on") or ""), language)


def shown(message: dict[str, Any]) -> Message:
    """A message of the API as the pages show it: its text in paragraphs (split on blank lines)."""
    text = str(message.get("text") or "").strip()
    return Message(
        seq=int(message["seq"]),
        at=str(message["at"]),
        author=str(message["author"]),
        paragraphs=[part.strip() for part in PARAGRAPHS.split(text) if part.strip()],
        kind=message.get("kind"),
        source=source_of(message.get("source")),
        numbers=[{"dial": str(n["dial"]), "name": str(n["name"])} for n in message.get("numbers") or []],
        file=message.get("file"),
        handover_offered=bool(message.get("handover_offered")),
    )


def context() -> dict[str, Any]:
    """What every page of the assistant (and the association's reading) gives its templates."""
    return {
        "emergency_numbers": emergency_numbers(),
        "category": category,
        "language_name": language_name,
        "direction_of": lambda code: LANGUAGES[code].direction if code in LANGUAGES else "ltr",
    }


# --- my conversations ------------------------------------------------------------------------------------
@router.get("/assistant", response_class=HTMLResponse, summary="The assistant: my conversations, a new one, the emergency numbers")
async def conversations(page: Page) -> HTMLResponse:
    return await _list(page, {"language": page.lang}, forms.FieldErrors())


@router.post("/assistant/conversations", response_class=HTMLResponse, summary="Start a conversation in the language chosen")
async def start(page: Page) -> Response:
    form = await page.form()
    language = forms.text(form, "language")
    errors = forms.FieldErrors()
    if language not in LANGUAGES:
        errors.add("language", _("Choose the language the assistant answers in."))
        return await _list(page, {"language": language}, errors, status=422)
    started = await page.api("POST", "assistant", "/v1/conversations", json_body={"language": language})
    return page.redirect(f"/assistant/conversations/{started['id']}")


async def _list(page: Visit, values: dict[str, Any], errors: forms.FieldErrors, status: int = 200) -> HTMLResponse:
    """The person's conversations, the latest activity first (they are few: one not handed over is deleted 30
    days after its last message)."""
    mine = await page.every("assistant", "/v1/conversations")
    mine.sort(key=lambda conversation: str(conversation["last_message_at"]), reverse=True)
    options = [(code, language.name) for code, language in LANGUAGES.items()]
    return page.render(
        "assistant/conversations.html", status=status, conversations=mine, values=values, errors=errors, language_options=options,
        **context(),
    )  # fmt: skip


# --- one conversation ------------------------------------------------------------------------------------
@router.get("/assistant/conversations/{conversation_id}", response_class=HTMLResponse, summary="One of my conversations")
async def conversation(conversation_id: uuid.UUID, page: Page) -> HTMLResponse:
    return await _conversation(page, conversation_id)


@router.post("/assistant/conversations/{conversation_id}/messages", response_class=HTMLResponse, summary="Ask the assistant")
async def ask(conversation_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    raw = form.get("text")
    text = raw.replace("\r\n", "\n").strip() if isinstance(raw, str) else ""  # a browser sends a line break as two characters
    errors = forms.FieldErrors()
    if not text:
        errors.add("text", _("Write your question."))
    elif len(text) > MAX_CHARS:
        errors.add(
            "text", _("Write %(max)s characters at most: yours has %(count)s.", max=i18n.number(MAX_CHARS), count=i18n.number(len(text)))
        )
    elif CONTROL.search(text):
        errors.add("text", _("Your message has characters that cannot be sent: write it again without them."))
    if errors:
        return await _conversation(page, conversation_id, ask_values={"text": text}, ask_errors=errors, status=422)
    try:
        answer = await page.api("POST", "assistant", f"/v1/conversations/{conversation_id}/messages", json_body={"text": text})
    except ApiError as exc:
        if exc.status in (403, 404):
            raise _not_found() from exc
        if exc.status >= 500 or exc.status == 401:
            raise
        errors.add("text", explained(exc) if exc.status == 409 else _("Your message could not be read: write it again."))
        return await _conversation(page, conversation_id, ask_values={"text": text}, ask_errors=errors, status=exc.status)
    reply = answer["messages"][-1]
    return page.redirect(f"/assistant/conversations/{conversation_id}#message-{reply['seq']}")


@router.post("/assistant/conversations/{conversation_id}/handover", response_class=HTMLResponse, summary="Hand it to my association")
async def hand_over(conversation_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    if "household" not in page.roles:
        raise PageError(403, _("Only a household can hand its conversation to its association."))
    if not forms.checked(form, "consent"):
        errors.add("consent", _("Tick the box to agree: the conversation is handed over only with your consent."))
        return await _conversation(page, conversation_id, handover_errors=errors, status=422)
    try:
        await page.api("POST", "assistant", f"/v1/conversations/{conversation_id}/handover", json_body={"consent": True})
    except ApiError as exc:
        if exc.status == 404:
            raise _not_found() from exc
        if exc.status >= 500 or exc.status == 401:
            raise
        errors.add("_form", explained(exc))
        return await _conversation(page, conversation_id, handover_errors=errors, status=exc.status)
    page.notify("success", _("Your conversation was handed to your association: a social worker will read it and get back to you."))
    return page.redirect(f"/assistant/conversations/{conversation_id}")


@router.get("/assistant/conversations/{conversation_id}/delete", response_class=HTMLResponse, summary="Delete a conversation: confirm")
async def confirm_delete(conversation_id: uuid.UUID, page: Page) -> HTMLResponse:
    found = await page.get("assistant", f"/v1/conversations/{conversation_id}")
    return page.render("assistant/delete.html", conversation=found, **context())


@router.post("/assistant/conversations/{conversation_id}/delete", summary="Delete a conversation for good (confirmed)")
async def delete(conversation_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    try:
        await page.api("DELETE", "assistant", f"/v1/conversations/{conversation_id}")
    except ApiError as exc:
        if exc.status != 404:  # 404: deleted already (the form sent twice), or never mine: nothing left to delete
            raise
    page.notify("success", _("The conversation is deleted."))
    return page.redirect("/assistant")


async def _conversation(
    page: Visit,
    conversation_id: uuid.UUID,
    *,
    ask_values: dict[str, Any] | None = None,
    ask_errors: forms.FieldErrors | None = None,
    handover_errors: forms.FieldErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = await page.get("assistant", f"/v1/conversations/{conversation_id}")
    messages = [shown(message) for message in found.get("messages") or []]
    offered = found["urgent"] or any(message.handover_offered for message in messages)
    may_hand_over = "household" in page.roles and found["handed_over_at"] is None and offered
    return page.render(
        "assistant/conversation.html", status=status, conversation=found, messages=messages, may_hand_over=may_hand_over,
        ask_values=ask_values or {}, ask_errors=ask_errors or forms.FieldErrors(), handover_errors=handover_errors or forms.FieldErrors(),
        max_chars=MAX_CHARS, **context(),
    )  # fmt: skip


def _not_found() -> PageError:
    return PageError(404, _("This page does not exist, or it is not yours."))
