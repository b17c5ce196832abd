"""An erased household is "Erased household" on every page that names it, never its old reference nor
the placeholder matching leaves in its place (``erased-<id>``): the pages name a household only through
``web/households.py``. The household is proposed, accepted with a guarantee asked for, then erased; each
page that could still name it (lists, its record, its edit form, its best units, the propose form, its
placement, the filing form) is read again."""

from __future__ import annotations

import html
import uuid

import pytest

from abri_gateway.web.households import household_name, is_erased
from tests.web.support import Stack
from tests.web.test_pages_association import awaiting_guarantee, our_households

pytestmark = pytest.mark.timeout(600)


def test_a_household_is_named_by_its_reference_until_erased(french: None) -> None:
    own_id = str(uuid.uuid4())
    assert household_name({"id": own_id, "reference": "HW-12", "erased": False}) == "HW-12"
    assert household_name({"id": own_id, "reference": f"erased-{own_id}", "erased": True}) == "Ménage effacé"
    # a match's household carries no mark: the placeholder with its own id gives it away
    assert household_name({"household_id": own_id, "reference": f"erased-{own_id}"}) == "Ménage effacé"
    assert not is_erased({"id": own_id, "reference": "erased-HW"})  # an association's own code may start so
    assert household_name(None) == "Ménage" and household_name({"id": own_id, "reference": ""}) == "Ménage"


async def test_an_erased_households_reference_is_on_no_page(stack: Stack) -> None:
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    try:
        household_id, placement_id = await awaiting_guarantee(stack, worker, owner)
        [record] = [h for h in await our_households(worker) if h["id"] == household_id]
        reference = record["reference"]
        placement = (await worker.api("GET", f"/matching/v1/placements/{placement_id}")).json()
        pages = (
            "/association/households",
            f"/association/households/{household_id}",
            f"/association/households/{household_id}/edit",
            f"/association/households/{household_id}/matches",
            f"/association/propose?household_id={household_id}&unit_id={placement['unit_id']}",
            "/association/placements",
            f"/association/placements/{placement_id}",
            f"/association/files/new?placement_id={placement_id}",
            "/association/files",
            "/association/suggestions",
        )
        before = {path: html.unescape((await worker.get(path)).text) for path in pages}
        assert all(reference in before[path] for path in pages[:-2]), [p for p in pages[:-2] if reference not in before[p]]

        asked = await worker.post(f"/association/households/{household_id}/erasure", {"confirm": "confirm"})
        assert asked.status_code == 303, asked.text
        [erased] = [h for h in await our_households(worker) if h["id"] == household_id]
        assert erased["erased"] and erased["reference"] == f"erased-{household_id}"  # matching erases at once

        for path in pages:
            answer = await worker.get(path)
            text = html.unescape(answer.text)
            assert answer.status_code < 500, (path, answer.status_code)
            assert reference not in text and f"erased-{household_id}" not in text, path
        for path in ("/association/households", f"/association/households/{household_id}", f"/association/placements/{placement_id}"):
            assert "Ménage effacé" in html.unescape((await worker.get(path)).text), path
    finally:
        await worker.aclose()
        await owner.aclose()
