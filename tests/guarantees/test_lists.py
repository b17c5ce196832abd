"""Every list of the guarantees service comes in cursor pages, in a stable order ending with the id, with
its filters tied to its cursors: the files (the fund's queue, the association's files), a file's
documents, the funds, the guarantees and the claims. Nothing is cut, nothing comes twice, and a cursor
opens nothing of another caller's."""

from __future__ import annotations

from datetime import timedelta

from tests.guarantees.support import (
    SEEN_ELSEWHERE,
    Api,
    approved,
    as_,
    inventories_signed,
    lease_signed,
    new_fund,
    ops,
    submit,
    unique,
    waiting_placement,
)
from tests.guarantees.support import api as api
from tests.guarantees.test_documents_api import PDF, PNG, upload
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import assert_cursor_refused, walk_pages


async def test_files_come_in_pages_nearest_deadline_first_and_a_filter_holds_its_cursor(api: Api, issuer: TestIssuer) -> None:
    _, client, clock = api
    fund, association = await new_fund(client, issuer), unique("assoc-p")
    worker, agent = as_(issuer, "sw-p", "social_worker", association), as_(issuer, "agent-p", "fund_agent", fund)
    made: list[str] = []
    placement_of: dict[str, str] = {}
    for _ in range(5):
        clock.now += timedelta(minutes=1)
        filed = (await submit(client, worker, await waiting_placement(association), fund)).json()
        made.append(filed["id"])
        placement_of[filed["id"]] = filed["placement_id"]
    assert [f["id"] for f in await walk_pages(client, "/v1/files", agent, limit=2)] == made  # the fund's queue
    assert [f["id"] for f in await walk_pages(client, "/v1/files", worker, limit=3)] == made  # the association's files
    assert (await client.post(f"/v1/files/{made[1]}/approval", json=SEEN_ELSEWHERE, headers=agent)).status_code == 200
    queue = await walk_pages(client, "/v1/files", agent, limit=2, params={"status": ["under_review", "resubmitted"]})
    assert [f["id"] for f in queue] == [made[0], *made[2:]]
    listed = await walk_pages(client, "/v1/files", agent, limit=1, params={"status": "approved"})
    assert [f["id"] for f in listed] == [made[1]] and listed[0]["visa"]["number"]  # the visas of a page, read at once
    clock.now += timedelta(hours=49)
    assert len(await walk_pages(client, "/v1/files", agent, limit=2, params={"overdue": "true"})) == 4
    one = await walk_pages(client, "/v1/files", worker, limit=1, params={"placement_id": placement_of[made[3]]})
    assert [f["id"] for f in one] == [made[3]]
    await assert_cursor_refused(client, "/v1/files", agent, other_path="/v1/funds")
    filtered = (await client.get("/v1/files", params={"status": "under_review", "limit": 1}, headers=agent)).json()
    assert (await client.get("/v1/files", params={"cursor": filtered["next_cursor"]}, headers=agent)).status_code == 400
    first = (await client.get("/v1/files", params={"limit": 2}, headers=agent)).json()
    stranger = as_(issuer, "agent-q", "fund_agent", await new_fund(client, issuer))
    theirs = await client.get("/v1/files", params={"limit": 2, "cursor": first["next_cursor"]}, headers=stranger)
    assert theirs.status_code == 200 and theirs.json()["items"] == []  # a cursor opens nothing: the list is still the caller's


async def test_a_files_documents_come_in_pages_in_upload_order(api: Api, issuer: TestIssuer) -> None:
    _, client, clock = api
    fund, association = await new_fund(client, issuer), unique("assoc-p")
    worker, agent = as_(issuer, "sw-p", "social_worker", association), as_(issuer, "agent-p", "fund_agent", fund)
    file = (await submit(client, worker, await waiting_placement(association), fund)).json()
    made: list[str] = []
    for kind, data, content_type in (
        ("identity", PDF, "application/pdf"),
        ("proof_of_address", PDF, "application/pdf"),
        ("resources", PNG, "image/png"),
        ("professional_situation", PDF, "application/pdf"),
    ):
        clock.now += timedelta(minutes=1)
        answer = await upload(client, worker, file["id"], kind, data, content_type)
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])
    path = f"/v1/files/{file['id']}/documents"
    assert [d["id"] for d in await walk_pages(client, path, agent, limit=3)] == made
    assert [d["id"] for d in await walk_pages(client, path, worker, limit=1)] == made
    await assert_cursor_refused(client, path, agent, other_path="/v1/funds")
    other = (await submit(client, worker, await waiting_placement(association), fund)).json()
    first = (await client.get(path, params={"limit": 1}, headers=agent)).json()
    assert (
        await client.get(f"/v1/files/{other['id']}/documents", params={"cursor": first["next_cursor"]}, headers=agent)
    ).status_code == 400


async def test_funds_come_in_pages_by_id(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    made = sorted([await new_fund(client, issuer) for _ in range(3)])
    worker = as_(issuer, "sw-p", "social_worker", unique("assoc-p"))
    # every fund of the platform: a long-lived database (make chaos, make soak: a fund per journey) holds thousands
    listed = [f["fund_id"] for f in await walk_pages(client, "/v1/funds", worker, limit=100, key="fund_id", max_pages=2000)]
    assert listed == sorted(listed) and [fund for fund in listed if fund in made] == made
    by_ops = await walk_pages(client, "/v1/funds", ops(issuer), limit=200, key="fund_id", max_pages=1000)
    assert [f["fund_id"] for f in by_ops] == listed
    await assert_cursor_refused(client, "/v1/funds", worker)


async def test_guarantees_and_claims_come_in_pages_latest_first(api: Api, issuer: TestIssuer) -> None:
    _, client, clock = api
    fund, owner = await new_fund(client, issuer), unique("owner-p")
    ready = [await approved(api, issuer, fund=fund, owner=owner) for _ in range(3)]
    for days, one in enumerate(ready):
        await lease_signed(api[0], one.placement, clock.now.date() + timedelta(days=days))
    owner_headers, agent = ready[0].owner_headers, ready[0].agent
    latest_first = [one.file["id"] for one in reversed(ready)]
    assert [g["file_id"] for g in await walk_pages(client, "/v1/guarantees", owner_headers, limit=2, key="file_id")] == latest_first
    assert [g["file_id"] for g in await walk_pages(client, "/v1/guarantees", agent, limit=1, key="file_id")] == latest_first

    clock.now += timedelta(days=10)
    url = f"/v1/guarantees/{ready[0].file['id']}"
    assert (await client.post(f"{url}/end", json={"ended_on": clock.now.date().isoformat()}, headers=owner_headers)).status_code == 200
    await inventories_signed(api[0], ready[0].placement, clock.now.date() - timedelta(days=100), clock.now.date())
    claims: list[str] = []
    for damage in (100, 200, 300):
        clock.now += timedelta(minutes=1)
        filed = await client.post(f"{url}/claims", json={"damage_cents": damage}, headers=owner_headers)
        assert filed.status_code == 201, filed.text
        claims.insert(0, filed.json()["id"])
    assert [c["id"] for c in await walk_pages(client, "/v1/claims", owner_headers, limit=2)] == claims
    assert [c["id"] for c in await walk_pages(client, "/v1/claims", agent, limit=1)] == claims
    assert (await client.post(f"/v1/claims/{claims[1]}/validation", headers=agent)).status_code == 200
    filed_only = await walk_pages(client, "/v1/claims", agent, limit=1, params={"status": "filed"})
    assert [c["id"] for c in filed_only] == [claims[0], claims[2]]
    await assert_cursor_refused(client, "/v1/claims", agent, other_path="/v1/guarantees")
    stranger = as_(issuer, unique("owner-p"), "owner", None)
    first = (await client.get("/v1/claims", params={"limit": 1}, headers=owner_headers)).json()
    assert (await client.get("/v1/claims", params={"cursor": first["next_cursor"]}, headers=stranger)).json()["items"] == []
    await assert_cursor_refused(client, "/v1/guarantees", owner_headers, other_path="/v1/claims")
