"""The association's file page checks a lease before it is signed (guarantees' ``POST
/v1/files/{id}/visa/lease-check``, nothing recorded): a visa issued to a tenant of 17 years and 11 months
says the lease waits for the 18th birthday; a lease dated the eve is refused next to its day with the
birthday written in the reader's language, a rent above the visa's maximum next to the rent, and the
birthday itself would activate the visa. Through the real services."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date

from abri_guarantees.domain.policy import add_months
from abri_kit.calendar import day_in_france
from tests.web.support import Stack
from tests.web.test_pages_association import awaiting_guarantee, field_error, file_guarantee, new_fund, upload

pytestmark = pytest.mark.timeout(600)


async def test_a_lease_is_checked_before_signing_and_a_minors_lease_waits_for_the_birthday(stack: Stack) -> None:
    worker, owner, other = stack.browser("social_worker"), stack.browser("owner"), stack.browser("social_worker")
    agent = None
    try:
        today = day_in_france(datetime.now(UTC))
        birthday = add_months(today, 1)  # 17 years and 11 months today: the fund takes the request, the lease waits a month
        fund_id = await new_fund(stack)
        _household_id, placement_id = await awaiting_guarantee(stack, worker, owner)
        file_id = await file_guarantee(worker, placement_id, fund_id, birth_date=birthday.replace(year=birthday.year - 18).isoformat())
        for kind, sub_kind in (("identity", "passport"), ("professional_situation", "student_card"), ("resources", "payslips")):
            assert (await upload(worker, file_id, kind, sub_kind)).status_code == 303
        page = await worker.get(f"/association/files/{file_id}")
        assert f'action="/association/files/{file_id}/lease-check"' not in page.text  # no visa yet: nothing to check

        agent = stack.browser("fund_agent", org_id=fund_id)
        approved = await agent.api("POST", f"/guarantees/v1/files/{file_id}/approval")
        assert approved.status_code == 200, approved.text
        visa = approved.json()["visa"]
        assert visa["lease_not_before"] == birthday.isoformat()

        page = await worker.get(f"/association/files/{file_id}", params={"lang": "fr"})
        shown = html.unescape(page.text)
        in_french = format_date(birthday, format="long", locale="fr")
        assert f"Le locataire devient majeur le {in_french} : le bail se signe à partir de ce jour, pas avant." in shown
        assert 'for="lease_signed_on"' in shown and 'for="lease_rent"' in shown and "Vérifier un bail avant de le signer" in shown

        eve = (birthday - timedelta(days=1)).isoformat()
        refused = await worker.post(f"/association/files/{file_id}/lease-check?lang=fr", {"lease_signed_on": eve, "lease_rent": "500"})
        assert refused.status_code == 422
        said = html.unescape(field_error(refused.text, "lease_signed_on"))
        assert said == (
            f"Le bail serait signé le {format_date(birthday - timedelta(days=1), format='long', locale='fr')}, avant la majorité du"
            f" locataire le {in_french} : le fonds accepte la demande avant cet anniversaire, mais le bail se signe à partir de ce jour."
        )
        assert "visale.fr" in refused.text  # its source, under the sentence
        assert 'value="500"' in refused.text and "before the tenant comes of age" not in refused.text
        in_ukrainian = await worker.post(f"/association/files/{file_id}/lease-check?lang=uk", {"lease_signed_on": eve, "lease_rent": "500"})
        assert format_date(birthday, format="long", locale="uk") in html.unescape(field_error(in_ukrainian.text, "lease_signed_on"))

        above = f"{visa['max_rent_cents'] // 100 + 1}"
        too_dear = await worker.post(
            f"/association/files/{file_id}/lease-check?lang=en", {"lease_signed_on": birthday.isoformat(), "lease_rent": above}
        )
        assert too_dear.status_code == 422 and "above the visa&#39;s maximum" in field_error(too_dear.text, "lease_rent")
        missing = await worker.post(f"/association/files/{file_id}/lease-check", {"lease_signed_on": "", "lease_rent": "500"})
        assert missing.status_code == 422 and field_error(missing.text, "lease_signed_on")

        fine = await worker.post(
            f"/association/files/{file_id}/lease-check?lang=fr", {"lease_signed_on": birthday.isoformat(), "lease_rent": "500"}
        )
        assert fine.status_code == 200
        assert f"Un bail signé le {in_french} à 500,00\xa0€ par mois activerait le visa {visa['number']}." in html.unescape(fine.text)
        assert (await worker.post(f"/association/files/{file_id}/lease-check", {"lease_signed_on": eve}, csrf=False)).status_code == 403
        stranger = await other.post(
            f"/association/files/{file_id}/lease-check", {"lease_signed_on": birthday.isoformat(), "lease_rent": "500"}
        )
        assert stranger.status_code == 404
        assert (await worker.api("GET", f"/guarantees/v1/files/{file_id}")).json()["status"] == "approved"  # nothing recorded
    finally:
        for browser in (worker, owner, other, agent):
            if browser is not None:
                await browser.aclose()
