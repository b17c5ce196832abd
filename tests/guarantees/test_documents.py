"""The document checklist of décret 2015-1437 and the upload limits (pure)."""

from __future__ import annotations

import pytest

from abri_guarantees.domain.documents import (
    SUB_KINDS,
    DocumentKind,
    DocumentLimits,
    ForbiddenKind,
    Refusal,
    checklist,
    content_refusal,
    document_refusal,
    kind_refusal,
    missing_kinds,
    sniff_content_type,
)
from abri_guarantees.domain.sources import document_source

pytestmark = pytest.mark.unit
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
GIF = b"GIF89a\x01\x00\x01\x00"
HTML = b"<!doctype html><script>"
MIB = 1024 * 1024


def code(refusal: object) -> Refusal | None:
    return getattr(refusal, "code", None)


@pytest.mark.parametrize("kind", list(ForbiddenKind))
def test_each_forbidden_kind_is_refused_with_its_own_code(kind: ForbiddenKind) -> None:
    refusal = kind_refusal(kind.value, [])
    assert refusal is not None and refusal.code is Refusal.FORBIDDEN_KIND and kind.value in refusal.message
    hidden = kind_refusal("resources", [], sub_kind=kind.value)  # nor slipped in as a sub-kind
    assert code(hidden) is Refusal.FORBIDDEN_KIND


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_each_legal_category_is_accepted_with_a_sub_kind_of_its_own(kind: DocumentKind) -> None:
    for sub_kind in sorted(SUB_KINDS[kind]):
        assert kind_refusal(kind.value, [], sub_kind=sub_kind) is None
    for missing in (None, "", "  "):  # the sub-kind is required: the refusal names the allowed ones
        refusal = kind_refusal(kind.value, [], sub_kind=missing)
        assert refusal is not None and refusal.code is Refusal.SUB_KIND_REQUIRED and refusal.field == "body.sub_kind"
        assert refusal.params["allowed"] == ", ".join(sorted(SUB_KINDS[kind]))
        assert document_source(refusal.code.value).url == "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000031444493"


@pytest.mark.parametrize(
    ("kind", "existing", "sub_kind", "expected"),
    [
        ("identity", ["identity"], "passport", Refusal.SECOND_IDENTITY_DOCUMENT),
        ("identity", [], None, Refusal.SUB_KIND_REQUIRED),
        ("identity", ["resources", "proof_of_address"], "passport", None),
        ("resources", ["identity", "resources", "resources"], "payslips", None),  # three payslips are fine
        ("parents_tax_notice", [], None, Refusal.UNKNOWN_KIND),
        ("IDENTITY", [], None, Refusal.UNKNOWN_KIND),  # codes are exact
        ("identity", [], "library_card", Refusal.UNKNOWN_SUB_KIND),
        ("resources", [], "passport", Refusal.UNKNOWN_SUB_KIND),  # a passport is not a proof of resources
        ("resources", ["resources"] * 19, "payslips", None),
        ("resources", ["resources"] * 20, "payslips", Refusal.TOO_MANY_DOCUMENTS),
    ],
)
def test_the_checklist_against_what_the_file_holds(kind: str, existing: list[str], sub_kind: str | None, expected: Refusal | None) -> None:
    assert code(kind_refusal(kind, existing, sub_kind)) is expected


def test_the_checklist_names_the_missing_categories() -> None:
    assert missing_kinds([]) == list(DocumentKind)
    assert missing_kinds(["identity", "resources", "resources"]) == [DocumentKind.PROOF_OF_ADDRESS, DocumentKind.PROFESSIONAL_SITUATION]
    assert missing_kinds(list(DocumentKind)) == []


@pytest.mark.parametrize(
    ("held", "required", "missing"),
    [
        ([], {"identity", "resources"}, ["identity", "resources"]),
        ([("identity", "passport")], {"identity", "resources"}, ["resources"]),
        ([("identity", "passport"), ("resources", "payslips")], {"identity", "resources"}, []),
        ([("identity", None), ("resources", "payslips")], {"identity", "resources"}, []),  # an upload from before sub-kinds counts
        ([("proof_of_address", "rent_receipts")], set(), []),  # nothing required: complete
        ([("proof_of_address", "rent_receipts")], set(DocumentKind), ["identity", "professional_situation", "resources"]),
    ],
)
def test_the_checklist_against_the_funds_required_categories(
    held: list[tuple[str, str | None]], required: set[str], missing: list[str]
) -> None:
    found = checklist(held, required)
    assert found.missing == missing and found.complete is (not missing)
    assert [item.kind for item in found.items] == list(DocumentKind)  # the décret's order, every category shown
    for item in found.items:
        assert item.present is (item.kind.value in {kind for kind, _ in held})
        assert item.required is (item.kind.value in required)


@pytest.mark.parametrize(
    ("first_bytes", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (GIF, None),
        (HTML, None),
        (b"", None),
        (b"%PDF", None),  # no dash: not the header
        (b" %PDF-1.4", None),  # the signature must open the file
        (b"\x89PNG\r\n", None),  # truncated signature
    ],
)
def test_content_type_is_sniffed_from_the_first_bytes(first_bytes: bytes, expected: str | None) -> None:
    assert sniff_content_type(first_bytes) == expected


@pytest.mark.parametrize(
    ("declared", "first_bytes", "expected"),
    [
        ("application/pdf", PDF, None),
        ("image/png", PNG, None),
        ("image/jpeg", JPEG, None),
        (None, PNG, None),  # undeclared: the bytes decide
        ("application/octet-stream", JPEG, None),
        ("image/jpg", JPEG, None),  # a common alias
        ("Image/JPEG; charset=binary", JPEG, None),
        ("image/png", PDF, Refusal.CONTENT_TYPE_MISMATCH),
        ("application/pdf", JPEG, Refusal.CONTENT_TYPE_MISMATCH),
        ("application/pdf", GIF, Refusal.UNSUPPORTED_CONTENT),  # declared PDF, is a GIF
        ("image/gif", GIF, Refusal.UNSUPPORTED_CONTENT),
        ("text/html", HTML, Refusal.UNSUPPORTED_CONTENT),
    ],
)
def test_the_bytes_win_over_the_declared_type(declared: str | None, first_bytes: bytes, expected: Refusal | None) -> None:
    assert code(content_refusal(declared, first_bytes, 1_000)) is expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [(0, Refusal.EMPTY), (1, None), (10 * MIB - 1, None), (10 * MIB, None), (10 * MIB + 1, Refusal.TOO_LARGE)],
)
def test_size_limit_at_the_byte(size: int, expected: Refusal | None) -> None:
    assert code(content_refusal("application/pdf", PDF, size)) is expected


def test_limits_are_data() -> None:
    small = DocumentLimits(content_types=frozenset({"application/pdf"}), max_bytes=100, max_documents=2)
    assert content_refusal(None, PDF, 100, small) is None
    assert code(content_refusal(None, PDF, 101, small)) is Refusal.TOO_LARGE
    assert code(content_refusal("image/png", PNG, 50, small)) is Refusal.UNSUPPORTED_CONTENT
    assert code(kind_refusal("resources", ["identity", "resources"], "payslips", limits=small)) is Refusal.TOO_MANY_DOCUMENTS


def test_an_upload_is_checked_for_its_kind_first_then_its_content() -> None:
    assert document_refusal("proof_of_address", "application/pdf", PDF, 2_000, ["identity"], "rent_receipts") is None
    assert code(document_refusal("bank_statement", "application/pdf", PDF, 2_000, [])) is Refusal.FORBIDDEN_KIND
    assert code(document_refusal("identity", "image/png", PNG, 2_000, ["identity"], "passport")) is Refusal.SECOND_IDENTITY_DOCUMENT
    assert code(document_refusal("identity", "image/png", PDF, 2_000, [], "passport")) is Refusal.CONTENT_TYPE_MISMATCH
    assert code(document_refusal("identity", None, PNG, 11 * MIB, [], "passport")) is Refusal.TOO_LARGE
    assert code(document_refusal("identity", None, PNG, 2_000, [])) is Refusal.SUB_KIND_REQUIRED
