"""The intergenerational cohabitation contract's document, written from its data in the four languages (pure: its
HTML; the PDF and its PDF/UA check are in tests/matching/test_cohabitation.py)."""

from __future__ import annotations

from datetime import date

import pytest
from markupsafe import escape

from abri_matching.cohabitation_pdf import Agreement, agreement_html
from abri_matching.cohabitation_words import CHARTER, WORDS
from abri_matching.inventory_words import LANGUAGES

pytestmark = pytest.mark.unit
AGREEMENT = Agreement(
    young_name="Oksana Kovalenko",
    association="assoc-1",
    area_m2=12.0,
    place="34000 Montpellier",
    starts_on=date(2027, 1, 1),
    ends_on=date(2027, 6, 30),
    monthly_cents=23_000,
    services=("Faire les courses le samedi", "<b>dîner</b> ensemble le dimanche"),
    signed_on=date(2026, 12, 20),
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contract_says_what_the_law_asks_in_each_language(language: str) -> None:
    html = agreement_html(AGREEMENT, language, None)  # type: ignore[arg-type]
    assert f'lang="{language}"' in html and ('dir="rtl"' in html) is (language == "ar")
    for key in ("title", "notice_text", "tenant_host", "charter_source"):
        assert str(escape(WORDS[key][language])) in html  # type: ignore[index]
    assert all(str(escape(point[language])) in html for point in CHARTER)  # type: ignore[index]
    assert "2027-01-01" in html and "2027-06-30" in html and "Oksana Kovalenko" in html
    assert "&lt;b&gt;dîner&lt;/b&gt;" in html and "<b>dîner" not in html  # what the parties typed is text


def test_the_amount_is_written_as_each_language_writes_it() -> None:
    assert "230,00 €" in agreement_html(AGREEMENT, "fr", None)
    assert "€230.00" in agreement_html(AGREEMENT, "en", None)


def test_no_service_agreed_says_so_and_a_name_not_held_is_left_to_write() -> None:
    html = agreement_html(Agreement(**{**AGREEMENT.__dict__, "services": (), "young_name": None}), "fr", None)
    assert str(escape(WORDS["no_services"]["fr"])) in html and "Oksana" not in html
