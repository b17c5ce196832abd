"""A household's record is linked to its own sign-in account only by an invitation its association makes
and the person accepts signed in (issue 19): the code shown once and kept as a hash, single use, expiring
on the service's clock, one pending at a time, revocable; every refusal coded and changing nothing; the
account then reads its own household and nothing else; the association unlinks it, and the access log
records both."""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from abri_matching.main import create_app
from abri_matching.settings import MatchingSettings
from tests.matching.invitations import household_token, link_account
from tests.matching.test_households_api import SECRETS, as_, household, register
from tests.matching.test_sliding_leases import Clock
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows, database_url, execute_sql, kafka_bootstrap

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")
VALID_DAYS = 5


@pytest.fixture
async def served(issuer: TestIssuer, migrated: None) -> AsyncIterator[tuple[httpx.AsyncClient, Clock]]:
    clock = Clock()
    settings = MatchingSettings(
        database_url=database_url("matching"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        consumer_enabled=False,
        invitation_valid_days=VALID_DAYS,
    )
    app: FastAPI = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://matching") as http:
            yield http, clock


def an_org() -> str:
    return f"assoc-inv-{uuid.uuid4().hex[:8]}"


def a_subject() -> str:
    return f"kc-inv-{uuid.uuid4().hex[:10]}"


async def invite(client: httpx.AsyncClient, household_id: str, worker: dict[str, str]) -> dict[str, Any]:
    created = await client.post(f"/v1/households/{household_id}/invitations", headers=worker)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def accept(client: httpx.AsyncClient, code: str, person: dict[str, str]) -> httpx.Response:
    return await client.post("/v1/household-invitations/accept", json={"code": code}, headers=person)


def refusal(answer: httpx.Response) -> tuple[int, str, list[dict[str, Any]]]:
    """What tells one refusal from another (a problem's instance and request id aside)."""
    problem = answer.json()
    return answer.status_code, problem["title"], problem.get("errors", [])


def not_valid(answer: httpx.Response) -> bool:
    status, title, errors = refusal(answer)
    return status == 422 and title == "Invitation not valid" and [e["rule"] for e in errors] == ["invitation_not_valid"]


async def reads(client: httpx.AsyncClient, household_id: str, worker: dict[str, str]) -> list[tuple[str, str]]:
    log = (await client.get(f"/v1/households/{household_id}/access-log", headers=worker)).json()["items"]
    return [(entry["actor"], entry["purpose"]) for entry in log]


async def test_the_person_accepts_once_and_then_reads_its_own_household_and_nothing_else(
    served: tuple[httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    client, clock = served
    org, subject = an_org(), a_subject()
    worker = as_(issuer, "sw-inv", org_id=org)
    mine = await register(client, worker, f"INV-{uuid.uuid4().hex[:6]}")
    other = await register(client, worker, f"INV-{uuid.uuid4().hex[:6]}")
    created = await client.post(f"/v1/households/{mine['id']}/invitations", headers=worker)
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    invitation = created.json()
    assert CODE.match(invitation["code"]) and invitation["state"] == "pending" and invitation["created_by"] == "sw-inv"
    assert invitation["expires_at"].startswith((clock.now + timedelta(days=VALID_DAYS)).date().isoformat())
    digest = hashlib.sha256(invitation["code"].replace("-", "").encode()).hexdigest()
    stored = "SELECT count(*) FROM household_invitations WHERE household_id = :h AND code_hash = :d"
    assert await count_rows("matching", stored, h=mine["id"], d=digest) == 1  # its hash, never the code
    in_clear = "SELECT count(*) FROM household_invitations t WHERE t::text LIKE :c"
    assert await count_rows("matching", in_clear, c=f"%{invitation['code'].replace('-', '')[:12]}%") == 0
    listed = (await client.get(f"/v1/households/{mine['id']}/invitations", headers=worker)).json()["items"]
    assert [(i["id"], i["state"]) for i in listed] == [(invitation["id"], "pending")] and "code" not in listed[0]

    person = household_token(issuer, subject, org)
    assert (await client.get(f"/v1/households/{mine['id']}", headers=person)).status_code == 404  # not linked yet
    typed = invitation["code"].lower().replace("-", " ")  # as a person may type it
    accepted = await accept(client, typed, person)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["id"] == mine["id"] and accepted.json()["account_subject"] == subject
    assert accepted.headers["location"] == f"/v1/households/{mine['id']}"

    assert (await client.get(f"/v1/households/{mine['id']}", headers=person)).status_code == 200
    assert [h["id"] for h in (await client.get("/v1/households", headers=person)).json()["items"]] == [mine["id"]]
    assert (await client.get(f"/v1/households/{other['id']}", headers=person)).status_code == 404
    assert (await client.get(f"/v1/households/{other['id']}/consents", headers=person)).status_code == 404
    own = await client.get(f"/v1/households/{mine['id']}/personal-data", params={"purpose": "household_own_request"}, headers=person)
    assert own.status_code == 200 and own.json()["identity"]["last_name"] == SECRETS["last_name"]
    assert (await client.get("/v1/placements", headers=person)).json()["items"] == []
    assert (await client.post(f"/v1/households/{other['id']}/invitations", headers=person)).status_code == 403
    assert sorted(await reads(client, mine["id"], worker)) == [(subject, "account_linked"), (subject, "household_own_request")]
    listed = (await client.get(f"/v1/households/{mine['id']}/invitations", headers=worker)).json()["items"]
    assert [i["state"] for i in listed] == ["accepted"] and listed[0]["accepted_at"] is not None
    changed = (
        "SELECT count(*) FROM event_outbox WHERE message_key = :h AND event_type LIKE '%consents_changed.v1'"
        " AND data->>'account_subject' = :s"
    )
    assert await count_rows("matching", changed, h=mine["id"], s=subject) == 1  # notifications and guarantees follow the account

    again = await accept(client, invitation["code"], household_token(issuer, a_subject(), org))
    assert not_valid(again)  # single use: another person gets the answer of an unknown code
    assert not_valid(await accept(client, invitation["code"], person))


async def test_every_code_that_links_nothing_gets_one_and_the_same_answer(
    served: tuple[httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    client, clock = served
    org = an_org()
    worker = as_(issuer, "sw-inv", org_id=org)
    person = household_token(issuer, a_subject(), org)
    one, two, three = [await register(client, worker, f"INV-{uuid.uuid4().hex[:6]}") for _ in range(3)]

    unknown = await accept(client, "0000-0000-0000-0000-0000", person)
    malformed = await accept(client, "not a code", person)
    replaced = await invite(client, one["id"], worker)
    newer = await invite(client, one["id"], worker)  # revokes the one before
    states = {i["id"]: i["state"] for i in (await client.get(f"/v1/households/{one['id']}/invitations", headers=worker)).json()["items"]}
    assert states == {replaced["id"]: "revoked", newer["id"]: "pending"}
    revoked = await invite(client, two["id"], worker)
    answer = await client.post(f"/v1/households/{two['id']}/invitations/{revoked['id']}/revoke", headers=worker)
    assert answer.status_code == 200 and answer.json()["state"] == "revoked" and answer.json()["revoked_at"] is not None
    twice = await client.post(f"/v1/households/{two['id']}/invitations/{revoked['id']}/revoke", headers=worker)
    assert twice.status_code == 409 and twice.json()["code"] == "invitation_not_pending"
    expiring = await invite(client, three["id"], worker)
    clock.now += timedelta(days=VALID_DAYS, seconds=1)
    answers = [
        unknown,
        malformed,
        await accept(client, replaced["code"], person),
        await accept(client, revoked["code"], person),
        await accept(client, expiring["code"], person),
    ]
    assert all(not_valid(answer) for answer in answers), [a.text for a in answers]
    assert len({str(refusal(answer)) for answer in answers}) == 1  # nothing tells which
    states = {i["id"]: i["state"] for i in (await client.get(f"/v1/households/{three['id']}/invitations", headers=worker)).json()["items"]}
    assert states == {expiring["id"]: "expired"}
    for each in (one, two, three):
        assert (await client.get(f"/v1/households/{each['id']}", headers=worker)).json()["account_subject"] is None
    assert (await client.post("/v1/household-invitations/accept", json={"code": ""}, headers=person)).status_code == 422
    assert (await client.post("/v1/household-invitations/accept", json={"code": "x" * 101}, headers=person)).status_code == 422


async def test_only_a_household_account_with_no_other_link_accepts_and_a_refusal_changes_nothing(
    served: tuple[httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    client, _ = served
    org, subject = an_org(), a_subject()
    worker = as_(issuer, "sw-inv", org_id=org)
    first = await register(client, worker, f"INV-{uuid.uuid4().hex[:6]}")
    second = await register(client, worker, f"INV-{uuid.uuid4().hex[:6]}")
    invitation = await invite(client, second["id"], worker)

    for headers in (
        as_(issuer, "sw-inv", org_id=org),
        as_(issuer, "owner-inv", "owner", None),
        as_(issuer, "ops-inv", "ops", None),
        {"authorization": f"Bearer {issuer.token(sub=subject, roles=['household', 'social_worker'], org_id=org)}"},
    ):
        refused = await accept(client, invitation["code"], headers)
        assert refused.status_code == 403, refused.text
    assert (await client.post("/v1/household-invitations/accept", json={"code": invitation["code"]})).status_code == 401

    person = household_token(issuer, subject, org)
    await link_account(client, first["id"], worker, person)
    elsewhere = await accept(client, invitation["code"], person)
    assert elsewhere.status_code == 409 and elsewhere.json()["code"] == "account_already_linked"
    assert (await client.get(f"/v1/households/{second['id']}", headers=worker)).json()["account_subject"] is None
    states = [i["state"] for i in (await client.get(f"/v1/households/{second['id']}/invitations", headers=worker)).json()["items"]]
    assert states == ["pending"]  # still usable by the right person

    linked_meanwhile = "UPDATE households SET account_subject = :s WHERE id = :h"
    await execute_sql("matching", linked_meanwhile, s=a_subject(), h=second["id"])  # as if another acceptance had just won
    somebody = household_token(issuer, a_subject(), org)
    taken = await accept(client, invitation["code"], somebody)
    assert taken.status_code == 409 and taken.json()["code"] == "household_already_linked"
    assert (await client.get(f"/v1/households/{second['id']}", headers=somebody)).status_code == 404
    again = await client.post(f"/v1/households/{first['id']}/invitations", headers=worker)
    assert again.status_code == 409 and again.json()["code"] == "household_already_linked"  # unlink first


async def test_another_association_gets_404_and_other_roles_403(served: tuple[httpx.AsyncClient, Clock], issuer: TestIssuer) -> None:
    client, _ = served
    org = an_org()
    worker, stranger = as_(issuer, "sw-inv", org_id=org), as_(issuer, "sw-stranger", org_id=an_org())
    mine = await register(client, worker, f"INV-{uuid.uuid4().hex[:6]}")
    invitation = await invite(client, mine["id"], worker)
    url = f"/v1/households/{mine['id']}"
    for method, path in [
        ("POST", "/invitations"),
        ("GET", "/invitations"),
        ("POST", f"/invitations/{invitation['id']}/revoke"),
        ("DELETE", "/account"),
    ]:
        answer = await client.request(method, f"{url}{path}", headers=stranger)
        assert answer.status_code == 404, (method, path, answer.text)
    other = await register(client, stranger, f"INV-{uuid.uuid4().hex[:6]}")
    crossed = await client.post(f"/v1/households/{other['id']}/invitations/{invitation['id']}/revoke", headers=stranger)
    assert crossed.status_code == 404  # an invitation of another household answers 404 too
    for role in ("owner", "fund_agent", "household"):
        answer = await client.post(f"{url}/invitations", headers=as_(issuer, f"{role}-inv", role, org))
        assert answer.status_code == 403, role
    states = [i["state"] for i in (await client.get(f"{url}/invitations", headers=worker)).json()["items"]]
    assert states == ["pending"]


async def test_a_body_never_sets_the_account_and_the_association_unlinks_it(
    served: tuple[httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    client, clock = served
    org, subject = an_org(), a_subject()
    worker = as_(issuer, "sw-inv", org_id=org)
    reference = f"INV-{uuid.uuid4().hex[:6]}"
    direct = await client.post("/v1/households", json=household(reference, account_subject=subject), headers=worker)
    assert direct.status_code == 422 and [e["rule"] for e in direct.json()["errors"]] == ["account_link_by_invitation"]
    assert direct.json()["errors"][0]["fields"] == ["account_subject"]
    mine = await register(client, worker, reference)
    person = household_token(issuer, subject, org)
    linked = await link_account(client, mine["id"], worker, person)
    url = f"/v1/households/{mine['id']}"
    body = {k: v for k, v in household(reference, children=3).items() if k != "consent"}
    other = await client.put(url, json={**body, "account_subject": a_subject()}, headers={**worker, "if-match": f'"{linked["version"]}"'})
    assert other.status_code == 422 and other.json()["errors"][0]["rule"] == "account_link_by_invitation"
    kept = await client.put(url, json=body, headers={**worker, "if-match": f'"{linked["version"]}"'})
    assert kept.status_code == 200 and kept.json()["account_subject"] == subject and kept.json()["children"] == 3
    same = await client.put(url, json={**body, "account_subject": subject}, headers={**worker, "if-match": kept.headers["etag"]})
    assert same.status_code == 200 and same.json()["account_subject"] == subject

    assert (await client.delete(f"{url}/account", headers=person)).status_code == 403
    clock.now += timedelta(minutes=1)  # the log's order is by time
    unlinked = await client.delete(f"{url}/account", headers=worker)
    assert unlinked.status_code == 200 and unlinked.json()["account_subject"] is None
    assert (await client.get(url, headers=person)).status_code == 404
    assert (await client.get("/v1/households", headers=person)).json()["items"] == []
    assert (await reads(client, mine["id"], worker))[-1] == ("sw-inv", "account_unlinked")
    changed = (
        "SELECT count(*) FROM event_outbox WHERE message_key = :h AND event_type LIKE '%consents_changed.v1'"
        " AND data->>'account_subject' IS NULL AND data->>'previous_account_subject' = :s"
    )
    assert await count_rows("matching", changed, h=mine["id"], s=subject) == 1
    repeat = await client.delete(f"{url}/account", headers=worker)
    assert repeat.status_code == 200 and (await reads(client, mine["id"], worker))[-1] == ("sw-inv", "account_unlinked")
    assert len(await reads(client, mine["id"], worker)) == 2  # linked, unlinked: a repeat logs nothing
    relinked = await link_account(client, mine["id"], worker, person)  # a new invitation links again
    assert relinked["account_subject"] == subject


async def test_an_erasure_deletes_the_households_invitations(served: tuple[httpx.AsyncClient, Clock], issuer: TestIssuer) -> None:
    client, _ = served
    org = an_org()
    worker = as_(issuer, "sw-inv", org_id=org)
    mine = await register(client, worker, f"INV-{uuid.uuid4().hex[:6]}")
    invitation = await invite(client, mine["id"], worker)
    assert (await client.post(f"/v1/households/{mine['id']}/erase", headers=worker)).status_code == 200
    left = "SELECT count(*) FROM household_invitations WHERE household_id = :h"
    assert await count_rows("matching", left, h=mine["id"]) == 0
    assert not_valid(await accept(client, invitation["code"], household_token(issuer, a_subject(), org)))
    erased = await client.post(f"/v1/households/{mine['id']}/invitations", headers=worker)
    assert erased.status_code == 409 and erased.json()["title"] == "Erased"


async def test_a_repeated_invitation_request_creates_nothing_more_and_never_shows_the_code_again(
    served: tuple[httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    client, _ = served
    worker = as_(issuer, "sw-inv", org_id=an_org())
    mine = await register(client, worker, f"INV-{uuid.uuid4().hex[:6]}")
    keyed = {**worker, "idempotency-key": str(uuid.uuid4())}
    first = await client.post(f"/v1/households/{mine['id']}/invitations", headers=keyed)
    assert first.status_code == 201 and CODE.match(first.json()["code"])
    again = await client.post(f"/v1/households/{mine['id']}/invitations", headers=keyed)
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true", again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["code"] is None  # never stored, so never shown again
    listed = (await client.get(f"/v1/households/{mine['id']}/invitations", headers=worker)).json()["items"]
    assert [(i["id"], i["state"]) for i in listed] == [(first.json()["id"], "pending")]  # one invitation, still pending
    stored = "SELECT count(*) FROM idempotency_keys WHERE body::text LIKE :c"
    assert await count_rows("matching", stored, c=f"%{first.json()['code']}%") == 0
    other = await client.post(f"/v1/households/{uuid.uuid4()}/invitations", headers={**worker, "idempotency-key": str(uuid.uuid4())})
    assert other.status_code == 404  # a refusal keeps no claim (the key is free again)


async def test_an_invitation_made_while_the_previous_one_is_accepted_never_fails_with_an_error(
    served: tuple[httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    """Inviting (which revokes the pending invitation) and accepting that pending invitation at the same
    moment lock the household and the invitation in the same order: one wins, the other gets its coded
    refusal, never a 500 (a deadlock)."""
    client, _ = served
    org = an_org()
    worker = as_(issuer, "sw-inv", org_id=org)
    for _ in range(6):
        mine = await register(client, worker, f"INV-{uuid.uuid4().hex[:6]}")
        pending = await invite(client, mine["id"], worker)
        person = household_token(issuer, a_subject(), org)
        accepted, invited = await asyncio.gather(
            accept(client, pending["code"], person), client.post(f"/v1/households/{mine['id']}/invitations", headers=worker)
        )
        assert (accepted.status_code, invited.status_code) in ((200, 409), (422, 201)), (accepted.text, invited.text)
