"""A French page never shows a service's English ``detail`` for a conflict (409): the owner withdrawing a
unit already withdrawn (listings), declining a proposal already accepted (matching), the association
recording a lease on a placement the owner has not answered (matching): each is said in French, through
the real services."""

from __future__ import annotations

import html

import pytest

from tests.web.support import Browser, Stack
from tests.web.test_pages_association import proposed, published_unit, today

pytestmark = pytest.mark.timeout(600)


def shown(page: str) -> str:
    return html.unescape(page)


async def notice_after(browser: Browser, answer_location: str) -> str:
    """The page a form's redirect leads to, in French (its notices shown once)."""
    return shown((await browser.get(answer_location, params={"lang": "fr"})).text)


async def test_the_owners_conflicts_are_said_in_french(stack: Stack) -> None:
    owner, worker = stack.browser("owner"), stack.browser("social_worker")
    try:
        unit = await published_unit(owner)
        assert (await owner.post(f"/owner/units/{unit['id']}/withdraw", {})).status_code == 303
        again = await owner.post(f"/owner/units/{unit['id']}/withdraw", {})  # a second tab's button: listings answers 409
        assert again.status_code == 303
        page = await notice_after(owner, again.headers["location"])
        assert "Ce n'est pas possible dans son état actuel (il a pu changer entre-temps)" in page
        assert "cannot withdraw" not in page and "withdrawn unit" not in page

        _household, _unit, placement_id = await proposed(stack, worker, owner)
        assert (await owner.post(f"/owner/proposals/{placement_id}/accept", {})).status_code == 303
        declined = await owner.post(f"/owner/proposals/{placement_id}/decline", {"reason": "other"})  # already accepted: 409
        assert declined.status_code == 303
        page = await notice_after(owner, declined.headers["location"])
        assert "Ce n'est pas possible à cette étape de l'orientation" in page
        assert "cannot decline" not in page and "placement cannot" not in page
        status = (await owner.api("GET", f"/matching/v1/placements/{placement_id}")).json()["status"]
        assert status in ("accepted", "awaiting_guarantee")  # nothing changed
    finally:
        await owner.aclose()
        await worker.aclose()


async def test_the_associations_conflict_is_said_in_french_on_its_form(stack: Stack) -> None:
    owner, worker = stack.browser("owner"), stack.browser("social_worker")
    try:
        _household, _unit, placement_id = await proposed(stack, worker, owner)  # proposed: the owner has not answered
        lease = {"signed_on": today(), "starts_on": today(), "lease_type": "sub_let"}
        refused = await worker.client.post(
            f"/association/placements/{placement_id}/lease", params={"lang": "fr"}, data={**lease, "csrf_token": worker.csrf}
        )
        assert refused.status_code == 422, refused.text
        page = shown(refused.text)
        assert 'id="form-errors"' in page and "Ce n'est pas possible à cette étape de l'orientation" in page
        assert "placement cannot" not in page and "sign lease" not in page
        assert (await worker.api("GET", f"/matching/v1/placements/{placement_id}")).json()["status"] == "proposed"
    finally:
        await owner.aclose()
        await worker.aclose()
