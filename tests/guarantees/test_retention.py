"""A file's personal data leave 3 years after the last contact, by crypto-shredding: afterwards the
tenant's data answer 410, the documents and messages are gone, the visa no longer checks; a file whose
guarantee still runs is kept."""

from __future__ import annotations

from datetime import UTC, datetime

from abri_guarantees.retention import erase_lapsed
from tests.guarantees.support import Api, erased_in_ledger, guaranteed, key_of, submit, waiting_placement
from tests.guarantees.support import api as api
from tests.guarantees.test_documents_api import PDF, upload
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated


async def sweep(api: Api, now: datetime) -> None:
    for _ in range(50):  # bounded: earlier runs' files lapse too
        if not await erase_lapsed(api[0].state.sessionmaker, now, years=3):
            return
    raise AssertionError("the sweep did not finish")


async def test_personal_data_are_erased_three_years_after_the_last_contact_and_not_before(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    ended, running = await guaranteed(api, issuer), await guaranteed(api, issuer)
    pending = (await submit(client, ended.worker, await waiting_placement(ended.association), ended.fund)).json()
    assert (await upload(client, ended.worker, pending["id"], "identity", PDF, "application/pdf")).status_code == 201
    url = f"/v1/files/{ended.file['id']}"
    end = await client.post(f"/v1/guarantees/{ended.file['id']}/end", json={"ended_on": "2027-06-30"}, headers=ended.owner_headers)
    assert end.status_code == 200, end.text

    await sweep(api, datetime(2030, 6, 30, 21, 0, tzinfo=UTC))  # 23:00 in France, the last day of the 3 years
    assert (await client.get(f"{url}/tenant", params={"purpose": "review_file"}, headers=ended.agent)).status_code == 200
    await sweep(api, datetime(2030, 6, 30, 22, 30, tzinfo=UTC))  # 00:30 on 1 July in France
    gone = await client.get(f"{url}/tenant", params={"purpose": "review_file"}, headers=ended.agent)
    assert gone.status_code == 410 and gone.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"{url}/visa.pdf", headers=ended.worker)).status_code == 410
    kept = await client.get(url, headers=ended.agent)
    assert kept.status_code == 200 and kept.json()["steps"][-1]["action"] == "erase"  # ids, statuses and reasons stay
    assert kept.json()["steps"][-1]["reasons"] == ["retention_period_over"]
    check = await client.post("/v1/public/visa-checks", json={"number": ended.file["visa"]["number"], "name": "Oksana Kovalenko-Durand"})
    assert check.json() == {"status": "unknown"}
    assert await key_of(ended.file["id"]) is None and await erased_in_ledger(ended.file["id"]) == "retention"
    assert await key_of(running.file["id"]) is not None
    assert (await client.get(f"/v1/files/{pending['id']}/documents", headers=ended.agent)).json()[
        "items"
    ] == []  # never decided, lapsed too

    still = await client.get(f"/v1/files/{running.file['id']}/tenant", params={"purpose": "review_file"}, headers=running.agent)
    assert still.status_code == 200  # its guarantee runs: kept however old
