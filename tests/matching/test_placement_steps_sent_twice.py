"""A placement's recording steps sent twice with one Idempotency-Key (a form reloaded, a double click)
record once: the web front reads the placement's current version before each send, so If-Match alone
would let a reload record a second joint review or renewal."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from abri_kit.clock import Clock
from tests.matching.test_sliding_leases import PARTIES, served, sliding_lease
from tests.oidc_issuer import TestIssuer

__all__ = ["served"]


async def test_a_review_sent_twice_with_one_key_is_recorded_once(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, _ = served
    placement, worker, _ = await sliding_lease(issuer, client)
    url = f"/v1/placements/{placement}"
    review = {"outcome": "continue", "parties": PARTIES}

    async def send(key: str) -> httpx.Response:
        version = (await client.get(url, headers=worker)).json()["version"]  # as the page does: the version of the moment
        return await client.post(f"{url}/reviews", json=review, headers={**worker, "idempotency-key": key, "if-match": f'"{version}"'})

    key = uuid.uuid4().hex
    first, again = await send(key), await send(key)
    assert first.status_code == 200 and again.status_code == 200, (first.text, again.text)
    assert again.headers.get("idempotent-replayed") == "true"
    steps = (await client.get(url, headers=worker)).json()["timeline"]
    assert [step["step"] for step in steps].count("review") == 1
    other = await send(uuid.uuid4().hex)  # another form: another review
    assert other.status_code == 200 and [s["step"] for s in other.json()["timeline"]].count("review") == 2
