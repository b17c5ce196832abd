"""Keycloak compatibility: a real Keycloak (infra/keycloak, start-dev, the checked-in realm export) issues
tokens that Abri's validator, a service and the gateway accept, and refuses what they must refuse.

Keycloak is started once for the session by ``infra/keycloak/keycloak.sh`` in a temporary run dir on a
free port (fetched through Maven first if needed). Start-up takes tens of seconds; the start is bounded
by ``START_TIMEOUT_S`` and the test fails, never skips, if Keycloak cannot be fetched or started.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pyotp
import pytest

from abri_auth.errors import InvalidToken
from abri_auth.tokens import TokenPolicy, TokenValidator
from abri_gateway.app import create_app as create_gateway
from abri_gateway.settings import GatewaySettings
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from tests.oidc_issuer import serving
from tests.support import REPO, database_url, free_port, infra_module, kafka_bootstrap

KEYCLOAK_SH = REPO / "infra" / "keycloak" / "keycloak.sh"
START_TIMEOUT_S = 240
"""Fetch and unzip (first time) + start + realm import + discovery answering. Measured on 2 cores: 27 s with the
distribution unzipped, 45 s from a fresh clone (unzip and first augmentation), about 50 s more when Maven downloads it."""

pytestmark = pytest.mark.timeout(START_TIMEOUT_S + 120)

AUDIENCE = "abri-api"
WEB = "abri-web"
PARTNER = "abri-partner-demo"
CALLBACK = "http://127.0.0.1:8000/callback"
SUBJECT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:abri:idp:subject")
"""The realm gives the demo users the subjects the local provider (infra/idp) gives them."""
PARTNER_SCOPES = frozenset({"listings:read", "matching:read", "matching:write", "notifications:read"})


@dataclass(frozen=True)
class Keycloak:
    """A running Keycloak of the test session, with the credentials keycloak.sh generated for it."""

    directory: Path
    base_url: str
    credentials: dict[str, str]

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/abri"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    def client_secret(self, client_id: str) -> str:
        return self.credentials[f"ABRI_KEYCLOAK_CLIENT_{client_id.upper().replace('-', '_')}_SECRET"]

    def password(self, username: str) -> str:
        return self.credentials[f"ABRI_KEYCLOAK_PASSWORD_{username.upper()}"]

    def totp_secret(self, username: str) -> str | None:
        """The key of the user's TOTP credential (social workers, fund agents, ops), provisioned by the realm import."""
        return self.credentials.get(f"ABRI_KEYCLOAK_TOTP_{username.upper()}")


_read_env = infra_module("infra/lib/envfile.py").read_env_file
"""The ``KEY=value`` lines of a generated credentials file (``infra/lib/envfile.py``)."""


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else f"({path} does not exist)"


@pytest.fixture(scope="session")
def keycloak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keycloak]:
    """Keycloak with the Abri realm on a free port; stopped at the end, whatever happened."""
    directory = Path(tmp_path_factory.mktemp("keycloak"))
    port = free_port()
    env = {
        **os.environ,
        "ABRI_KEYCLOAK_DIR": str(directory),
        "ABRI_KEYCLOAK_PORT": str(port),
        "ABRI_KEYCLOAK_WAIT_TIMEOUT": str(START_TIMEOUT_S - 20),
    }
    try:
        started = time.monotonic()
        try:
            subprocess.run([str(KEYCLOAK_SH), "start"], env=env, check=True, timeout=START_TIMEOUT_S, capture_output=True, text=True)
        except subprocess.CalledProcessError as exc:
            pytest.fail(f"Keycloak could not be fetched or started:\n{exc.stderr}\n{_tail(directory / 'logs' / 'keycloak.out')}")
        except subprocess.TimeoutExpired:
            pytest.fail(f"Keycloak did not start within {START_TIMEOUT_S}s:\n{_tail(directory / 'logs' / 'keycloak.out')}")
        print(f"Keycloak ready after {time.monotonic() - started:.1f}s")  # shown with -s; the start time is worth watching
        yield Keycloak(directory, f"http://127.0.0.1:{port}", _read_env(directory / "credentials.env"))
    finally:
        subprocess.run([str(KEYCLOAK_SH), "stop"], env=env, check=False, timeout=90, capture_output=True)


# ---------------------------------------------------------------- getting tokens, as clients do


async def client_credentials(keycloak: Keycloak, client_id: str, secret: str, **extra: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=20) as http:
        response = await http.post(keycloak.token_endpoint, data={"grant_type": "client_credentials", **extra}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    token: dict[str, Any] = response.json()
    return token


class LoginForm(HTMLParser):
    """Keycloak's sign-in form: its action and hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None and values.get("method", "").lower() == "post":
            self.action = values.get("action")
        elif tag == "input" and self.action is not None and values.get("type") == "hidden" and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")


def cookie_header(http: httpx.AsyncClient) -> dict[str, str]:
    """Keycloak marks its cookies Secure, even on plain-HTTP loopback; a browser sends them to 127.0.0.1
    anyway (a secure context), httpx does not, so the test sends them by hand."""
    return {"cookie": "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies.jar)}


_USED_STEPS: dict[str, set[int]] = {}
"""TOTP steps whose codes Keycloak accepted, per user: the realm refuses a code twice (otpPolicyCodeReusable)."""


def totp_code(secret: str, username: str) -> str:
    """A code of the user's TOTP credential not used yet in this session (the realm's look-ahead window is one
    step each way). Keycloak's key is the secret's text; authenticator apps take it base32-encoded."""
    app = pyotp.TOTP(base64.b32encode(secret.encode()).decode())
    used = _USED_STEPS.setdefault(username, set())
    while True:
        now = time.time()
        step = int(now // 30)
        free = [s for s in (step, step + 1) if s not in used]
        if free:
            used.add(free[0])
            return app.at(free[0] * 30)
        time.sleep(1)


async def post_password(http: httpx.AsyncClient, authorize_url: str, username: str, password: str) -> httpx.Response:
    """GET the authorization URL and post Keycloak's sign-in form; its answer (a redirect, or the next form)."""
    page = await http.get(authorize_url)
    assert page.status_code == 200, page.text[:500]
    form = LoginForm()
    form.feed(page.text)
    assert form.action, "no sign-in form on Keycloak's page"
    return await http.post(
        urljoin(str(page.url), form.action), data={**form.fields, "username": username, "password": password}, headers=cookie_header(http)
    )


def authorize_url(keycloak: Keycloak, **extra: str) -> str:
    """An authorization request of abri-web for ``openid`` (a fixed state; PKCE with a throwaway verifier)."""
    params = {"response_type": "code", "client_id": WEB, "redirect_uri": CALLBACK, "scope": "openid", "state": "s"}
    params |= {"code_challenge": "x" * 43, "code_challenge_method": "S256", **extra}
    return str(httpx.URL(f"{keycloak.issuer}/protocol/openid-connect/auth", params=params))


async def fill_login_form(http: httpx.AsyncClient, authorize_url: str, username: str, password: str, totp_secret: str | None = None) -> str:
    """GET the authorization URL, sign in on Keycloak's form (then its OTP form, for the roles the realm asks a
    TOTP code of); the redirect back to the client."""
    answer = await post_password(http, authorize_url, username, password)
    if answer.status_code == 200 and 'name="otp"' in answer.text and totp_secret is not None:
        otp_form = LoginForm()
        otp_form.feed(answer.text)
        assert otp_form.action, "no OTP form on Keycloak's page"
        answer = await http.post(
            urljoin(str(answer.url), otp_form.action),
            data={**otp_form.fields, "otp": totp_code(totp_secret, username)},
            headers=cookie_header(http),
        )
    assert answer.status_code == 302, f"sign-in refused ({answer.status_code}): {answer.text[:500]}"
    return answer.headers["location"]


async def sign_in(keycloak: Keycloak, username: str, scope: str, **extra: str) -> dict[str, Any]:
    """Authorization code with PKCE for abri-web, through Keycloak's real sign-in form (no password grant)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    params = {
        "response_type": "code",
        "client_id": WEB,
        "redirect_uri": CALLBACK,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    async with httpx.AsyncClient(timeout=20, follow_redirects=False) as http:
        authorize = httpx.URL(f"{keycloak.issuer}/protocol/openid-connect/auth", params=params)
        location = await fill_login_form(http, str(authorize), username, keycloak.password(username), keycloak.totp_secret(username))
        assert location.startswith(CALLBACK), location
        query = {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
        assert query["state"] == state
        assert query["iss"] == keycloak.issuer  # RFC 9207
        exchange = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": CALLBACK, "code_verifier": verifier}
        response = await http.post(keycloak.token_endpoint, data=exchange, auth=(WEB, keycloak.client_secret(WEB)))
    assert response.status_code == 200, response.text
    token: dict[str, Any] = response.json()
    return token


@asynccontextmanager
async def admin(keycloak: Keycloak) -> AsyncIterator[httpx.AsyncClient]:
    """The realm's admin REST API, as the bootstrap admin keycloak.sh generated."""
    async with httpx.AsyncClient(base_url=f"{keycloak.base_url}/admin/realms/abri", timeout=20) as http:
        login = await http.post(
            f"{keycloak.base_url}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": keycloak.credentials["ABRI_KEYCLOAK_ADMIN_USER"],
                "password": keycloak.credentials["ABRI_KEYCLOAK_ADMIN_PASSWORD"],
            },
        )
        assert login.status_code == 200, login.text
        http.headers["authorization"] = f"Bearer {login.json()['access_token']}"
        yield http


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims, unverified: only to look at what Keycloak put there."""
    header, payload, _ = token.split(".")
    return json.loads(_unb64(header)), json.loads(_unb64(payload))


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tampered(token: str, **changes: Any) -> str:
    """The same token with its payload changed and its signature kept."""
    header, payload, signature = token.split(".")
    claims = {**json.loads(_unb64(payload)), **changes}
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


@dataclass(frozen=True)
class Tokens:
    partner: str
    sw1: str
    sw1_id_token: str
    other_audience: str


OTHER_CLIENT = "abri-test-other-api"


@pytest.fixture(scope="session")
async def tokens(keycloak: Keycloak) -> Tokens:
    """A partner system's token, sw1's tokens, and a token Keycloak minted for another API."""
    partner = await client_credentials(keycloak, PARTNER, keycloak.client_secret(PARTNER))
    sw1 = await sign_in(keycloak, "sw1", "openid profile listings:read listings:write matching:read")
    other_secret = secrets.token_urlsafe(24)
    async with admin(keycloak) as api:  # a client of the same realm whose tokens are for "another-api" only
        created = await api.post(
            "/clients",
            json={
                "clientId": OTHER_CLIENT,
                "secret": other_secret,
                "publicClient": False,
                "standardFlowEnabled": False,
                "serviceAccountsEnabled": True,
                "attributes": {"access.token.header.type.rfc9068": "true"},
                "defaultClientScopes": ["basic"],
                "optionalClientScopes": [],
                "protocolMappers": [
                    {
                        "name": "audience another-api",
                        "protocol": "openid-connect",
                        "protocolMapper": "oidc-audience-mapper",
                        "config": {"included.custom.audience": "another-api", "access.token.claim": "true"},
                    }
                ],
            },
        )
        assert created.status_code == 201, created.text
    other = await client_credentials(keycloak, OTHER_CLIENT, other_secret)
    return Tokens(partner["access_token"], sw1["access_token"], sw1["id_token"], other["access_token"])


@pytest.fixture
async def validator(keycloak: Keycloak) -> AsyncIterator[TokenValidator]:
    """What the gateway and every service run, pointed at Keycloak's realm."""
    async with httpx.AsyncClient(timeout=10) as http:
        yield TokenValidator(TokenPolicy(issuer=keycloak.issuer, audience=AUDIENCE), http)


# ---------------------------------------------------------------- the tokens themselves


async def test_keycloak_serves_the_realm_and_signs_rfc9068_access_tokens(keycloak: Keycloak, tokens: Tokens) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        discovery = (await http.get(f"{keycloak.issuer}/.well-known/openid-configuration")).json()
    assert discovery["issuer"] == keycloak.issuer
    assert "S256" in discovery["code_challenge_methods_supported"]
    for token in (tokens.partner, tokens.sw1):
        header, claims = parts(token)
        assert header["typ"] == "at+jwt"  # client attribute access.token.header.type.rfc9068
        assert header["alg"] == "RS256" and header["kid"]
        assert claims["aud"] == AUDIENCE  # the audience mapper, and nothing else ("account" is not in the realm)
        assert claims["iss"] == keycloak.issuer
        assert {"exp", "iat", "jti", "sub", "client_id"} <= claims.keys()


async def test_a_partner_system_token_from_keycloak_names_the_partner(validator: TokenValidator, tokens: Tokens) -> None:
    principal = await validator.validate(tokens.partner)
    assert principal.subject == str(uuid.uuid5(SUBJECT_NAMESPACE, "client:abri-partner-demo"))  # its service account
    assert principal.roles == frozenset({"partner"})  # default-roles-abri, offline_access... are not Abri roles
    assert principal.org_id == "assoc-1"
    assert principal.scopes == PARTNER_SCOPES  # the client's default scopes
    assert principal.client_id == PARTNER


async def test_a_person_signed_in_at_keycloak_gets_a_token_abri_accepts(validator: TokenValidator, tokens: Tokens) -> None:
    principal = await validator.validate(tokens.sw1)
    assert principal.subject == str(uuid.uuid5(SUBJECT_NAMESPACE, "sw1"))  # the same subject as with infra/idp
    assert principal.roles == frozenset({"social_worker"})
    assert principal.org_id == "assoc-1"
    assert principal.name == "Inès Petit"
    assert principal.client_id == WEB
    assert {"listings:read", "matching:read"} <= principal.scopes
    assert "listings:write" not in principal.scopes  # asked for, but a social worker's role does not allow it


async def test_a_partner_cannot_get_a_scope_its_client_does_not_have(keycloak: Keycloak) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        response = await http.post(
            keycloak.token_endpoint,
            data={"grant_type": "client_credentials", "scope": "guarantees:write"},
            auth=(PARTNER, keycloak.client_secret(PARTNER)),
        )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_a_tampered_keycloak_token_is_refused(validator: TokenValidator, tokens: Tokens) -> None:
    for token in (tampered(tokens.sw1, roles=["ops"]), tampered(tokens.partner, org_id="assoc-2")):
        with pytest.raises(InvalidToken, match="signature"):
            await validator.validate(token)


async def test_a_keycloak_id_token_is_not_an_access_token(validator: TokenValidator, tokens: Tokens) -> None:
    assert parts(tokens.sw1_id_token)[0]["typ"] == "JWT"
    with pytest.raises(InvalidToken, match="access token"):
        await validator.validate(tokens.sw1_id_token)


async def test_a_keycloak_token_for_another_audience_is_refused(validator: TokenValidator, tokens: Tokens) -> None:
    header, claims = parts(tokens.other_audience)
    assert header["typ"] == "at+jwt" and claims["aud"] == "another-api"  # genuine, signed by the realm, for someone else
    with pytest.raises(InvalidToken, match="audience"):
        await validator.validate(tokens.other_audience)


# ---------------------------------------------------------------- through the gateway to a real service

SESSION = "__Host-abri_session"
LOGIN = "__Host-abri_login"


@dataclass(frozen=True)
class Stack:
    gateway_url: str
    listings_url: str


@pytest.fixture(scope="module")
async def stack(keycloak: Keycloak) -> AsyncIterator[Stack]:
    """The listings service and the gateway, both trusting the Keycloak realm."""
    gateway_port, listings_port = free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    async with admin(keycloak) as api:  # let abri-web come back to this gateway (the realm lists :8000 only)
        web = (await api.get("/clients", params={"clientId": WEB})).json()[0]
        web.pop("secret", None)  # keep the secret as it is
        web["redirectUris"] = [*web["redirectUris"], f"{gateway_url}/callback"]
        web["attributes"]["post.logout.redirect.uris"] += f"##{gateway_url}/"
        updated = await api.put(f"/clients/{web['id']}", json=web)
        assert updated.status_code == 204, updated.text
    listings = create_listings(
        ListingsSettings(database_url=database_url("listings"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=keycloak.issuer)
    )
    gateway = create_gateway(
        GatewaySettings(
            public_url=gateway_url,
            oidc_issuer=keycloak.issuer,
            oidc_client_secret=keycloak.client_secret(WEB),
            listings_url=f"http://127.0.0.1:{listings_port}",
            matching_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        )
    )
    async with serving(listings, listings_port), serving(gateway, gateway_port):
        yield Stack(gateway_url, f"http://127.0.0.1:{listings_port}")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_the_gateway_and_the_service_accept_keycloak_tokens_end_to_end(stack: Stack, tokens: Tokens) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=20) as gateway:
        person = await gateway.get("/api/listings/v1/me", headers=bearer(tokens.sw1))
        assert person.status_code == 200, person.text
        assert person.json()["subject"] == str(uuid.uuid5(SUBJECT_NAMESPACE, "sw1"))
        assert person.json()["roles"] == ["social_worker"] and person.json()["org_id"] == "assoc-1"

        machine = await gateway.get("/api/listings/v1/me", headers=bearer(tokens.partner))
        assert machine.status_code == 200, machine.text
        assert machine.json()["roles"] == ["partner"] and machine.json()["client_id"] == PARTNER

        for refused in (tampered(tokens.sw1, roles=["ops"]), tokens.other_audience, tokens.sw1_id_token):
            response = await gateway.get("/api/listings/v1/me", headers=bearer(refused))
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Bearer")

        no_scope = await gateway.post("/api/listings/v1/me", headers=bearer(tokens.sw1))
        assert no_scope.status_code == 403  # a write needs listings:write, which Keycloak did not grant sw1
    async with httpx.AsyncClient(base_url=stack.listings_url, timeout=20) as direct:  # the service checks again by itself
        assert (await direct.get("/v1/me", headers=bearer(tokens.sw1))).status_code == 200
        assert (await direct.get("/v1/me", headers=bearer(tampered(tokens.sw1, sub="someone-else")))).status_code == 401


async def test_signing_in_through_the_gateway_at_keycloak(stack: Stack, keycloak: Keycloak) -> None:
    """The browser's journey: gateway /login, Keycloak's form, gateway /callback, then the API with the session."""
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=20) as gateway, httpx.AsyncClient(timeout=20) as at_keycloak:
        start = await gateway.get("/login", params={"return_to": "/inbox"})
        assert start.status_code == 302
        login_cookie = start.cookies[LOGIN]
        assert start.headers["location"].startswith(f"{keycloak.issuer}/protocol/openid-connect/auth?")
        callback = await fill_login_form(
            at_keycloak, start.headers["location"], "sw2", keycloak.password("sw2"), keycloak.totp_secret("sw2")
        )
        assert callback.startswith(f"{stack.gateway_url}/callback?")
        done = await gateway.get(callback, headers={"cookie": f"{LOGIN}={login_cookie}"})
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/inbox"
        cookie = {"cookie": f"{SESSION}={done.cookies[SESSION]}"}

        session = await gateway.get("/session", headers=cookie)
        assert session.status_code == 200, session.text
        body = session.json()
        assert body["subject"] == str(uuid.uuid5(SUBJECT_NAMESPACE, "sw2"))
        assert body["roles"] == ["social_worker"] and body["org_id"] == "assoc-2"
        me = await gateway.get("/api/listings/v1/me", headers=cookie)
        assert me.status_code == 200, me.text
        assert me.json()["subject"] == body["subject"]

        out = await gateway.post("/logout", headers={**cookie, "x-csrf-token": body["csrf_token"]})
        assert out.status_code == 303
        assert out.headers["location"].startswith(f"{keycloak.issuer}/protocol/openid-connect/logout?")
        assert (await gateway.get("/session", headers=cookie)).status_code == 401


# ---------------------------------------------------------------- strong authentication (issue 19, point 4)

PASSWORD_LEVEL = "urn:abri:loa:password"
MFA_LEVEL = "urn:abri:loa:mfa"


async def test_a_social_worker_reaches_the_mfa_level_with_a_totp_code(keycloak: Keycloak) -> None:
    before = int(time.time())
    token = await sign_in(keycloak, "agent2", "openid profile guarantees:read")
    for claims in (parts(token["access_token"])[1], parts(token["id_token"])[1]):
        assert claims["acr"] == MFA_LEVEL, claims
        assert {"pwd", "otp"} <= set(claims["amr"]), claims  # Keycloak's amr mapper: one reference per step, no "mfa"
        assert before - 5 <= claims["auth_time"] <= int(time.time())


async def test_an_owner_signs_in_at_the_password_level(keycloak: Keycloak) -> None:
    token = await sign_in(keycloak, "owner2", "openid profile listings:read")
    claims = parts(token["access_token"])[1]
    assert (claims["acr"], claims["amr"]) == (PASSWORD_LEVEL, ["pwd"])
    machine = await client_credentials(keycloak, PARTNER, keycloak.client_secret(PARTNER))
    assert "acr" not in parts(machine["access_token"])[1] and "amr" not in parts(machine["access_token"])[1]


async def test_a_password_alone_does_not_sign_a_social_worker_in(keycloak: Keycloak) -> None:
    async with httpx.AsyncClient(timeout=20, follow_redirects=False) as http:
        answer = await post_password(http, authorize_url(keycloak), "ops1", keycloak.password("ops1"))
        assert answer.status_code == 200 and 'name="otp"' in answer.text, "after the password, Keycloak asks ops for a TOTP code"
        otp_form = LoginForm()
        otp_form.feed(answer.text)
        assert otp_form.action
        wrong = await http.post(
            urljoin(str(answer.url), otp_form.action), data={**otp_form.fields, "otp": "000000"}, headers=cookie_header(http)
        )
        assert wrong.status_code != 302 and "location" not in wrong.headers


async def test_a_client_asking_for_mfa_steps_an_owner_up_to_totp_enrolment(keycloak: Keycloak) -> None:
    async with httpx.AsyncClient(timeout=20, follow_redirects=False) as http:
        answer = await post_password(http, authorize_url(keycloak, acr_values=MFA_LEVEL), "owner1", keycloak.password("owner1"))
        while answer.status_code in (302, 303) and answer.headers["location"].startswith(keycloak.base_url):  # to the required action
            answer = await http.get(answer.headers["location"], headers=cookie_header(http))
    assert answer.status_code == 200 and "totpSecret" in answer.text, f"an owner without TOTP is asked to set one up: {answer.headers}"
