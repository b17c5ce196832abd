"""Every route of the notifications service with a path parameter, as another person or organisation:
someone else's message, endpoint or household (its export, its access log) answers 404; ops' routes answer 403 to anyone else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from abri_auth.testing import assert_tenant_isolation, resource_routes
from abri_contracts.matching import PlacementAccepted
from tests.notifications.support import Api, as_, execute, handle, unique
from tests.notifications.support import api as api
from tests.notifications.test_export import known_household
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated


def bearer(headers: dict[str, str]) -> str:
    return headers["authorization"].removeprefix("Bearer ")


async def test_every_route_as_someone_else(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org = unique("assoc-t")
    worker = as_(issuer, unique("sw-t"), "social_worker", org)
    await client.get("/v1/me/preferences", headers=worker)  # enrols: told as a member of the association
    await handle(app, PlacementAccepted(placement_id=uuid.uuid4(), unit_id=uuid.uuid4(), org_id=org, accepted_at=datetime.now(UTC)))
    message = (await client.get("/v1/inbox", headers=worker)).json()["items"][0]
    endpoint = (await client.post("/v1/webhooks", json={"url": "https://partner.example.org/t"}, headers=worker)).json()
    household = uuid.uuid4()  # the association's household: its export and its access log
    await known_household(app, household, org, unique("hh-t"))
    delivery = uuid.uuid4()
    await execute(
        "INSERT INTO deliveries (id, key, event_id, event_type, template, recipient, channel, language, subject, text, html, payload,"
        " status, attempts, next_attempt_at, created_at) VALUES (:id, :key, 'e', 't', 'owner.unit_let', 'x', 'email', 'fr', 's', 't',"
        " 'h', '{}', 'failed', 1, now(), now())",
        id=delivery, key=uuid.uuid4().hex,
    )  # fmt: skip
    checked = await assert_tenant_isolation(
        client,
        app,
        owner_token=bearer(worker),
        other_token=bearer(as_(issuer, unique("sw-u"), "social_worker", unique("assoc-u"))),
        path_values={
            "message_id": message["id"],
            "endpoint_id": endpoint["id"],
            "delivery_id": str(delivery),
            "household_id": str(household),
        },
        expected={("POST", "/v1/ops/deliveries/{delivery_id}/retry"): 403},  # ops only
    )
    assert set(checked) == set(resource_routes(app))
    retry = f"/v1/ops/deliveries/{delivery}/retry"
    assert (await client.post(retry, headers=as_(issuer, unique("owner-u"), "owner"))).status_code == 403
    assert (await client.post(retry, headers=as_(issuer, "ops-t", "ops"))).json()["status"] == "pending"
