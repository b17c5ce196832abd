"""The documents of a guarantee file: only those the law allows a landlord to ask for, in safe formats.

Décret 2015-1437 (annex I) lists exhaustively what may be asked of a candidate tenant: one identity
document, proof of address, proof of professional situation, proof of resources; loi 89-462, art. 22-2
lists what may never be asked (fines of 3,000 € for a person, 15,000 € for a company). The checklist
refuses anything else with a coded reason (the API answers 422). The content type is read from the
file's first bytes, never taken on trust from the upload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from abri_guarantees.domain.policy import DOCUMENT_KINDS


class DocumentKind(StrEnum):
    """The four categories of décret 2015-1437, annex I: the checklist."""

    IDENTITY = "identity"
    PROOF_OF_ADDRESS = "proof_of_address"
    PROFESSIONAL_SITUATION = "professional_situation"
    RESOURCES = "resources"


SUB_KINDS: Mapping[DocumentKind, frozenset[str]] = {
    # I. a valid identity document bearing the holder's photograph and signature
    DocumentKind.IDENTITY: frozenset({"national_identity_card", "passport", "driving_licence", "residence_permit"}),
    # II. the last three rent receipts or the previous landlord's certificate, a domiciliation certificate,
    # the host's sworn statement, the last property tax notice or the title deed of the main residence
    DocumentKind.PROOF_OF_ADDRESS: frozenset(
        {"rent_receipts", "previous_landlord_certificate", "domiciliation_certificate", "host_statement", "property_tax_or_title_deed"}
    ),
    # III. employment or internship contract (or the employer's certificate), trade or crafts register
    # extract, INSEE registration of a self-employed worker, professional card, recent evidence of
    # activity, student card or certificate of enrolment
    DocumentKind.PROFESSIONAL_SITUATION: frozenset(
        {
            "employment_contract",
            "employer_certificate",
            "trade_register_extract",
            "crafts_register_extract",
            "insee_registration",
            "professional_card",
            "evidence_of_activity",
            "student_card",
        }
    ),
    # IV. tax notice, last three payslips, internship allowance, last two balance sheets (or an
    # accountant's certificate), benefits and pensions paid, housing-aid simulation, student grant notice,
    # title deed or property tax notice, income from property, annuities or investments
    DocumentKind.RESOURCES: frozenset(
        {
            "tax_notice",
            "payslips",
            "internship_allowance",
            "balance_sheets",
            "benefit_statements",
            "housing_aid_simulation",
            "student_grant_notice",
            "property_title_or_tax",
            "investment_income",
        }
    ),
}
"""The documents each category may hold (décret 2015-1437, annex I): an upload names one (a document
uploaded before the sub-kind was required may have none, and still counts for its category)."""
assert frozenset(DocumentKind) == DOCUMENT_KINDS, "policy.DOCUMENT_KINDS names the same four categories"


class ForbiddenKind(StrEnum):
    """Documents a landlord may never ask for (loi 89-462, art. 22-2; ``docs/domain-rules.md``, "Documents never allowed")."""

    EXTRA_PHOTO = "extra_photo"
    HEALTH_INSURANCE_CARD = "health_insurance_card"  # carte Vitale
    BANK_STATEMENT = "bank_statement"
    BANK_GOOD_STANDING_CERTIFICATE = "bank_good_standing_certificate"
    DIRECT_DEBIT_AUTHORISATION = "direct_debit_authorisation"
    CRIMINAL_RECORD = "criminal_record"
    MARRIAGE_OR_PACS_CONTRACT = "marriage_or_pacs_contract"
    DIVORCE_JUDGMENT = "divorce_judgment"
    MEDICAL_FILE = "medical_file"
    RESERVATION_CHEQUE = "reservation_cheque"


class Refusal(StrEnum):
    """Why a document is refused."""

    FORBIDDEN_KIND = "forbidden_document_kind"
    UNKNOWN_KIND = "unknown_document_kind"
    UNKNOWN_SUB_KIND = "unknown_document_sub_kind"
    SUB_KIND_REQUIRED = "document_sub_kind_required"
    SECOND_IDENTITY_DOCUMENT = "second_identity_document"
    TOO_MANY_DOCUMENTS = "too_many_documents"
    EMPTY = "empty_document"
    TOO_LARGE = "document_too_large"
    UNSUPPORTED_CONTENT = "unsupported_content_type"
    CONTENT_TYPE_MISMATCH = "content_type_mismatch"


Param = str | int | bool | None


@dataclass(frozen=True)
class DocumentRefusal:
    """Why an upload is refused: its code, an English explanation and its numbers (``params``: the
    allowed kinds or sub-kinds, the limits), from which a page writes it in its reader's language."""

    code: Refusal
    message: str
    params: Mapping[str, Param] = field(default_factory=dict)
    field: str = "body"


@dataclass(frozen=True)
class DocumentLimits:
    """What a stored document may be: PDF, JPEG or PNG (formats the reviewers' tools render without
    running active content), at most ``max_bytes`` each and ``max_documents`` per file. Configurable
    defaults, not legal figures."""

    content_types: frozenset[str] = frozenset({"application/pdf", "image/jpeg", "image/png"})
    max_bytes: int = 10 * 1024 * 1024
    max_documents: int = 20


MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
"""The signatures read from a file's first bytes (ISO 32000 header, PNG signature, JPEG SOI marker)."""

_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf"}
_UNDECLARED = {"", "application/octet-stream"}


def sniff_content_type(first_bytes: bytes) -> str | None:
    """The content type the bytes themselves show (``None``: none of the accepted formats)."""
    return next((content_type for magic, content_type in MAGIC if first_bytes.startswith(magic)), None)


def missing_kinds(existing_kinds: Sequence[str]) -> list[DocumentKind]:
    """The checklist: the categories the file does not hold yet."""
    return [kind for kind in DocumentKind if kind not in existing_kinds]


@dataclass(frozen=True)
class ChecklistItem:
    """One category of the checklist for a file: whether the fund requires it, how many documents of it
    the file holds, and their sub-kinds (``None`` for a document uploaded before sub-kinds were required)."""

    kind: DocumentKind
    required: bool
    documents: int
    sub_kinds: tuple[str | None, ...]

    @property
    def present(self) -> bool:
        return self.documents > 0

    @property
    def missing(self) -> bool:
        return self.required and not self.present


@dataclass(frozen=True)
class Checklist:
    """The file's documents against the fund's required categories (``FundPolicy.required_documents``)."""

    items: tuple[ChecklistItem, ...]

    @property
    def missing(self) -> list[str]:
        return [item.kind.value for item in self.items if item.missing]

    @property
    def complete(self) -> bool:
        return not self.missing


def checklist(documents: Iterable[tuple[str, str | None]], required: Iterable[str]) -> Checklist:
    """The checklist of a file holding ``documents`` (``(kind, sub_kind)`` pairs) for a fund requiring the
    categories ``required``; in the décret's order."""
    held = list(documents)
    needed = frozenset(required)
    return Checklist(
        tuple(
            ChecklistItem(
                kind,
                kind.value in needed,
                sum(1 for held_kind, _ in held if held_kind == kind),
                tuple(sub for held_kind, sub in held if held_kind == kind),
            )
            for kind in DocumentKind
        )
    )


def kind_refusal(
    kind: str, existing_kinds: Sequence[str], sub_kind: str | None = None, limits: DocumentLimits | None = None
) -> DocumentRefusal | None:
    """Whether a document of ``kind`` and ``sub_kind`` may join a file that holds ``existing_kinds``: only
    the four legal categories, a sub-kind of the décret's list for it (required: the décret lists
    documents, not categories), exactly one identity document, at most ``max_documents``."""
    limits = limits or DocumentLimits()
    for asked, where in ((kind, "body.kind"), (sub_kind, "body.sub_kind")):
        if asked is not None and asked in frozenset(ForbiddenKind):
            return DocumentRefusal(
                Refusal.FORBIDDEN_KIND, f"no landlord may ask for this document ({asked}): loi 89-462, art. 22-2", {"kind": asked}, where
            )
    if kind not in frozenset(DocumentKind):
        allowed = ", ".join(DocumentKind)
        return DocumentRefusal(
            Refusal.UNKNOWN_KIND, f"{kind!r} is not on the legal list (décret 2015-1437): {allowed} only", {"allowed": allowed}, "body.kind"
        )
    category = DocumentKind(kind)
    allowed = ", ".join(sorted(SUB_KINDS[category]))
    if sub_kind is None or not sub_kind.strip():
        return DocumentRefusal(
            Refusal.SUB_KIND_REQUIRED,
            f"name which {kind} document of décret 2015-1437 this is: one of {allowed}",
            {"kind": kind, "allowed": allowed},
            "body.sub_kind",
        )
    if sub_kind not in SUB_KINDS[category]:
        return DocumentRefusal(
            Refusal.UNKNOWN_SUB_KIND,
            f"{sub_kind!r} is not a {kind} document of décret 2015-1437: {allowed}",
            {"kind": kind, "allowed": allowed},
            "body.sub_kind",
        )
    if category is DocumentKind.IDENTITY and DocumentKind.IDENTITY in existing_kinds:
        return DocumentRefusal(Refusal.SECOND_IDENTITY_DOCUMENT, "the file already holds its one identity document", {}, "body.kind")
    if len(existing_kinds) >= limits.max_documents:
        return DocumentRefusal(
            Refusal.TOO_MANY_DOCUMENTS, f"a file holds at most {limits.max_documents} documents", {"max_documents": limits.max_documents}
        )
    return None


def content_refusal(
    declared_type: str | None, first_bytes: bytes, size: int, limits: DocumentLimits | None = None
) -> DocumentRefusal | None:
    """Whether the upload's content may be stored: not empty, at most ``max_bytes`` (the limit itself is
    accepted), of an accepted type read from its first bytes, and not declared as another type."""
    limits = limits or DocumentLimits()
    if size <= 0:
        return DocumentRefusal(Refusal.EMPTY, "the document is empty")
    if size > limits.max_bytes:
        return DocumentRefusal(
            Refusal.TOO_LARGE, f"{size} bytes is above the limit of {limits.max_bytes} bytes", {"size": size, "max_bytes": limits.max_bytes}
        )
    sniffed = sniff_content_type(first_bytes)
    if sniffed is None or sniffed not in limits.content_types:
        accepted = ", ".join(sorted(limits.content_types))
        return DocumentRefusal(Refusal.UNSUPPORTED_CONTENT, f"the content is not one of {accepted}", {"accepted": accepted})
    declared = _canonical(declared_type)
    if declared is not None and declared != sniffed:
        message = f"declared as {declared} but the content is {sniffed}"
        return DocumentRefusal(Refusal.CONTENT_TYPE_MISMATCH, message, {"declared": declared, "content": sniffed})
    return None


def document_refusal(
    kind: str,
    declared_type: str | None,
    first_bytes: bytes,
    size: int,
    existing_kinds: Sequence[str],
    sub_kind: str | None = None,
    limits: DocumentLimits | None = None,
) -> DocumentRefusal | None:
    """The first reason to refuse an upload (its kind, then its content); ``None``: store it, as the type
    :func:`sniff_content_type` gives."""
    return kind_refusal(kind, existing_kinds, sub_kind, limits) or content_refusal(declared_type, first_bytes, size, limits)


def _canonical(content_type: str | None) -> str | None:
    if content_type is None:
        return None
    bare = content_type.split(";", 1)[0].strip().lower()
    return None if bare in _UNDECLARED else _ALIASES.get(bare, bare)
