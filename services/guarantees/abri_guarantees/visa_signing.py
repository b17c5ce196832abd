"""The visa as a signed token: a compact JWS (Ed25519, RFC 9864's fully specified algorithm) that anyone
can check offline against the keys published at ``GET /v1/public/visa-keys``.

The token carries the visa's number, fund, maximum rent + charges and dates, and expires with the
visa's validity (``exp``: the end of ``valid_until`` in France); never the holder's name
(the number and the name are checked together at ``POST /v1/public/visa-checks``). The signing key
comes from ``ABRI_GUARANTEES_VISA_SIGNING_KEY`` (a PEM Ed25519 private key), never from the repo; after
a rotation, the earlier public keys stay published (``ABRI_GUARANTEES_VISA_PREVIOUS_KEYS``). A revocation
shows only through the online check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from abri_guarantees.db.visas import VisaRecord
from abri_kit.clock import FRANCE

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
        self._previous = []
        for jwk in previous:  # earlier keys stay published while the visas they signed may be shown
            try:
                old = OKPKey.import_key(dict(jwk))
            except (JoseError, ValueError, TypeError) as exc:
                raise VisaKeyError("ABRI_GUARANTEES_VISA_PREVIOUS_KEYS holds a key that is not an Ed25519 JWK") from exc
            self._previous.append({**old.as_dict(private=False), "kid": old.thumbprint(), "alg": ALGORITHM, "use": "sig"})

    @staticmethod
    def generate_pem() -> str:
        """A new key (for ``make run`` and for ops), on one line (newlines written ``\\n``)."""
        return OKPKey.generate_key("Ed25519").as_pem(private=True).decode().strip().replace("\n", "\\n")

    def token(self, visa: VisaRecord) -> str:
        claims: dict[str, Any] = {
            "iss": f"abri-guarantees:{visa.fund_id}",
            "sub": visa.number,
            "fund_id": visa.fund_id,
            "max_rent_cents": visa.max_rent_cents,
            "issued_on": visa.issued_on.isoformat(),
            "valid_until": visa.valid_until.isoformat(),
            "lease_signing_deadline": visa.lease_signing_deadline.isoformat(),
            "exp": int(datetime.combine(visa.valid_until + timedelta(days=1), time.min, tzinfo=FRANCE).timestamp()),
        }
        header = {"alg": ALGORITHM, "kid": self.kid, "typ": TOKEN_TYPE}
        return jwt.encode(header, claims, self._key, algorithms=[ALGORITHM])

    def jwks(self) -> dict[str, Any]:
        public = OKPKey.import_key(self._key.as_dict(private=False))
        return {"keys": [{**public.as_dict(private=False), "kid": self.kid, "alg": ALGORITHM, "use": "sig"}, *self._previous]}
