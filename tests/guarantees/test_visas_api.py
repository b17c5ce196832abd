"""The visa: its signed token checked against the published keys, its PDF, and the public check by
number and name (valid, expired, revoked; a wrong name, a forged or mistyped number answer nothing more
than unknown), rate-limited; without any token."""

from __future__ import annotations

import base64
import io
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pypdf
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError
from joserfc.jwk import KeySet

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts.matching import PlacementFellThrough
from abri_guarantees.domain.visa import ALPHABET, new_visa_number
from abri_guarantees.events.placements import on_fell_through
from abri_guarantees.visa_signing import VisaKeyError, VisaSigner
from tests.guarantees.support import Api, approved, outbox_types, raw_rows, serve
from tests.guarantees.support import api as api
from tests.guarantees.visa_pdf_reading import every_byte, qr_matrix_drawn, qr_matrix_of, reader_of, structure
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

HOLDER = "Oksana Kovalenko-Durand"


async def check(client: httpx.AsyncClient, number: str, name: str) -> str:
    response = await client.post("/v1/public/visa-checks", json={"number": number, "name": name})
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def test_the_visa_token_verifies_against_the_published_keys_and_names_nobody(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    ready = await approved(api, issuer)
    visa = await client.get(f"/v1/files/{ready.file['id']}/visa", headers=ready.agent)
    assert visa.status_code == 200, visa.text
    body = visa.json()
    assert body["status"] == "valid" and body["number"] == ready.file["visa"]["number"]
    keys = await client.get("/v1/public/visa-keys")  # public: no token
    assert keys.status_code == 200 and keys.json()["keys"][0]["alg"] == "Ed25519"
    token = jwt.decode(body["token"], KeySet.import_key_set(keys.json()), algorithms=["Ed25519"])
    assert token.header["typ"] == "abri-visa+jwt"
    assert token.claims["sub"] == body["number"] and token.claims["max_rent_cents"] == 110_000
    assert token.claims["valid_until"] == body["valid_until"] and token.claims["fund_id"] == ready.fund
    assert datetime.fromtimestamp(token.claims["exp"], UTC).isoformat() == "2027-03-01T23:00:00+00:00"  # the end of 1 March in France
    assert "Oksana" not in body["token"] and "Kovalenko" not in str(token.claims)
    header, _, signature = body["token"].split(".")
    raised = {**token.claims, "max_rent_cents": 990_000}
    forged = ".".join((header, base64.urlsafe_b64encode(json.dumps(raised).encode()).decode().rstrip("="), signature))
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, KeySet.import_key_set(keys.json()), algorithms=["Ed25519"])
    assert (await client.get(f"/v1/files/{ready.file['id']}/visa", headers=ready.worker)).status_code == 200
    assert (await client.get(f"/v1/files/{ready.file['id']}/visa", headers=ready.owner_headers)).status_code == 403


async def test_the_visa_pdf_states_the_holder_the_limits_and_the_dates(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    ready = await approved(api, issuer)
    response = await client.get(f"/v1/files/{ready.file['id']}/visa.pdf", headers=ready.worker)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    number = ready.file["visa"]["number"]
    for expected in (HOLDER, f"{number[:4]}-{number[4:8]}", "1\u202f100,00", "01/03/2027", "Visa de garantie locative"):
        assert expected in text, f"{expected!r} missing from the PDF"
    log = await raw_rows("personal_data_access_log")
    assert "visa_certificate" in log and ready.file["id"] in log


async def test_the_visa_pdf_points_to_the_public_check_page_with_a_qr_code_tagged_and_without_the_token(
    api: Api, issuer: TestIssuer
) -> None:
    """Point 7 of issue 20: the owner is sent to the web front's public check page (not an API address),
    by a link and a QR code of it with the number filled in; no raw signed token, in the text or anywhere
    in the file; a tagged PDF (PDF/UA-1) in French with its title shown (test_visa_pdf.py has veraPDF's
    verdict)."""
    _, client, _ = api
    ready = await approved(api, issuer)
    response = await client.get(f"/v1/files/{ready.file['id']}/visa.pdf", headers=ready.worker)
    reader = reader_of(response.content)
    number = ready.file["visa"]["number"]
    grouped = f"{number[:4]}-{number[4:8]}-{number[8:12]}-{number[12]}"
    address = f"http://127.0.0.1:8000/visa-check?{urlencode({'number': grouped})}"  # a check symbol may be = or $
    text = " ".join(page.extract_text() for page in reader.pages)
    assert address in text and "/api/" not in text
    token = (await client.get(f"/v1/files/{ready.file['id']}/visa", headers=ready.worker)).json()["token"]
    everything = every_byte(reader, response.content)
    for piece in (token, *token.split(".")):
        assert piece.encode() not in everything
    assert "Jeton" not in text and "Ed25519" not in text
    page: Any = reader.pages[0]
    [annotation] = [a.get_object() for a in page["/Annots"]]
    assert annotation["/A"]["/URI"] == address
    drawn = qr_matrix_drawn(reader)
    assert drawn == qr_matrix_of(address)
    assert drawn != qr_matrix_of(address.replace("visa-check", "visa-checks"))  # the reading can tell them apart
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "fr" and bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    title = f"Visa de garantie locative {grouped}"
    assert reader.metadata is not None and reader.metadata.title == title
    assert reader.xmp_metadata is not None and reader.xmp_metadata.dc_title == {"x-default": title}
    [document] = structure(reader).children
    kinds = [element.kind for element in document.children]
    assert document.kind == "/Document" and kinds[0] == "/H1" and "/Table" in kinds
    [link] = [element for element in document.walk() if element.kind == "/Link"]
    assert link.uris == [address]
    [figure] = [element for element in document.walk() if element.kind == "/Figure"]
    assert figure.alt is not None and address in figure.alt


async def test_a_holder_named_in_cyrillic_or_arabic_script_prints_as_written(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    for first, last in (("Оксана", "Коваленко"), ("فاطمة", "الزهراء")):
        ready = await approved(api, issuer, first_names=first, last_name=last)
        pdf = await client.get(f"/v1/files/{ready.file['id']}/visa.pdf", headers=ready.worker)
        text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
        assert first in text and last in text, text
        assert await check(client, ready.file["visa"]["number"], f"{first} {last}") == "valid"


async def test_the_public_check_answers_valid_expired_revoked_or_unknown_and_nothing_else(api: Api, issuer: TestIssuer) -> None:
    _, client, clock = api
    ready = await approved(api, issuer)
    number = ready.file["visa"]["number"]
    printed = f"{number[:4]}-{number[4:8]}-{number[8:12]}-{number[12]}".lower()
    assert await check(client, number, HOLDER) == "valid"
    assert await check(client, printed, "  oksana   KOVALENKO durand ") == "valid"  # as typed by an owner: case, spaces, hyphen
    assert await check(client, printed, "Kovalenko-Durand Oksana") == "valid"  # surname first, as on French forms
    assert await check(client, number, "DURAND oksana kovalenko") == "valid"  # a turn of the words
    assert await check(client, number, "Kovalenko Oksana Durand") == "unknown"  # not a turn: another name
    assert await check(client, number, "Oksana Kovalenko") == "unknown"  # a wrong name reveals nothing
    assert await check(client, new_visa_number(os.urandom(7)), HOLDER) == "unknown"  # a well-formed number nobody holds
    typo = number[:5] + next(c for c in ALPHABET if c != number[5]) + number[6:]
    assert await check(client, typo, HOLDER) == "unknown"  # the check symbol catches it
    assert await check(client, "not a visa", HOLDER) == "unknown"
    unknown = await client.post("/v1/public/visa-checks", json={"number": number, "name": HOLDER, "extra": 1})
    assert set(unknown.json()) == {"status"}
    assert (await client.post("/v1/public/visa-checks", json={"number": number})).status_code == 422

    clock.now = clock.now + timedelta(days=90)  # valid until 2027-03-01 inclusive
    assert await check(client, number, HOLDER) == "valid"
    clock.now = clock.now + timedelta(days=1)
    assert await check(client, number, HOLDER) == "expired"

    clock.now = clock.now - timedelta(days=30)
    revoked = await client.post(f"/v1/files/{ready.file['id']}/visa/revocation", json={"reason": "fraud"}, headers=ready.agent)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert await check(client, number, HOLDER) == "revoked"
    again = await client.post(f"/v1/files/{ready.file['id']}/visa/revocation", json={"reason": "fraud"}, headers=ready.agent)
    assert again.status_code == 409
    by_association = await client.post(f"/v1/files/{ready.file['id']}/visa/revocation", json={"reason": "fraud"}, headers=ready.worker)
    assert by_association.status_code == 403


async def test_the_public_check_is_rate_limited_per_address_and_needs_no_token(issuer: TestIssuer) -> None:
    async with serve(issuer, visa_checks_rate="3/minute") as (_, client, _):
        for _ in range(3):
            assert await check(client, "V0000000000000", "Anyone") == "unknown"
        refused = await client.post("/v1/public/visa-checks", json={"number": "V0000000000000", "name": "Anyone"})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"] == "application/problem+json" and refused.json()["status"] == 429
        other = await client.post(
            "/v1/public/visa-checks", json={"number": "V0000000000000", "name": "Anyone"}, headers={"x-forwarded-for": "203.0.113.9"}
        )
        assert other.status_code == 200  # another address has its own allowance
        assert (await client.get("/v1/funds")).status_code == 401  # everything else still needs a token


async def test_a_placement_that_ends_before_its_lease_revokes_its_visa(api: Api, issuer: TestIssuer) -> None:
    app, client, clock = api
    ready = await approved(api, issuer)
    ended = PlacementFellThrough(
        placement_id=uuid.UUID(ready.placement),
        unit_id=uuid.uuid4(),
        org_id=ready.association,
        reason="owner_withdrew",
        ended_at=clock(),  # the event's time comes from the app's clock, as every time in this test
    )
    for _ in range(2):  # a redelivery changes nothing
        async with app.state.sessionmaker() as session, session.begin():
            await on_fell_through(session, ReceivedEvent(Envelope.of(ended), ended, "abri.matching.placement", 0, 0))
    assert await check(client, ready.file["visa"]["number"], HOLDER) == "revoked"
    steps = (await client.get(f"/v1/files/{ready.file['id']}", headers=ready.agent)).json()["steps"]
    assert [s["reasons"] for s in steps if s["action"] == "revoke_visa"] == [["placement_ended"]]
    assert (await outbox_types(ready.file["id"])).count("abri.guarantees.file.visa_revoked.v1") == 1


async def test_the_forwarded_address_is_believed_only_from_a_trusted_proxy(issuer: TestIssuer) -> None:
    async with serve(issuer, visa_checks_rate="2/minute", trusted_proxies=[]) as (_, client, _):
        for _ in range(2):
            assert await check(client, "V0000000000000", "Anyone") == "unknown"
        spoofed = await client.post(
            "/v1/public/visa-checks", json={"number": "V0000000000000", "name": "x"}, headers={"x-forwarded-for": "198.51.100.7"}
        )
        assert spoofed.status_code == 429  # the peer is not a trusted proxy: its header changes nothing


async def test_after_a_rotation_visas_signed_by_the_earlier_key_still_verify_while_its_public_key_is_kept(issuer: TestIssuer) -> None:
    first, second = VisaSigner.generate_pem(), VisaSigner.generate_pem()
    async with serve(issuer, visa_signing_key=first) as before:
        ready = await approved(before, issuer)
        old = (await before[1].get(f"/v1/files/{ready.file['id']}/visa", headers=ready.agent)).json()["token"]
    earlier_public = (await VisaSigner(first).jwks())["keys"][0]
    assert "d" not in earlier_public  # only the public half is configured, never the private key
    async with serve(issuer, visa_signing_key=second, visa_previous_keys=[earlier_public]) as after:
        _, client, _ = after
        published = KeySet.import_key_set((await client.get("/v1/public/visa-keys")).json())
        assert [key.kid for key in published.keys] == [VisaSigner(second).kid, VisaSigner(first).kid]
        assert jwt.decode(old, published, algorithms=["Ed25519"]).claims["sub"] == ready.file["visa"]["number"]
        new = (await client.get(f"/v1/files/{ready.file['id']}/visa", headers=ready.agent)).json()["token"]
        assert jwt.decode(new, published, algorithms=["Ed25519"]).header["kid"] == VisaSigner(second).kid  # signed by the new key
    async with serve(issuer, visa_signing_key=second) as forgotten:
        published = KeySet.import_key_set((await forgotten[1].get("/v1/public/visa-keys")).json())
        with pytest.raises(InvalidKeyIdError):  # once the earlier key is no longer published, its visas fail offline
            jwt.decode(old, published, algorithms=["Ed25519"])
    with pytest.raises(VisaKeyError, match="VISA_PREVIOUS_KEYS"):
        VisaSigner(second, previous=[{"kty": "RSA", "n": "AQAB", "e": "AQAB"}])
