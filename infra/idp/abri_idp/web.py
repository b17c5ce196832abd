"""The Flask application: the provider's HTTP endpoints, and the sign-in pages between them.

A sign-in is a password, then, when it is required, a second factor: a TOTP code, a recovery code, or the
enrolment of a first TOTP secret. A second factor is required of the roles in ``ABRI_IDP_MFA_ROLES``, of
anyone who turned it on (``/account/security``), and whenever a client asks for ``acr_values=urn:abri:loa:mfa``
(step-up: a person signed in with a password alone only gives the second factor). ``max_age`` and
``prompt=login`` ask for the whole sign-in again.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oidc.core.errors import InteractionRequiredError
from flask import Flask, Response, jsonify, request, session

from abri_idp import totp
from abri_idp.assurance import ACR_VALUES_SUPPORTED, AMR_RECOVERY_CODE, Authentication, asks_for_mfa
from abri_idp.authorization_server import AbriAuthorizationServer, userinfo_protector
from abri_idp.credentials import SESSION_SECRET, totp_key
from abri_idp.discovery import openid_configuration
from abri_idp.grants import SignedIn
from abri_idp.mfa import Verdict
from abri_idp.oidc import person_claims
from abri_idp.pages import account_page, code_page, enrol_page, login_page, logout_page, message_page, recovery_codes_page
from abri_idp.provider import Provider, requires_mfa_by_role
from abri_idp.texts import choose_language, text
from abri_idp.users import User

LOGIN_SESSION_TTL = 8 * 3600
"""Seconds a sign-in lets ``/authorize`` answer without asking for the password again."""
PENDING_TTL = 600
"""Seconds between the password and the second factor."""
ENROLMENT_TTL = 900
"""Seconds a secret shown for enrolment waits for its first code."""
ACCOUNT_FRESHNESS = 900
"""Changing one's second factor needs a sign-in at most this old."""
TOTP_ISSUER = "Abri (development)"

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


def _language() -> str:
    return choose_language(request.args.get("ui_locales"), request.args.get("lang"), request.headers.get("Accept-Language"))


def _max_age() -> int | None:
    raw = request.args.get("max_age", "")
    return int(raw) if raw.isdigit() else None


@dataclass(frozen=True)
class Place:
    """Where the sign-in forms post back to, for whom, and whether the request asks for a second factor."""

    action: str
    client_name: str
    language: str
    wants_mfa: bool = False


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

    # -- the browser's sign-in at this provider ------------------------------------------------------------
    def signed_in(max_age: int | None = None) -> SignedIn | None:
        """The person signed in in this browser, if the sign-in is younger than ``max_age`` seconds."""
        subject, auth_time, acr, amr = session.get("sub"), session.get("auth_time"), session.get("acr"), session.get("amr")
        if not isinstance(subject, str) or not isinstance(auth_time, int) or acr not in ACR_VALUES_SUPPORTED:
            return None
        if not isinstance(amr, list) or not all(isinstance(method, str) for method in amr):
            return None
        age = time.time() - auth_time
        if age > LOGIN_SESSION_TTL or (max_age is not None and age > max_age):
            return None
        user = provider.users.by_subject(subject)
        return SignedIn(user, Authentication(str(acr), tuple(amr), auth_time)) if user else None

    def start_session(user: User, authentication: Authentication) -> SignedIn:
        session.clear()  # a new session for a new sign-in (no fixation)
        session.update(sub=user.subject, auth_time=authentication.auth_time, acr=authentication.acr, amr=list(authentication.amr))
        return SignedIn(user, authentication)

    def set_pending(user: User) -> None:
        """The password is known (typed now, or that of the current sign-in): the second factor comes next."""
        session["pending"] = {"sub": user.subject, "at": int(time.time())}

    def pending_user() -> User | None:
        pending = session.get("pending")
        if not isinstance(pending, dict) or not isinstance(pending.get("at"), int) or time.time() - pending["at"] > PENDING_TTL:
            return None
        return provider.users.by_subject(str(pending.get("sub")))

    def needs_second_factor(user: User, place: Place) -> bool:
        return place.wants_mfa or provider.requires_mfa(user)

    # -- pages ---------------------------------------------------------------------------------------------
    def login_form(place: Place, *, status: int = 200, username: str = "", error: str | None = None, note: str | None = None) -> Response:
        page = login_page(
            action=place.action,
            csrf_token=_csrf_token(),
            client_name=place.client_name,
            language=place.language,
            username=username,
            error=error,
            note=note,
        )
        return _html(page, status)

    def dev_code(user: User) -> str | None:
        """ABRI_IDP_DEV_SHOW_TOTP (``make run`` only): a usable code of a demo person still enrolled with the
        secret generated for them."""
        demo_secret = provider.credentials.get(totp_key(user.username))
        if not settings.dev_show_totp or not demo_secret or provider.mfa.secret(user.subject) != demo_secret:
            return None
        step = totp.usable_step(time.time(), provider.mfa.used_steps(user.subject))
        return totp.code_at_step(demo_secret, step) if step is not None else None

    def enrolment_form(place: Place, user: User, *, renew: bool = False, error: str | None = None, status: int = 200) -> Response:
        secret = provider.store.enrolment_secret(user.subject, ENROLMENT_TTL, renew=renew)
        uri = totp.provisioning_uri(secret, user.username, TOTP_ISSUER)
        page = enrol_page(
            action=place.action,
            csrf_token=_csrf_token(),
            language=place.language,
            secret=secret,
            qr_svg=totp.qr_svg(uri, text(place.language, "qr_title")),
            required=requires_mfa_by_role(user, settings),
            error=error,
        )
        return _html(page, status)

    def second_step(
        place: Place,
        user: User,
        *,
        error: str | None = None,
        recovery_error: str | None = None,
        step_up: bool = False,
        renew: bool = False,
        status: int = 200,
    ) -> Response:
        """The code form for an enrolled person, else enrolment."""
        if not provider.mfa.is_enrolled(user.subject):
            return enrolment_form(place, user, renew=renew, error=error or recovery_error, status=status)
        page = code_page(
            action=place.action,
            csrf_token=_csrf_token(),
            language=place.language,
            name=user.name,
            error=error,
            recovery_error=recovery_error,
            step_up=step_up,
            dev_code=dev_code(user),
        )
        return _html(page, status)

    def locked_text(place: Place, wait: int) -> str:
        return text(place.language, "locked", minutes=max(1, (wait + 59) // 60))

    def proceed(place: Place) -> Response | SignedIn:
        """One posted step of the sign-in: the next page, or the person once signed in."""
        step = request.form.get("step", "password")
        lang = place.language
        if not _csrf_ok():
            return login_form(place, status=400, error=text(lang, "form_expired"))
        now = int(time.time())
        if step == "password":
            username = request.form.get("username", "").strip()
            user = provider.users.authenticate(username, request.form.get("password", ""))
            if user is None:
                access_log.info("sign-in refused for %r", username[:64])
                return login_form(place, username=username, error=text(lang, "wrong_password"))
            session.clear()
            if needs_second_factor(user, place):
                set_pending(user)
                return second_step(place, user, renew=True)
            return start_session(user, Authentication.password(now))
        if step == "continue":  # only right after an enrolment, to go on past the recovery codes page
            current = signed_in() if session.pop("after_enrolment", False) else None
            return current if current is not None else login_form(place, status=400, error=text(lang, "form_expired"))
        user = pending_user()
        if user is None or step not in ("otp", "recovery", "enrol"):
            return login_form(place, status=400, error=text(lang, "form_expired"))
        wait = provider.attempts.wait_seconds(user.subject)
        if wait:
            access_log.info("second factor of %r: locked for %d s", user.username, wait)
            return second_step(place, user, error=locked_text(place, wait), status=429)
        if step == "enrol":
            if provider.mfa.is_enrolled(user.subject):  # a second factor is replaced only by one who gave it
                access_log.info("second factor of %r: enrolment refused, one is already enrolled", user.username)
                return login_form(place, status=400, error=text(lang, "form_expired"))
            secret = provider.store.enrolment_secret(user.subject, ENROLMENT_TTL)
            used_step = totp.matching_step(secret, request.form.get("code", ""), now)
            if used_step is None:
                provider.attempts.failed(user.subject)
                return enrolment_form(place, user, error=text(lang, "wrong_code"), status=400)
            codes = totp.new_recovery_codes()
            provider.mfa.enrol(user.subject, secret, used_step, codes)
            provider.store.forget_enrolment(user.subject)
            provider.attempts.succeeded(user.subject)
            access_log.info("second factor of %r: enrolled", user.username)
            start_session(user, Authentication.second_factor(now))
            session["after_enrolment"] = True
            return _html(recovery_codes_page(action=place.action, csrf_token=_csrf_token(), language=lang, codes=codes))
        if step == "recovery":
            if provider.mfa.use_recovery_code(user.subject, request.form.get("recovery_code", "")):
                provider.attempts.succeeded(user.subject)
                access_log.info("second factor of %r: recovery code used", user.username)
                return start_session(user, Authentication.second_factor(now, AMR_RECOVERY_CODE))
            provider.attempts.failed(user.subject)
            return second_step(place, user, recovery_error=text(lang, "wrong_recovery"), status=400)
        verdict = provider.mfa.check_code(user.subject, request.form.get("code", ""))
        if verdict is Verdict.ACCEPTED:
            provider.attempts.succeeded(user.subject)
            return start_session(user, Authentication.second_factor(now))
        if verdict is Verdict.NOT_ENROLLED:  # reset meanwhile
            return enrolment_form(place, user, renew=True)
        provider.attempts.failed(user.subject)
        access_log.info("second factor of %r: %s code", user.username, verdict.value)
        return second_step(place, user, error=text(lang, "replayed_code" if verdict is Verdict.REPLAYED else "wrong_code"), status=400)

    # -- errors --------------------------------------------------------------------------------------------
    def oauth_error(error: OAuth2Error) -> Any:
        """Back to the client when its redirect URI is known and checked, else a page for the person."""
        if error.redirect_uri:
            response = server.handle_error_response(None, error)
            response.location = add_params_to_uri(response.location, {"iss": settings.issuer})  # RFC 9207, errors too
            return response
        message = f"{error.error}: {error.description or 'the request was refused'}"
        lang = _language()
        return _html(message_page(text(lang, "request_refused"), message, lang), error.status_code or 400)

    # -- endpoints -----------------------------------------------------------------------------------------
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
        """Authorization endpoint: a person already signed in here (recently enough for ``max_age``, strongly
        enough for ``acr_values`` and their own rules) gets a code at once, unless ``prompt=login``; otherwise
        the sign-in pages, whose forms post back here."""
        current = signed_in(_max_age()) if request.method == "GET" else None
        try:
            grant = server.get_consent_grant(end_user=current)
        except OAuth2Error as error:
            return oauth_error(error)
        place = Place(request.full_path, grant.client.spec.name, _language(), asks_for_mfa(request.args.get("acr_values")))
        if request.method == "GET":
            if current is None or grant.prompt == "login":
                return login_form(place)
            return finish(grant, place, current)
        result = proceed(place)
        return result if isinstance(result, Response) else finish(grant, place, result)

    def finish(grant: Any, place: Place, current: SignedIn) -> Any:
        """A code for the client, or first the second factor this request or this person requires."""
        if needs_second_factor(current.user, place) and not current.authentication.is_mfa:
            if "none" in (request.args.get("prompt") or "").split():
                return oauth_error(InteractionRequiredError(redirect_uri=grant.redirect_uri))
            set_pending(current.user)
            return second_step(place, current.user, step_up=True, renew=True)
        return server.create_authorization_response(grant=grant, grant_user=current)

    @app.route("/account/security", methods=["GET", "POST"])
    def account() -> Any:
        """Two-step verification of one's own account: on (enrolment) or off (for roles that do not require it)."""
        lang = _language()
        place = Place(request.full_path, text(lang, "account_name"), lang)
        if request.method == "GET":
            current = signed_in()
            return account_view(place, current) if current is not None else login_form(place)
        step = request.form.get("step")
        if step not in ("start-enrol", "disable"):
            result = proceed(place)
            return result if isinstance(result, Response) else account_view(place, result)
        if not _csrf_ok():
            return login_form(place, status=400, error=text(lang, "form_expired"))
        current = signed_in(ACCOUNT_FRESHNESS)
        if current is None:
            return login_form(place, note=text(lang, "account_fresh"))
        user = current.user
        enrolled = provider.mfa.is_enrolled(user.subject)
        if step == "start-enrol":
            if enrolled:
                return account_view(place, current)
            set_pending(user)
            return enrolment_form(place, user, renew=True)
        if not enrolled or requires_mfa_by_role(user, settings):
            return account_view(place, current, status=400)
        wait = provider.attempts.wait_seconds(user.subject)
        if wait:
            return account_view(place, current, error=locked_text(place, wait), status=429)
        verdict = provider.mfa.check_code(user.subject, request.form.get("code", ""))
        if verdict is not Verdict.ACCEPTED:
            provider.attempts.failed(user.subject)
            error = text(lang, "replayed_code" if verdict is Verdict.REPLAYED else "wrong_code")
            return account_view(place, current, error=error, status=400)
        provider.attempts.succeeded(user.subject)
        provider.mfa.remove(user.subject)
        access_log.info("second factor of %r: turned off", user.username)
        return account_view(place, current, message=text(lang, "turned_off"))

    def account_view(
        place: Place, current: SignedIn, *, message: str | None = None, error: str | None = None, status: int = 200
    ) -> Response:
        user = current.user
        page = account_page(
            action=place.action,
            csrf_token=_csrf_token(),
            language=place.language,
            name=f"{user.name} ({user.username})",
            enrolled=provider.mfa.is_enrolled(user.subject),
            required=requires_mfa_by_role(user, settings),
            codes_left=provider.mfa.recovery_codes_left(user.subject),
            back_url=settings.web_post_logout_redirect_uris[0] if settings.web_post_logout_redirect_uris else None,
            message=message,
            error=error,
        )
        return _html(page, status)

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
        lang = _language()
        if request.method == "POST" and not request.form.get("id_token_hint") and not _csrf_ok():
            return _html(message_page(text(lang, "sign_out_expired"), text(lang, "form_expired_retry"), lang), 400)
        try:
            end_session = server.validate_endpoint_request("end_session")
        except OAuth2Error as error:
            return _html(message_page(text(lang, "sign_out_refused"), f"{error.error}: {error.description}", lang), 400)
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
                    language=lang,
                )
            )
        response = server.create_endpoint_response("end_session", end_session)
        return response or _html(message_page(text(lang, "signed_out"), text(lang, "signed_out_text"), lang))

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
