"""Helpers for tests: run a provider of the test's own, and sign people in through the real flow.

``login`` performs the authorization code flow with PKCE exactly as a browser and a client would: GET
``/authorize``, POST the sign-in form with its CSRF token, then, when the provider asks for it, a TOTP code,
read the redirect to the client, exchange the code at ``/token``. Nothing here skips a check of the provider.

The code comes from ``totp=`` when given; else, for a provider started by :class:`LocalIdp` in this process,
from the person's enrolled secret (:meth:`LocalIdp.next_totp_code`, which waits for a step whose code was not
used yet); else from the development display of ``ABRI_IDP_DEV_SHOW_TOTP`` (``make run``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from abri_idp import totp as otp
from abri_idp.credentials import CREDENTIALS_FILE, client_secret_key, password_key, read_env_file, totp_key
from abri_idp.mfa import MFA_KEY, MfaStore
from abri_idp.users import DEMO_USERS, User

_RUNNING: dict[str, LocalIdp] = {}
"""Providers started by this process, by issuer: ``login`` finds the TOTP secrets of their people there."""


class LoginError(Exception):
    """The flow did not end with tokens: wrong password, refused request, failed exchange."""


@dataclass(frozen=True)
class Pkce:
    """A PKCE pair (RFC 7636, S256)."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        """A fresh random pair."""
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


@dataclass(frozen=True)
class Authorization:
    """What the redirect to the client carried, with what the client must keep to exchange the code."""

    code: str
    redirect_uri: str
    pkce: Pkce
    state: str
    nonce: str


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.alert: list[str] = []
        self.dev_code: list[str] = []
        self._in_form = False
        self._in_alert = False
        self._in_dev_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None and values.get("method", "get").lower() == "post":
            self.action = values.get("action", "")
            self._in_form = True
        elif tag == "input" and self._in_form and values.get("type") == "hidden" and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")
        elif values.get("role") == "alert":
            self._in_alert = True
        elif values.get("id") == "dev-totp-code":
            self._in_dev_code = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        self._in_alert = False
        self._in_dev_code = False

    def handle_data(self, data: str) -> None:
        if self._in_alert:
            self.alert.append(data)
        if self._in_dev_code:
            self.dev_code.append(data)

    @property
    def step(self) -> str:
        """Which step the page's first form is (``password``, ``otp``, ``enrol``...)."""
        return self.fields.get("step", "password")


@asynccontextmanager
async def _http(http: httpx.AsyncClient | None, timeout: float) -> AsyncIterator[httpx.AsyncClient]:
    if http is not None:
        yield http
        return
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        yield client


async def discover(issuer: str, http: httpx.AsyncClient) -> dict[str, Any]:
    """The provider's OpenID configuration."""
    response = await http.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
    response.raise_for_status()
    metadata: dict[str, Any] = response.json()
    return metadata


def _read_redirect(location: str, authorization: Authorization, issuer: str, *, iss_required: bool) -> str:
    if not location.startswith(authorization.redirect_uri):
        raise LoginError(f"redirected to {location!r}, not to {authorization.redirect_uri!r}")
    query = {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
    if "error" in query:
        raise LoginError(f"{query['error']}: {query.get('error_description', '')}")
    if query.get("state") != authorization.state:
        raise LoginError("the state parameter came back changed")
    if (iss_required or "iss" in query) and query.get("iss") != issuer.rstrip("/"):
        raise LoginError(f"the response does not name the issuer (RFC 9207): {query.get('iss')!r}")
    if not query.get("code"):
        raise LoginError("no code in the redirect")
    return query["code"]


async def second_factor_code(issuer: str, username: str, page: str = "") -> str:
    """A TOTP code for ``username``: from a :class:`LocalIdp` of this process, else the development display
    on ``page`` (``ABRI_IDP_DEV_SHOW_TOTP``)."""
    idp = _RUNNING.get(issuer.rstrip("/"))
    if idp is not None:
        return await idp.next_totp_code(username)
    form = _FormParser()
    form.feed(page)
    shown = "".join(form.dev_code).strip()
    if shown:
        return shown
    raise LoginError(f"the provider asks {username} for a TOTP code: pass totp=, or start it with LocalIdp")


def _refusal(answer: httpx.Response) -> str:
    refused = _FormParser()
    refused.feed(answer.text)
    return " ".join("".join(refused.alert).split()) or answer.text[:300]


async def sign_in_pages(
    http: httpx.AsyncClient, page: httpx.Response, issuer: str, username: str, password: str, *, totp: str | None = None
) -> httpx.Response:
    """Fill the provider's sign-in pages from ``page`` on (the password form, then the code form when asked;
    ``totp`` or a code found as the module says) until the provider redirects; return that redirect."""
    answer = page
    steps = 0
    while not answer.is_redirect:
        form = _FormParser()
        form.feed(answer.text)
        steps += 1
        if form.action is None or steps > 3:
            raise LoginError(f"sign-in refused ({answer.status_code}): {_refusal(answer)}")
        if form.step == "password":
            if steps > 1:
                raise LoginError(f"sign-in refused ({answer.status_code}): {_refusal(answer)}")
            fields = {**form.fields, "username": username, "password": password}
        elif form.step == "otp":
            if steps > 1 and answer.status_code != 200:
                raise LoginError(f"second factor refused ({answer.status_code}): {_refusal(answer)}")
            fields = {**form.fields, "code": totp or await second_factor_code(issuer, username, answer.text)}
        elif form.step == "enrol":
            raise LoginError(f"{username} has no second factor yet and must enrol one first")
        else:
            raise LoginError(f"unexpected sign-in step {form.step!r}")
        answer = await http.post(urljoin(str(answer.url), form.action), data=fields)
    return answer


async def authorize(
    issuer: str,
    username: str,
    password: str,
    client_id: str,
    redirect_uri: str,
    scope: str,
    *,
    extra: Mapping[str, str] | None = None,
    http: httpx.AsyncClient | None = None,
    timeout: float = 10.0,
    totp: str | None = None,
) -> Authorization:
    """The front-channel half: GET ``/authorize``, sign in on the form (password, then a TOTP code when the
    provider asks: ``totp`` or, see the module, one found for ``username``), read the code from the redirect.
    Pass ``http`` to keep the provider's session cookie (a second call then signs in without the form)."""
    pending = Authorization("", redirect_uri, Pkce.new(), secrets.token_urlsafe(16), secrets.token_urlsafe(16))
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": pending.pkce.challenge,
        "code_challenge_method": "S256",
        **(extra or {}),
    }
    async with _http(http, timeout) as client:
        metadata = await discover(issuer, client)
        answer = await client.get(metadata["authorization_endpoint"], params=params)
        if not answer.is_redirect and answer.status_code != 200:
            raise LoginError(f"the authorization endpoint answered {answer.status_code}: {answer.text[:300]}")
        answer = await sign_in_pages(client, answer, issuer, username, password, totp=totp)
    iss_required = bool(metadata.get("authorization_response_iss_parameter_supported"))
    code = _read_redirect(answer.headers["location"], pending, issuer, iss_required=iss_required)
    return Authorization(code, redirect_uri, pending.pkce, pending.state, pending.nonce)


async def exchange_code(
    issuer: str,
    authorization: Authorization,
    client_id: str,
    client_secret: str,
    *,
    http: httpx.AsyncClient | None = None,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """The back-channel half: exchange the code (with its PKCE verifier) at ``/token``, client_secret_basic."""
    async with _http(http, timeout) as client:
        metadata = await discover(issuer, client)
        data = {
            "grant_type": "authorization_code",
            "code": authorization.code,
            "redirect_uri": authorization.redirect_uri,
            "code_verifier": authorization.pkce.verifier,
        }
        response = await client.post(metadata["token_endpoint"], data=data, auth=(client_id, client_secret))
    if response.status_code != 200:
        raise LoginError(f"the token endpoint answered {response.status_code}: {response.text[:300]}")
    token: dict[str, Any] = response.json()
    return token


async def login(
    issuer: str,
    username: str,
    password: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    scope: str,
    *,
    timeout: float = 10.0,
    totp: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Sign ``username`` in through the authorization code flow with PKCE (and a TOTP code when asked, see
    :func:`authorize`); return the token response (``access_token``, ``id_token`` with ``openid``,
    ``refresh_token``, ``expires_in``, ``scope``)."""
    authorization = await authorize(issuer, username, password, client_id, redirect_uri, scope, timeout=timeout, totp=totp, extra=extra)
    return await exchange_code(issuer, authorization, client_id, client_secret, timeout=timeout)


async def client_credentials(
    issuer: str, client_id: str, client_secret: str, scope: str | None = None, *, timeout: float = 10.0
) -> dict[str, Any]:
    """A machine token (client credentials grant, client_secret_basic)."""
    async with httpx.AsyncClient(timeout=timeout) as client:
        metadata = await discover(issuer, client)
        data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        response = await client.post(metadata["token_endpoint"], data=data, auth=(client_id, client_secret))
    if response.status_code != 200:
        raise LoginError(f"the token endpoint answered {response.status_code}: {response.text[:300]}")
    token: dict[str, Any] = response.json()
    return token


def _user(username: str) -> User:
    found = next((user for user in DEMO_USERS if user.username == username), None)
    if found is None:
        raise LoginError(f"no demo person named {username!r}")
    return found


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalIdp:
    """``python -m abri_idp serve`` as a subprocess with its own state directory and port.

    Use as a context manager (or :meth:`start` / :meth:`stop`); :attr:`startup_seconds` is the time from
    spawning the process to the first healthy ``/healthz``."""

    directory: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    startup_seconds: float = 0.0
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def issuer(self) -> str:
        """Its issuer URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """Where its output goes."""
        return self.directory / "idp.log"

    def _environment(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("ABRI_IDP_")}
        return {
            **base,
            "ABRI_IDP_HOST": "127.0.0.1",
            "ABRI_IDP_PORT": str(self.port),
            "ABRI_IDP_DIR": str(self.directory),
            **self.env,
        }

    def start(self, timeout: float = 20.0) -> LocalIdp:
        """Spawn and wait until ``/healthz`` answers; raise with the log if it does not."""
        self.directory.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "abri_idp", "serve"], env=self._environment(), stdout=log, stderr=subprocess.STDOUT
            )
        deadline = started + timeout
        with httpx.Client(timeout=1.0) as client:
            while True:
                if self._process.poll() is not None:
                    raise RuntimeError(f"abri_idp exited with {self._process.returncode}:\n{self.log_tail()}")
                try:
                    if client.get(f"{self.issuer}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() > deadline:
                    self.stop()
                    raise RuntimeError(f"abri_idp did not answer within {timeout}s:\n{self.log_tail()}")
                time.sleep(0.02)
        self.startup_seconds = time.perf_counter() - started
        _RUNNING[self.issuer] = self
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds."""
        if _RUNNING.get(self.issuer) is self:
            del _RUNNING[self.issuer]
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def log_tail(self, lines: int = 40) -> str:
        """The end of its output."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def cli(self, *args: str, timeout: float = 30.0) -> str:
        """Run ``python -m abri_idp <args>`` against the same state directory; return its output."""
        done = subprocess.run(
            [sys.executable, "-m", "abri_idp", *args],
            env=self._environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return done.stdout

    @property
    def credentials(self) -> dict[str, str]:
        """The generated ``credentials.env``."""
        return read_env_file(self.directory / CREDENTIALS_FILE)

    def password(self, username: str) -> str:
        """A demo person's password."""
        return self.credentials[password_key(username)]

    def client_secret(self, client_id: str) -> str:
        """A client's secret."""
        return self.credentials[client_secret_key(client_id)]

    @property
    def mfa(self) -> MfaStore:
        """The provider's second factors (``mfa.json``), read and written as the provider does."""
        return MfaStore(self.directory, self.credentials[MFA_KEY])

    def demo_totp_secret(self, username: str) -> str:
        """The TOTP secret generated for a demo person (``ABRI_IDP_TOTP_<USER>``), with which the people whose
        roles require a second factor are enrolled at first start."""
        return self.credentials[totp_key(username)]

    def totp_code(self, username: str, now: float | None = None) -> str | None:
        """A code of the person's enrolled secret that the provider has not accepted yet (None: all the codes
        of the window were used; :meth:`next_totp_code` waits)."""
        user = _user(username)
        store = self.mfa
        secret = store.secret(user.subject)
        if secret is None:
            raise LoginError(f"{username} has no second factor")
        step = otp.usable_step(time.time() if now is None else now, store.used_steps(user.subject))
        return None if step is None else otp.code_at_step(secret, step)

    async def next_totp_code(self, username: str) -> str:
        """:meth:`totp_code`, waiting (at most a step, 30 s) when the window's codes were all used."""
        for _ in range(otp.STEP_SECONDS * 2 + 5):
            code = self.totp_code(username)
            if code is not None:
                return code
            await asyncio.sleep(0.5)
        raise LoginError(f"no unused TOTP code for {username}")

    def reset_mfa(self, username: str) -> str:
        """``python -m abri_idp reset-mfa USERNAME``: the person enrols again at next sign-in."""
        return self.cli("reset-mfa", username)

    def __enter__(self) -> LocalIdp:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.stop()
