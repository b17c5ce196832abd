"""A refusal's legal source in the reader's language: the citation is the text's French reference, said as
it is (``lang="fr"`` off French pages), and what the source adds is a note the page writes from its
catalogues. Every note a service can send has the page's words (the English of the page is the service's,
word for word), no citation holds an English gloss, and a source the page cannot split is shown as the
service wrote it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

import pytest

from abri_gateway.settings import GatewaySettings
from abri_gateway.web import i18n
from abri_gateway.web.refusals import coded
from abri_gateway.web.site import Site
from abri_gateway.web.source_notes import note_words
from abri_guarantees.domain import sources as guarantees_sources
from abri_kit.legal import LegalSource, Note, coded_error
from abri_listings.domain import sources as listings_sources
from abri_matching.domain import sources as matching_sources
from tests.web.in_words import findings, findings_in_text

pytestmark = pytest.mark.unit
SHOWN_BY_THE_PAGES: tuple[ModuleType, ...] = (listings_sources, matching_sources, guarantees_sources)
"""The services whose refusals the pages show (notifications' webhook refusals are the API's only)."""


def legal_sources(value: Any) -> Iterator[LegalSource]:
    """Every source a module holds: as a constant, or in a table (by rule, or by fund kind and rule)."""
    if isinstance(value, LegalSource):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from legal_sources(item)


def every_source() -> list[LegalSource]:
    found = [source for module in SHOWN_BY_THE_PAGES for value in vars(module).values() for source in legal_sources(value)]
    from abri_guarantees.domain.policy import FundKind, Rule
    from abri_guarantees.domain.sources import activation_source, eligibility_source

    found += [eligibility_source(kind, rule.value) for kind in FundKind for rule in Rule]
    found += [activation_source(kind, rule) for kind in FundKind for rule in guarantees_sources.ACTIVATION_SOURCES]
    return found


def every_note() -> set[Note]:
    notes = {source.note for source in every_source() if source.note is not None}
    notes |= {value for module in SHOWN_BY_THE_PAGES for value in vars(module).values() if isinstance(value, Note)}
    return notes


def in_language(code: str, render: Any) -> Any:
    token = i18n.use(code)
    try:
        return render()
    finally:
        i18n._current.reset(token)


NOTES = sorted(every_note(), key=lambda n: n.code)


@pytest.mark.parametrize("note", NOTES, ids=[n.code for n in NOTES])
def test_every_note_a_service_sends_has_the_pages_words_in_each_language(note: Note) -> None:
    assert in_language("en", lambda: note_words(note.code)) == note.text  # the page's English is the service's
    for code in ("fr", "ar", "uk"):
        said = in_language(code, lambda: note_words(note.code))
        assert said and said != note.text, f"{note.code} is not translated in {code}"
        assert not findings_in_text(said), (code, findings_in_text(said))


def test_the_note_codes_are_unique_and_a_code_says_one_thing() -> None:
    by_code: dict[str, set[str]] = {}
    for note in every_note():
        by_code.setdefault(note.code, set()).add(note.text)
    assert all(len(texts) == 1 for texts in by_code.values()), by_code
    assert all(re.fullmatch(r"[a-z]+(?:_[a-z]+)*", code) for code in by_code)


def test_a_citation_is_a_french_reference_with_no_english_gloss() -> None:
    citations = {source.citation for source in every_source() if source.citation}
    assert len(citations) > 20
    for citation in citations:
        assert not findings_in_text(citation), f"{citation!r}: {findings_in_text(citation)}"
    # a source that is no law is a note alone, no citation
    assert matching_sources.source_of("bedrooms").citation == "" and matching_sources.source_of("bedrooms").note is not None
    assert guarantees_sources.GLI_CONTRACT.citation == "" and "insurer" in guarantees_sources.GLI_CONTRACT.text


def test_the_api_says_the_whole_source_in_english_and_its_parts() -> None:
    item = coded_error("head_lease_ended", "ended", source=matching_sources.source_of("head_lease_ended"))
    assert item["source"] == "Loi 89-462, art. 8; a sub-let lasts no longer than the owner's lease to the association"
    assert item["source_citation"] == "Loi 89-462, art. 8" and item["source_note"] == "sub_let_within_head_lease"
    assert item["source_url"] and item["source_url"].startswith("https://www.legifrance.gouv.fr/")
    alone = coded_error("bedrooms", "too few", source=matching_sources.source_of("bedrooms"))
    assert alone["source"] == "The needs the association recorded" and alone["source_citation"] == ""
    nothing = coded_error("month_not_due", "not due")
    assert (nothing["source"], nothing["source_citation"], nothing["source_note"], nothing["source_url"]) == ("", "", None, None)


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(GatewaySettings(), None, None)  # type: ignore[arg-type]  # the templates only: no sign-in, no service call


def shown(site: Site, code: str, item: Mapping[str, Any]) -> str:
    template = site.env.from_string('{% from "_macros.html" import explained %}<p>{{ explained(message) }}</p>')
    return str(in_language(code, lambda: template.render(message=coded(item))))


SOURCE_SPAN = re.compile(r'<span class="abri-source[^"]*">(.*?)</span>', re.DOTALL)


@pytest.mark.parametrize(
    ("code", "note"),
    [
        ("en", "a sub-let lasts no longer than the owner&#39;s lease to the association"),
        ("ar", "لا يدوم الإيجار من الباطن أكثر من عقد المالك مع الجمعية"),
        ("uk", "суборенда триває не довше, ніж договір власника з асоціацією"),
    ],
)
def test_a_refusals_source_says_its_note_in_the_page_language_and_its_citation_in_french(site: Site, code: str, note: str) -> None:
    item = coded_error(
        "head_lease_ended", "ended", source=matching_sources.source_of("head_lease_ended"), params={"head_lease_ends_on": "2027-01-31"}
    )
    page = shown(site, code, item)
    source = SOURCE_SPAN.search(page)
    assert source is not None, page
    assert '<bdi lang="fr">Loi 89-462, art. 8</bdi>' in source[1] and note in source[1]
    assert 'href="https://www.legifrance.gouv.fr/' in source[1] and 'target="_blank"' in source[1]
    if code != "en":
        assert not findings(page), findings(page)  # the words detector reads the source too
        assert "sub-let" not in page


def test_on_a_french_page_the_citation_needs_no_language_and_the_note_is_french(site: Site) -> None:
    page = shown(
        site, "fr", coded_error("slide_needs_ready_review", "not ready", source=matching_sources.source_of("slide_needs_ready_review"))
    )
    assert "<bdi>CCH, art. L442-8-3</bdi>" in page and "la revue juge si le ménage peut tenir le bail" in page
    assert not findings(page)


def test_a_source_that_is_no_law_is_its_note_alone_and_an_unknown_note_shows_the_services_words(site: Site) -> None:
    gli = shown(site, "uk", coded_error("rent_burden", "too high", source=guarantees_sources.GLI_CONTRACT))
    assert "Джерело: договір страховика" in gli and "lang=" not in gli and not findings(gli)
    unknown = {**coded_error("rent_burden", "too high", source=guarantees_sources.FSL_LAW), "source_note": "a_note_of_tomorrow"}
    assert "FSL sets its own conditions" in shown(site, "en", unknown).replace("&#39;", "'")  # the service's whole source
    stored: dict[str, Any] = {
        "rule": "rent_burden",
        "message": "too high",
        "params": {},
        "source": "Loi 90-449, art. 6",
        "source_url": None,
    }
    assert "Loi 90-449, art. 6</span>" in shown(site, "ar", stored)  # an answer kept before the parts existed: as written
