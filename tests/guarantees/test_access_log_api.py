"""Guarantees' access log seen by whoever sees the file: who read the tenant's data, in which role, for
which organisation, when and why; purposes are coded (a free text, which could carry a name, is refused)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from tests.guarantees.support import Clock, as_, new_fund, submit, unique, waiting_placement
from tests.guarantees.support import api as api
from tests.guarantees.test_consent_and_erasure import handle, of_household
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated


async def test_the_file_access_log_names_role_and_organisation_and_purposes_are_coded(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-log")
    worker, agent = as_(issuer, "sw-log", "social_worker", association), as_(issuer, "agent-log", "fund_agent", fund)
    submitted = await submit(client, worker, await waiting_placement(association), fund)
    assert submitted.status_code == 201, submitted.text
    url = f"/v1/files/{submitted.json()['id']}"

    named = await client.get(f"{url}/tenant", params={"purpose": "Oksana Kovalenko"}, headers=agent)
    assert named.status_code == 422 and named.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"{url}/tenant", params={"purpose": "read_messages"}, headers=agent)).status_code == 422  # the service's own
    assert (await client.get(f"{url}/tenant", params={"purpose": "check_identity"}, headers=agent)).status_code == 200

    for reader in (agent, worker):
        log = await client.get(f"{url}/access-log", headers=reader)
        assert log.status_code == 200, log.text
        reads = [(e["actor"], e["actor_role"], e["actor_org"], e["purpose"]) for e in log.json()["items"]]
        assert reads == [("agent-log", "fund_agent", fund, "check_identity")]
        assert "Oksana" not in log.text
    stranger = as_(issuer, "sw-other", "social_worker", unique("assoc-other"))
    assert (await client.get(f"{url}/access-log", headers=stranger)).status_code == 404


async def test_a_household_reads_the_log_of_all_its_files_and_its_association_too_nobody_else(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = api
    fund, association, household_id, other_id = await new_fund(client, issuer), unique("assoc-hl"), uuid.uuid4(), uuid.uuid4()
    worker, agent = as_(issuer, "sw-hl", "social_worker", association), as_(issuer, "agent-hl", "fund_agent", fund)
    me, neighbour = unique("hh-me"), unique("hh-neighbour")
    for known, subject in ((household_id, me), (other_id, neighbour)):
        changed = HouseholdConsentsChanged(
            household_id=known,
            org_id=association,
            account_subject=subject,
            purposes=["matching", "guarantee_file"],
            changed_at=clock.now,
        )
        await handle(app, changed)
    files = []
    for _ in range(2):  # two files about the household (a first placement fell through, say)
        placement = await waiting_placement(association)
        await of_household(placement, household_id)
        filed = await submit(client, worker, placement, fund)
        assert filed.status_code == 201, filed.text
        files.append(filed.json()["id"])
        read = await client.get(f"/v1/files/{filed.json()['id']}/tenant", params={"purpose": "check_identity"}, headers=agent)
        assert read.status_code == 200, read.text
    elsewhere = await waiting_placement(association)
    await of_household(elsewhere, other_id)
    theirs = (await submit(client, worker, elsewhere, fund)).json()["id"]
    assert (await client.get(f"/v1/files/{theirs}/tenant", params={"purpose": "review_file"}, headers=agent)).status_code == 200

    url = f"/v1/households/{household_id}/access-log"
    household = as_(issuer, me, "household", association)
    for reader in (household, worker):
        log = await client.get(url, headers=reader, params={"limit": 1})
        assert log.status_code == 200, log.text
        seen, cursor = log.json()["items"], log.json()["next_cursor"]
        assert cursor is not None  # paged like every list
        rest = await client.get(url, headers=reader, params={"limit": 1, "cursor": cursor})
        seen += rest.json()["items"]
        assert rest.json()["next_cursor"] is None
        assert sorted(e["file_id"] for e in seen) == sorted(files)  # not the other household's file
        assert {(e["actor_role"], e["actor_org"], e["purpose"]) for e in seen} == {("fund_agent", fund, "check_identity")}

    assert (await client.get(url, headers=as_(issuer, neighbour, "household", association))).status_code == 404
    assert (await client.get(url, headers=as_(issuer, unique("hh-stranger"), "household", association))).status_code == 404
    assert (await client.get(url, headers=as_(issuer, "sw-other", "social_worker", unique("assoc-other")))).status_code == 404
    assert (await client.get(url, headers=agent)).status_code == 403  # the fund reads a file's log, not a household's
    assert (await client.get(f"/v1/households/{uuid.uuid4()}/access-log", headers=worker)).status_code == 404

    await handle(app, HouseholdErased(
        household_id=household_id, org_id=association, request_id=uuid.uuid4(), requested_by="household", erased_at=clock.now,
        placement_ids=[], account_subject=me,
    ))  # fmt: skip
    assert (await client.get(url, headers=household)).status_code == 404  # the account is no longer linked
    assert (await client.get(url, headers=worker)).status_code == 200
