"""veraPDF's PDF/UA-1 verdict on the visa PDF (issue 20: "a tagged accessible PDF (PDF/UA)"). Not of the
unit tier: it runs a Java validator fetched by `make verapdf-fetch` (which `make test` and `.ci/run` do);
without it, the test fails rather than skips."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from weasyprint import HTML

from abri_guarantees.visa_pdf import visa_pdf
from tests.guarantees.visa_pdf_reading import CHECK_PAGE, DEJAVU, FUND, HOLDER, a_visa, verapdf_ua1


def test_verapdf_finds_the_visa_pdf_ua_1_compliant(tmp_path: Path) -> None:
    """veraPDF's PDF/UA-1 profile (ISO 14289-1's machine-checkable rules) on visas as they vary: with and
    without an earliest signing day, a name in Arabic and in Cyrillic, with the fallback font; and on a
    PDF without tags, which it must reject (the check can fail)."""
    cases = {
        "latin.pdf": visa_pdf(a_visa(), FUND, HOLDER, CHECK_PAGE, DEJAVU),
        "not-before.pdf": visa_pdf(a_visa(lease_not_before=date(2027, 1, 10)), FUND, HOLDER, CHECK_PAGE, DEJAVU),
        "arabic.pdf": visa_pdf(a_visa(), "صندوق الضمان", "فاطمة الزهراء", CHECK_PAGE, DEJAVU),
        "cyrillic-fallback.pdf": visa_pdf(a_visa(), FUND, "Оксана Коваленко", CHECK_PAGE, tmp_path / "missing.ttf"),
    }
    untagged = HTML(string="<html><body><p>Visa</p></body></html>").write_pdf()
    assert isinstance(untagged, bytes)
    cases["untagged.pdf"] = untagged
    paths = []
    for name, pdf in cases.items():
        (tmp_path / name).write_bytes(pdf)
        paths.append(tmp_path / name)
    verdicts = verapdf_ua1(paths)
    assert verdicts.pop(str(tmp_path / "untagged.pdf")), "veraPDF accepted an untagged PDF"
    assert verdicts == {str(path): [] for path in paths if path.name != "untagged.pdf"}, verdicts
