"""The whole journey in a real browser, each role in its own browser context, signed in at the local
identity provider: an owner publishes → a social worker registers a household and proposes → the
owner accepts → the social worker files the guarantee with a document → the fund's agent approves →
the social worker records the lease; each person's inbox, open in another tab, receives its messages
live. With ``ABRI_SCREENSHOTS_DIR`` set (``make screenshots``), the main pages are photographed."""

from __future__ import annotations

import io
import os
import uuid
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.async_api import FilePayload, Page, expect

from tests.browser.conftest import Live, api
from tests.browser.support import Person, axe_violations, css_string, describe, shoot, sign_in
from tests.web.test_pages_association import place, today


def in_three_years() -> str:
    """The end of the owner's lease to the association."""
    return (date.fromisoformat(today()) + timedelta(days=3 * 365)).isoformat()


pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
FUND = "fund-1"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WAIT_MS = 90_000


async def ensure_fund(live: Live) -> None:
    """The demo fund of agent1 (``make run`` creates it too)."""
    token = await live.ops_token()
    created = await api(live, "POST", "/guarantees/v1/funds", token, json={"fund_id": FUND, "name": "Fonds solidaire 1", "kind": "visale"})
    assert created.status_code in (201, 409), created.text


async def open_inbox(person: Person) -> Page:
    """The person's inbox in a second tab, in French (their messages' language too)."""
    page = person.page
    await page.goto("/preferences")
    await page.select_option("#language", "fr")
    await page.click("form[action='/preferences'] button[type=submit]")
    await expect(page.locator(".fr-alert--success")).to_be_visible()
    inbox = await person.context.new_page()
    await inbox.goto("/inbox")
    return inbox


async def told(inbox: Page, subject: str) -> None:
    """A message with this subject arrives live (added by the stream, without reloading)."""
    await expect(inbox.locator("#inbox li.abri-inbox__item--unread h2", has_text=subject).first).to_be_visible(timeout=WAIT_MS)


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (190, 180, 170)).save(out, format="JPEG")
    return out.getvalue()


async def move_in_inventory(live: Live, placement_id: str) -> str:
    """The social worker, on a 360 px wide phone, begins the move-in inventory of the lease, notes a stain, adds a
    photo of the walls and signs; the inventory's pages have no serious accessibility violation in any language. Its path."""
    phone = await sign_in(live.browser, live.url, "sw1", live.password("sw1"), viewport={"width": 360, "height": 740}, bypass_csp=True)
    page = phone.page
    try:
        await page.goto(f"/inventories/placements/{placement_id}")
        await page.select_option("#kind", "move_in")
        await page.fill("#made_on", today())
        await page.click(f"form[action='/inventories/placements/{placement_id}'] button[type=submit]")
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        path = "/" + page.url.split("/", 3)[3].split("?")[0].split("#")[0]
        await page.fill("#rooms-1-items-1-note", "Tache près de la fenêtre")  # the living room's walls
        await page.select_option("#rooms-1-items-1-condition", "fair")
        await page.click(f"form[action='{path}'] > button[type=submit]")
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        upload = page.locator(f"form[action='{path}/photos']").nth(6)  # the living room's walls: after the entrance's five items
        photo: FilePayload = {"name": "murs.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}
        await upload.locator("input[type=file]").set_input_files(files=[photo])
        await upload.locator("button[type=submit]").click()
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        await expect(page.locator(f"img[src^='{path}/photos/']")).to_have_count(1)
        await shoot(page, "social-worker-inventory-phone")
        await page.check("#agree", force=True)
        await page.click(f"form[action='{path}/signature'] button[type=submit]")
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        found = []
        for language in ("fr", "en", "ar", "uk"):
            for shown in (path, f"/inventories/placements/{placement_id}"):
                await page.goto(f"{shown}?lang={language}")
                violations = await axe_violations(page)
                if violations:
                    found.append(f"{shown} [{language}]: {describe(violations)}")
                wide = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
                assert not wide, f"{shown} [{language}] scrolls sideways at 360 px"
        assert found == [], "\n".join(found)
        return path
    finally:
        await phone.context.close()


async def test_the_whole_journey_each_role_in_its_own_browser(live: Live, tmp_path: os.PathLike[str]) -> None:
    await ensure_fund(live)
    owner = await sign_in(live.browser, live.url, "owner1", live.password("owner1"))
    worker = await sign_in(live.browser, live.url, "sw1", live.password("sw1"))
    agent = await sign_in(live.browser, live.url, "agent1", live.password("agent1"))
    people = (owner, worker, agent)
    try:
        inboxes = {person.username: await open_inbox(person) for person in people}
        where = place()  # a commune of this run's own
        code = where["insee_code"]
        street = f"{uuid.uuid4().hex[:6]} rue de la Journée"

        # the owner publishes a unit
        page = owner.page
        await page.goto("/owner/units/new")
        await page.fill("#commune", where["commune"])  # the commune by name: suggestions from the official table
        suggestion = f"{where['commune']} ({where['postal_code']})"
        await expect(page.locator(f"#commune-options option[value={css_string(suggestion)}]")).to_be_attached(timeout=WAIT_MS)
        for field, value in {
            "street": street, "commune": suggestion,  # its postal code with it: none typed
            "rooms": "2", "living_area_m2": "40", "ceiling_height_m": "2,5",
            "floor": "1", "rent_cents": "400", "charges_cents": "50", "deposit_cents": "400", "primary_energy_kwh": "300",
            "emissions_kg": "40", "dpe_date": "2024-03-01", "available_from": today(),
        }.items():  # fmt: skip
            await page.fill(f"#{field}", value)
        await page.select_option("#kind", "apartment")
        await page.select_option("#energy_class", "E")  # its page then tells what the ban calendar means and the aids
        await page.select_option("#main_energy", "electricity")  # and the energy bill its diagnosis implies
        await page.check("#schemes-intermediated_letting", force=True)  # the DSFR draws the box on the label
        await shoot(page, "owner-unit-form")
        await page.click("button[value=publish]")
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        await page.goto("/owner/units")
        await shoot(page, "owner-units")

        # the social worker registers a household, with its consents
        page = worker.page
        await page.goto("/association/households/new")
        reference = f"J-{uuid.uuid4().hex[:6]}"
        for field, value in {
            "reference": reference, "adults": "1", "children": "1", "resources": "1400", "housing_benefit": "350",
            "registered_since": "2026-03-01", "min_bedrooms": "1", "communes": code, "first_name": "Oksana",
            "last_name": "Kovalenko", "birth_date": "2000-05-17", "phone": "06 12 34 56 78", "email": "oksana.k@example.org",
        }.items():  # fmt: skip
            await page.fill(f"#{field}", value)
        await page.check("#consents-matching", force=True)  # the DSFR draws the box on the label
        await page.check("#consents-share_with_owner_after_acceptance", force=True)  # the DSFR draws the box on the label
        await page.check("#consents-guarantee_file", force=True)
        await shoot(page, "social-worker-household-form")
        await page.click("form[action='/association/households/new'] > button[type=submit]")
        await page.wait_for_url("**/association/households/*")
        household_id = page.url.rsplit("/", 1)[-1].split("?")[0]

        # ... finds the unit, and proposes the household for it
        await page.goto(f"/association/units?commune={code}")
        await shoot(page, "social-worker-search")
        name = where["commune"]
        await page.click(f"a:has-text('{name}')")
        propose = page.locator(f"form[action='/association/propose']:has(input[name=household_id][value='{household_id}'])")
        for _ in range(60):  # matching learns the unit through Kafka
            if await propose.count():
                break
            await page.wait_for_timeout(1500)
            await page.reload()
        await shoot(page, "social-worker-best-households")
        await propose.locator("button[type=submit]").click()
        await page.wait_for_url("**/association/placements/*")
        placement_id = page.url.rsplit("/", 1)[-1].split("?")[0]
        await told(
            inboxes["owner1"], "Une association propose de louer votre logement"
        )  # intermediated letting: the association is the tenant

        # the owner accepts, asking for a guarantee
        page = owner.page
        await page.goto("/owner/proposals")
        card = page.locator("section", has_text=street)
        await shoot(page, "owner-proposals")
        await card.locator("input[name=require_guarantee]").check(force=True)
        await card.locator("form[action$='/accept'] button").click()
        await expect(page.locator(".fr-alert--success")).to_be_visible()

        # the social worker files the guarantee, with the documents the fund requires
        page = worker.page
        await page.goto(f"/association/files/new?placement_id={placement_id}")
        await page.select_option("#fund_id", FUND)
        for field, value in {
            "first_names": "Oksana", "last_name": "Kovalenko", "birth_date": "2000-05-17", "email": "oksana.k@example.org",
            "resources": "1800", "housing_benefit": "200",
        }.items():  # fmt: skip
            await page.fill(f"#{field}", value)
        for _ in range(60):  # guarantees learns the placement through Kafka
            await page.click("form[action='/association/files/new'] button[type=submit]")
            await page.wait_for_load_state()
            if "/association/files/new" not in page.url:
                break
            await page.wait_for_timeout(1500)
        await page.wait_for_url("**/association/files/*")
        document = os.path.join(tmp_path, "piece.pdf")
        with open(document, "wb") as handle:  # noqa: ASYNC230  (a few bytes)
            handle.write(PDF)
        for kind, sub_kind in (
            ("identity", "national_identity_card"),
            ("professional_situation", "employment_contract"),
            ("resources", "payslips"),
        ):
            form = page.locator(f"form[action$='/documents']:has(input[name=kind][value={kind}])")
            await form.locator("select[name=sub_kind]").select_option(sub_kind)
            await form.locator("input[type=file]").set_input_files(document)
            await form.locator("button[type=submit]").click()
            await expect(page.locator(".fr-alert--success")).to_be_visible()
        await shoot(page, "social-worker-guarantee-file")
        file_id = page.url.rsplit("/", 1)[-1].split("?")[0]
        await told(inboxes["agent1"], "Nouveau dossier de garantie à examiner")

        # the fund's agent reviews and approves
        page = agent.page
        await page.goto("/fund/files")
        await shoot(page, "fund-queue")
        await page.goto(f"/fund/files/{file_id}")
        await shoot(page, "fund-review")
        await page.click(f"form[action='/fund/files/{file_id}/approval'] button")
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        await told(inboxes["sw1"], "Garantie accordée")

        # the social worker records the lease, once matching knows the guarantee
        page = worker.page
        lease = page.locator(f"form[action='/association/placements/{placement_id}/lease']")
        for _ in range(60):
            await page.goto(f"/association/placements/{placement_id}")
            if await page.locator(".fr-badge", has_text="Garantie accordée").count():
                break
            await page.wait_for_timeout(1500)
        await lease.locator("#signed_on").fill(today())
        await lease.locator("#starts_on").fill(today())
        await lease.locator("#lease_type").select_option("sub_let")  # intermediated letting: the association sub-lets
        await lease.locator("#head_lease_ends_on").fill(in_three_years())
        await lease.locator("button[type=submit]").click()
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        await shoot(page, "social-worker-placement")
        await told(inboxes["owner1"], "Votre logement est loué")

        # under the sub-let the association is the household's landlord: it makes the move-in inventory on a phone
        inventory_path = await move_in_inventory(live, placement_id)
        hidden = await owner.page.goto(inventory_path)  # the owner is not the household's landlord under a sub-let
        assert hidden is not None and hidden.status == 404

        for person in people:
            await shoot(inboxes[person.username], f"inbox-{person.username}", full_page=False)
            assert person.csp_violations == [], (person.username, person.csp_violations)

        # the other roles' main pages, and the owner's on a phone in Arabic
        for username, path in (("household1", "/household"), ("ops1", "/ops")):
            other = await sign_in(live.browser, live.url, username, live.password(username))
            try:
                answer = await other.page.goto(path)
                assert answer is not None and answer.status == 200
                await shoot(other.page, f"{username.rstrip('1')}-{path.strip('/')}")
            finally:
                await other.context.close()
        phone = await sign_in(live.browser, live.url, "owner1", live.password("owner1"), viewport={"width": 360, "height": 740})
        try:
            await phone.page.goto("/owner/units?lang=ar")
            await expect(phone.page.locator("html[dir=rtl]")).to_have_count(1)
            await shoot(phone.page, "owner-units-arabic-phone", full_page=False)
        finally:
            await phone.context.close()
    finally:
        for person in people:
            await person.context.close()
