"""Reading a visa PDF the way an assistive tool or a phone does: its structure tree (what a screen reader
reads), the QR code as drawn (the vector figure WeasyPrint writes from segno's SVG), every byte once
decompressed (to look for what must not be there), and veraPDF's verdict."""

from __future__ import annotations

import io
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
import segno
from pypdf.generic import ContentStream

from abri_guarantees.db.visas import VisaRecord
from tests.support import REPO

VERAPDF = REPO / "infra" / "verapdf" / "verapdf.sh"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CHECK_PAGE = "https://abri.example/visa-check"
FUND = "Fonds de garantie solidaire"
HOLDER = "Oksana Kovalenko-Durand"


def a_visa(**changes: Any) -> VisaRecord:
    """A visa as the database holds it, without the database (``changes``: the fields that differ)."""
    fields: dict[str, Any] = {
        "number": "V0123456789AB",
        "max_rent_cents": 110_000,
        "issued_on": date(2026, 12, 1),
        "valid_until": date(2027, 3, 1),
        "lease_signing_deadline": date(2027, 2, 15),
        "lease_not_before": None,
        **changes,
    }
    return VisaRecord(**fields)


@dataclass
class Element:
    """A structure element: its type (``/H1``), alternative text, the marked content it owns (MCIDs), the
    annotations it owns (their ``/URI`` for links) and its children."""

    kind: str
    alt: str | None = None
    mcids: list[int] = field(default_factory=list)
    uris: list[str] = field(default_factory=list)
    children: list[Element] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()


def _element(node: Any) -> Element:
    node = node.get_object()
    element = Element(kind=str(node.get("/S", "")), alt=str(node["/Alt"]) if "/Alt" in node else None)
    kids = node.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object()
        if isinstance(kid, int):
            element.mcids.append(kid)
        elif kid.get("/Type") == "/OBJR":
            annotation = kid["/Obj"].get_object()
            element.uris.append(str(annotation["/A"]["/URI"]))
        elif kid.get("/Type") == "/MCR":
            element.mcids.append(int(kid["/MCID"]))
        else:
            element.children.append(_element(kid))
    return element


def structure(reader: pypdf.PdfReader) -> Element:
    root: Any = reader.trailer["/Root"]
    return _element(root["/StructTreeRoot"])


def reader_of(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def marked_content(reader: pypdf.PdfReader, mcid: int, page: int = 0) -> list[tuple[list[Any], bytes]]:
    """The operations of one marked-content sequence of a page (nested sequences included)."""
    operations = ContentStream(reader.pages[page].get_contents(), reader).operations
    inside, depth = False, 0
    found: list[tuple[list[Any], bytes]] = []
    for operands, operator in operations:
        if operator in (b"BDC", b"BMC"):
            if inside:
                depth += 1
            elif operator == b"BDC" and isinstance(operands[1], dict) and operands[1].get("/MCID") == mcid:
                inside, depth = True, 0
                continue
        elif operator == b"EMC" and inside:
            if depth == 0:
                return found
            depth -= 1
        if inside:
            found.append((operands, operator))
    raise AssertionError(f"no marked content {mcid} on page {page}")


def qr_matrix_drawn(reader: pypdf.PdfReader) -> list[list[bool]]:
    """The QR code's modules as the figure draws them: segno's SVG is one path of horizontal strokes, one
    module high, through the middle of each row (``x y m`` then ``x2 y l``), in module units. The border
    is dropped: the top-left module is dark in every QR code (its finder pattern)."""
    [figure] = [element for element in structure(reader).walk() if element.kind == "/Figure"]
    dark: set[tuple[int, int]] = set()
    start: tuple[float, float] | None = None
    for mcid in figure.mcids:
        for operands, operator in marked_content(reader, mcid):
            if operator == b"m":
                start = (float(operands[0]), float(operands[1]))
            elif operator == b"l" and start is not None:
                (x1, y), x2 = start, float(operands[0])
                assert float(operands[1]) == y, "a QR stroke is horizontal"
                dark |= {(int(y), x) for x in range(int(x1), int(x2))}
                start = None
    assert dark, "the figure draws no QR code"
    top, left = min(row for row, _ in dark), min(col for _, col in dark)
    size = max(row for row, _ in dark) - top + 1
    return [[(top + row, left + col) in dark for col in range(size)] for row in range(size)]


def qr_matrix_of(address: str) -> list[list[bool]]:
    return [[bool(module) for module in row] for row in segno.make(address, error="m").matrix]


def every_byte(reader: pypdf.PdfReader, pdf: bytes) -> bytes:
    """The file as written and every stream decompressed: what a tool digging in the file could find."""
    streams = []
    size: Any = reader.trailer["/Size"]
    for number in range(1, int(size)):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            streams.append(obj.get_data())
    return pdf + b"".join(streams)


def font_names(reader: pypdf.PdfReader) -> set[str]:
    """The fonts the first page uses, by their embedded names (``ABCDEF+Name``: a subset embedded)."""
    page: Any = reader.pages[0]
    return {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}


def verapdf_ua1(paths: list[Path]) -> dict[str, list[str]]:
    """veraPDF's PDF/UA-1 verdict on each file: the rules it fails (clause and description), none when it
    complies. veraPDF must have been fetched (``make verapdf-fetch``): without it the test fails, it is
    not skipped, so that conformance is never claimed unchecked."""
    jar = subprocess.run([VERAPDF, "jar"], capture_output=True, text=True, check=False)
    if jar.returncode != 0:
        pytest.fail(f"veraPDF is missing: run `make verapdf-fetch` ({jar.stderr.strip()})", pytrace=False)
    run = subprocess.run([VERAPDF, "validate", "ua1", *map(str, paths)], capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode in (0, 1), f"veraPDF could not run: {run.stderr[-2000:]}"
    report = ET.fromstring(run.stdout)  # noqa: S314  # veraPDF's own report on our files, not outside data
    verdicts: dict[str, list[str]] = {}
    for job in report.iter("job"):
        name = job.findtext("item/name", "")
        validation = job.find("validationReport")
        assert validation is not None, f"veraPDF did not validate {name}: {ET.tostring(job, encoding='unicode')[:2000]}"
        assert validation.get("profileName") == "PDF/UA-1 validation profile"
        failed = [
            f"{rule.get('clause')}: {rule.findtext('description')}" for rule in validation.iter("rule") if rule.get("status") == "failed"
        ]
        assert (validation.get("isCompliant") == "true") == (not failed)
        verdicts[name] = failed
    assert set(verdicts) == {str(path) for path in paths}
    return verdicts
