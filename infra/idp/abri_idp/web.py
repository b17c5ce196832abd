"""The Flask application: the provider's HTTP endpoints."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from flask import Flask, Response, jsonify, request, session

from abri_idp.authorization_server import AbriAuthorizationServer, userinfo_protector
from abri_idp.credentials import SESSION_SECRET
from abri_idp.discovery import openid_configuration
from abri_idp.grants import SignedIn
from abri_idp.oidc import person_claims
from abri_idp.pages import login_page, logout_page, message_page
from abri_idp.provider import Provider

LOGIN_SESSION_TTL = 8 * 3600
"""Seconds a sign-in lets ``/authorize`` answer without asking for the password again."""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
access_log = logging.getLogger("abri_idp.access")


def _csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.form.get("csrf_token", "")
    return isinstance(expected, str) and secrets.compare_digest(expected.encode(), given.encode())


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html")


def create_app(provider: Provider) -> Flask:
    """The WSGI application of ``provider``."""
    settings = provider.settings
    app = Flask("abri_idp")
    app.config.update(
        SECRET_KEY=provider.credentials[SESSION_SECRET],
        SESSION_COOKIE_NAME="abri_idp_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.issuer.startswith("https://"),
        MAX_CONTENT_LENGTH=64 * 1024,
    )

    def sign_out() -> str | None:
        subject = session.get("sub")
        session.clear()
        return subject if isinstance(subject, str) else None

    server = AbriAuthorizationServer(provider, sign_out)
    protector = userinfo_protector(provider)
    metadata = openid_configuration(settings.issuer)

    def signed_in() -> SignedIn | None:
        subject, auth_time = session.get("sub"), session.get("auth_time")
        if not isinstance(subject, str) or not isinstance(auth_time, int) or time.time() - auth_time > LOGIN_SESSION_TTL:
            return None
        user = provider.users.by_subject(subject)
        return SignedIn(user, auth_time) if user else None

    def oauth_error(error: OAuth2Error) -> Any:
        """Back to the client when its redirect URI is known and checked, else a page for the person."""
        if error.redirect_uri:
            response = server.handle_error_response(None, error)
            response.location = add_params_to_uri(response.location, {"iss": settings.issuer})  # RFC 9207, errors too
            return response
        text = f"{error.error}: {error.description or 'the request was refused'}"
        return _html(message_page("This sign-in request cannot be processed", text), error.status_code or 400)

    def login_form(grant: Any, *, status: int = 200, username: str = "", error: str | None = None) -> Response:
        page = login_page(
            action=request.full_path,
            csrf_token=_csrf_token(),
            client_name=grant.client.spec.name,
            username=username,
            error=error,
        )
        return _html(page, status)

    @app.get("/healthz")
    def healthz() -> Response:
        """Alive, and able to read its signing key."""
        return jsonify(status="ok", kid=provider.keys.signing_kid)

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        """OpenID Provider metadata."""
        return jsonify(metadata)

    @app.get("/jwks")
    def jwks() -> Response:
        """The public signing keys."""
        response = jsonify(provider.keys.jwks())
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize() -> Any:
        """Authorization endpoint: a person already signed in here gets a code at once (unless
        ``prompt=login``); otherwise the sign-in form, whose POST comes back here."""
        current = signed_in() if request.method == "GET" else None
        try:
            grant = server.get_consent_grant(end_user=current)
        except OAuth2Error as error:
            return oauth_error(error)
        if request.method == "GET":
            if current is not None and grant.prompt != "login":
                return server.create_authorization_response(grant=grant, grant_user=current)
            return login_form(grant)
        if not _csrf_ok():
            return login_form(grant, status=400, error="This form expired. Please sign in again.")
        username = request.form.get("username", "").strip()
        user = provider.users.authenticate(username, request.form.get("password", ""))
        if user is None:
            access_log.info("sign-in refused for %r", username[:64])
            return login_form(grant, username=username, error="Wrong username or password.")
        session.clear()
        session.update(sub=user.subject, auth_time=int(time.time()))
        return server.create_authorization_response(grant=grant, grant_user=SignedIn(user, session["auth_time"]))

    @app.post("/token")
    def token() -> Any:
        """Token endpoint: authorization_code, refresh_token, client_credentials."""
        return server.create_token_response()

    @app.route("/userinfo", methods=["GET", "POST"])
    def userinfo() -> Any:
        """Claims about the person an access token with ``openid`` was issued for."""
        with protector.acquire("openid") as claims:
            user = provider.users.by_subject(str(claims["sub"]))
            if user is None:
                return jsonify(error="invalid_token", error_description="no person behind this token"), 401
            return jsonify(person_claims(user, str(claims.get("scope", ""))))

    @app.route("/logout", methods=["GET", "POST"])
    def logout() -> Any:
        """RP-initiated logout (end_session_endpoint)."""
        if request.method == "POST" and not request.form.get("id_token_hint") and not _csrf_ok():
            return _html(message_page("Sign-out expired", "This form expired. Please try again."), 400)
        try:
            end_session = server.validate_endpoint_request("end_session")
        except OAuth2Error as error:
            return _html(message_page("Sign-out refused", f"{error.error}: {error.description}"), 400)
        if end_session.needs_confirmation and request.method == "GET":
            names = ("client_id", "post_logout_redirect_uri", "state", "logout_hint", "ui_locales")
            fields = {name: request.args[name] for name in names if request.args.get(name)}
            client = end_session.client
            return _html(
                logout_page(
                    action=request.path,
                    csrf_token=_csrf_token(),
                    fields=fields,
                    client_name=client.spec.name if client is not None else None,
                )
            )
        response = server.create_endpoint_response("end_session", end_session)
        return response or _html(message_page("Signed out", "You are signed out of the Abri development identity provider."))

    @app.after_request
    def harden(response: Response) -> Response:
        """Security headers on every answer; HTML is never cached or framed."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = _CSP
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Cache-Control"] = "no-store"
        access_log.info("%s %s %s", request.method, request.path, response.status_code)
        return response

    return app
