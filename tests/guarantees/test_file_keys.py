"""Guarantee files' data keys in the key store (``usecases/privacy.py``, ``db/repositories/erasure.py``): the
planner's statistics never hold a wrapped key, and after a file's erasure (the ledger first, then the key)
its tenant's data, documents and messages open no more, while another file's still do."""

from __future__ import annotations

import json
from datetime import timedelta

import asyncpg
import pytest

from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.repositories.erasure import Erasure
from abri_kit.envelope import Keyring, Unreadable, open_json
from abri_kit.usecase import Context
from tests.guarantees.support import (
    START,
    Api,
    as_,
    erased_in_ledger,
    key_of,
    new_fund,
    raw_rows,
    submit,
    unique,
    waiting_placement,
)
from tests.guarantees.support import api as api
from tests.guarantees.test_documents_api import PDF, upload
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import credentials, database_url

NAMESPACE = "guarantee-file"


async def key_statistics() -> str:
    """``pg_stats`` of the key store's table after ANALYZE, as the service's own role reads them."""
    conn = await asyncpg.connect(credentials()["ABRI_GUARANTEES_KEYSTORE_URL"].replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("ANALYZE data_keys")
        rows = await conn.fetch(
            "SELECT attname, most_common_vals::text AS mcv, histogram_bounds::text AS hist FROM pg_stats WHERE tablename = 'data_keys'"
        )
    finally:
        await conn.close()
    assert "wrapped" not in {r["attname"] for r in rows}
    return json.dumps([dict(r) for r in rows])


async def sealed_of(file_id: str) -> tuple[bytes | None, list[bytes], list[bytes]]:
    conn = await asyncpg.connect(database_url("guarantees").replace("postgresql+asyncpg://", "postgresql://"))
    try:
        personal = await conn.fetchval("SELECT personal FROM guarantee_files WHERE id = $1::uuid", file_id)
        messages = [
            r[0] for r in await conn.fetch("SELECT message FROM file_steps WHERE file_id = $1::uuid AND message IS NOT NULL", file_id)
        ]
        documents = [r[0] for r in await conn.fetch("SELECT sealed FROM documents WHERE file_id = $1::uuid", file_id)]
    finally:
        await conn.close()
    return personal, messages, documents


async def test_an_erased_files_data_documents_and_messages_open_no_more_and_no_statistics_hold_its_key(
    api: Api, issuer: TestIssuer
) -> None:
    app, client, clock = api
    fund, association = await new_fund(client, issuer), unique("assoc-k")
    worker, agent = as_(issuer, "sw-k", "social_worker", association), as_(issuer, "agent-k", "fund_agent", fund)
    erased = (await submit(client, worker, await waiting_placement(association), fund)).json()
    kept = (await submit(client, worker, await waiting_placement(association), fund)).json()
    url = f"/v1/files/{erased['id']}"
    assert (await upload(client, worker, erased["id"], "identity", PDF, "application/pdf")).status_code == 201
    asked = await client.post(f"{url}/information-requests", json={"message": "Merci d'ajouter le bail."}, headers=agent)
    assert asked.status_code == 200, asked.text
    personal, messages, documents = await sealed_of(erased["id"])
    assert personal and messages and documents  # what a backup of the data holds
    wrapped = await key_of(erased["id"])
    assert wrapped is not None and await key_of(kept["id"]) is not None
    assert wrapped.hex() not in await key_statistics()
    assert str(wrapped) not in await raw_rows("guarantee_files", "file_steps")  # the key is not in the data's database

    clock.now = START + timedelta(days=1)
    async with app.state.sessionmaker() as session, session.begin():
        ctx = Context.of_system(session, clock.now)
        file = await session.get(GuaranteeFile, erased["id"])
        assert file is not None
        await Erasure.for_system(ctx.uow).shred(file, at=clock.now, requested_by="dpo")

    assert await key_of(erased["id"]) is None and await erased_in_ledger(erased["id"]) == "dpo"
    assert wrapped.hex() not in await key_statistics()
    gone = await client.get(f"{url}/tenant", params={"purpose": "review_file"}, headers=agent)
    assert gone.status_code == 410, gone.text
    assert (await client.get(f"{url}/documents", headers=agent)).json()["items"] == []
    assert await sealed_of(erased["id"]) == (None, [], [])
    keyring: Keyring = app.state.keyring
    with pytest.raises(Unreadable):  # the sealed bytes a backup kept: no key of the service opens them
        open_json(keyring.new_data_key(), personal or b"", erased["id"], NAMESPACE)
    other = await client.get(f"/v1/files/{kept['id']}/tenant", params={"purpose": "review_file"}, headers=agent)
    assert other.status_code == 200 and other.json()["last_name"] == "Kovalenko-Durand"
