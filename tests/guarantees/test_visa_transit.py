"""Visas signed by a transit engine's Ed25519 key (``ABRI_GUARANTEES_VISA_SIGNING_TRANSIT_KEY``), against Abri's
development transit server: the token verifies offline against the published keys as a locally signed one
does, the engine's rotation is signed with and published without a restart while older visas still verify,
a version retired at the engine stops verifying, the private key is never in the process, and the settings
refuse what would be ambiguous."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet
from pydantic import SecretStr

from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.main import create_app
from abri_guarantees.settings import GuaranteesSettings
from abri_guarantees.visa_signing import TransitVisaSigner, VisaKeyError, VisaSigner, claims_of, public_jwk
from abri_kit.envelope import KeyServiceError
from abri_kit.transit import TransitSigner
from tests.oidc_issuer import TestIssuer
from tests.support import database_url, kafka_bootstrap
from tests.transit_server import TransitServer, running_transit

SIGNING_KEY = "abri-visas"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransitServer]:
    with running_transit(tmp_path_factory.mktemp("transit")) as running:
        created = running.request("POST", f"transit/keys/{SIGNING_KEY}", {"type": "ed25519"})
        assert created.status_code == 200, created.text
        running.create_key("abri-guarantees")  # the KEKs' derived key, for the app below
        yield running


def published_keys(jwks: dict[str, Any]) -> KeySet:
    return KeySet.import_key_set(jwks)  # type: ignore[arg-type]


def a_visa(number: str = "AB-CD12-EF34") -> VisaRecord:
    return VisaRecord(
        number=number,
        file_id=uuid.uuid4(),
        fund_id="fund-transit",
        max_rent_cents=95_000,
        issued_on=date(2026, 12, 1),
        valid_until=date(2027, 3, 1),
        lease_signing_deadline=date(2027, 3, 1),
        holder_mac=b"",
    )


async def test_a_visa_signed_by_the_engine_verifies_against_the_published_keys_and_rotation_needs_no_restart(
    engine: TransitServer,
) -> None:
    key = f"{SIGNING_KEY}-rotation"
    assert engine.request("POST", f"transit/keys/{key}", {"type": "ed25519"}).status_code == 200
    signer = TransitVisaSigner(TransitSigner(engine.config(key)))
    signer.engine.KEYS_MAX_AGE_S = 0.0  # read the key's versions at each token (the default waits a minute)
    signer.engine.PUBLISH_FIRST_S = 0.0  # and sign with a new version at once (the default lets every replica publish it first)
    try:
        first = await signer.token(a_visa())
        published = published_keys(await signer.jwks())
        decoded = jwt.decode(first, published, algorithms=["Ed25519"])
        assert decoded.claims == claims_of(a_visa()) and decoded.header["typ"] == "abri-visa+jwt"
        assert all("d" not in jwk for jwk in (await signer.jwks())["keys"])  # public halves only

        assert engine.rotate(key) == 2
        second = await signer.token(a_visa("GH-JK56-LM78"))
        published = published_keys(await signer.jwks())
        assert len(published.keys) == 2
        assert jwt.decode(second, published, algorithms=["Ed25519"]).header["kid"] == published.keys[0].kid  # the newest
        assert jwt.decode(first, published, algorithms=["Ed25519"]).claims["sub"] == "AB-CD12-EF34"  # still verifies

        retired = engine.request("POST", f"transit/keys/{key}/config", {"min_decryption_version": 2})
        assert retired.status_code == 200, retired.text
        published = published_keys(await signer.jwks())
        assert len(published.keys) == 1
        with pytest.raises(InvalidKeyIdError):  # a version retired at the engine is no longer published
            jwt.decode(first, published, algorithms=["Ed25519"])
    finally:
        await signer.engine.aclose()


async def test_an_engine_that_refuses_or_holds_no_signing_key_is_a_clear_error(engine: TransitServer) -> None:
    refused = TransitVisaSigner(TransitSigner(engine.config(SIGNING_KEY, token="not-the-token")))
    encrypting = TransitVisaSigner(TransitSigner(engine.config("abri-guarantees")))
    try:
        with pytest.raises(KeyServiceError, match=r"refused the token .*sign/abri-visas") as said:
            await refused.token(a_visa())
        assert "not-the-token" not in str(said.value)
        with pytest.raises(KeyServiceError, match="not an ed25519 signing key"):
            await encrypting.token(a_visa())
        assert "not an ed25519" in str(await encrypting.engine.check(2.0))
    finally:
        await refused.engine.aclose()
        await encrypting.engine.aclose()


async def test_the_service_publishes_the_engine_s_keys_and_reports_the_engine_in_readiness(
    engine: TransitServer, issuer: TestIssuer
) -> None:
    settings = GuaranteesSettings(
        database_url=database_url("guarantees"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        consumer_enabled=False,
        relay_enabled=False,
        visa_signing_key=None,
        visa_signing_transit_key=SIGNING_KEY,
        kek_transit_url=engine.url,
        kek_transit_token=engine.token,
    )
    app = create_app(settings)
    assert isinstance(app.state.visa_signer, TransitVisaSigner)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://guarantees") as client:
            keys = (await client.get("/v1/public/visa-keys")).json()["keys"]
            token = await app.state.visa_signer.token(a_visa())
            assert jwt.decode(token, published_keys({"keys": keys}), algorithms=["Ed25519"]).claims["fund_id"] == "fund-transit"
            ready = await client.get("/readyz")
            assert ready.json()["checks"]["signing_transit"] == "ok", ready.text
    await app.state.visa_signer.engine.aclose()

    refused = create_app(settings.model_copy(update={"kek_transit_token": SecretStr("a-revoked-token")}))
    async with LifespanManager(refused) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://guarantees") as client:
            keys = await client.get("/v1/public/visa-keys")
            assert keys.status_code == 503 and keys.headers["content-type"] == "application/problem+json", keys.text
            assert "a-revoked-token" not in keys.text
            ready = await client.get("/readyz")  # the KEK's engine refuses the same token: not ready for that
            checks = ready.json()["checks"]
            assert ready.status_code == 503 and "refused the token" in checks["signing_transit"] and checks["kek_transit"] != "ok"
    await refused.state.visa_signer.engine.aclose()

    not_signing = create_app(settings.model_copy(update={"visa_signing_transit_key": "abri-guarantees"}))  # the KEKs' key
    async with LifespanManager(not_signing) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://guarantees") as client:
            assert (await client.get("/v1/public/visa-keys")).status_code == 503
            ready = await client.get("/readyz")  # reported, not failing: the files, decisions and claims still work
            assert ready.status_code == 200, ready.text
            assert "not an ed25519 signing key" in ready.json()["checks"]["signing_transit"]
    await not_signing.state.visa_signer.engine.aclose()


def test_the_settings_take_one_signer_and_say_what_is_missing(engine: TransitServer) -> None:
    base: dict[str, Any] = {"database_url": database_url("guarantees"), "keks": None}
    pem = VisaSigner.generate_pem()
    both = GuaranteesSettings(**base, visa_signing_key=pem, visa_signing_transit_key=SIGNING_KEY, kek_transit_url=engine.url)
    with pytest.raises(VisaKeyError, match="both set"):
        both.visa_signer()
    no_engine = GuaranteesSettings(**base, visa_signing_key=None, visa_signing_transit_key=SIGNING_KEY, kek_transit_url=None)
    with pytest.raises(VisaKeyError, match="KEK_TRANSIT_URL is not set"):
        no_engine.visa_signer()
    assert isinstance(GuaranteesSettings(**base, visa_signing_key=pem).visa_signer(), VisaSigner)


async def test_a_new_version_is_published_at_once_and_signed_with_only_once_every_replica_publishes_it(engine: TransitServer) -> None:
    key = f"{SIGNING_KEY}-publish-first"
    assert engine.request("POST", f"transit/keys/{key}", {"type": "ed25519"}).status_code == 200
    first_kid = public_jwk_of(engine, key, 1)
    assert engine.rotate(key) == 2
    signer = TransitVisaSigner(TransitSigner(engine.config(key)))  # PUBLISH_FIRST_S: 150 s
    try:
        published = await signer.jwks()
        assert [jwk["kid"] for jwk in published["keys"]] == [public_jwk_of(engine, key, 2), first_kid]  # both published at once
        token = await signer.token(a_visa())
        assert jwt.decode(token, published_keys(published), algorithms=["Ed25519"]).header["kid"] == first_kid  # v2 is too new
        config = engine.request("POST", f"transit/keys/{key}/config", {"min_encryption_version": 2})
        assert config.status_code == 200, config.text
        signer.engine.forget()
        token = await signer.token(a_visa())  # the engine no longer signs with v1: v2, however new
        assert jwt.decode(token, published_keys(await signer.jwks()), algorithms=["Ed25519"]).header["kid"] != first_kid
    finally:
        await signer.engine.aclose()


async def test_a_key_recreated_under_its_name_is_read_again_before_a_token_goes_out(engine: TransitServer) -> None:
    key = f"{SIGNING_KEY}-recreated"
    assert engine.request("POST", f"transit/keys/{key}", {"type": "ed25519"}).status_code == 200
    signer = TransitVisaSigner(TransitSigner(engine.config(key)))
    try:
        await signer.token(a_visa())  # the public key of v1 is now cached
        stored = engine.directory / "keys" / engine.mount / f"{key}.json"
        stored.unlink()  # the key destroyed and made again under the same name: another v1
        assert engine.request("POST", f"transit/keys/{key}", {"type": "ed25519"}).status_code == 200
        token = await signer.token(a_visa())  # the engine's signature does not verify with the cached key: read again
        assert jwt.decode(token, published_keys(await signer.jwks()), algorithms=["Ed25519"]).claims["sub"] == "AB-CD12-EF34"
    finally:
        await signer.engine.aclose()


async def test_the_keys_read_last_are_published_while_the_engine_does_not_answer(tmp_path_factory: pytest.TempPathFactory) -> None:
    with running_transit(tmp_path_factory.mktemp("transit-stops")) as short_lived:
        assert short_lived.request("POST", f"transit/keys/{SIGNING_KEY}", {"type": "ed25519"}).status_code == 200
        signer = TransitVisaSigner(TransitSigner(short_lived.config(SIGNING_KEY)))
        before = await signer.jwks()
    signer.engine.KEYS_MAX_AGE_S = 0.0  # due for a new read, and the engine is gone
    try:
        assert await signer.jwks() == before
        with pytest.raises(KeyServiceError, match="unreachable"):
            await signer.token(a_visa())  # signing needs the engine
        signer.engine.STALE_MAX_S = 0.0
        with pytest.raises(KeyServiceError, match="unreachable"):
            await signer.jwks()  # past the bound, the keys are not vouched for any more
    finally:
        await signer.engine.aclose()


def public_jwk_of(engine: TransitServer, key: str, version: int) -> str:
    described = engine.request("GET", f"transit/keys/{key}").json()["data"]["keys"][str(version)]
    return str(public_jwk(base64.b64decode(described["public_key"]))["kid"])
