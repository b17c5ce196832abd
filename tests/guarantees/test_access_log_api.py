"""Guarantees' access log seen by whoever sees the file: who read the tenant's data, in which role, for
which organisation, when and why; purposes are coded (a free text, which could carry a name, is refused)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.guarantees.support import Clock, as_, new_fund, submit, unique, waiting_placement
from tests.guarantees.support import api as api
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
