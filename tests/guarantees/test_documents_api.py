"""Documents of a guarantee file: the legal checklist only, the bytes checked and sealed, each read logged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.guarantees.support import SEEN_ELSEWHERE, Api, as_, new_fund, raw_rows, submit, unique, waiting_placement
from tests.guarantees.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

PDF = b"%PDF-1.7\n% identity card scan, marker ZQXJ-7731\n%%EOF\n"
SCRIPT = b"<script>alert(1)</script>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


SUB_KIND = {
    "identity": "passport",
    "resources": "payslips",
    "professional_situation": "employment_contract",
    "proof_of_address": "rent_receipts",
}
"""A sub-kind of décret 2015-1437 for each category, which every upload names (``sub_kind=None``: none sent)."""


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], file_id: str, kind: str, data: bytes, content_type: str, **form: Any
) -> httpx.Response:
    sub_kind = form.pop("sub_kind", SUB_KIND.get(kind))
    fields = {"kind": kind, **form, **({"sub_kind": sub_kind} if sub_kind is not None else {})}
    return await client.post(
        f"/v1/files/{file_id}/documents", data=fields, files={"content": ("scan", data, content_type)}, headers=headers
    )


async def test_only_the_legal_checklist_is_accepted_sealed_and_each_read_is_logged(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-d")
    worker, agent = as_(issuer, "sw-d", "social_worker", association), as_(issuer, "agent-d", "fund_agent", fund)
    file = (await submit(client, worker, await waiting_placement(association), fund)).json()

    identity = await upload(client, worker, file["id"], "identity", PDF, "application/pdf")
    assert identity.status_code == 201, identity.text
    assert identity.json()["content_type"] == "application/pdf" and identity.json()["size"] == len(PDF)
    refusals = {
        "second ID": (await upload(client, worker, file["id"], "identity", PDF, "application/pdf"), "second_identity_document"),
        "bank statement": (await upload(client, worker, file["id"], "bank_statement", PDF, "application/pdf"), "forbidden_document_kind"),
        "carte Vitale": (await upload(client, worker, file["id"], "health_insurance_card", PNG, "image/png"), "forbidden_document_kind"),
        "unknown kind": (await upload(client, worker, file["id"], "horoscope", PDF, "application/pdf"), "unknown_document_kind"),
        "lying type": (await upload(client, worker, file["id"], "resources", PDF, "image/png"), "content_type_mismatch"),
        "script": (await upload(client, worker, file["id"], "resources", SCRIPT, "text/html"), "unsupported_content_type"),
        "empty": (await upload(client, worker, file["id"], "resources", b"", "application/pdf"), "empty_document"),
        "too large": (
            await upload(client, worker, file["id"], "resources", PDF + b"0" * (10 * 1024 * 1024), "application/pdf"),
            "document_too_large",
        ),
    }
    for case, (response, code) in refusals.items():
        assert response.status_code == 422 and response.json()["code"] == code, (case, response.text)
    api[2].now += timedelta(minutes=5)
    assert (await upload(client, worker, file["id"], "resources", PNG, "image/png")).status_code == 201

    listed = (await client.get(f"/v1/files/{file['id']}/documents", headers=agent)).json()["items"]
    assert [d["kind"] for d in listed] == ["identity", "resources"]  # nothing refused was stored
    assert "ZQXJ-7731" not in await raw_rows("documents") and b"ZQXJ-7731".hex() not in await raw_rows("documents")

    url = f"/v1/files/{file['id']}/documents/{identity.json()['id']}"
    assert (await client.get(url, headers=agent)).status_code == 422  # a purpose is required
    read = await client.get(url, params={"purpose": "check_identity"}, headers=agent)
    assert read.status_code == 200 and read.content == PDF and read.headers["content-type"] == "application/pdf"
    assert read.headers["x-content-type-options"] == "nosniff"
    assert "check_identity" in await raw_rows("personal_data_access_log")

    assert (await upload(client, agent, file["id"], "resources", PNG, "image/png")).status_code == 403  # the association files
    assert (await client.delete(url, headers=agent)).status_code == 403
    assert (await client.delete(url, headers=worker)).status_code == 204
    assert (await client.get(url, params={"purpose": "check_identity"}, headers=agent)).status_code == 404
    assert (await upload(client, worker, file["id"], "identity", PDF, "application/pdf")).status_code == 201  # one ID again

    kept = (await client.get(f"/v1/files/{file['id']}/documents", headers=agent)).json()["items"]
    await client.post(f"/v1/files/{file['id']}/approval", json=SEEN_ELSEWHERE, headers=agent)
    closed = await upload(client, worker, file["id"], "professional_situation", PDF, "application/pdf")
    assert closed.status_code == 409  # decided: the file is closed
    evidence = f"/v1/files/{file['id']}/documents/{kept[0]['id']}"
    assert (await client.delete(evidence, headers=worker)).status_code == 409  # what was decided on stays
    steps = (await client.get(f"/v1/files/{file['id']}", headers=agent)).json()["steps"]
    assert [s["reasons"] for s in steps if s["action"] == "remove_document"] == [["identity"]]
