"""The knowledge base as data (pure): every entry parses, in the four languages, with a source checked on a day;
a source inside the repository names a page and heading that exist; a malformed entry is refused naming itself."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from abri_assistant.domain.knowledge import parse_entry
from abri_assistant.domain.urgency import LANGUAGES
from abri_assistant.knowledge_files import knowledge_base

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a Markdown page's headings."""
    found = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_every_entry_parses_in_four_languages_with_a_dated_source() -> None:
    entries = knowledge_base()
    assert len(entries) >= 40 and len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert set(entry.wordings) == set(LANGUAGES)
        assert entry.source.checked_on <= date.today()  # checked, not to be checked


def test_a_source_in_the_repository_names_a_page_and_a_heading_that_exist() -> None:
    for entry in knowledge_base():
        if entry.source.in_repository:
            page, _, heading = entry.source.url.partition("#")
            assert (ROOT / page).is_file(), entry.id
            assert not heading or heading in anchors(ROOT / page), (entry.id, heading)


ENGLISH = re.compile(r"\b(?:and|of|the|as|by|within|for)\b")


def test_a_sources_title_is_in_the_language_it_says() -> None:
    """Abri's documentation is cited in English; a French text by its French name, with no English word in it
    (the page marks the title ``lang="fr"``: a screen reader reads it as French)."""
    for entry in knowledge_base():
        title = entry.source.title
        if entry.source.in_repository:
            assert entry.source.language == "en" and title.startswith("Abri documentation, "), entry.id
        elif entry.source.language == "fr":
            assert not ENGLISH.search(title), (entry.id, title)
        else:
            assert title.startswith("Abri documentation, "), f"{entry.id}: a public source is cited by its French name"


def test_a_malformed_entry_is_refused_naming_itself() -> None:
    good: dict[str, Any] = {
        "id": "x-y", "topic": "rights", "audiences": ["household"],
        "source": {"title": "T", "url": "https://example.org/", "checked_on": date(2026, 12, 6), "language": "fr"},
        **{language: {"question": "q", "answer": "a", "also": []} for language in LANGUAGES},
    }  # fmt: skip
    assert parse_entry("x-y", good).source.url == "https://example.org/"
    for broken, why in (
        ({**good, "id": "other"}, "file's name"),
        ({**good, "topic": "astrology"}, "unknown topic"),
        ({**good, "source": {**good["source"], "url": "http://example.org/"}}, "https page"),
        ({**good, "source": {k: v for k, v in good["source"].items() if k != "language"}}, "says its language"),
        ({**good, "source": {**good["source"], "language": "de"}}, "says its language"),
        ({k: v for k, v in good.items() if k != "uk"}, r"no \[uk\]"),
        ({**good, "fr": {"question": "q", "answer": " "}}, "question and an answer"),
    ):
        with pytest.raises(ValueError, match=why):
            parse_entry("x-y", broken)
