"""A form sent again (a reload, a double click) creates nothing twice: each rendered form carries its own
key, from which every service call it makes derives an Idempotency-Key (``visit.py``). After a refused
publish the page shows the draft it saved, its form now saving that draft: sent again, or corrected, it
edits the draft and never creates another."""

from __future__ import annotations

import re
from typing import Any

from tests.listings.test_units_api import DRAFT
from tests.matching.test_households_api import household
from tests.notifications.support import unique
from tests.support import wait_until
from tests.web.support import Browser, Stack
from tests.web.test_pages_owner import FORM, my_units

KEY = re.compile(r'name="form_key" value="([0-9]+-[0-9a-f]{32})"')


async def form_key(person: Browser, path: str) -> str:
    """The key of the form a page shows (a new one each time it is shown)."""
    page = await person.get(path)
    found = KEY.search(page.text)
    assert page.status_code == 200 and found, page.text
    return found.group(1)


async def test_a_refused_publish_sent_again_saves_one_draft_and_its_form_edits_it(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        refused_form: dict[str, Any] = {
            **FORM,
            "deposit_cents": "900",
            "action": "publish",
            "form_key": await form_key(owner, "/owner/units/new"),
        }
        first = await owner.post("/owner/units/new", refused_form)
        assert first.status_code == 422 and "Le dépôt de garantie ne peut dépasser" in first.text
        drafts = await my_units(owner)
        assert [u["status"] for u in drafts] == ["draft"]
        assert f'action="/owner/units/{drafts[0]["id"]}"' in first.text  # the form shown again saves this draft
        again = await owner.post("/owner/units/new", refused_form)  # the browser's reload: the same form, the same key
        assert again.status_code == 422 and [u["id"] for u in await my_units(owner)] == [drafts[0]["id"]]

        corrected_key = KEY.search(again.text)
        assert corrected_key is not None
        corrected = {**refused_form, "deposit_cents": "400", "form_key": corrected_key.group(1), "version": str(drafts[0]["version"])}
        published = await owner.post(f"/owner/units/{drafts[0]['id']}", corrected)
        assert published.status_code == 303 and published.headers["location"] == f"/owner/units/{drafts[0]['id']}"
        assert [(u["id"], u["status"]) for u in await my_units(owner)] == [(drafts[0]["id"], "published")]
        replayed = await owner.post(f"/owner/units/{drafts[0]['id']}", corrected)  # reloaded after its success
        assert replayed.status_code in (303, 409, 422) and len(await my_units(owner)) == 1
    finally:
        await owner.aclose()


async def test_a_created_unit_sent_again_is_the_same_unit(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        form = {**FORM, "action": "save", "form_key": await form_key(owner, "/owner/units/new")}
        first, again = await owner.post("/owner/units/new", form), await owner.post("/owner/units/new", form)
        assert first.status_code == again.status_code == 303 and first.headers["location"] == again.headers["location"]
        assert len(await my_units(owner)) == 1
        another = {**form, "form_key": await form_key(owner, "/owner/units/new")}  # a new form is a new unit
        assert (await owner.post("/owner/units/new", another)).status_code == 303 and len(await my_units(owner)) == 2
    finally:
        await owner.aclose()


async def test_a_proposal_sent_twice_is_one_proposal(stack: Stack) -> None:
    owner, worker = stack.browser("owner"), stack.browser("social_worker")
    try:
        unit = (await owner.api("POST", "/listings/v1/units", json={**DRAFT, "schemes": ["intermediated_letting"]})).json()
        assert (await owner.api("POST", f"/listings/v1/units/{unit['id']}/publish", headers={"if-match": '"1"'})).status_code == 200
        created = await worker.api("POST", "/matching/v1/households", json=household(unique("R")))
        assert created.status_code == 201, created.text
        household_id = created.json()["id"]

        page = f"/association/propose?household_id={household_id}&unit_id={unit['id']}"
        form = {
            "household_id": household_id,
            "unit_id": unit["id"],
            "scheme": "intermediated_letting",
            "form_key": await form_key(worker, page),
        }
        sent: list[Any] = []

        async def proposed() -> bool:  # refused (and nothing kept of the key) until matching learns the unit
            sent.append(await worker.post("/association/propose", form))
            return bool(sent[-1].status_code == 303)

        await wait_until(proposed, timeout=60, what="matching learns the unit")
        again = await worker.post("/association/propose", form)  # the same form sent again
        assert again.status_code == 303 and again.headers["location"] == sent[-1].headers["location"]
        placements = (await worker.api("GET", "/matching/v1/placements", params={"household_id": household_id})).json()["items"]
        assert len(placements) == 1
    finally:
        await owner.aclose()
        await worker.aclose()
