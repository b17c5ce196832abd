"""An inventory's PDF, each party's copy, through matching's API: in the four languages (Arabic right to
left), with what the parties typed as text, its photos as figures with their alternative text, a move-out's
comparison, the household's completion, the signatures and the digest; "draft" until both signed; a tagged
PDF that veraPDF's PDF/UA-1 profile accepts; nobody else's to read."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import httpx
import pypdf
from fastapi import FastAPI

from tests.guarantees.visa_pdf_reading import verapdf_ua1
from tests.matching.test_households_api import as_, unique
from tests.matching.test_inventories import SIGNED_ON, content, jpeg_with_location, lease_with_household
from tests.matching.test_sliding_leases import Clock
from tests.matching.test_sliding_leases import served as served
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


async def test_each_party_reads_the_inventory_as_a_tagged_pdf_in_its_language(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer, tmp_path: Path
) -> None:
    app, client, clock = served
    url, _, owner, person, _ = await lease_with_household(app, client, issuer, clock)
    typed = content(note="tache près de la fenêtre <b>", address="12 rue des Lilas, 09100 Pamiers", tenants="Оксана Коваленко")
    move_in = (
        await client.post(f"{url}/inventories", json={"kind": "move_in", "made_on": SIGNED_ON.isoformat(), **typed}, headers=owner)
    ).json()
    walls = move_in["rooms"][0]["items"][0]["id"]
    photo = await client.post(
        f"/v1/inventories/{move_in['id']}/photos",
        data={"item_id": walls},
        files={"content": ("p.jpg", jpeg_with_location(), "image/jpeg")},
        headers=owner,
    )
    digest = (await client.get(f"/v1/inventories/{move_in['id']}", headers=owner)).json()["content_sha256"]
    assert photo.status_code == 201

    draft = await client.get(f"/v1/inventories/{move_in['id']}/pdf", headers=person)
    assert draft.status_code == 200 and draft.headers["content-type"] == "application/pdf", draft.text[:300]
    assert "Projet" in text_of(draft.content)  # not signed by both: says so at its top
    for who in (owner, person):
        assert (
            await client.post(f"/v1/inventories/{move_in['id']}/signatures", json={"content_sha256": digest}, headers=who)
        ).status_code == 200
    note = {"notes": [{"room": "Kitchen", "item": "Oven", "note": "le brûleur gauche ne s'allume pas"}]}
    assert (await client.post(f"/v1/inventories/{move_in['id']}/completion", json=note, headers=person)).status_code == 200

    clock.on(date(2029, 6, 30))
    out = content(condition="poor", note="trous dans le mur")
    move_out = (await client.post(f"{url}/inventories", json={"kind": "move_out", "made_on": "2029-06-30", **out}, headers=owner)).json()

    pdfs: dict[str, bytes] = {}
    for lang in ("fr", "en", "ar", "uk"):
        answer = await client.get(f"/v1/inventories/{move_in['id']}/pdf", params={"lang": lang}, headers=owner)
        assert answer.status_code == 200 and "no-store" in answer.headers["cache-control"], answer.text[:300]
        assert answer.headers["content-disposition"] == f'attachment; filename="etat-des-lieux-move-in-{SIGNED_ON.isoformat()}.pdf"'
        pdfs[lang] = answer.content
    french = text_of(pdfs["fr"])
    for expected in (
        "État des lieux d'entrée",
        "Living room",
        "tache près de la fenêtre <b>",
        "12 rue des Lilas",
        "Оксана Коваленко",
        digest,
        "brûleur",
    ):
        assert expected in french, expected
    assert "Projet" not in french and "Bon état" in french and "Électricité" in french and "10234" in french
    assert "Move-in inventory" in text_of(pdfs["en"]) and "Акт стану житла при в'їзді" in text_of(pdfs["uk"])
    arabic = pypdf.PdfReader(io.BytesIO(pdfs["ar"]))
    assert str(arabic.root_object["/Lang"]) == "ar"
    assert len({x.name for page in pypdf.PdfReader(io.BytesIO(pdfs["fr"])).pages for x in page.images}) == 1  # the photo
    compared = await client.get(f"/v1/inventories/{move_out['id']}/pdf", headers=person)
    assert "Comparaison avec l'état des lieux d'entrée du 2027-04-14" in text_of(compared.content) and "dégradé" in text_of(
        compared.content
    )
    assert (await client.get(f"/v1/inventories/{move_in['id']}/pdf", params={"lang": "de"}, headers=owner)).status_code == 422
    stranger = as_(issuer, unique("owner-x"), "owner", org_id=None)
    assert (await client.get(f"/v1/inventories/{move_in['id']}/pdf", headers=stranger)).status_code == 404

    paths = []
    for name, pdf in {**pdfs, "move-out": compared.content}.items():
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        paths.append(tmp_path / f"{name}.pdf")
    assert verapdf_ua1(paths) == {str(path): [] for path in paths}
