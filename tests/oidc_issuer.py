"""A test issuer: real discovery and JWKS over HTTP on 127.0.0.1, and tokens minted with any claims or
headers, forged ones included. The local identity provider (infra/idp) is tested on its own; this one
lets the tests build the tokens no honest provider would issue."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from abri_auth.assurance import ACR_MFA, ACR_PASSWORD, MFA_ROLES
from abri_contracts.services import SERVICES
from abri_kit.serve import SERVER_OPTIONS
from tests.support import free_port

AUDIENCE = "abri-api"
ALL_SCOPES = " ".join(f"{service}:{access}" for service in SERVICES for access in ("read", "write"))


class TestIssuer:
    """Serves ``/.well-known/openid-configuration`` and ``/jwks``; counts JWKS fetches."""

    __test__ = False

    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"})
        self.published: list[RSAKey] = [self.key]
        self.jwks_fetches = 0

    def app(self) -> Starlette:
        async def discovery(_: Request) -> JSONResponse:
            return JSONResponse({"issuer": self.issuer, "jwks_uri": f"{self.issuer}/jwks", "token_endpoint": f"{self.issuer}/token"})

        async def jwks(_: Request) -> JSONResponse:
            self.jwks_fetches += 1
            return JSONResponse(KeySet(list(self.published)).as_dict(private=False))

        return Starlette(routes=[Route("/.well-known/openid-configuration", discovery), Route("/jwks", jwks)])

    def rotate(self) -> RSAKey:
        """Publish a new key beside the old one and sign with it from now on."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": f"key-{len(self.published) + 1}", "use": "sig", "alg": "RS256"})
        self.published.append(self.key)
        return self.key

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "owner-1",
            "aud": AUDIENCE,
            "exp": now + 300,
            "iat": now,
            "nbf": now,
            "jti": str(uuid.uuid4()),
            "client_id": "abri-web",
            "scope": ALL_SCOPES,
            "roles": ["owner"],
        }
        claims.update(overrides)
        roles = set(claims.get("roles") or ())
        if "acr" not in overrides and "partner" not in roles:  # a person, signed in as the provider would ask
            strong = bool(roles & MFA_ROLES)
            person = {"acr": ACR_MFA if strong else ACR_PASSWORD, "amr": ["pwd", "otp", "mfa"] if strong else ["pwd"], "auth_time": now}
            claims.update({name: value for name, value in person.items() if name not in overrides})
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, *, header: dict[str, Any] | None = None, key: Any = None, **claims: Any) -> str:
        """A signed token (RS256, ``typ: at+jwt`` by default)."""
        signing_key = key or self.key
        head = {"alg": "RS256", "typ": "at+jwt", "kid": signing_key.kid}
        head.update(header or {})
        return jwt.encode({k: v for k, v in head.items() if v is not None}, self.claims(**claims), signing_key)

    def unsigned(self, **claims: Any) -> str:
        """``alg: none``: no signature at all."""
        head = _b64(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
        return f"{head}.{_b64(json.dumps(self.claims(**claims)).encode())}."

    def hs256_with_public_key(self, **claims: Any) -> str:
        """The classic confusion attack: HMAC "signed" with the issuer's public key as the secret."""
        secret = self.key.as_pem(private=False)  # joserfc itself refuses to do this, so by hand
        head = _b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": self.key.kid}).encode())
        body = _b64(json.dumps(self.claims(**claims)).encode())
        signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(signature)}"

    def tampered(self, **claims: Any) -> str:
        """A genuine token whose payload was changed afterwards (the signature no longer matches)."""
        head, _, signature = self.token().split(".")
        return f"{head}.{_b64(json.dumps(self.claims(**claims)).encode())}.{signature}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@asynccontextmanager
async def serving(app: Any, port: int) -> AsyncIterator[uvicorn.Server]:
    """Serve an ASGI app on 127.0.0.1:port in this event loop, for the block's duration."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **SERVER_OPTIONS)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        else:
            raise TimeoutError(f"server on {port} did not start")
        yield server
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
