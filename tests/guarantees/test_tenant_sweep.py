"""Every route of the guarantees service with a path parameter, walked as another fund's agent, another
association's social worker and another owner: someone else's resource answers 404, another role's act 403."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from abri_auth.testing import assert_tenant_isolation, resource_routes
from abri_contracts.households import HouseholdConsentsChanged
from tests.guarantees.support import (
    SEEN_ELSEWHERE,
    TENANT,
    Api,
    approved,
    as_,
    inventories_signed,
    lease_signed,
    new_fund,
    submit,
    unique,
    waiting_placement,
)
from tests.guarantees.support import api as api
from tests.guarantees.test_consent_and_erasure import handle, of_household
from tests.guarantees.test_documents_api import PDF, upload
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

BODIES = {
    ("POST", "/v1/files/{file_id}/information-requests"): {"message": "?"},
    ("POST", "/v1/files/{file_id}/resubmissions"): {"tenant": TENANT},
    ("POST", "/v1/files/{file_id}/rejection"): {"reasons": ["documents_missing"]},
    ("POST", "/v1/files/{file_id}/visa/revocation"): {"reason": "error"},
    ("POST", "/v1/files/{file_id}/visa/lease-check"): {"signed_on": "2027-01-05", "rent_and_charges_cents": 65_000},
    ("PUT", "/v1/funds/{fund_id}/policy"): {},
    ("POST", "/v1/guarantees/{file_id}/end"): {"ended_on": "2027-06-30"},
    ("POST", "/v1/guarantees/{file_id}/claims"): {"months": [{"due_on": "2027-01-05", "due_cents": 65_000}]},
    ("POST", "/v1/claims/{claim_id}/payment"): {"subrogation_receipt": "QS-1"},
    ("POST", "/v1/claims/{claim_id}/rejection"): {"reasons": ["other"]},
}
PARAMS = {
    ("GET", "/v1/files/{file_id}/tenant"): {"purpose": "review_file"},
    ("GET", "/v1/files/{file_id}/documents/{document_id}"): {"purpose": "review_file"},
}
UPLOAD = ("POST", "/v1/files/{file_id}/documents")
"""Multipart, which the walker does not send: its 404 for another association is checked by hand."""
ASSOCIATION_ACTS = {
    UPLOAD,
    ("DELETE", "/v1/files/{file_id}/documents/{document_id}"),
    ("POST", "/v1/files/{file_id}/resubmissions"),
    ("POST", "/v1/files/{file_id}/withdrawal"),
}
FUND_ACTS = {
    ("POST", "/v1/files/{file_id}/information-requests"),
    ("POST", "/v1/files/{file_id}/approval"),
    ("POST", "/v1/files/{file_id}/rejection"),
    ("POST", "/v1/files/{file_id}/visa/revocation"),
    ("PUT", "/v1/funds/{fund_id}/policy"),
    ("POST", "/v1/claims/{claim_id}/validation"),
    ("POST", "/v1/claims/{claim_id}/payment"),
    ("POST", "/v1/claims/{claim_id}/rejection"),
}
OWNER_ACTS = {("POST", "/v1/guarantees/{file_id}/claims")}
HOUSEHOLDS = {
    ("GET", "/v1/households/{household_id}/access-log"),
    ("GET", "/v1/households/{household_id}/export"),
    ("GET", "/v1/households/{household_id}/export/documents/{document_id}"),
    ("GET", "/v1/households/{household_id}/export/visas/{file_id}"),
}
"""The household's own routes: the household and its association; closed to a fund's agents and to owners."""
HOUSEHOLD_ONLY = {("GET", "/v1/households/{household_id}/files")}
"""The household's own view of its files: the household alone (its association reads the files themselves)."""
OWNER_OR_FUND = {
    ("GET", "/v1/guarantees/{file_id}"),
    ("POST", "/v1/guarantees/{file_id}/end"),
    ("GET", "/v1/claims/{claim_id}"),
    ("GET", "/v1/claims/{claim_id}/inventories"),
}
SIDE_BY_SIDE = ("GET", "/v1/claims/{claim_id}/inventories")
"""A damage claim's inventories: walked with the damage claim (the rent claim names none)."""
PUBLISHED = ("GET", "/v1/funds/{fund_id}/policy")


def bearer(headers: dict[str, str]) -> str:
    return headers["authorization"].removeprefix("Bearer ")


async def test_every_route_as_another_fund_another_association_and_another_owner(api: Api, issuer: TestIssuer) -> None:
    app, client, clock = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-s")
    worker = as_(issuer, "sw-s", "social_worker", association)
    placement, household_id = await waiting_placement(association, owner="owner-s"), uuid.uuid4()
    consented = ["matching", "guarantee_file"]
    await handle(app, HouseholdConsentsChanged(household_id=household_id, org_id=association, purposes=consented, changed_at=clock.now))
    await of_household(placement, household_id)
    file = (await submit(client, worker, placement, fund)).json()
    document = (await upload(client, worker, file["id"], "identity", PDF, "application/pdf")).json()
    ready = await approved(api, issuer, fund=fund)  # unused file of the same fund: the sweep must not reach it either
    assert ready.file["id"] != file["id"]
    agent = as_(issuer, "agent-s", "fund_agent", fund)
    assert (await client.post(f"/v1/files/{file['id']}/approval", json=SEEN_ELSEWHERE, headers=agent)).status_code == 200
    await lease_signed(app, placement, clock.now.date())
    clock.now = clock.now + timedelta(days=75)
    owner = as_(issuer, "owner-s", "owner", None)
    months = [{"due_on": "2027-01-05", "due_cents": 65_000}, {"due_on": "2027-02-05", "due_cents": 65_000}]
    claim = await client.post(f"/v1/guarantees/{file['id']}/claims", json={"months": months}, headers=owner)
    assert claim.status_code == 201, claim.text
    assert (await client.post(f"/v1/guarantees/{file['id']}/end", json={"ended_on": "2027-03-31"}, headers=owner)).status_code == 200
    await inventories_signed(app, placement, date(2027, 1, 1), date(2027, 3, 31))
    damage = await client.post(f"/v1/guarantees/{file['id']}/claims", json={"damage_cents": 10_000}, headers=owner)
    assert damage.status_code == 201, damage.text
    values = {
        "file_id": file["id"], "fund_id": fund, "document_id": document["id"], "claim_id": claim.json()["id"],
        "household_id": str(household_id),
    }  # fmt: skip
    routes = set(resource_routes(app))

    other_association = as_(issuer, "sw-t", "social_worker", unique("assoc-t"))
    assert (await upload(client, other_association, file["id"], "resources", PDF, "application/pdf")).status_code == 404

    files_and_funds = {route for route in routes if route[1].startswith(("/v1/files", "/v1/funds"))}  # not an owner's
    sweeps = {
        "another fund": (
            agent,
            as_(issuer, "agent-t", "fund_agent", await new_fund(client, issuer)),
            ASSOCIATION_ACTS | OWNER_ACTS | HOUSEHOLDS | HOUSEHOLD_ONLY,
        ),
        "another association": (worker, other_association, FUND_ACTS | OWNER_ACTS | OWNER_OR_FUND | HOUSEHOLD_ONLY),
        "another owner": (
            owner,
            as_(issuer, "owner-t", "owner", None),
            files_and_funds | FUND_ACTS | HOUSEHOLDS | HOUSEHOLD_ONLY,
        ),
    }
    for name, (mine, theirs, forbidden) in sweeps.items():
        expected = {route: 403 for route in forbidden} | ({PUBLISHED: 200} if PUBLISHED not in forbidden else {})
        if name == "another association":
            expected[UPLOAD] = 422  # the walker sends no multipart body (checked by hand above)
        checked = await assert_tenant_isolation(
            client,
            app,
            owner_token=bearer(mine),
            other_token=bearer(theirs),
            path_values=values,
            bodies=BODIES,
            params=PARAMS,
            expected=expected,
            path_values_of={SIDE_BY_SIDE: {"claim_id": damage.json()["id"]}},
        )
        assert set(checked) == routes, name
