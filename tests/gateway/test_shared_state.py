"""The gateway's state shared by its replicas through Redis: two gateways on two ports (two OS processes where
nothing else may carry it) share the local Redis (``ABRI_REDIS_URL``, started by ``make test``). Sign in
through one, go on through the other, restart either, nothing is lost; sessions end when idle; what Redis
holds is encrypted and keyed by a hash; rate limits count both replicas together; a token refresh is done
once for both; a Redis that does not answer costs browser sessions (503), not API clients with a bearer
token."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Request
from fastapi.responses import Response
from pydantic import SecretStr
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from abri_gateway.app import create_app as create_gateway
from abri_gateway.sessions import RedisSessionStore, Session, SessionCipher
from abri_gateway.settings import GatewaySettings
from abri_gateway.web.visit import visit
from abri_idp.testing import LocalIdp, _FormParser, sign_in_pages
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from tests.gateway.test_bff import LOGIN, SESSION, set_cookies
from tests.oidc_issuer import TestIssuer, serving
from tests.support import PYTHON, database_url, free_port, kafka_bootstrap

REPO = Path(__file__).resolve().parents[2]
KEY = SessionCipher.generate_key()


def redis_url() -> str:
    """The local Redis (``make test`` and ``with_infra.py`` export ABRI_REDIS_URL; else redisctl's credentials)."""
    url = os.environ.get("ABRI_REDIS_URL")
    if not url:
        credentials = REPO / ".run" / "redis" / "credentials.env"
        found = dict(line.split("=", 1) for line in credentials.read_text().splitlines() if "=" in line and not line.startswith("#"))
        url = found.get("ABRI_REDIS_URL")
    if not url:
        raise RuntimeError("no ABRI_REDIS_URL: start Redis (make infra-up, or make test)")
    return url


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url())
    yield client
    await client.aclose()


class Replica:
    """One gateway: started, stopped and started again on the same port (a rolling deploy). In this test's
    process (its app reachable, for the tests that look inside), or with ``process`` an OS process of its own
    (``python -m abri_gateway``, as the image runs it, its settings given as its variables): then nothing but
    Redis can carry state from one replica to the other, not even a module's global."""

    def __init__(self, settings: GatewaySettings, *, process: bool = False) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app: Any = None
        self._serving: Any = None
        self._process = process

    async def start(self) -> None:
        if self._process:
            self._serving = await gateway_process(self.settings, self.port)
            return
        self.app = create_gateway(self.settings)
        self._serving = serving(self.app, self.port)
        await self._serving.__aenter__()

    async def stop(self) -> None:
        if isinstance(self._serving, asyncio.subprocess.Process):
            self._serving.terminate()  # SIGTERM, as Kubernetes stops a pod; uvicorn ends gracefully, then re-raises it
            assert await asyncio.wait_for(self._serving.wait(), 30) in (0, -signal.SIGTERM)
        else:
            await self._serving.__aexit__(None, None, None)
        self._serving = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def sessions(self) -> Any:
        return self.app.site.state.web.auth.sessions


def variables(settings: GatewaySettings) -> dict[str, str]:
    """The ``ABRI_GATEWAY_*`` variables giving a process what the test set in ``settings``."""

    def text(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if isinstance(value, list | tuple):
            return [text(item) for item in value]
        return value

    found = {name: text(getattr(settings, name)) for name in settings.model_fields_set}
    return {
        f"ABRI_GATEWAY_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
        for name, value in found.items()
        if value is not None
    }


async def gateway_process(settings: GatewaySettings, port: int) -> asyncio.subprocess.Process:
    """``python -m abri_gateway`` on ``port``, once it answers its liveness probe (30 s at most)."""
    env = {**os.environ, **variables(settings), "ABRI_GATEWAY_HOST": "127.0.0.1", "ABRI_GATEWAY_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(str(PYTHON), "-m", "abri_gateway", env=env, stderr=asyncio.subprocess.PIPE)
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(300):
            if process.returncode is not None:
                assert process.stderr is not None
                raise AssertionError(f"the gateway process stopped: {(await process.stderr.read()).decode()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return process
            await asyncio.sleep(0.1)
    process.kill()
    await process.wait()
    raise AssertionError("the gateway process did not answer /healthz within 30 s")


@contextlib.asynccontextmanager
async def replicas(*settings: GatewaySettings, processes: bool = False) -> AsyncIterator[list[Replica]]:
    started = [Replica(s, process=processes) for s in settings]
    try:
        for replica in started:
            await replica.start()
        yield started
    finally:
        for replica in started:
            if replica._serving is not None:
                await replica.stop()


def shared(**values: Any) -> dict[str, Any]:
    """Settings of a replica sharing the test Redis and the session key."""
    return {"redis_url": redis_url(), "session_keys": [KEY], **values}


# --- with the local identity provider: the real sign-in -------------------------------------------------
class Idp:
    def __init__(self, idp: LocalIdp) -> None:
        self.idp = idp
        self.credentials = dict(
            line.split("=", 1)
            for line in (idp.directory / "credentials.env").read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )


@contextlib.asynccontextmanager
async def provider(tmp_path_factory: pytest.TempPathFactory, front: str, **env: str) -> AsyncIterator[Idp]:
    """The local identity provider, redirecting to ``front`` (the address browsers use: a load balancer
    in front of the replicas)."""
    idp = LocalIdp(
        Path(tmp_path_factory.mktemp("idp")),
        env={"ABRI_IDP_WEB_REDIRECT_URIS": f"{front}/callback", "ABRI_IDP_WEB_POST_LOGOUT_REDIRECT_URIS": f"{front}/", **env},
    )
    idp.start()
    try:
        yield Idp(idp)
    finally:
        idp.stop()


@contextlib.asynccontextmanager
async def listings_service(issuer: str) -> AsyncIterator[str]:
    port = free_port()
    settings = ListingsSettings(database_url=database_url("listings"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer)
    async with serving(create_listings(settings), port):
        yield f"http://127.0.0.1:{port}"


def via(url: str, replica: Replica) -> str:
    """The same request, sent to ``replica`` (as the load balancer would)."""
    path = url.split("/", 3)[3]
    return f"{replica.url}/{path}"


async def start_sign_in(browser: httpx.AsyncClient, idp: Idp, replica: Replica, username: str) -> tuple[str, str]:
    """``/login`` on ``replica``, then the provider's form; returns the login cookie and the callback URL."""
    start = await browser.get(f"{replica.url}/login", params={"return_to": "/inbox"})
    assert start.status_code == 302
    login_cookie = set_cookies(start)[LOGIN][LOGIN].value
    page = await browser.get(start.headers["location"])
    form = _FormParser()
    form.feed(page.text)
    assert form.action is not None
    password = idp.credentials[f"ABRI_IDP_PASSWORD_{username.upper()}"]
    answer = await sign_in_pages(browser, page, idp.idp.issuer, username, password)  # and a TOTP code when asked
    assert answer.is_redirect, answer.text[:300]
    return login_cookie, answer.headers["location"]


async def finish_sign_in(browser: httpx.AsyncClient, replica: Replica, login_cookie: str, callback: str) -> str:
    done = await browser.get(via(callback, replica), headers={"cookie": f"{LOGIN}={login_cookie}"})
    assert done.status_code == 303, done.text
    return set_cookies(done)[SESSION][SESSION].value


async def test_a_session_opened_on_one_replica_goes_on_through_the_other_and_outlives_restarts(
    tmp_path_factory: pytest.TempPathFactory, redis: Redis
) -> None:
    front = f"http://127.0.0.1:{free_port()}"  # the address browsers use; requests are sent to either replica
    async with provider(tmp_path_factory, front) as idp, listings_service(idp.idp.issuer) as listings:
        base: dict[str, Any] = {
            "public_url": front,
            "oidc_issuer": idp.idp.issuer,
            "oidc_client_secret": idp.credentials["ABRI_IDP_CLIENT_ABRI_WEB_SECRET"],
            "listings_url": listings,
            "matching_url": listings,
        }
        two = (GatewaySettings(**shared(**base)), GatewaySettings(**shared(**base)))
        async with replicas(*two, processes=True) as (one, other):
            async with httpx.AsyncClient(timeout=20) as browser:
                login_cookie, callback = await start_sign_in(browser, idp, one, "sw1")
                await one.restart()  # a login started before a restart finishes after it
                session_id = await finish_sign_in(browser, other, login_cookie, callback)  # and on the other replica
                replay = await browser.get(via(callback, one), headers={"cookie": f"{LOGIN}={login_cookie}"})
                assert replay.status_code == 403  # a pending login is taken once, whichever replica sees it again

            cookie = {"cookie": f"{SESSION}={session_id}"}
            async with httpx.AsyncClient(timeout=20) as client:
                me = await client.get(f"{one.url}/session", headers=cookie)
                assert me.status_code == 200
                csrf = me.json()["csrf_token"]
                assert me.json()["roles"] == ["social_worker"]
                assert (await client.get(f"{other.url}/api/listings/v1/me", headers=cookie)).status_code == 200

                await one.restart()
                await other.restart()  # every replica replaced: a rolling deploy
                again = await client.get(f"{one.url}/session", headers=cookie)
                assert again.status_code == 200 and again.json()["csrf_token"] == csrf
                assert (await client.get(f"{other.url}/api/listings/v1/me", headers=cookie)).status_code == 200
                written = await client.post(f"{other.url}/api/matching/v1/me", headers={**cookie, "x-csrf-token": csrf})
                assert written.status_code == 405  # past the CSRF check on the other replica (the service has no POST there)

                out = await client.post(f"{other.url}/logout", headers=cookie, data={"csrf_token": csrf})
                assert out.status_code == 303
                assert (await client.get(f"{one.url}/session", headers=cookie)).status_code == 401  # signed out everywhere
                assert (await client.get(f"{one.url}/api/listings/v1/me", headers=cookie)).status_code == 401

        # the control: a gateway keeping sessions in its own memory never saw this one
        async with replicas(GatewaySettings(**base)) as (alone,), httpx.AsyncClient(timeout=20) as client:
            assert (await client.get(f"{alone.url}/session", headers=cookie)).status_code == 401


async def test_two_replicas_refresh_a_session_once(tmp_path_factory: pytest.TempPathFactory) -> None:
    front = f"http://127.0.0.1:{free_port()}"
    # tokens live 31 s and are renewed within 30 s of their end: every request after the first second renews
    async with provider(tmp_path_factory, front, ABRI_IDP_ACCESS_TOKEN_TTL="31") as idp, listings_service(idp.idp.issuer) as listings:
        base: dict[str, Any] = {
            "public_url": front,
            "oidc_issuer": idp.idp.issuer,
            "oidc_client_secret": idp.credentials["ABRI_IDP_CLIENT_ABRI_WEB_SECRET"],
            "listings_url": listings,
        }
        two = (GatewaySettings(**shared(**base)), GatewaySettings(**shared(**base)))
        async with replicas(*two) as (one, other):
            async with httpx.AsyncClient(timeout=20) as browser:
                login_cookie, callback = await start_sign_in(browser, idp, one, "sw1")
                session_id = await finish_sign_in(browser, one, login_cookie, callback)
            cookie = {"cookie": f"{SESSION}={session_id}"}
            first = await one.sessions.get(session_id)
            async with httpx.AsyncClient(timeout=20) as client:
                await asyncio.sleep(1.5)
                # both replicas at once: without one lock for both, two of these would spend the same refresh
                # token, and the provider answers a replay by revoking the whole family (every later request 401)
                answers = await asyncio.gather(
                    *(client.get(f"{replica.url}/api/listings/v1/me", headers=cookie) for replica in (one, other) * 4)
                )
                assert [a.status_code for a in answers] == [200] * 8
                renewed = await other.sessions.get(session_id)
                assert renewed.refresh_token != first.refresh_token and renewed.access_token != first.access_token
                await asyncio.sleep(1.5)
                for replica in (other, one):
                    assert (await client.get(f"{replica.url}/api/listings/v1/me", headers=cookie)).status_code == 200


# --- with the test issuer: sessions put straight into the shared store ----------------------------------
@contextlib.asynccontextmanager
async def upstream() -> AsyncIterator[str]:
    """A service that answers 200 to anything (the gateway's own checks are under test)."""

    async def anything(request: Any) -> JSONResponse:
        return JSONResponse({"path": request.url.path})

    port = free_port()
    async with serving(Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])]), port):
        yield f"http://127.0.0.1:{port}"


def session_for(issuer: TestIssuer, subject: str) -> Session:
    token = issuer.token(sub=subject, roles=["owner"], exp=int(time.time()) + 3600)
    return Session(
        access_token=token, refresh_token="refresh-" + subject, id_token=None, access_expires_at=time.time() + 3600,
        subject=subject, name="Test Person", roles=["owner"], org_id=None,
    )  # fmt: skip


async def test_a_session_ends_when_idle_and_at_its_absolute_end(issuer: TestIssuer) -> None:
    async with upstream() as service:
        settings = GatewaySettings(**shared(oidc_issuer=issuer.issuer, listings_url=service, session_idle_s=2, session_ttl_s=5))
        async with replicas(settings, settings) as (one, other), httpx.AsyncClient(timeout=20) as client:
            idle = await one.sessions.create(session_for(issuer, "idle-owner"))
            busy = await one.sessions.create(session_for(issuer, "busy-owner"))

            async def status(replica: Replica, session_id: str) -> int:
                response = await client.get(f"{replica.url}/api/listings/v1/me", headers={"cookie": f"{SESSION}={session_id}"})
                return response.status_code

            assert await status(other, idle) == 200
            for second in range(4):  # used every second on either replica: alive past the idle timeout
                await asyncio.sleep(1)
                assert await status((one, other)[second % 2], busy) == 200, second
            assert await status(one, idle) == 401  # 4 s without a request: ended
            await asyncio.sleep(1.2)
            assert await status(other, busy) == 401  # 5 s after sign-in: ended, however busy


async def test_redis_holds_sessions_encrypted_under_a_hash_of_their_id(issuer: TestIssuer, redis: Redis) -> None:
    async with upstream() as service:
        settings = GatewaySettings(**shared(oidc_issuer=issuer.issuer, listings_url=service))
        async with replicas(settings) as (one,), httpx.AsyncClient(timeout=20) as client:
            session = session_for(issuer, "stored-owner")
            session.notices.append(("success", "a notice with words"))
            session_id = await one.sessions.create(session)
            key = f"abri:gw:session:{hashlib.sha256(session_id.encode()).hexdigest()}"
            stored = await redis.hgetall(key)
            assert set(stored) == {b"identity", b"tokens", b"notices"}
            every_key = [k async for k in redis.scan_iter(match="abri:gw:*", count=1000)]
            assert not any(session_id.encode() in k for k in every_key)  # no key gives the cookie away
            raw = b" ".join(value if isinstance(value, bytes) else value.encode() for value in stored.values())
            for secret in (session.access_token, session.refresh_token, session.csrf_token, session_id, "stored-owner", "words"):
                assert secret and secret.encode() not in raw, secret
            assert 0 < await redis.ttl(key) <= settings.session_idle_s

            # a value moved to another session does not open there: that session ends
            other_id = await one.sessions.create(session_for(issuer, "other-owner"))
            other_key = f"abri:gw:session:{hashlib.sha256(other_id.encode()).hexdigest()}"
            await redis.hset(other_key, "tokens", stored[b"tokens"])
            moved = await client.get(f"{one.url}/api/listings/v1/me", headers={"cookie": f"{SESSION}={other_id}"})
            assert moved.status_code == 401
            assert await redis.exists(other_key) == 0
            assert (await client.get(f"{one.url}/api/listings/v1/me", headers={"cookie": f"{SESSION}={session_id}"})).status_code == 200

            # rotation: a gateway whose first key is new still opens what the old key sealed; without it, nothing
            rotated = RedisSessionStore(Redis.from_url(redis_url()), SessionCipher([SessionCipher.generate_key(), KEY]), 3600, 1800)
            dropped = RedisSessionStore(Redis.from_url(redis_url()), SessionCipher([SessionCipher.generate_key()]), 3600, 1800)
            try:
                found = await rotated.get(session_id)
                assert found is not None and found.access_token == session.access_token
                assert await dropped.get(session_id) is None
            finally:
                await rotated.close()
                await dropped.close()


async def test_a_notice_set_on_one_replica_shows_on_the_other_once(issuer: TestIssuer) -> None:
    async with upstream() as service:
        settings = GatewaySettings(**shared(oidc_issuer=issuer.issuer, listings_url=service))
        async with replicas(settings, settings) as (one, other), httpx.AsyncClient(timeout=20) as client:

            async def noting(request: Request) -> Response:
                page = await visit(request)
                page.notify("success", "Saved on the first replica")
                return page.redirect("/accessibility")

            one.app.site.add_api_route("/test-notice", noting, methods=["GET"])
            session_id = await one.sessions.create(session_for(issuer, "noted-owner"))
            cookie = {"cookie": f"{SESSION}={session_id}"}
            assert (await client.get(f"{one.url}/test-notice", headers=cookie)).status_code == 303
            shown = await client.get(f"{other.url}/accessibility", headers=cookie)
            assert shown.status_code == 200 and "Saved on the first replica" in shown.text
            again = await client.get(f"{one.url}/accessibility", headers=cookie)
            assert "Saved on the first replica" not in again.text  # shown once: cleared in the shared store


async def test_rate_limits_count_both_replicas_together(issuer: TestIssuer, redis: Redis) -> None:
    async with upstream() as service:
        settings = GatewaySettings(
            **shared(
                oidc_issuer=issuer.issuer, listings_url=service, guarantees_url=service, rate_limit="5/minute", public_rate_limit="3/minute"
            )
        )
        async with replicas(settings, settings, processes=True) as (one, other), httpx.AsyncClient(timeout=20) as client:
            token = issuer.token(sub=f"busy-{time.time_ns()}")
            statuses = [
                (await client.get(f"{replica.url}/api/listings/v1/me", headers={"authorization": f"Bearer {token}"})).status_code
                for replica in (one, other, one, other, one, other)
            ]
            assert statuses == [200] * 5 + [429]  # 5 a minute for both together, not 5 each
            calm = issuer.token(sub=f"calm-{time.time_ns()}")
            assert (await client.get(f"{one.url}/api/listings/v1/me", headers={"authorization": f"Bearer {calm}"})).status_code == 200

            # the public routes count per address: this machine's, whose earlier counts are cleared first
            async for key in redis.scan_iter(match="abri:limits*public*", count=1000):
                await redis.delete(key)
            public = [
                (await client.get(f"{replica.url}/api/guarantees/v1/public/keys")).status_code for replica in (other, one, other, one)
            ]
            assert public == [200, 200, 200, 429]


async def test_without_redis_browser_sessions_answer_503_and_bearer_tokens_still_work(issuer: TestIssuer) -> None:
    async with upstream() as service:
        down = f"redis://:nothing@127.0.0.1:{free_port()}/0"  # nothing listens there
        settings = GatewaySettings(oidc_issuer=issuer.issuer, listings_url=service, redis_url=down, session_keys=[KEY])
        async with replicas(settings) as (one,), httpx.AsyncClient(timeout=20) as client:
            token = issuer.token(sub="api-client")
            api = await client.get(f"{one.url}/api/listings/v1/me", headers={"authorization": f"Bearer {token}"})
            assert api.status_code == 200  # rate limits fall back to counting in the process

            session = await client.get(f"{one.url}/api/listings/v1/me", headers={"cookie": f"{SESSION}=some-session"})
            assert session.status_code == 503
            assert session.headers["content-type"].startswith("application/problem+json") and session.json()["status"] == 503
            me = await client.get(f"{one.url}/session", headers={"cookie": f"{SESSION}=some-session"})
            assert me.status_code == 503 and me.json()["status"] == 503

            ready = await client.get(f"{one.url}/readyz")
            assert ready.status_code == 200  # every replica shares Redis: taking them out would stop the API clients too
            assert ready.json()["sessions"] == "unavailable"


def test_redis_without_a_session_key_or_required_and_missing_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="require_redis"):
        GatewaySettings(require_redis=True)  # the chart's replicas must never each keep their own sessions
    with pytest.raises(ValueError, match="session_keys"):
        GatewaySettings(redis_url=redis_url())
    with pytest.raises(ValueError, match="32 random bytes"):
        GatewaySettings(redis_url=redis_url(), session_keys=["short"])
