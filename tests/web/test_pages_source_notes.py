"""A refused proposal's legal source on the page, through the real services: matching refuses a household
whose rent burden is above the association's threshold, citing "Arrêté du 10 mars 2011" with the note that
the threshold is the association's own. On an English, Arabic and Ukrainian page the note is in that
language and the citation is marked French (a screen reader says it in French); the words detector reads
the source and finds nothing."""

from __future__ import annotations

import re

import pytest

from tests.web.in_words import findings
from tests.web.support import Stack
from tests.web.test_pages_association import known_to_matching, place, published_unit, register

pytestmark = pytest.mark.timeout(600)
CITATION = "Arrêté du 10 mars 2011 (calcul du taux d&#39;effort)"
NOTES = {
    "en": "the threshold is the association&#39;s own",
    "ar": "الحدّ هو الذي تحدّده الجمعية",
    "uk": "поріг встановлює сама асоціація",
    "fr": "le seuil est celui de l&#39;association",
}
SOURCE = re.compile(r'<span class="abri-source[^"]*">(.*?)</span>', re.DOTALL)


async def test_a_refused_proposals_source_says_its_note_in_the_readers_language_and_its_citation_in_french(stack: Stack) -> None:
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    try:
        where = place()
        unit = await published_unit(owner, where)
        household_id = await register(worker, commune=where["insee_code"], resources="100", housing_benefit="0")
        await known_to_matching(worker, unit["id"])
        chosen = {"household_id": household_id, "unit_id": unit["id"], "scheme": "intermediated_letting"}
        for code, note in NOTES.items():
            refused = await worker.post(f"/association/propose?lang={code}", chosen)
            assert refused.status_code == 422, refused.text
            sources = [source for source in SOURCE.findall(refused.text) if CITATION in source]
            assert len(sources) == 1, SOURCE.findall(refused.text)
            marked = f'<bdi lang="fr">{CITATION}</bdi>' if code != "fr" else f"<bdi>{CITATION}</bdi>"
            assert marked in sources[0] and note in sources[0]
            assert 'href="https://www.legifrance.gouv.fr/' in sources[0]
            if code != "en":
                assert not findings(refused.text), findings(refused.text)
                assert "association's own" not in refused.text.replace("&#39;", "'")
        placements = await worker.api("GET", "/matching/v1/placements", params={"household_id": household_id})
        assert placements.status_code == 200 and placements.json()["items"] == []  # refused: nothing proposed
    finally:
        await worker.aclose()
        await owner.aclose()
