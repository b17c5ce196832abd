"""The local OpenID Connect provider (infra/idp) as a real process: discovery, keys, every flow, the tokens."""

from __future__ import annotations

import base64
import json
import re
import stat
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from abri_idp.settings import Settings, SettingsError
from abri_idp.testing import LocalIdp, LoginError, Pkce, authorize, client_credentials, exchange_code, login

pytestmark = pytest.mark.timeout(60)

WEB = "abri-web"
PARTNER = "abri-partner-demo"
TESTS = "abri-tests"
CALLBACK = "http://127.0.0.1:8000/callback"
HOME = "http://127.0.0.1:8000/"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def subject_of(username: str) -> str:
    """The documented stable subject: uuid5 of the username in the provider's namespace."""
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:abri:idp:subject"), username))


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIdp]:
    """One provider for the module, with a fresh state directory and a free port."""
    with LocalIdp(tmp_path_factory.mktemp("idp")) as running:
        yield running


async def fetch(idp: LocalIdp, path: str) -> Any:
    """GET a JSON document from the provider; it must answer 200."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{idp.issuer}{path}")
    assert response.status_code == 200, response.text
    return response.json()


async def published_keys(idp: LocalIdp) -> KeySet:
    """The provider's JWKS, as joserfc keys."""
    return KeySet.import_key_set(await fetch(idp, "/jwks"))


def verify(token: str, keys: KeySet, issuer: str, audience: str = "abri-api") -> tuple[dict[str, Any], dict[str, Any]]:
    """Signature against the JWKS (RS256 only), then iss, aud, exp, nbf, iat; returns (header, claims)."""
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
    ).validate(decoded.claims)
    return dict(decoded.header), dict(decoded.claims)


async def person_tokens(idp: LocalIdp, username: str, scope: str = "openid profile offline_access listings:read") -> dict[str, Any]:
    """Sign a demo person in to ``abri-web`` through the real flow."""
    return await login(idp.issuer, username, idp.password(username), WEB, idp.client_secret(WEB), CALLBACK, scope)


async def post_token(idp: LocalIdp, data: dict[str, str], auth: tuple[str, str] | None = None) -> httpx.Response:
    """POST to ``/token`` (HTTP Basic client authentication when ``auth`` is given)."""
    async with httpx.AsyncClient(timeout=10) as http:
        if auth is None:
            return await http.post(f"{idp.issuer}/token", data=data)
        return await http.post(f"{idp.issuer}/token", data=data, auth=auth)


def test_starts_quickly(idp: LocalIdp) -> None:
    # Measured around 1 s on a loaded development machine; the bound leaves room for slow CI runners.
    assert idp.startup_seconds < 5.0, idp.startup_seconds


def test_refuses_to_listen_beyond_loopback() -> None:
    with pytest.raises(SettingsError, match="loopback"):
        Settings.from_env({"ABRI_IDP_HOST": "0.0.0.0"})  # noqa: S104 (the refusal is the point)
    assert Settings.from_env({"ABRI_IDP_PORT": "9123"}).issuer == "http://127.0.0.1:9123"


async def test_discovery(idp: LocalIdp) -> None:
    metadata = await fetch(idp, "/.well-known/openid-configuration")
    issuer = idp.issuer
    assert metadata["issuer"] == issuer
    assert metadata["authorization_endpoint"] == f"{issuer}/authorize"
    assert metadata["token_endpoint"] == f"{issuer}/token"
    assert metadata["userinfo_endpoint"] == f"{issuer}/userinfo"
    assert metadata["jwks_uri"] == f"{issuer}/jwks"
    assert metadata["end_session_endpoint"] == f"{issuer}/logout"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert set(metadata["grant_types_supported"]) == {"authorization_code", "refresh_token", "client_credentials"}
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"openid", "offline_access", "listings:write", "notifications:read"} <= set(metadata["scopes_supported"])


async def test_jwks_publishes_public_rs256_keys_with_kid(idp: LocalIdp) -> None:
    jwks = await fetch(idp, "/jwks")
    assert jwks["keys"]
    for key in jwks["keys"]:
        assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
        assert key["kid"]
        assert not PRIVATE_MEMBERS & set(key), "the JWKS must not leak private key members"
    assert (await fetch(idp, "/healthz"))["kid"] == jwks["keys"][0]["kid"]


async def test_code_flow_with_pkce_issues_rfc9068_access_token(idp: LocalIdp) -> None:
    before = int(time.time())
    token = await person_tokens(idp, "owner1", "openid profile offline_access listings:read listings:write")
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 600
    assert token["refresh_token"] and token["id_token"]
    keys = await published_keys(idp)
    header, claims = verify(token["access_token"], keys, idp.issuer)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    assert header["kid"] in {key.kid for key in keys}
    assert claims["sub"] == subject_of("owner1")
    assert claims["aud"] == "abri-api"
    assert claims["client_id"] == WEB
    assert claims["exp"] - claims["iat"] == 600
    assert before <= claims["iat"] <= claims["nbf"] <= int(time.time())
    assert claims["jti"]
    assert set(claims["scope"].split()) == {"openid", "profile", "offline_access", "listings:read", "listings:write"}
    assert claims["roles"] == ["owner"]
    assert "org_id" not in claims
    assert claims["name"] == "Camille Martin"


async def test_id_token(idp: LocalIdp) -> None:
    authorization = await authorize(idp.issuer, "agent2", idp.password("agent2"), WEB, CALLBACK, "openid profile")
    token = await exchange_code(idp.issuer, authorization, WEB, idp.client_secret(WEB))
    header, claims = verify(token["id_token"], await published_keys(idp), idp.issuer, audience=WEB)
    assert header.get("typ") != "at+jwt"
    assert claims["sub"] == subject_of("agent2")
    assert claims["nonce"] == authorization.nonce
    assert claims["auth_time"] <= int(time.time())
    assert claims["at_hash"]
    assert (claims["preferred_username"], claims["org_id"], claims["roles"]) == ("agent2", "fund-2", ["fund_agent"])


async def test_scope_is_narrowed_to_the_person_roles(idp: LocalIdp) -> None:
    token = await person_tokens(idp, "sw1", "openid listings:write matching:write")
    _, claims = verify(token["access_token"], await published_keys(idp), idp.issuer)
    assert set(claims["scope"].split()) == {"openid", "matching:write"}, "a social worker may not write listings"
    assert claims["roles"] == ["social_worker"]
    assert claims["org_id"] == "assoc-1"
    assert claims["sub"] != subject_of("sw2")


async def test_code_verifier_missing_is_refused_and_burns_the_code(idp: LocalIdp) -> None:
    authorization = await authorize(idp.issuer, "owner2", idp.password("owner2"), WEB, CALLBACK, "openid")
    data = {"grant_type": "authorization_code", "code": authorization.code, "redirect_uri": CALLBACK}
    auth = (WEB, idp.client_secret(WEB))
    missing = await post_token(idp, data, auth)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    retried = await post_token(idp, {**data, "code_verifier": authorization.pkce.verifier}, auth)
    assert retried.status_code == 400
    assert retried.json()["error"] == "invalid_grant"


async def test_wrong_code_verifier_is_refused(idp: LocalIdp) -> None:
    authorization = await authorize(idp.issuer, "owner2", idp.password("owner2"), WEB, CALLBACK, "openid")
    data = {
        "grant_type": "authorization_code",
        "code": authorization.code,
        "redirect_uri": CALLBACK,
        "code_verifier": Pkce.new().verifier,
    }
    wrong = await post_token(idp, data, (WEB, idp.client_secret(WEB)))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


async def test_a_code_is_used_once(idp: LocalIdp) -> None:
    authorization = await authorize(idp.issuer, "owner2", idp.password("owner2"), WEB, CALLBACK, "openid")
    await exchange_code(idp.issuer, authorization, WEB, idp.client_secret(WEB))
    with pytest.raises(LoginError, match="invalid_grant"):
        await exchange_code(idp.issuer, authorization, WEB, idp.client_secret(WEB))


@pytest.mark.parametrize("challenge", [{}, {"code_challenge": "x" * 43, "code_challenge_method": "plain"}])
async def test_authorization_request_without_s256_challenge_is_refused(idp: LocalIdp, challenge: dict[str, str]) -> None:
    params = {"response_type": "code", "client_id": WEB, "redirect_uri": CALLBACK, "scope": "openid", "state": "st", **challenge}
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{idp.issuer}/authorize", params=params)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(CALLBACK)
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["st"]
    assert query["iss"] == [idp.issuer]


async def test_unregistered_redirect_uri_is_never_followed(idp: LocalIdp) -> None:
    params = {
        "response_type": "code",
        "client_id": WEB,
        "redirect_uri": "http://attacker.invalid/callback",
        "scope": "openid",
        "code_challenge": Pkce.new().challenge,
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{idp.issuer}/authorize", params=params)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_wrong_password_is_refused(idp: LocalIdp) -> None:
    with pytest.raises(LoginError, match="Wrong username or password"):
        await login(idp.issuer, "owner1", "not-the-password", WEB, idp.client_secret(WEB), CALLBACK, "openid")
    with pytest.raises(LoginError, match="Wrong username or password"):
        await login(idp.issuer, "nobody", idp.password("owner1"), WEB, idp.client_secret(WEB), CALLBACK, "openid")


async def test_login_form_is_labelled_and_needs_its_csrf_token(idp: LocalIdp) -> None:
    params = {
        "response_type": "code",
        "client_id": WEB,
        "redirect_uri": CALLBACK,
        "scope": "openid",
        "state": "st",
        "code_challenge": Pkce.new().challenge,
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient(timeout=10) as http:
        page = await http.get(f"{idp.issuer}/authorize", params=params)
        assert page.status_code == 200
        assert '<label for="username">' in page.text and 'id="username"' in page.text
        assert '<label for="password">' in page.text and 'id="password"' in page.text
        assert 'name="csrf_token"' in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        forged = await http.post(f"{idp.issuer}/authorize", params=params, data={"username": "owner1", "password": idp.password("owner1")})
    assert forged.status_code == 400
    assert "location" not in forged.headers


async def test_client_credentials_for_a_partner_system(idp: LocalIdp) -> None:
    token = await client_credentials(idp.issuer, PARTNER, idp.client_secret(PARTNER))
    assert "refresh_token" not in token
    header, claims = verify(token["access_token"], await published_keys(idp), idp.issuer)
    assert header["typ"] == "at+jwt"
    assert claims["sub"] == PARTNER
    assert claims["client_id"] == PARTNER
    assert claims["roles"] == ["partner"]
    assert claims["org_id"] == "assoc-1"
    assert "name" not in claims
    assert set(claims["scope"].split()) == {"listings:read", "matching:read", "matching:write", "notifications:read"}


async def test_client_secret_post_is_accepted(idp: LocalIdp) -> None:
    data = {"grant_type": "client_credentials", "client_id": PARTNER, "client_secret": idp.client_secret(PARTNER)}
    response = await post_token(idp, {**data, "scope": "matching:read"})
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "matching:read"


@pytest.mark.parametrize(
    ("client_id", "data", "status", "error"),
    [
        (PARTNER, {"scope": "listings:write"}, 400, "invalid_scope"),
        (PARTNER, {"scope": "openid"}, 400, "invalid_scope"),
        (PARTNER, {"resource": "abri-listings"}, 400, "invalid_target"),
        (WEB, {}, 400, "unauthorized_client"),
    ],
)
async def test_client_credentials_refusals(idp: LocalIdp, client_id: str, data: dict[str, str], status: int, error: str) -> None:
    response = await post_token(idp, {"grant_type": "client_credentials", **data}, (client_id, idp.client_secret(client_id)))
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


async def test_wrong_client_secret_and_password_grant_are_refused(idp: LocalIdp) -> None:
    wrong = await post_token(idp, {"grant_type": "client_credentials"}, (PARTNER, "wrong-secret"))
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    password = {"grant_type": "password", "username": "owner1", "password": idp.password("owner1")}
    refused = await post_token(idp, password, (TESTS, idp.client_secret(TESTS)))
    assert refused.status_code == 400
    assert refused.json()["error"] == "unsupported_grant_type"


async def test_a_client_may_ask_for_an_audience_on_its_list(idp: LocalIdp) -> None:
    data = {"grant_type": "client_credentials", "resource": "abri-listings"}
    response = await post_token(idp, data, (TESTS, idp.client_secret(TESTS)))
    assert response.status_code == 200, response.text
    _, claims = verify(response.json()["access_token"], await published_keys(idp), idp.issuer, audience="abri-listings")
    assert claims["aud"] == "abri-listings"
    assert claims["roles"] == ["ops"]


async def test_refresh_tokens_rotate_and_a_replay_revokes_the_family(idp: LocalIdp) -> None:
    first = await person_tokens(idp, "household1")
    auth = (WEB, idp.client_secret(WEB))
    refreshed = await post_token(idp, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, auth)
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    _, claims = verify(second["access_token"], await published_keys(idp), idp.issuer)
    assert claims["sub"] == subject_of("household1")
    assert claims["org_id"] == "assoc-1"
    assert claims["scope"] == first["scope"]
    replay = await post_token(idp, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, auth)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    after_replay = await post_token(idp, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}, auth)
    assert after_replay.status_code == 400, "a replayed refresh token must revoke the tokens rotated from it"


async def test_userinfo(idp: LocalIdp) -> None:
    token = await person_tokens(idp, "sw2", "openid profile matching:read")
    async with httpx.AsyncClient(timeout=10) as http:
        url = f"{idp.issuer}/userinfo"
        info = await http.get(url, headers={"Authorization": f"Bearer {token['access_token']}"})
        assert info.status_code == 200, info.text
        body = info.json()
        assert body["sub"] == subject_of("sw2")
        assert (body["preferred_username"], body["name"], body["org_id"], body["roles"]) == (
            "sw2",
            "Hugo Robert",
            "assoc-2",
            ["social_worker"],
        )
        assert (await http.get(url)).status_code == 401
        header, payload, signature = token["access_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["sub"] = subject_of("ops1")  # someone else, with the original signature
        forged = f"{header}.{base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b'=').decode()}.{signature}"
        assert (await http.get(url, headers={"Authorization": f"Bearer {forged}"})).status_code == 401
        machine = await client_credentials(idp.issuer, PARTNER, idp.client_secret(PARTNER))
        refused = await http.get(url, headers={"Authorization": f"Bearer {machine['access_token']}"})
        assert refused.status_code == 403
        assert refused.json()["error"] == "insufficient_scope"


async def test_session_then_logout_with_id_token_hint(idp: LocalIdp) -> None:
    async with httpx.AsyncClient(timeout=10, follow_redirects=False) as http:
        first = await authorize(idp.issuer, "ops1", idp.password("ops1"), WEB, CALLBACK, "openid offline_access", http=http)
        tokens = await exchange_code(idp.issuer, first, WEB, idp.client_secret(WEB))
        # Signed in at the provider: the next authorization needs no password.
        again = await authorize(idp.issuer, "ops1", "", WEB, CALLBACK, "openid", http=http)
        assert again.code
        params = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": HOME, "state": "bye"}
        logout = await http.get(f"{idp.issuer}/logout", params=params)
        assert logout.status_code == 302, logout.text
        assert logout.headers["location"] == f"{HOME}?state=bye"
        with pytest.raises(LoginError, match="Wrong username or password"):
            await authorize(idp.issuer, "ops1", "", WEB, CALLBACK, "openid", http=http)
        unregistered = await http.get(f"{idp.issuer}/logout", params={**params, "post_logout_redirect_uri": "http://attacker.invalid/"})
        assert "location" not in unregistered.headers
    revoked = await post_token(
        idp, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, (WEB, idp.client_secret(WEB))
    )
    assert revoked.status_code == 400, "logout revokes the person's refresh tokens for that client"


async def test_logout_without_hint_asks_for_confirmation(idp: LocalIdp) -> None:
    params = {"client_id": WEB, "post_logout_redirect_uri": HOME, "state": "s2"}
    async with httpx.AsyncClient(timeout=10, follow_redirects=False) as http:
        page = await http.get(f"{idp.issuer}/logout", params=params)
        assert page.status_code == 200
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        assert fields["csrf_token"]
        without_csrf = await http.post(f"{idp.issuer}/logout", data={**fields, "csrf_token": "forged"})
        assert without_csrf.status_code == 400
        confirmed = await http.post(f"{idp.issuer}/logout", data=fields)
    assert confirmed.status_code == 302
    assert confirmed.headers["location"] == f"{HOME}?state=s2"


async def test_env_command_prints_the_generated_credentials(idp: LocalIdp) -> None:
    lines = dict(line.split("=", 1) for line in idp.cli("env").splitlines())
    assert lines["ABRI_IDP_CLIENT_ABRI_WEB_SECRET"] == idp.client_secret(WEB)
    assert lines["ABRI_IDP_PASSWORD_HOUSEHOLD1"] == idp.password("household1")
    assert {f"ABRI_IDP_CLIENT_{name}_SECRET" for name in ("ABRI_WEB", "ABRI_PARTNER_DEMO", "ABRI_TESTS")} <= set(lines)
    assert "ABRI_IDP_SESSION_SECRET" not in lines
    assert len(set(lines.values())) == len(lines), "every secret is generated on its own"


async def test_key_rotation_keeps_earlier_tokens_valid(idp: LocalIdp) -> None:
    before = (await client_credentials(idp.issuer, TESTS, idp.client_secret(TESTS)))["access_token"]
    old_kid = jwt.decode(before, await published_keys(idp), algorithms=["RS256"]).header["kid"]
    idp.cli("rotate-keys")
    keys = await published_keys(idp)
    kids = [key.kid for key in keys]
    assert len(kids) == 2
    assert kids[1] == old_kid and kids[0] != old_kid
    verify(before, keys, idp.issuer)  # signed with the previous key, still accepted
    after = (await client_credentials(idp.issuer, TESTS, idp.client_secret(TESTS)))["access_token"]
    header, _ = verify(after, keys, idp.issuer)
    assert header["kid"] == kids[0]
    assert (await fetch(idp, "/healthz"))["kid"] == kids[0]
    # A second rotation retires the oldest key: tokens it signed no longer verify.
    idp.cli("rotate-keys")
    newest = await published_keys(idp)
    assert old_kid not in {key.kid for key in newest}
    verify(after, newest, idp.issuer)
    with pytest.raises(JoseError):
        verify(before, newest, idp.issuer)


async def test_keys_credentials_and_subjects_survive_a_restart(tmp_path: Path) -> None:
    directory = tmp_path / "idp"
    with LocalIdp(directory) as first:
        token = await login(
            first.issuer, "owner1", first.password("owner1"), WEB, first.client_secret(WEB), CALLBACK, "openid listings:read"
        )
        credentials = first.credentials
        port = first.port
    for name in ("credentials.env", "signing-keys.json"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600, name
    with LocalIdp(directory, port=port) as second:
        assert second.credentials == credentials
        _, claims = verify(token["access_token"], await published_keys(second), second.issuer)
        again = await login(second.issuer, "owner1", second.password("owner1"), WEB, second.client_secret(WEB), CALLBACK, "openid")
        _, new_claims = verify(again["access_token"], await published_keys(second), second.issuer)
    assert claims["sub"] == new_claims["sub"] == subject_of("owner1")
