"""Browser login through the gateway (backend-for-frontend): authorization code + PKCE.

``/login`` sends the browser to the identity provider; ``/callback`` exchanges the code on the server,
checks the ID token (issuer, audience, nonce) and the access token, and opens a server-side session;
the browser only gets an opaque, HttpOnly, Secure, SameSite=Lax cookie. ``/session`` tells the page
who is signed in and its CSRF token; ``/logout`` (POST, with that token) ends the session here and at
the provider. Tokens never reach the browser.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from joserfc import jws, jwt
from joserfc.errors import JoseError

from abri_auth.assurance import ACR_MFA, ACR_PASSWORD
from abri_auth.errors import Forbidden, InvalidToken, MissingToken
from abri_gateway.auth import SESSION_KEY, GatewayAuth, cookie
from abri_gateway.sessions import PendingLogin, Session, SessionStore
from abri_gateway.settings import GatewaySettings
from abri_gateway.web import i18n

LOGIN_COOKIE = "__Host-abri_login"
KNOWN_ACRS = frozenset({ACR_PASSWORD, ACR_MFA})
"""The levels a step-up may ask for (``abri_auth.assurance``)."""
MAX_AGE_LIMIT_S = 86_400
"""The longest ``max_age`` a step-up may pass on (a day)."""


class OIDCEndpoints:
    """The provider's endpoints, from discovery (fetched once, then kept)."""

    def __init__(self, issuer: str, http: httpx.AsyncClient) -> None:
        self.issuer = issuer.rstrip("/")
        self._http = http
        self._document: dict[str, Any] | None = None

    async def get(self, name: str) -> str | None:
        """An endpoint URL by its discovery name (``authorization_endpoint``, ...)."""
        if self._document is None:
            response = await self._http.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5.0)
            response.raise_for_status()
            self._document = response.json()
        value = self._document.get(name)
        return str(value) if value else None


class BackendForFrontend:
    """The login, callback, session and logout routes."""

    def __init__(self, settings: GatewaySettings, auth: GatewayAuth, sessions: SessionStore, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.auth = auth
        self.sessions = sessions
        self.http = http
        self.endpoints = OIDCEndpoints(settings.oidc_issuer, http)
        self.redirect_uri = settings.public_url.rstrip("/") + "/callback"
        auth.refresh = self.refresh
        self.after_sign_in: Callable[[Session], Awaitable[None]] | None = None  # the web front enrols the person
        self.router = APIRouter(tags=["browser session"])
        self.router.add_api_route("/login", self.login, methods=["GET"], summary="Start signing in (redirects to the identity provider)")
        self.router.add_api_route("/callback", self.callback, methods=["GET"], summary="Return from the identity provider")
        self.router.add_api_route("/session", self.session, methods=["GET"], summary="Who is signed in, and the CSRF token")
        self.router.add_api_route("/logout", self.logout, methods=["POST"], summary="Sign out (needs the CSRF token)")

    def _client(self, scope: str | None = None) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret.get_secret_value(),
            redirect_uri=self.redirect_uri,
            scope=scope,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106  (a method name, not a secret)
            timeout=10.0,
        )

    async def login(
        self,
        request: Request,
        return_to: str = "/",
        acr_values: Annotated[str, Query(max_length=200, description="Step-up (RFC 9470): the level to ask the provider for")] = "",
        max_age: Annotated[int | None, Query(ge=0, le=MAX_AGE_LIMIT_S, description="Step-up: authenticated at most this long ago")] = None,
    ) -> RedirectResponse:
        """Redirect to the provider's login, with state, nonce and a PKCE challenge; a service's step-up
        challenge (``acr_values``, ``max_age``) is passed on to the provider as it asked."""
        authorize = await self.endpoints.get("authorization_endpoint")
        if authorize is None:
            raise InvalidToken("the identity provider has no authorization endpoint")
        asked = acr_values.split()
        if any(value not in KNOWN_ACRS for value in asked):
            known = " ".join(sorted(KNOWN_ACRS))
            error = {"type": "value_error", "loc": ("query", "acr_values"), "msg": f"only {known}", "input": acr_values}
            raise RequestValidationError([error])
        login = PendingLogin(
            state=generate_token(32),
            nonce=generate_token(32),
            code_verifier=generate_token(64),
            return_to=_local_path(return_to),
            acr_values=" ".join(asked),
            max_age=max_age,
        )
        query = {
            "response_type": "code",
            "client_id": self.settings.oidc_client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.settings.oidc_scopes,
            "state": login.state,
            "nonce": login.nonce,
            "code_challenge": create_s256_code_challenge(login.code_verifier),
            "code_challenge_method": "S256",
        }
        if asked:
            query["acr_values"] = " ".join(asked)
        if max_age is not None:
            query["max_age"] = str(max_age)
        # the provider's sign-in page in the language of the pages (OpenID Connect's ui_locales)
        query["ui_locales"] = i18n.choose(
            request.query_params.get("lang"), request.cookies.get("abri_lang"), request.headers.get("accept-language")
        )
        response = RedirectResponse(f"{authorize}?{urlencode(query)}", status_code=302)
        _set_cookie(response, LOGIN_COOKIE, await self.sessions.start_login(login), max_age=600)
        return response

    async def callback(self, request: Request, code: str = "", state: str = "", error: str = "") -> Response:
        """Exchange the code, check the tokens, open the session, go back where the user was."""
        login = await self.sessions.finish_login(cookie(request.scope, LOGIN_COOKIE))
        if login is None or not state or not secrets.compare_digest(state, login.state):
            raise Forbidden("this sign-in was not started here, or it expired: sign in again")
        if error or not code:
            raise Forbidden(f"the identity provider refused the sign-in ({error or 'no code'})")
        token_endpoint = await self.endpoints.get("token_endpoint")
        async with self._client(self.settings.oidc_scopes) as client:
            token = await client.fetch_token(token_endpoint, code=code, code_verifier=login.code_verifier, grant_type="authorization_code")
        session = await self._session_from(token, nonce=login.nonce)
        if login.acr_values or login.max_age is not None:
            signed = await self.auth.tokens.principal(session.access_token)
            if login.acr_values and signed.acr not in login.acr_values.split():
                raise Forbidden("the identity provider did not confirm the second factor asked for: sign in again")
            if login.max_age is not None and (
                signed.auth_time is None or time.time() - signed.auth_time > login.max_age + self.settings.oidc_leeway_s
            ):
                raise Forbidden("the identity provider did not sign you in again as asked: sign in again")
        if self.after_sign_in is not None:
            await self.after_sign_in(session)
        response = RedirectResponse(login.return_to, status_code=303)
        await self.sessions.delete(cookie(request.scope, self.settings.session_cookie))  # a step-up replaces the session
        _set_cookie(response, self.settings.session_cookie, await self.sessions.create(session), max_age=self.settings.session_ttl_s)
        response.delete_cookie(LOGIN_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
        return response

    async def session(self, request: Request) -> JSONResponse:
        """The signed-in user (no token) and the CSRF token to send with state-changing requests."""
        current = await self.auth.session_of(request.scope)
        if current is None:
            raise MissingToken("not signed in")
        return JSONResponse(
            {
                "subject": current.subject,
                "name": current.name,
                "roles": current.roles,
                "org_id": current.org_id,
                "csrf_token": current.csrf_token,
            },
            headers={"cache-control": "no-store"},
        )

    async def logout(self, request: Request, csrf_token: str = Form(default="")) -> Response:
        """End the session (the form or the ``X-CSRF-Token`` header must carry its CSRF token)."""
        current = await self.auth.session_of(request.scope)
        if current is None:
            raise MissingToken("not signed in")
        sent = csrf_token or request.headers.get("x-csrf-token", "")
        if not secrets.compare_digest(sent, current.csrf_token):
            raise Forbidden("missing or wrong CSRF token")
        await self.sessions.delete(current.id)
        request.scope.pop(SESSION_KEY, None)  # nothing of it is saved back
        end_session = await self.endpoints.get("end_session_endpoint")
        target = "/"
        if end_session:
            query = {
                "post_logout_redirect_uri": self.settings.public_url.rstrip("/") + "/",
                "client_id": self.settings.oidc_client_id,
            }
            if current.id_token:
                query["id_token_hint"] = current.id_token
            target = f"{end_session}?{urlencode(query)}"
        response = RedirectResponse(target, status_code=303)
        response.delete_cookie(self.settings.session_cookie, path="/", secure=True, httponly=True, samesite="lax")
        return response

    async def refresh(self, session: Session) -> None:
        """Renew the session's access token with its refresh token (rotated by the provider)."""
        if not session.refresh_token:
            return
        token_endpoint = await self.endpoints.get("token_endpoint")
        async with self._client() as client:  # no scope: the provider renews what it granted (RFC 6749 section 6)
            token = await client.refresh_token(token_endpoint, refresh_token=session.refresh_token)
        renewed = await self._session_from(token, nonce=None, previous=session)
        session.access_token = renewed.access_token
        session.refresh_token = renewed.refresh_token or session.refresh_token
        session.access_expires_at = renewed.access_expires_at

    async def _session_from(self, token: dict[str, Any], *, nonce: str | None, previous: Session | None = None) -> Session:
        access_token = str(token["access_token"])
        principal = await self.auth.tokens.principal(access_token)
        id_token = token.get("id_token") or (previous.id_token if previous else None)
        if nonce is not None:
            if not id_token:
                raise InvalidToken("the identity provider returned no ID token")
            await self._check_id_token(str(id_token), nonce, principal.subject)
        return Session(
            access_token=access_token,
            refresh_token=token.get("refresh_token"),
            id_token=str(id_token) if id_token else None,
            access_expires_at=float(token.get("expires_at") or time.time() + float(token.get("expires_in", 300))),
            subject=principal.subject,
            name=principal.name,
            roles=sorted(principal.roles),
            org_id=principal.org_id,
        )

    async def _check_id_token(self, id_token: str, nonce: str, subject: str) -> None:
        try:
            kid = jws.extract_compact(id_token.encode()).headers().get("kid")
        except (JoseError, ValueError) as exc:
            raise InvalidToken("the ID token is not a signed JWT") from exc
        keys = await self.auth.tokens.validator.keys.key_set(kid)  # refreshed if the provider just rotated
        try:
            decoded = jwt.decode(id_token, keys, algorithms=list(self.auth.tokens.validator.policy.algorithms))
            jwt.JWTClaimsRegistry(
                leeway=self.settings.oidc_leeway_s,
                iss={"essential": True, "value": self.settings.oidc_issuer},
                aud={"essential": True, "value": self.settings.oidc_client_id},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
                sub={"essential": True, "value": subject},
            ).validate(decoded.claims)
        except JoseError as exc:
            raise InvalidToken(f"the ID token is not valid ({exc.error})") from exc


def _set_cookie(response: Response, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="lax")


def _local_path(target: str) -> str:
    """Only same-site paths: an open redirect would let a link send a signed-in user anywhere (browsers
    read a backslash as a slash, so ``/\\host`` is refused too)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
