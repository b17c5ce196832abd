"""Access-token validation: what a forged, stale or misdirected token looks like, it is refused."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from joserfc.jwk import ECKey, RSAKey

from abri_auth.errors import InvalidToken
from abri_auth.token_cache import ValidatedTokens
from abri_auth.tokens import TokenPolicy, TokenValidator
from tests.oidc_issuer import AUDIENCE, TestIssuer, serving


async def test_a_valid_token_names_the_caller(issuer: TestIssuer, validator: TokenValidator) -> None:
    principal = await validator.validate(issuer.token(sub="sw-1", roles=["social_worker", "astronaut"], org_id="assoc-1"))
    assert principal.subject == "sw-1"
    assert principal.roles == frozenset({"social_worker"})  # unknown roles are dropped
    assert principal.org_id == "assoc-1"
    assert "listings:write" in principal.scopes


def forged_tokens(issuer: TestIssuer) -> dict[str, str]:
    now = int(time.time())
    stranger = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
    forger = RSAKey.generate_key(2048, parameters={"kid": "forged-1"})
    return {
        "alg none": issuer.unsigned(),
        "HS256 signed with the public key": issuer.hs256_with_public_key(),
        "wrong iss": issuer.token(iss="https://evil.example"),
        "wrong aud": issuer.token(aud="another-api"),
        "expired": issuer.token(exp=now - 120, iat=now - 900, nbf=now - 900),
        "not yet valid": issuer.token(nbf=now + 600),
        "unknown kid": issuer.token(header={"kid": "no-such-key"}),
        "right kid, other key": issuer.token(key=stranger),
        "tampered payload": issuer.tampered(sub="someone-else", roles=["ops"]),
        "ID token (typ JWT)": issuer.token(header={"typ": "JWT"}),
        "no typ": issuer.token(header={"typ": None}),
        "no exp": issuer.token(exp=None),
        "no sub": issuer.token(sub=None),
        "no iss": issuer.token(iss=None),
        "no aud": issuer.token(aud=None),
        "no iat": issuer.token(iat=None),
        "jku to the forger's keys": issuer.token(header={"kid": "forged-1", "jku": "https://evil.example/jwks.json"}, key=forger),
        "jwk of the forger's key in the header": issuer.token(header={"jwk": stranger.as_dict(private=False)}, key=stranger),
        "x5u to the forger's certificate": issuer.token(header={"x5u": "https://evil.example/cert.pem"}, key=stranger),
        "ES256 from a stranger": _es256(issuer),
        "not a JWT": "not-a-jwt",
        "empty": "",
    }


def _es256(issuer: TestIssuer) -> str:
    key = ECKey.generate_key("P-256", parameters={"kid": "key-1"})
    return issuer.token(header={"alg": "ES256"}, key=key)


@pytest.mark.parametrize("case", sorted(forged_tokens(TestIssuer()).keys()))
async def test_forged_and_wrong_tokens_are_refused(issuer: TestIssuer, validator: TokenValidator, case: str) -> None:
    token = forged_tokens(issuer)[case]
    with pytest.raises(InvalidToken) as refused:
        await validator.validate(token)
    assert refused.value.status == 401
    assert 'error="invalid_token"' in refused.value.challenge()


async def test_leeway_accepts_small_clock_skew(issuer: TestIssuer, validator: TokenValidator) -> None:
    now = int(time.time())
    assert await validator.validate(issuer.token(exp=now - 10, nbf=now + 10))


async def test_unknown_kid_refreshes_the_keys_once_then_rate_limits(issuer: TestIssuer, validator: TokenValidator) -> None:
    await validator.validate(issuer.token())
    fetched = issuer.jwks_fetches
    issuer.rotate()
    try:
        await asyncio.sleep(1.05)  # past the validator's minimum refresh interval
        assert (await validator.validate(issuer.token())).subject == "owner-1"  # new kid: one refresh
        assert issuer.jwks_fetches == fetched + 1
        for _ in range(5):  # random kids cannot make us hammer the issuer
            with pytest.raises(InvalidToken):
                await validator.validate(issuer.token(header={"kid": "made-up"}))
        assert issuer.jwks_fetches == fetched + 1
        assert await validator.validate(issuer.token(key=issuer.published[0]))  # the old key still works
    finally:
        issuer.key = issuer.published[0]


async def test_an_issuer_that_does_not_answer_fails_requests_fast_without_queueing() -> None:
    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)
        writer.close()

    from tests.support import free_port

    port = free_port()
    server = await asyncio.start_server(hang, "127.0.0.1", port)
    try:
        async with httpx.AsyncClient() as http:
            validator = TokenValidator(TokenPolicy(issuer=f"http://127.0.0.1:{port}", audience="abri-api"), http)
            token = TestIssuer().token()
            started = time.monotonic()
            results = await asyncio.gather(*(validator.validate(token) for _ in range(4)), return_exceptions=True)
            assert all(isinstance(r, InvalidToken) for r in results)
            assert time.monotonic() - started < 8  # one shared fetch (5 s timeout), not four in a row
            started = time.monotonic()
            with pytest.raises(InvalidToken):
                await validator.validate(token)
            assert time.monotonic() - started < 0.5  # backing off: fails at once
    finally:
        server.close()


async def test_a_kept_token_is_dropped_once_its_signing_key_leaves_the_jwks() -> None:
    own = TestIssuer()  # its own issuer: this test removes a key other tests sign with
    async with serving(own.app(), own.port), httpx.AsyncClient() as http:
        validator = TokenValidator(TokenPolicy(issuer=own.issuer, audience=AUDIENCE), http, min_refresh_interval=0.2)
        validator.keys.max_age = 0.5
        tokens = ValidatedTokens(validator, size=10)
        old_token = own.token()
        assert (await tokens.principal(old_token)).subject == "owner-1"
        fetched = own.jwks_fetches
        assert (await tokens.principal(old_token)).subject == "owner-1"  # kept: no new fetch, no new check
        assert own.jwks_fetches == fetched
        own.rotate()
        await asyncio.sleep(0.6)
        assert (await tokens.principal(old_token)).subject == "owner-1"  # re-read the JWKS: the key is still there
        assert own.jwks_fetches == fetched + 1
        own.published.remove(own.published[0])  # the issuer revokes the first key
        await asyncio.sleep(0.6)
        with pytest.raises(InvalidToken):
            await tokens.principal(old_token)
        assert (await tokens.principal(own.token())).subject == "owner-1"  # the new key works


async def test_kept_tokens_leave_when_their_time_is_over_not_at_the_bound(
    issuer: TestIssuer, validator: TokenValidator, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = ValidatedTokens(validator, size=1000)
    now = time.time()
    for n in range(5):
        await tokens.principal(issuer.token(sub=f"caller-{n}", exp=int(now) + 60))
    assert len(tokens) == 5
    monkeypatch.setattr(time, "time", lambda: now + 120)  # their exp is past; the LRU is far from full
    later = issuer.token(sub="caller-later", iat=int(now) + 115, nbf=int(now) + 115, exp=int(now) + 400)
    assert (await tokens.principal(later)).subject == "caller-later"
    assert len(tokens) == 1
