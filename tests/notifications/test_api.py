"""Preferences, webhook endpoints and the ops view: who may do what, bad input refused, secrets shown once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from abri_kit.envelope import WrappedKey
from tests.notifications.support import Api, as_, execute, rows, unique
from tests.notifications.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

pytestmark = pytest.mark.timeout(60)


async def test_preferences_are_mine_and_checked(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    headers = as_(issuer, unique("owner-p"), "owner")
    assert (await client.get("/v1/me/preferences", headers=headers)).json() == {
        "language": "fr", "channels": [], "email": None, "phone": None, "quiet_start": None, "quiet_end": None,
        "zone": "Europe/Paris", "daily_digest": False, "digest_at": "18:00:00",
    }  # fmt: skip
    for bad in (
        {"channels": ["email"]},  # no address
        {"channels": ["sms"], "phone": "0612345678"},  # not E.164
        {"language": "de"},
        {"quiet_start": "22:00:00"},  # no end
        {"zone": "Mars/Olympus"},
        {"channels": ["pigeon"]},
    ):
        answer = await client.put("/v1/me/preferences", json=bad, headers=headers)
        assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json", bad
    good = {"language": "uk", "channels": ["sms", "email", "email"], "email": "o@example.org", "phone": "+380441234567"}
    assert (await client.put("/v1/me/preferences", json=good, headers=headers)).json()["channels"] == ["email", "sms"]
    mine = (await client.get("/v1/me/preferences", headers=headers)).json()
    assert (mine["language"], mine["email"], mine["phone"]) == ("uk", "o@example.org", "+380441234567")
    dump = str(await rows("SELECT p::text FROM people p"))
    assert "o@example.org" not in dump and "380441234567" not in dump  # addresses sealed at rest
    assert (await client.get("/v1/me/preferences")).status_code == 401


async def test_webhook_endpoints_belong_to_an_organisation_and_their_secret_is_shown_once(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org = unique("assoc-w")
    member, other = as_(issuer, unique("sw"), "social_worker", org), as_(issuer, unique("sw"), "social_worker", unique("assoc-x"))
    for url in ("http://partner.example.org/hook", "ftp://partner.example.org", "https://user:pw@partner.example.org/", "not a url"):
        assert (await client.post("/v1/webhooks", json={"url": url}, headers=member)).status_code == 422, url
    created = await client.post("/v1/webhooks", json={"url": "https://partner.example.org/hook"}, headers=member)
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    secret, endpoint = created.json()["secret"], created.json()["id"]
    assert secret.removeprefix("whsec_") not in str(await rows("SELECT * FROM webhook_endpoints"))  # kept wrapped only
    stored = (await rows("SELECT kek_id, wrapped_secret FROM webhook_endpoints WHERE id = :i", i=uuid.UUID(endpoint)))[0]
    assert (await app.state.keyring.unwrap(WrappedKey(stored.kek_id, stored.wrapped_secret), endpoint)).decode() == secret
    listed = (await client.get("/v1/webhooks", headers=member)).json()["items"]
    assert [e["id"] for e in listed] == [endpoint] and "secret" not in listed[0]
    assert (await client.get("/v1/webhooks", headers=other)).json() == {"items": [], "next_cursor": None}
    assert (await client.delete(f"/v1/webhooks/{endpoint}", headers=other)).status_code == 404
    assert (await client.delete(f"/v1/webhooks/{endpoint}", headers=member)).status_code == 204
    assert (await client.delete(f"/v1/webhooks/{endpoint}", headers=member)).status_code == 404
    assert (await client.get("/v1/webhooks", headers=as_(issuer, unique("o"), "owner"))).status_code == 403


async def test_ops_see_failed_deliveries_without_personal_data_and_retry_them(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    failed = uuid.uuid4()
    await execute(
        "INSERT INTO deliveries (id, key, event_id, event_type, template, recipient, channel, language, subject, text, html, payload,"
        " status, attempts, next_attempt_at, last_error, created_at) VALUES (:id, :key, 'e-1', 'abri.x.y.z.v1', 'owner.unit_let',"
        " 'owner-q', 'email', 'fr', 'Objet', 'Texte secret', '<p>Texte secret</p>', '{}', 'failed', 12, now(), 'smtp 550', :at)",
        id=failed, key=uuid.uuid4().hex, at=datetime.now(UTC),
    )  # fmt: skip
    ops = as_(issuer, "ops-n", "ops")
    listed = (await client.get("/v1/ops/deliveries", params={"status": "failed", "limit": 200}, headers=ops)).json()["items"]
    mine = [d for d in listed if d["id"] == str(failed)]
    assert mine and mine[0]["last_error"] == "smtp 550" and "Texte secret" not in str(listed) and "recipient" not in mine[0]
    assert (await client.post(f"/v1/ops/deliveries/{failed}/retry", headers=ops)).json()["status"] == "pending"
    assert (await client.post(f"/v1/ops/deliveries/{failed}/retry", headers=ops)).status_code == 409
    assert (await client.get("/v1/ops/deliveries", headers=as_(issuer, "o", "owner"))).status_code == 403
    assert (await client.post(f"/v1/ops/deliveries/{uuid.uuid4()}/retry", headers=ops)).status_code == 404


async def test_an_organisation_has_ten_endpoints_at_most_and_a_replay_of_a_removed_one_is_refused(api: Api, issuer: TestIssuer) -> None:
    _, client = api
    member = as_(issuer, unique("sw"), "social_worker", unique("assoc-m"))
    keyed = {**member, "idempotency-key": uuid.uuid4().hex}
    first = await client.post("/v1/webhooks", json={"url": "https://partner.example.org/0"}, headers=keyed)
    for n in range(1, 10):
        assert (await client.post("/v1/webhooks", json={"url": f"https://partner.example.org/{n}"}, headers=member)).status_code == 201
    eleventh = await client.post("/v1/webhooks", json={"url": "https://partner.example.org/10"}, headers=member)
    assert eleventh.status_code == 409 and eleventh.json()["title"] == "Too many endpoints"
    assert (await client.delete(f"/v1/webhooks/{first.json()['id']}", headers=member)).status_code == 204
    replayed = await client.post("/v1/webhooks", json={"url": "https://partner.example.org/0"}, headers=keyed)
    assert replayed.status_code == 409 and replayed.json()["title"] == "Removed"  # its secret is not given again
    assert (await client.post("/v1/webhooks", json={"url": "https://partner.example.org/10"}, headers=member)).status_code == 201
