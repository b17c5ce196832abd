"""The visa as a signed token: a compact JWS (Ed25519, RFC 9864's fully specified algorithm) that anyone
can check offline against the keys published at ``GET /v1/public/visa-keys``.

The token carries the visa's number, fund, maximum rent + charges and dates, and expires with the
visa's validity (``exp``: the end of ``valid_until`` in France); never the holder's name
(the number and the name are checked together at ``POST /v1/public/visa-checks``). The signing key
comes from ``ABRI_GUARANTEES_VISA_SIGNING_KEY`` (a PEM Ed25519 private key), never from the repo; after
a rotation, the earlier public keys stay published (``ABRI_GUARANTEES_VISA_PREVIOUS_KEYS``). Or, where a
Vault-compatible transit engine runs, the key stays in the engine (``ABRI_GUARANTEES_VISA_SIGNING_TRANSIT_KEY``,
an ``ed25519`` transit key): the engine signs each token, and every version of its key still usable is
published, so that a rotation at the engine needs nothing more. A revocation shows only through the online
check.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from abri_guarantees.db.visas import VisaRecord
from abri_kit.calendar import FRANCE
from abri_kit.envelope import KeyServiceError, Probe
from abri_kit.transit import TransitSigner

ALGORITHM = "Ed25519"
TOKEN_TYPE = "abri-visa+jwt"  # noqa: S105 (a media type, not a secret)


class VisaKeyError(ValueError):
    """The configured signing key is missing or is not an Ed25519 private key."""


class VisaSigner:
    def __init__(self, pem: str, previous: Sequence[Mapping[str, str]] = ()) -> None:
        """``pem``: the key in PEM; in an environment variable, its newlines may be written ``\\n``."""
        try:
            key = OKPKey.import_key(pem.replace("\\n", "\n").encode())
        except (JoseError, ValueError, TypeError) as exc:
            raise VisaKeyError("ABRI_GUARANTEES_VISA_SIGNING_KEY is not a PEM Ed25519 private key") from exc
        if key.as_dict().get("crv") != "Ed25519" or not key.is_private:
            raise VisaKeyError("ABRI_GUARANTEES_VISA_SIGNING_KEY must be an Ed25519 private key")
        self._key = key
        self.kid = key.thumbprint()
        self._previous = VisaSigner.published(previous)

    @staticmethod
    def published(previous: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
        """Earlier public keys, kept published while the visas they signed may be shown."""
        found = []
        for jwk in previous:
            try:
                old = OKPKey.import_key(dict(jwk))
            except (JoseError, ValueError, TypeError) as exc:
                raise VisaKeyError("ABRI_GUARANTEES_VISA_PREVIOUS_KEYS holds a key that is not an Ed25519 JWK") from exc
            if old.as_dict().get("crv") != "Ed25519":
                raise VisaKeyError("ABRI_GUARANTEES_VISA_PREVIOUS_KEYS holds a key that is not an Ed25519 JWK")
            found.append({**old.as_dict(private=False), "kid": old.thumbprint(), "alg": ALGORITHM, "use": "sig"})
        return found

    @staticmethod
    def generate_pem() -> str:
        """A new key (for ``make run`` and for ops), on one line (newlines written ``\\n``)."""
        return OKPKey.generate_key("Ed25519").as_pem(private=True).decode().strip().replace("\n", "\\n")

    async def token(self, visa: VisaRecord) -> str:
        return jwt.encode(header_of(self.kid), claims_of(visa), self._key, algorithms=[ALGORITHM])

    async def jwks(self) -> dict[str, Any]:
        public = OKPKey.import_key(self._key.as_dict(private=False))
        return {"keys": [{**public.as_dict(private=False), "kid": self.kid, "alg": ALGORITHM, "use": "sig"}, *self._previous]}

    def readiness(self) -> Mapping[str, Probe]:
        return {}


class TransitVisaSigner:
    """Visas signed by a transit engine's Ed25519 key (the private key never in the process); the public key of
    each version still usable is published, with any earlier local keys (``previous``) of a move to transit."""

    def __init__(self, engine: TransitSigner, previous: Sequence[Mapping[str, str]] = ()) -> None:
        self.engine = engine
        self._previous = [dict(jwk) for jwk in VisaSigner.published(previous)]

    async def token(self, visa: VisaRecord) -> str:
        body = _b64url(json.dumps(claims_of(visa), separators=(",", ":")).encode())
        for attempt in (1, 2):  # a refused version or a signature that does not verify: the keys are read again once
            version, keys = await self.engine.public_keys()
            head = _b64url(json.dumps(header_of(public_jwk(keys[version])["kid"]), separators=(",", ":")).encode())
            signing_input = f"{head}.{body}"
            try:
                return f"{signing_input}.{_b64url(await self.engine.sign(signing_input.encode('ascii'), version))}"
            except KeyServiceError:
                if attempt == 2:
                    raise
                self.engine.forget()
        raise AssertionError("unreachable")

    async def jwks(self) -> dict[str, Any]:
        _, keys = await self.engine.public_keys()
        newest_first = [public_jwk(keys[v]) for v in sorted(keys, reverse=True)]
        return {"keys": [*newest_first, *self._previous]}

    def readiness(self) -> Mapping[str, Probe]:
        return self.engine.readiness()


class VisaSigning(Protocol):
    """What signs visas: a local key (:class:`VisaSigner`) or a transit engine's (:class:`TransitVisaSigner`)."""

    async def token(self, visa: VisaRecord) -> str: ...

    async def jwks(self) -> dict[str, Any]: ...

    def readiness(self) -> Mapping[str, Probe]: ...


def claims_of(visa: VisaRecord) -> dict[str, Any]:
    """What a visa token says: never the holder's name."""
    return {
        "iss": f"abri-guarantees:{visa.fund_id}",
        "sub": visa.number,
        "fund_id": visa.fund_id,
        "max_rent_cents": visa.max_rent_cents,
        "issued_on": visa.issued_on.isoformat(),
        "valid_until": visa.valid_until.isoformat(),
        "lease_signing_deadline": visa.lease_signing_deadline.isoformat(),
        "exp": int(datetime.combine(visa.valid_until + timedelta(days=1), time.min, tzinfo=FRANCE).timestamp()),
    }


def header_of(kid: str) -> dict[str, str]:
    return {"alg": ALGORITHM, "kid": kid, "typ": TOKEN_TYPE}


def public_jwk(raw: bytes) -> dict[str, Any]:
    """The JWK of a raw Ed25519 public key, its ``kid`` the key's thumbprint (RFC 7638) as for a local key."""
    key = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)})
    return {**key.as_dict(private=False), "kid": key.thumbprint(), "alg": ALGORITHM, "use": "sig"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
