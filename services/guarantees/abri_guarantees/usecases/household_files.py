"""The household's own view of its guarantee files: for each, the fund, where the file stands, its visa
(number, limits, dates, status) and the state of each category of documents the fund requires, as
DossierFacile shows its steps, so that the household knows what is done and what is waited for.

Read by the household signed in with its own account (``ExportedHouseholds``: the household's record
whose ``account_subject`` is the caller; anyone else 404). Nothing personal is opened: no tenant data,
no document content, so nothing is added to the access log; the visa's certificate, which names the
holder, is downloaded through the export (logged)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.repositories.export import ExportedFiles, ExportedHouseholds
from abri_guarantees.db.repositories.funds import Funds
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.documents import Checklist, checklist
from abri_guarantees.domain.visa import VisaStatus, visa_status
from abri_guarantees.usecases.documents import documents_to_follow
from abri_guarantees.usecases.funds import policy_version
from abri_kit.usecase import Context


@dataclass(frozen=True)
class HouseholdFile:
    file: GuaranteeFile
    fund_name: str
    visa: VisaRecord | None
    visa_status: VisaStatus | None
    checklist: Checklist
    documents_to_follow: bool


async def household_files(ctx: Context, household_id: uuid.UUID) -> list[HouseholdFile]:
    """The guarantee files about the caller's own household, the oldest filed first (404 for another's)."""
    household = await ExportedHouseholds.of(ctx).get(household_id)
    held = ExportedFiles.for_system(ctx.uow)
    files = await held.of_household(household.household_id)
    ids = [file.id for file in files]
    visas = {visa.file_id: visa for visa in await held.visas(ids)}
    documents: dict[uuid.UUID, list[tuple[str, str | None]]] = defaultdict(list)
    for document in await held.documents(ids):
        documents[document.file_id].append((document.kind, document.sub_kind))
    funds = Funds.for_system(ctx.uow)
    shown = []
    for file in files:
        policy = await policy_version(funds, file.fund_id, file.policy_version)
        fund = await funds.find(file.fund_id)
        visa = visas.get(file.id)
        shown.append(
            HouseholdFile(
                file=file,
                fund_name=fund.name if fund else file.fund_id,
                visa=visa,
                visa_status=visa_status(visa.valid_until, visa.revoked_on, ctx.today) if visa else None,
                checklist=checklist(documents[file.id], policy.required_documents),
                documents_to_follow=documents_to_follow(file),
            )
        )
    return shown
