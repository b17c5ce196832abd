"""A file's personal data leave 3 years after the last contact, by crypto-shredding: afterwards the
tenant's data answer 410, the documents and messages are gone, the visa no longer checks; a file whose
guarantee still runs is kept."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from abri_guarantees.db.repositories.read_models import SignedInventories
from abri_guarantees.retention import erase_lapsed
from tests.guarantees.support import Api, erased_in_ledger, guaranteed, inventories_signed, key_of, submit, waiting_placement
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


async def test_signed_inventories_go_once_no_file_of_their_placement_keeps_its_data(api: Api, issuer: TestIssuer) -> None:
    app, client, _ = api
    ended, running = await guaranteed(api, issuer), await guaranteed(api, issuer)
    end = await client.post(f"/v1/guarantees/{ended.file['id']}/end", json={"ended_on": "2027-06-30"}, headers=ended.owner_headers)
    assert end.status_code == 200, end.text
    long_ago = date(2026, 1, 10)
    erased_file = await inventories_signed(app, ended.file["placement_id"], long_ago, None)
    running_file = await inventories_signed(app, running.file["placement_id"], long_ago, None)
    no_file = await inventories_signed(app, str(uuid.uuid4()), long_ago, None)
    recent_no_file = await inventories_signed(app, str(uuid.uuid4()), date(2029, 9, 1), None)

    async def held(ids: dict[str, uuid.UUID]) -> bool:
        async with app.state.sessionmaker() as session:
            return bool(await SignedInventories(session).by_ids(list(ids.values())))

    await sweep(api, datetime(2030, 6, 30, 22, 30, tzinfo=UTC))  # the ended file's data are erased
    assert not await held(erased_file) and not await held(no_file)  # no file keeps its data: no claim can need them
    assert await held(running_file)  # its guarantee runs: a damage claim may still come
    assert await held(recent_no_file)  # signed less than 3 years ago: kept for now
