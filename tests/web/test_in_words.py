"""The detector of English sentences and raw ids on pages (``in_words.py``): it finds each leak issue 20
listed, and no translation of the catalogues trips it (few false positives)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.web.in_words import findings, findings_in_text

pytestmark = pytest.mark.unit
LOCALES = Path(__file__).resolve().parents[2] / "gateway" / "abri_gateway" / "web" / "locale"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Pourquoi : taux d'effort : rent burden 20% for a threshold of 33%", "English sentence"),
        ("Pièce d'identité (passport)", "English word"),
        ("Fonds de garantie · fund", "English word"),
        ("Accompagné par assoc-1", "organisation id"),
        ("fund-1", "organisation id"),
        ("application/pdf · 0 Ko", "MIME type"),
        ("PDF · 0 Ko", "size"),
        ("1 commune choisie (48095)", "INSEE code"),
        ("Montpellier (34172), Lyon (69123)", "INSEE code"),
        ("Lu par 7c9e6679-7425-40de-944b-e07fc1f90ae7", "UUID"),
        ("Statut : awaiting_guarantee", "code"),
        ("Mise en demeure dans les 30 jours suivant le premier loyer impayé.Déclaration dans les 90 jours", "no space"),
    ],
)
def test_each_leak_the_issue_listed_is_found(text: str, kind: str) -> None:
    assert kind in [finding.kind for finding in findings_in_text(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Montpellier (34000)",
        "Pièce d'identité (passeport) · Document PDF · 12,4 Ko",
        "Accompagné par Association Toit Commun",
        "Taux d'effort de 20 % pour un seuil de 33 %",
        "Loc'Avantages (Loc1) · Abri · API · Visale",
        "1 rue des Essais, 34000 Montpellier",
    ],
)
def test_french_in_words_is_not_found(text: str) -> None:
    assert findings_in_text(text) == []


def test_a_page_is_read_as_its_reader_sees_it() -> None:
    page = """<html><head><title>Abri</title><script>var the_code = "for the";</script></head><body>
      <input type="hidden" name="household_id" value="7c9e6679-7425-40de-944b-e07fc1f90ae7">
      <a href="/association/households/7c9e6679-7425-40de-944b-e07fc1f90ae7">H-12</a>
      <a lang="en" href="?lang=en">English</a>
      <span class="fr-sr-only">for the fund</span>
      <td>Loyer</td><td>the</td><td>of</td>
      <button title="Sent from the owner">x</button>
    </body></html>"""
    found = [(finding.kind, finding.text) for finding in findings(page)]
    assert found == [("English sentence", "for the fund"), ("English sentence", "Sent from the owner")]


@pytest.mark.parametrize("code", ["fr", "ar", "uk"])
def test_no_translation_of_the_catalogues_is_taken_for_english_or_a_raw_id(code: str) -> None:
    """Every sentence the pages may show in the language passes (the few that ask to type an INSEE code,
    which the pages are to stop asking for, name the code on purpose)."""
    found = []
    for po in sorted((LOCALES / code / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        for message in catalog:
            if not message.id or "INSEE" in str(message.id):
                continue
            for text in message.string if isinstance(message.string, tuple) else (message.string,):
                found += [f"{po.name}: {finding}" for finding in findings_in_text(str(text))]
    assert found == [], "\n".join(found)
