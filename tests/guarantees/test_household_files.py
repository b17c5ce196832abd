"""The household's own view of its guarantee files: each file's fund and status, its visa, and the state
of each category of documents the fund requires; only for the household signed in with its own account
(another household, its association's worker by this route, the fund: refused), and no read of personal
data (nothing opened, nothing logged)."""

from __future__ import annotations

from tests.guarantees.support import Api, as_, raw_rows, unique
from tests.guarantees.support import api as api
from tests.guarantees.test_export import filed
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated


async def test_the_household_sees_its_visa_and_the_state_of_each_document_category(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    ready = await filed(api, issuer)
    before = await raw_rows("personal_data_access_log")
    answer = await client.get(f"/v1/households/{ready.household_id}/files", headers=ready.person)
    assert answer.status_code == 200, answer.text
    [file] = answer.json()["items"]
    assert file["id"] == ready.file_id and file["status"] == "approved" and file["fund_name"]
    visa = (await client.get(f"/v1/files/{ready.file_id}/visa", headers=ready.worker)).json()
    number = visa["number"]
    assert file["visa"]["number"] == f"{number[:4]}-{number[4:8]}-{number[8:12]}-{number[12]}"
    assert file["visa"]["status"] == "valid" and file["visa"]["max_rent_cents"] == visa["max_rent_cents"]
    assert "token" not in file["visa"]
    states = {item["kind"]: item["state"] for item in file["documents"]}
    assert states["resources"] == "received" and states["identity"] == "not_required"  # the fund asks for resources only
    assert file["documents_complete"] is True
    assert await raw_rows("personal_data_access_log") == before  # nothing personal opened


async def test_a_missing_category_is_named_and_nobody_else_reads_the_household_files(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    ready = await filed(api, issuer, required=("resources", "identity"), approve=False)
    url = f"/v1/households/{ready.household_id}/files"
    [file] = (await client.get(url, headers=ready.person)).json()["items"]
    states = {item["kind"]: item["state"] for item in file["documents"]}
    assert states == {
        "identity": "missing",
        "proof_of_address": "not_required",
        "professional_situation": "not_required",
        "resources": "received",
    }
    assert file["documents_complete"] is False and file["visa"] is None and file["status"] == "under_review"
    assert file["review_deadline"] is not None

    stranger = as_(issuer, unique("hh-other"), "household", "assoc-other")
    assert (await client.get(url, headers=stranger)).status_code == 404
    assert (await client.get(url, headers=ready.worker)).status_code == 403
    assert (await client.get(url, headers=ready.agent)).status_code == 403
    assert (await client.get(url)).status_code == 401
