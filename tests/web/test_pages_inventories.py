"""The inventory pages through the gateway, on the running services: under a sliding lease the association (the
household's landlord) begins the move-in inventory from a typical list of rooms, fills it in, adds a photo,
signs; the household reads it in its language, signs, asks within 10 days that it be completed, downloads its
copy as a PDF; the owner, who is not the household's landlord here, sees none of it; a refusal is said on the
page; the pages in the four languages, right to left in Arabic."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

from PIL import Image

from tests.matching.invitations import link_in_browsers
from tests.notifications.support import unique
from tests.web.support import Browser, Stack
from tests.web.test_pages_association import known_to_matching, place, published_unit, register, today


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 170, 160)).save(out, format="JPEG")
    return out.getvalue()


async def sliding_lease(worker: Browser, owner: Browser, person: Browser) -> str:
    """A sliding lease signed today for a household of ``worker`` linked to ``person``'s account: its placement's id."""
    where = place()
    unit = await published_unit(owner, where, schemes=["sliding_lease"], rooms=2)
    household_id = await register(worker, commune=where["insee_code"])
    await link_in_browsers(worker, person, household_id)
    await known_to_matching(worker, unit["id"])
    proposed = await worker.post("/association/propose", {"household_id": household_id, "unit_id": unit["id"], "scheme": "sliding_lease"})
    placement_id = proposed.headers["location"].rsplit("/", 1)[-1]
    assert (await owner.api("POST", f"/matching/v1/placements/{placement_id}/accept", json={})).status_code == 200
    head_lease_ends = (date.today() + timedelta(days=3 * 365)).isoformat()
    lease = {"signed_on": today(), "starts_on": today(), "lease_type": "sliding", "head_lease_ends_on": head_lease_ends}
    signed = await worker.api("POST", f"/matching/v1/placements/{placement_id}/lease", json=lease)
    assert signed.status_code == 200, signed.text
    return placement_id


def digest_on(page: str) -> str:
    """The digest the page's signing form sends: the content the reader sees."""
    found = re.search(r'name="content_sha256" value="([0-9a-f]{64})"', page)
    assert found is not None, "no signing form on the page"
    return found.group(1)


def form_fields(html: str, form_action: str) -> list[tuple[str, str]]:
    """The named inputs and selected options of the form posting to ``form_action``, as the browser would send them."""
    form = re.search(rf'<form method="post" action="{re.escape(form_action)}"[^>]*>(.*?)</form>', html, flags=re.S)
    assert form is not None, form_action
    fields = [(n, v) for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(1)) if n != "csrf_token"]
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form.group(1), flags=re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields.append((name, chosen.group(1) if chosen else ""))
    return fields


async def test_both_sides_fill_in_sign_and_download_the_inventory_on_their_pages(stack: Stack) -> None:
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    person = stack.browser("household", org_id=worker.org_id)
    try:
        placement_id = await sliding_lease(worker, owner, person)
        lease_page = await worker.get(f"/inventories/placements/{placement_id}")
        assert lease_page.status_code == 200 and "Commencer l'état des lieux" in html.unescape(lease_page.text)
        early = await worker.post(f"/inventories/placements/{placement_id}", {"kind": "move_in", "made_on": "2020-01-01"})
        assert early.status_code == 422 and "pas avant le bail" in html.unescape(early.text)  # the rule in French, with its source
        assert "Loi 89-462, art. 3-2" in early.text
        begun = await worker.post(f"/inventories/placements/{placement_id}", {"kind": "move_in", "made_on": today()})
        assert begun.status_code == 303, begun.text
        at = begun.headers["location"]
        page = await worker.get(at)
        assert page.status_code == 200 and "Séjour" in page.text and "Chambre 1" in page.text and "Murs" in page.text

        fields = dict(form_fields(page.text, at))
        walls = next(name for name, value in fields.items() if value == "Murs" and name.startswith("rooms-1-"))
        fields[walls.replace("-name", "-note")] = "une tache près de la fenêtre"
        fields[walls.replace("-name", "-condition")] = "fair"
        fields["meter-electricity-reading"] = "10234"
        fields["keys-0-kind"], fields["keys-0-count"] = "porte d'entrée", "2"
        saved = await worker.post(at, list(fields.items()))
        assert saved.status_code == 303, saved.text
        page = await worker.get(at)
        assert "une tache près de la fenêtre" in page.text
        item_id = re.search(r'name="item_id" value="([0-9a-f-]{36})"', page.text)
        assert item_id is not None
        photo = await worker.client.post(
            f"{at}/photos",
            data={"csrf_token": worker.csrf, "item_id": item_id.group(1)},
            files={"content": ("walls.jpg", a_photo(), "image/jpeg")},
        )
        assert photo.status_code == 303, photo.text
        page = await worker.get(at)
        shown = re.search(rf'<img src="({re.escape(at)}/photos/[0-9a-f-]{{36}})"', page.text)
        assert shown is not None and (await worker.get(shown.group(1))).headers["content-type"] == "image/jpeg"

        digest = digest_on(page.text)
        unticked = await worker.post(f"{at}/signature", {"content_sha256": digest})
        assert unticked.status_code == 422 and "Cochez la case" in unticked.text
        assert (await worker.post(f"{at}/signature", {"content_sha256": digest, "agree": "on"})).status_code == 303

        mine = await person.get(at, params={"lang": "uk"})
        assert mine.status_code == 200 and "Акт при в'їзді" in html.unescape(mine.text) and "une tache près de la fenêtre" in mine.text
        household_digest = digest_on(mine.text)
        assert (await person.post(f"{at}/signature", {"content_sha256": household_digest, "agree": "on"})).status_code == 303
        signed = await person.get(at, params={"lang": "ar"})
        assert 'dir="rtl"' in signed.text and "وقّعه الطرفان" in signed.text and 'action="' + at + '/completion"' in signed.text
        asked = await person.post(
            f"{at}/completion", {"completion-0-room": "Cuisine", "completion-0-item": "Four", "completion-0-note": "ne chauffe pas"}
        )
        assert asked.status_code == 303
        assert "ne chauffe pas" in (await worker.get(at)).text
        pdf = await person.get(f"{at}/inventory.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")

        again = await worker.post(at, list(fields.items()))  # closed once both signed
        assert again.status_code == 422 and "ne peut plus être modifié" in html.unescape(again.text)
        assert (await owner.get(at)).status_code == 404  # the owner is not the household's landlord here
        assert "Pas encore d'état des lieux" in html.unescape((await owner.get(f"/inventories/placements/{placement_id}")).text)
        stranger = stack.browser("social_worker")
        try:
            assert (await stranger.get(at)).status_code == 404
        finally:
            await stranger.aclose()
        for lang, title in (
            ("fr", "État des lieux d'entrée"),
            ("en", "Move-in inventory"),
            ("ar", "محضر الدخول"),
            ("uk", "Акт при в'їзді"),
        ):
            shown_page = await worker.get(at, params={"lang": lang})
            assert shown_page.status_code == 200 and title in html.unescape(shown_page.text), lang
    finally:
        for browser in (worker, owner, person):
            await browser.aclose()


async def test_a_refused_photo_is_said_on_the_page_and_adds_nothing(stack: Stack) -> None:
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    person = stack.browser("household", org_id=worker.org_id, subject=unique("hh-photo"))
    try:
        placement_id = await sliding_lease(worker, owner, person)
        begun = await worker.post(f"/inventories/placements/{placement_id}", {"kind": "move_in", "made_on": today()})
        at = begun.headers["location"]
        page = await worker.get(at)
        item_id = re.search(r'name="item_id" value="([0-9a-f-]{36})"', page.text).group(1)  # type: ignore[union-attr]
        refused = await worker.client.post(
            f"{at}/photos",
            data={"csrf_token": worker.csrf, "item_id": item_id},
            files={"content": ("x.jpg", b"not a picture", "image/jpeg")},
        )
        assert refused.status_code == 422 and "Une photo est une image JPEG, PNG ou WebP." in html.unescape(refused.text)
        assert "<img src=" not in (await worker.get(at)).text
    finally:
        for browser in (worker, owner, person):
            await browser.aclose()
