"""A household's export from guarantees (GDPR art. 15 and 20): its guarantee files with their steps and
decisions, the tenant's data and the messages (opened for the export), the visa, the guarantee, the
claims' amounts, the documents listed with where to download them, and the access log of the files.

The household signed in exports its own, its association's social workers export it on its behalf;
anyone else gets 404, as does a household this service has not heard of yet (matching's
``household.consents_changed`` is on its way). Every file whose personal data the export opens is
written to the access log (purpose ``export``) in the same transaction, before the log is read; each
document and visa certificate the archive then downloads is logged the same way.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from abri_auth.scoping import NotFound
from abri_guarantees.db.access_log import FileAccessLogEntry
from abri_guarantees.db.documents import Document
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.guarantees import Claim, GuaranteeRecord
from abri_guarantees.db.repositories.export import ExportedFiles, ExportedHouseholds
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.db.repositories.funds import Funds
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.access import FileReadPurpose
from abri_guarantees.settings import NAMESPACE
from abri_guarantees.usecases.documents import sealed_owner
from abri_guarantees.usecases.privacy import file_key, open_message, open_personal
from abri_guarantees.usecases.tenant import full_name
from abri_guarantees.usecases.visas import Certificate
from abri_kit.envelope import KeyEncryption, Unreadable, open_bytes
from abri_kit.usecase import Context

SCHEMA_VERSION = 1
"""The version of the export document's shape: a change that removes or renames a key takes a new one."""


@dataclass(frozen=True)
class ExportedFile:
    file: GuaranteeFile
    tenant: dict[str, Any] | None
    """The tenant's data, opened; None once erased."""
    steps: list[tuple[FileStep, str | None]]
    """Each step with its message, opened (None without one, or once erased)."""
    visa: VisaRecord | None
    guarantee: GuaranteeRecord | None
    claims: list[Claim]
    documents: list[Document]
    access_log: list[FileAccessLogEntry]


@dataclass(frozen=True)
class HouseholdExport:
    generated_at: datetime
    household_id: uuid.UUID
    files: list[ExportedFile]


async def export_household(ctx: Context, keyring: KeyEncryption, household_id: uuid.UUID) -> HouseholdExport:
    """Everything about the files of one of the caller's households (a household person: its own)."""
    held = ExportedFiles.for_system(ctx.uow)
    files = list((await _files_of(ctx, household_id)).values())
    opened = {file.id: await _open(ctx, keyring, file) for file in files}
    ids = [file.id for file in files]
    steps, claims, documents, log = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    for step in await held.steps(ids):
        key = opened[step.file_id][1]
        steps[step.file_id].append((step, open_message(key, step.file_id, step.message) if key and step.message else None))
    for claim in await held.claims(ids):
        claims[claim.file_id].append(claim)
    for document in await held.documents(ids):
        documents[document.file_id].append(document)
    for entry in await held.access_log(ids):  # read after the export's own entries were written
        log[entry.file_id].append(entry)
    visas = {visa.file_id: visa for visa in await held.visas(ids)}
    guarantees = {guarantee.file_id: guarantee for guarantee in await held.guarantees(ids)}
    exported = [
        ExportedFile(
            file=file,
            tenant=opened[file.id][0],
            steps=steps[file.id],
            visa=visas.get(file.id),
            guarantee=guarantees.get(file.id),
            claims=claims[file.id],
            documents=documents[file.id],
            access_log=log[file.id],
        )
        for file in files
    ]
    return HouseholdExport(ctx.now, household_id, exported)


async def export_document(ctx: Context, keyring: KeyEncryption, household_id: uuid.UUID, document_id: uuid.UUID) -> tuple[Document, bytes]:
    """One document of the household's files, opened (the read logged); 404 if it is not one of them."""
    files = await _files_of(ctx, household_id)
    document = next((d for d in await ExportedFiles.for_system(ctx.uow).documents(list(files)) if d.id == document_id), None)
    key = await _key(ctx, keyring, files[document.file_id]) if document is not None else None
    if document is None or key is None:
        raise NotFound("document", document_id)
    await Files.for_system(ctx.uow).log_read(document.file_id, ctx.principal, FileReadPurpose.EXPORT, ctx.now)
    return document, open_bytes(key, document.sealed, sealed_owner(document), NAMESPACE)


async def export_visa(ctx: Context, keyring: KeyEncryption, household_id: uuid.UUID, file_id: uuid.UUID) -> Certificate:
    """The visa of one of the household's files with its holder's name, for its certificate (the read logged)."""
    file = (await _files_of(ctx, household_id)).get(file_id)
    visa = next(iter(await ExportedFiles.for_system(ctx.uow).visas([file_id])), None) if file is not None else None
    tenant = (await _open(ctx, keyring, file))[0] if file is not None and visa is not None else None
    if visa is None or tenant is None:
        raise NotFound("visa", file_id)
    fund = await Funds.for_system(ctx.uow).find(visa.fund_id)
    return Certificate(visa, fund.name if fund else visa.fund_id, full_name(tenant))


async def _files_of(ctx: Context, household_id: uuid.UUID) -> dict[uuid.UUID, GuaranteeFile]:
    """The files of one of the caller's households, by id (404 for someone else's household)."""
    household = await ExportedHouseholds.of(ctx).get(household_id)
    return {file.id: file for file in await ExportedFiles.for_system(ctx.uow).of_household(household.household_id)}


async def _key(ctx: Context, keyring: KeyEncryption, file: GuaranteeFile) -> bytes | None:
    try:
        return await file_key(Files.for_system(ctx.uow), keyring, file.id)
    except Unreadable:
        return None


async def _open(ctx: Context, keyring: KeyEncryption, file: GuaranteeFile) -> tuple[dict[str, Any] | None, bytes | None]:
    """The file's tenant data and its key, the read logged; (None, None) once erased."""
    key = await _key(ctx, keyring, file)
    if key is None or file.personal is None:
        return None, None
    await Files.for_system(ctx.uow).log_read(file.id, ctx.principal, FileReadPurpose.EXPORT, ctx.now)
    return open_personal(key, file), key
