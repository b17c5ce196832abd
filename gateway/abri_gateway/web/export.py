"""A household's data from every service, as one archive (GDPR art. 15, right of access, and art. 20,
portability).

The gateway asks each service for its export of the household (``GET /v1/households/{id}/export``) with
the caller's own token, so each service decides, as for any request, whether the caller may have it (the
household itself or its association; anyone else 404) and writes the export to its access log. Matching
is asked first: it knows the household, and a caller it refuses reaches no other service. The assistant keeps
a person's conversations under their account: the household's own export asks it for the caller's
(``GET /v1/me/export``); an association's export on its behalf does not include them. The documents
a service lists (a guarantee file's documents, the visa PDF) are downloaded the same way.

The archive (zip) holds one JSON document per service as the service wrote it (machine-readable, stable
keys, ISO dates: the portable part), the documents under ``documents/<service>/``, ``labels.json`` (every
field and code in the reader's language), ``README.txt`` (what the archive is, in that language) and
``manifest.json`` (each file with its SHA-256 and size). It is complete or it is not given: if one
service does not answer, the export fails with 503 naming it, and nothing is sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import aiohttp
from fastapi.responses import StreamingResponse

from abri_gateway.auth import Caller
from abri_gateway.web import i18n
from abri_gateway.web.api import ApiError, Download, ServiceApi
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import words as code_words
from abri_gateway.web.pages.assistant import codes as assistant_codes
from abri_gateway.web.pages.household import words as household_words

FIRST = "matching"
"""The service asked first: the one that knows the household and whom it belongs to."""
OTHERS = ("guarantees", "notifications", "listings")
"""The services asked next, side by side."""
PERSONS_OWN = {"assistant": "/v1/me/export"}
"""Services that keep a person's data under their sign-in account rather than under the household (the
assistant: the person's conversations), asked beside the others with ``/v1/me``, only when the household
exports its own data (the account matching names as the household's is the caller's). An association's export
on the household's behalf cannot include them: the person's conversations are theirs (their association reads
only those handed over, through the assistant's own pages)."""
ARCHIVE_SCHEMA_VERSION = 1
SPOOL_IN_MEMORY = 8 * 1024 * 1024
"""An archive up to this size is built in memory, a larger one in a temporary file (deleted once sent)."""
SEND_CHUNK = 64 * 1024
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "application/json": ".json"}


class ExportFailed(Exception):
    """The export cannot be given whole: ``status`` 404 (not the caller's), 403, 401, or 503 (a service
    did not answer, named in ``service``)."""

    def __init__(self, status: int, detail: str, service: str | None = None, *, silent: bool = False) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.service = service
        self.silent = silent
        """The service did not answer at all (said first when several failed)."""


@dataclass
class Archive:
    """A finished archive, ready to send: its bytes in ``spool``, its name."""

    spool: IO[bytes]
    filename: str
    size: int
    files: list[dict[str, Any]] = field(default_factory=list)

    def response(self) -> StreamingResponse:
        """The archive as a download (never cached, never sniffed); the spool is closed once sent."""

        async def chunks() -> AsyncIterator[bytes]:
            try:
                self.spool.seek(0)
                while chunk := self.spool.read(SEND_CHUNK):
                    yield chunk
            finally:
                self.spool.close()

        headers = {
            "content-disposition": f'attachment; filename="{self.filename}"',
            "content-length": str(self.size),
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        }
        return StreamingResponse(chunks(), media_type="application/zip", headers=headers)


async def export_archive(api: ServiceApi, caller: Caller, household_id: uuid.UUID, *, request_id: str | None = None) -> Archive:
    """Gather the household's exports from every service and its documents into one zip, labelled in the
    current language (:func:`abri_gateway.web.i18n.use`). :class:`ExportFailed` if any part is missing."""
    path = f"/v1/households/{household_id}/export"
    documents = {FIRST: await _document(api, caller, FIRST, path, request_id)}
    asked = dict.fromkeys(OTHERS, path) | (PERSONS_OWN if _own(caller, documents[FIRST]) else {})
    answers = await asyncio.gather(
        *(_document(api, caller, service, at, request_id) for service, at in asked.items()), return_exceptions=True
    )
    failures = [answer for answer in answers if isinstance(answer, BaseException)]
    if failures:  # a service down is named before one that does not know the household yet
        raise next((f for f in failures if isinstance(f, ExportFailed) and f.silent), failures[0])
    documents.update({service: answer for service, answer in zip(asked, answers, strict=True) if isinstance(answer, dict)})
    generated_at = datetime.now(UTC)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 -- closed once sent (Archive.response)
    try:
        files = await _write(spool, api, caller, household_id, documents, generated_at, request_id)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    filename = f"abri-export-{household_id}-{generated_at:%Y%m%d}.zip"
    return Archive(spool, filename, size, files)


def _own(caller: Caller, matching: dict[str, Any]) -> bool:
    """The household exports its own data: signed in with the account matching links to the household."""
    household = matching.get("household")
    account = household.get("account_subject") if isinstance(household, dict) else None
    return caller.principal.has_role("household") and bool(account) and account == caller.principal.subject


async def _document(api: ServiceApi, caller: Caller, service: str, path: str, request_id: str | None) -> dict[str, Any]:
    """One service's export document; a refusal or a silence as :class:`ExportFailed`."""
    try:
        reply = await api.call(caller, "GET", service, path, request_id=request_id)
    except ApiError as exc:
        raise _failure(exc, service) from exc
    if not isinstance(reply.body, dict) or reply.body.get("service") != service:
        raise ExportFailed(503, f"{service} answered something that is not its export", service)
    return reply.body


def _failure(exc: ApiError, service: str) -> ExportFailed:
    if exc.status in (401, 403) or (exc.status == 404 and service == FIRST):
        return ExportFailed(exc.status, exc.detail)
    if exc.status == 404:  # matching knows the household, this service not yet (its event is on its way)
        return ExportFailed(503, f"{service} does not know this household yet: try again in a moment", service)
    return ExportFailed(503, f"{service} did not answer: nothing was exported", service, silent=True)


async def _write(
    spool: IO[bytes],
    api: ServiceApi,
    caller: Caller,
    household_id: uuid.UUID,
    documents: dict[str, dict[str, Any]],
    generated_at: datetime,
    request_id: str | None,
) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = []
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            files.append({"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})

        for service, document in documents.items():
            put(f"{service}.json", _json(document))
        for service, document in documents.items():
            for entry in document.get("documents") or []:
                await _add_document(archive, files, api, caller, service, household_id, entry, request_id)
        put("labels.json", _json(labels()))
        put("README.txt", readme(household_id, generated_at, files).encode())
        manifest = {
            "schema_version": ARCHIVE_SCHEMA_VERSION,
            "household_id": str(household_id),
            "generated_at": generated_at.isoformat(),
            "language": i18n.current(),
            "complete": True,
            "services": {
                service: {"schema_version": doc.get("schema_version"), "generated_at": doc.get("generated_at")}
                for service, doc in documents.items()
            },
            "files": files,
        }
        archive.writestr("manifest.json", _json(manifest))
    return files


async def _add_document(
    archive: zipfile.ZipFile,
    files: list[dict[str, Any]],
    api: ServiceApi,
    caller: Caller,
    service: str,
    household_id: uuid.UUID,
    entry: Any,
    request_id: str | None,
) -> None:
    """One document a service listed, downloaded with the caller's token and written into the archive as
    it arrives (never whole in memory)."""
    path = entry.get("download_path") if isinstance(entry, dict) else None
    prefix = f"/v1/households/{household_id}/export/"
    if not isinstance(path, str) or not path.startswith(prefix) or ".." in path or "?" in path or "#" in path:
        raise ExportFailed(503, f"{service} listed a document the gateway may not fetch", service)
    name = f"documents/{service}/{_safe_name(entry)}"
    try:
        download = await api.download(caller, service, path, request_id=request_id)
    except ApiError as exc:
        raise _failure(exc, service) from exc
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(name, "w", force_zip64=True) as target:
            async for chunk in download.body_iterator:
                data = chunk if isinstance(chunk, bytes) else str(chunk).encode()
                digest.update(data)
                size += len(data)
                target.write(data)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ExportFailed(503, f"{service} stopped sending a document: nothing was exported", service) from exc
    finally:
        if isinstance(download, Download):
            download.upstream.release()
    expected = entry.get("size_bytes")
    if isinstance(expected, int) and expected != size:
        raise ExportFailed(503, f"{service} sent a document cut short: nothing was exported", service)
    files.append({"path": name, "bytes": size, "sha256": digest.hexdigest()})


def _safe_name(entry: dict[str, Any]) -> str:
    """The document's name in the archive: the service's, made safe (no folder, no odd character)."""
    given = str(entry.get("name") or entry.get("id") or "document").rsplit("/", 1)[-1]
    name = SAFE_NAME.sub("-", given).strip(".-") or "document"
    extension = EXTENSIONS.get(str(entry.get("content_type") or ""), "")
    return name if not extension or name.endswith(extension) else name + extension


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()


# --- what the archive says, in the reader's language -------------------------------------------------
def files_explained() -> dict[str, str]:
    return {
        "matching.json": _(
            "Your file as your association registered it, your personal data, your consents, the homes proposed to you "
            "and who read your data."
        ),
        "guarantees.json": _(
            "Your rent guarantee files: their steps and decisions, your visa, the guarantee and any claims, and the documents sent."
        ),
        "notifications.json": _("How you chose to be told, your addresses, the messages in your inbox and those sent to you."),
        "listings.json": _("The homes service: it keeps nothing about you, and says so."),
        "assistant.json": _(
            "Your conversations with the assistant, each message with what came with the answer, and who other than you read them."
        ),
        "documents/": _("The documents of your guarantee files and your visa certificate, as they were sent."),
        "labels.json": _("What each field and each code of the files means, in your language."),
        "manifest.json": _("The list of the files of this archive, with their size and fingerprint (SHA-256)."),
    }


def fields() -> dict[str, str]:
    """Every field of the services' documents, by its name (a name means the same wherever it appears)."""
    return {
        "schema_version": _("Version of the document's format"),
        "service": _("The part of Abri that holds these data"),
        "generated_at": _("When this export was made"),
        "household_id": _("Your file's number in Abri"),
        "documents": _("Documents kept by this part of Abri (their content is in the documents folder)"),
        "holds": _("What this part of Abri keeps about you"),
        "household": _("Your file as your association registered it"),
        "id": _("Number of this item in Abri"),
        "association": _("Your association (its number in Abri)"),
        "reference": _("Your association's own reference for your file"),
        "account_subject": _("Your sign-in account (its number)"),
        "status": _("Where it stands (see the codes)"),
        "version": _("How many times it was changed"),
        "adults": _("Number of adults"),
        "children": _("Number of children"),
        "resources_cents": _("Monthly resources, in euro cents"),
        "housing_benefit_cents": _("Expected housing benefit, in euro cents"),
        "needs": _("What the home must offer"),
        "step_free_access": _("Step-free access needed"),
        "ground_floor": _("Ground floor needed"),
        "min_bedrooms": _("Bedrooms needed, at least"),
        "smoke_free": _("In a shared home: a smoke-free home needed"),
        "quiet_hours": _("In a shared home: quiet hours needed"),
        "cohabitation": _("An intergenerational cohabitation sought"),
        "agreement_services": _("The small services agreed in your intergenerational cohabitation contract"),
        "until": _("Your last day under 30, the age the scheme sets (your birth date is not kept for it)"),
        "wanted": _("Where you want to live"),
        "communes": _("Communes chosen (INSEE codes)"),
        "around": _("Around a place you chose"),
        "latitude": _("Latitude"),
        "longitude": _("Longitude"),
        "radius_km": _("Distance from that place, in km"),
        "priority_level": _("Priority: 0 none, 1 a priority situation recognised by law, 2 a DALO decision"),
        "registered_since": _("Registered as looking for a home since"),
        "erased": _("Your personal data were erased"),
        "erased_at": _("When your personal data were erased"),
        "created_at": _("When it was created"),
        "updated_at": _("When it was last changed"),
        "personal_data": _("Your personal data (kept sealed, opened for this export)"),
        "identity": _("Who you are and how to reach you"),
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "birth_date": _("Date of birth"),
        "phone": _("Phone"),
        "email": _("Email"),
        "priority_situations": _("Your priority situations (see the codes)"),
        "consents": _("Your consents"),
        "purposes_in_force": _("What your data may be used for now (see the codes)"),
        "legal_basis": _("Another legal basis recorded with your file (an orientation by the SIAO)"),
        "purpose": _("What for (see the codes)"),
        "notice_version": _("Version of the privacy notice you were shown"),
        "consented_at": _("When you gave it"),
        "withdrawn_at": _("When you withdrew it"),
        "placements": _("The homes proposed to you"),
        "unit_id": _("The home's number in Abri"),
        "scheme": _("How the home is let (see the codes)"),
        "guarantee_required": _("A rent guarantee is required"),
        "proposed_at": _("When it was proposed"),
        "answer_by": _("The owner's answer was due by"),
        "lease_type": _("Kind of lease"),
        "lease_signed_on": _("Lease signed on"),
        "lease_starts_on": _("Lease starts on"),
        "next_review_by": _("Next review of the lease by"),
        "ended_at": _("When it ended"),
        "end_reason": _("Why it ended (a code)"),
        "steps": _("Each step, in order"),
        "step": _("The step"),
        "from_status": _("Status before"),
        "to_status": _("Status after"),
        "actor_role": _("Who made it (their role)"),
        "role": _("Who made it (their role)"),
        "at": _("When"),
        "reason": _("Why (a code)"),
        "reasons": _("Why (codes)"),
        "suggestions": _("Homes a batch allocation suggested to your association for you"),
        "run_id": _("The allocation's number"),
        "score": _("How well the home fitted (0 to 1)"),
        "reviewed_at": _("When your association looked at it"),
        "access_log": _("Who read your personal data, when and why (this export included)"),
        "actor": _("Who (their account's number)"),
        "actor_org": _("For which organisation"),
        "preferences": _("How you chose to be told"),
        "language": _("Language"),
        "channels": _("Channels besides the Abri inbox"),
        "quiet_start": _("No text messages from"),
        "quiet_end": _("No text messages until"),
        "zone": _("Time zone"),
        "daily_digest": _("One email a day instead of one per event"),
        "digest_at": _("Time of the daily email"),
        "inbox": _("The messages of your Abri inbox"),
        "deliveries": _("The emails and text messages sent to you"),
        "event_type": _("What the message told of (a code)"),
        "template": _("Kind of message (a code)"),
        "subject": _("Subject"),
        "text": _("Text"),
        "read_at": _("When you read it"),
        "channel": _("Sent by"),
        "attempts": _("Attempts to send it"),
        "sent_at": _("When it was sent"),
        "files": _("Your rent guarantee files"),
        "fund_id": _("The guarantee fund (its number)"),
        "placement_id": _("The placement's number"),
        "unit": _("The home's facts when the file was checked"),
        "failures": _("The rules the file did not meet at the check"),
        "rule": _("The rule (a code)"),
        "params": _("The numbers behind the rule"),
        "fields": _("What the rule looks at in the file"),
        "source": _("Where the rule comes from (the law, or the fund's conditions)"),
        "source_url": _("Where to read it (its link)"),
        "source_citation": _("The text's reference (its name, as written in French)"),
        "source_note": _("What the source adds (a code)"),
        "rejection_reasons": _("Why the fund rejected it (codes)"),
        "max_rent_cents": _("Highest rent covered, in euro cents"),
        "policy_version": _("Version of the fund's conditions"),
        "entered_queue_at": _("When the fund received it"),
        "review_deadline": _("The fund's answer was due by"),
        "decided_at": _("When the fund decided"),
        "tenant": _("Your data in the file (kept sealed, opened for this export)"),
        "action": _("The step"),
        "message": _("The message written with the step"),
        "visa": _("Your visa (the fund's approval)"),
        "number": _("Number"),
        "issued_on": _("Issued on"),
        "valid_until": _("Valid until"),
        "lease_signing_deadline": _("Lease to be signed by"),
        "revoked_on": _("Revoked on"),
        "lease_not_before": _("The lease may be signed from (the tenant's 18th birthday)"),
        "guarantee": _("The guarantee, once the lease was signed"),
        "visa_number": _("Visa number"),
        "rent_and_charges_cents": _("Rent and charges covered, in euro cents"),
        "activated_at": _("When it started"),
        "ended_on": _("Ended on"),
        "claims": _("Unpaid rent the owner declared to the fund"),
        "months": _("The months declared"),
        "declared_on": _("Declared on"),
        "ground": _("Ground (a code)"),
        "arrears_cents": _("Arrears declared, in euro cents"),
        "rent_payable_cents": _("Rent the fund may pay, in euro cents"),
        "damage_cents": _("Damage declared, in euro cents"),
        "damage_payable_cents": _("Damage the fund may pay, in euro cents"),
        "paid_cents": _("Paid by the fund, in euro cents"),
        "filed_at": _("When it was filed"),
        "paid_at": _("When it was paid"),
        "kind": _("Kind of document (a code)"),
        "sub_kind": _("Detail of the kind (a code)"),
        "content_type": _("Format"),
        "size_bytes": _("Size, in bytes"),
        "uploaded_at": _("When it was sent"),
        "file_id": _("The guarantee file's number"),
        "name": _("Its name in the documents folder"),
        "download_path": _("Where Abri's API gives it"),
        # matching: the move-in and move-out inventories
        "inventories": _("Your move-in and move-out inventories"),
        "inventory_kind": _("Move-in or move-out inventory (a code)"),
        "made_on": _("The day it was made"),
        "address": _("The address the inventory states"),
        "landlord": _("The landlord the inventory names"),
        "tenants": _("The tenants the inventory names"),
        "new_address": _("Your new address, as the move-out inventory states it"),
        "rooms": _("The rooms inspected"),
        "room": _("Room"),
        "items": _("What was inspected in the room"),
        "item": _("What was inspected"),
        "condition": _("Its condition (a code)"),
        "note": _("What was noted about it"),
        "photos": _("Photos (the pictures are on the inventory's page and in its PDF)"),
        "item_id": _("The inspected item the photo shows"),
        "width": _("Width of the picture, in pixels"),
        "height": _("Height of the picture, in pixels"),
        "sha256": _("The picture's fingerprint (SHA-256), which the signatures cover"),
        "added_at": _("When it was added"),
        "meters": _("Meter readings"),
        "meter": _("Which meter (a code)"),
        "reading": _("The index read"),
        "keys": _("Keys handed over"),
        "opens": _("What they open"),
        "count": _("How many"),
        "landlord_signed_at": _("When the landlord's side signed"),
        "household_signed_at": _("When you signed"),
        "completion": _("What you asked to add within 10 days of the move-in inventory"),
        "content_deleted": _("Its retention period ended: its content was deleted"),
        # the assistant: the person's conversations
        "conversations": _("Your conversations with the assistant, the oldest first"),
        "started_at": _("When it started"),
        "last_message_at": _("When its last message was written"),
        "urgency_categories": _("The kinds of urgency the assistant recognised in it (see the codes)"),
        "handed_over_at": _("When you handed it to your association"),
        "messages": _("Its messages, in order"),
        "seq": _("Its place in the conversation"),
        "author": _("Who wrote it: you (person) or the assistant"),
        "reply_kind": _("What the assistant's reply was (see the codes)"),
        "entry_id": _("The entry of the knowledge base that answered (a code)"),
        "answer_source": _("Where the answer comes from"),
        "title": _("Its title"),
        "url": _("Its address (a public page, or a page of Abri's documentation)"),
        "checked_on": _("The day the answer was checked against it"),
        "emergency_numbers": _("The emergency numbers the assistant showed"),
        "dial": _("The number to call"),
        "what_for": _("What it is for, in the conversation's language"),
        "file_stage": _("Where your file stood, as the assistant said it"),
        "handover_offered": _("Whether the assistant offered to hand the conversation to your association"),
    }


def codes() -> dict[str, dict[str, str]]:
    """The codes the documents use, in words (those the pages already translate)."""
    return {**code_words(), **household_words(), **assistant_codes()}


def labels() -> dict[str, Any]:
    """``labels.json``: the files, the fields and the codes, in the current language."""
    return {"language": i18n.current(), "files": files_explained(), "fields": fields(), "codes": codes()}


def readme(household_id: uuid.UUID, generated_at: datetime, files: list[dict[str, Any]]) -> str:
    """``README.txt``: what the archive is, in the current language."""
    lines = [
        _("Your data in Abri"),
        "",
        _(
            "This archive holds every piece of data that Abri keeps about your file %(household)s, made on %(when)s.",
            household=str(household_id),
            when=i18n.datetime_text(generated_at, "long"),
        ),
        _("You asked for it under your right of access and your right to data portability (GDPR, articles 15 and 20)."),
        _(
            "Each part of Abri wrote its own file, in a format other software can read (JSON). "
            "Dates follow ISO 8601; times are in UTC; amounts are in euro cents."
        ),
        _("labels.json explains each field and each code in your language."),
        "",
        _("What is inside:"),
    ]
    explained = files_explained()
    names = [entry["path"] for entry in files] + ["manifest.json"]
    for name in names:
        key = "documents/" if name.startswith("documents/") else name
        text = explained.get(key, "")
        lines.append(f"- {name}: {text}" if text else f"- {name}")
    lines += [
        "",
        _("This export was written in the access log of each part of Abri that read your data for it."),
        _(
            "Something is wrong or missing? Ask the social worker who supports you: your association can correct your file, "
            "and you may also ask for your data to be erased."
        ),
    ]
    return "\n".join(lines) + "\n"
