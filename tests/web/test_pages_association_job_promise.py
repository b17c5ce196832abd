"""A tenant over the fund's age filed on a job promise: the association's form asks for the day the promised
job starts next to the promise's date (Visale counts a promise only when its job starts within three months
of the request), sends it, and the fund's pre-check accepts the file; without it the file is refused with a
sentence next to that field, in the reader's language, through the real services."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from abri_guarantees.domain.policy import add_months
from abri_kit.calendar import day_in_france
from tests.support import wait_until
from tests.web.support import Stack
from tests.web.test_pages_association import awaiting_guarantee, field_error, file_guarantee, new_fund, tenant_form

pytestmark = pytest.mark.timeout(600)


async def test_a_job_promise_is_filed_with_its_start_and_refused_without_it_next_to_the_field(stack: Stack) -> None:
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    try:
        today = day_in_france(datetime.now(UTC))
        promise = {"birth_date": "1980-01-01", "job_promise_on": (today - timedelta(days=10)).isoformat()}  # over 30
        age = today.year - 1980  # born on 1 January: this year's birthday has passed
        fund_id = await new_fund(stack)
        _household_id, placement_id = await awaiting_guarantee(stack, worker, owner)

        form = html.unescape((await worker.get("/association/files/new", params={"placement_id": placement_id})).text)
        assert 'id="job_starts_on"' in form and 'for="job_starts_on"' in form and 'type="date"' in form
        assert "Date de prise de fonction de l'emploi promis" in form and "Une promesse d'embauche" in form
        assert "La date de début que la promesse indique (date de prise de fonction)." in form  # its hint, inside its label

        refusals: list[str] = []

        async def refused() -> bool:  # retried while the guarantees service learns the placement
            answer = await worker.post("/association/files/new", tenant_form(placement_id, fund_id, **promise))
            refusals.append(answer.text)
            return answer.status_code == 422 and 'id="job_starts_on-error"' in answer.text

        await wait_until(refused, timeout=90, interval=0.5, what="guarantees learns the placement")
        page = refusals[-1]
        said = html.unescape(field_error(page, "job_starts_on"))
        starts_by = add_months(today, 3)
        assert said.startswith(f"Le locataire a {age} ans, plus de 30 ans. Une promesse d'embauche compte avec la date de prise")
        assert f"au plus tard le {starts_by.day} " in said and str(starts_by.year) in said and "(dans les 3 mois)" in said
        assert 'aria-invalid="true" aria-describedby="job_starts_on-error"' in page
        assert 'id="birth_date-error"' not in page  # the rule names the fact at fault: the error is next to it alone
        assert "is missing" not in page  # never the service's English
        assert (await worker.api("GET", "/guarantees/v1/files")).json()["items"] == []  # a refused pre-check stores nothing

        late = tenant_form(placement_id, fund_id, **promise, job_starts_on=(starts_by + timedelta(days=1)).isoformat())
        too_late = await worker.post("/association/files/new?lang=en", late)
        assert too_late.status_code == 422
        assert "the fund takes a job that starts within 3 months of the request" in html.unescape(
            field_error(too_late.text, "job_starts_on")
        )

        starts_on = add_months(today, 1).isoformat()
        file_id = await file_guarantee(worker, placement_id, fund_id, **promise, job_starts_on=starts_on)
        filed = (await worker.api("GET", f"/guarantees/v1/files/{file_id}")).json()
        assert filed["status"] == "under_review" and filed["failures"] == []
        tenant = await worker.api("GET", f"/guarantees/v1/files/{file_id}/tenant", params={"purpose": "information_request_answer"})
        assert tenant.json()["job_starts_on"] == starts_on and tenant.json()["job_promise_on"] == promise["job_promise_on"]
    finally:
        await worker.aclose()
        await owner.aclose()
