"""Key-encryption by a Vault-compatible transit engine: the KEK never leaves Vault (or OpenBao).

When a service is given ``ABRI_<SERVICE>_KEK_TRANSIT_URL`` (and a token), its data keys are wrapped and
unwrapped by the engine's ``encrypt``, ``decrypt`` and ``rewrap`` endpoints instead of by the KEKs of
``ABRI_<SERVICE>_KEKS``; the process never holds the KEK, only the data keys it opens, for as long as it uses
them. The transit key is *derived* (created with ``derived=true``): every request carries a ``context``
binding the data key to its namespace and owner (``abri:<namespace>:<owner>``, base64), the equivalent of
the local keyring's associated data, so that an owner's wrapped key does not open as another's.

The ``kek_id`` stored beside a wrapped value is ``transit:<key>:v<n>``, ``n`` the transit key's version that
wrapped it (the ``vault:v<n>:`` prefix of the ciphertext, which is what is stored, as ASCII). Rotating is
Vault's (``POST <mount>/keys/<key>/rotate``); ``abri-ops keys rotate <service>`` then moves every wrapped
value to the latest version with ``rewrap`` (the engine decrypts and re-encrypts inside itself), and
``abri-ops keys status`` counts the values per version, exactly as for local KEKs.

Moving from local KEKs to transit: keep ``ABRI_<SERVICE>_KEKS`` set beside the transit settings; values
wrapped by a local KEK still open with it, new ones go to transit, and ``abri-ops keys rotate`` moves the old
ones (their ``kek_id`` is not the current one); then the local KEKs may be removed.

Errors: an unreachable engine, a refused token (403), a missing key or a sealed Vault raise
:class:`~abri_kit.envelope.KeyServiceError` (clear, naming the URL and key, never the token): nothing was
wrapped, so nothing is written; ``/readyz`` reports the engine (``kek_transit``). A value that does not
decrypt (another owner, altered bytes) is :class:`~abri_kit.envelope.Unreadable`, as with local KEKs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import os
import re
import ssl
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from abri_kit.envelope import KeyEncryption, Keyring, KeyringError, KeyServiceError, Probe, Unreadable, WrappedKey

KEK_ID_PREFIX = "transit"
MAX_KEY_NAME = 32
"""The ``kek_id`` columns hold 50 characters: ``transit:`` + the key's name + ``:v`` + the version."""
_CIPHERTEXT = re.compile(r"^vault:v(\d+):[A-Za-z0-9+/=]+$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_MOUNT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$")


@dataclass(frozen=True)
class TransitConfig:
    """Where the transit engine is and how to speak to it; ``variables`` (``ABRI_MATCHING_KEK_TRANSIT_``)
    names the settings in error messages."""

    url: str
    token: str = field(repr=False)  # never in a log line or a traceback
    key: str
    mount: str = "transit"
    ca_file: str | None = None
    token_file: str | None = None
    """When the token came from a file (``..._TOKEN_FILE``, e.g. a Vault Agent sink), the file is read again
    at each request, so that a renewed token is used without a restart."""
    timeout: float = 5.0
    variables: str = "ABRI_KEK_TRANSIT_"

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise KeyringError(f"{self.variables}URL must be an https:// URL, not {self.url!r}")
        if parts.scheme == "http" and not _loopback(parts.hostname):
            raise KeyringError(f"{self.variables}URL: plain http is refused except on the loopback (the token would travel in clear)")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise KeyringError(f"{self.variables}URL is the server's address only (https://vault:8200), without a path")
        if not self.token and not self.token_file:
            raise KeyringError(f"{self.variables}TOKEN (or {self.variables}TOKEN_FILE) must be set with {self.variables}URL")
        if not _NAME.match(self.key) or len(self.key) > MAX_KEY_NAME:
            raise KeyringError(
                f"{self.variables}KEY must be a transit key name (letters, digits, - _ .; {MAX_KEY_NAME} at most), not {self.key!r}"
            )
        if not _MOUNT.match(self.mount):
            raise KeyringError(f"{self.variables}MOUNT must be a mount path (transit, kv/transit), not {self.mount!r}")
        if self.ca_file is not None and not Path(self.ca_file).is_file():
            raise KeyringError(f"{self.variables}CA_FILE: no file at {self.ca_file}")

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")

    def current_token(self) -> str:
        if self.token_file:
            try:
                return Path(self.token_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise KeyServiceError(f"{self.variables}TOKEN_FILE: cannot read {self.token_file} ({exc.strerror})") from None
        return self.token


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Clients:
    """One HTTP client per event loop (a connection belongs to the loop that opened it: the services' tests run
    several apps, each in its own loop, in one process)."""

    def __init__(self, config: TransitConfig) -> None:
        self.config = config
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()

    def get(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            verify: ssl.SSLContext | bool = True
            if self.config.ca_file:
                verify = ssl.create_default_context(cafile=self.config.ca_file)
            client = httpx.AsyncClient(
                base_url=self.config.base_url, timeout=self.config.timeout, verify=verify, follow_redirects=False, trust_env=False
            )
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


def kek_id_of(key: str, version: int) -> str:
    return f"{KEK_ID_PREFIX}:{key}:v{version}"


def parse_kek_id(kek_id: str) -> tuple[str, int] | None:
    """``(key, version)`` of a transit ``kek_id``; None for a local KEK's id."""
    prefix, _, rest = kek_id.partition(":")
    if prefix != KEK_ID_PREFIX:
        return None
    key, _, version = rest.rpartition(":")
    if not key or not version.startswith("v") or not version[1:].isdigit():
        return None
    return key, int(version[1:])


def ciphertext_version(ciphertext: str) -> int:
    found = _CIPHERTEXT.match(ciphertext)
    if found is None:
        raise Unreadable("not a transit ciphertext (vault:v<n>:...)")
    return int(found.group(1))


class _Engine:
    """One transit key at an engine: the requests, their errors named (never the token)."""

    config: TransitConfig
    _clients: _Clients
    POLICY = "update on {mount}/encrypt, decrypt and rewrap/{key}, read on {mount}/keys/{key}"
    """What the token's policy must allow, said when the engine refuses it."""

    async def key_info(self) -> dict[str, Any]:
        """The transit key's description (``GET <mount>/keys/<key>``: latest_version, type, public keys...)."""
        return await self._request("GET", f"/v1/{self.config.mount}/keys/{self.config.key}", None, "read key")

    async def aclose(self) -> None:
        await self._clients.aclose()

    async def _call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._request("POST", f"/v1/{self.config.mount}/{operation}/{self.config.key}", body, operation)

    async def _request(self, method: str, path: str, body: dict[str, Any] | None, operation: str) -> dict[str, Any]:
        where = f"the key service at {self.config.base_url} ({self.config.mount}/{operation}/{self.config.key})"
        headers = {"X-Vault-Token": self.config.current_token(), "X-Vault-Request": "true"}
        try:
            response = await self._clients.get().request(method, path, json=body, headers=headers)
        except httpx.TimeoutException:
            raise KeyServiceError(f"{where} did not answer within {self.config.timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise KeyServiceError(f"{where} is unreachable: {type(exc).__name__}: {exc}"[:400]) from None
        if response.status_code in (200, 204):
            if response.status_code == 204 or not response.content:
                return {}
            try:
                answer = response.json()
                data = answer.get("data") or {}
            except (ValueError, AttributeError):
                raise KeyServiceError(f"{where} answered {response.status_code} without JSON") from None
            if not isinstance(data, dict):
                raise KeyServiceError(f"{where} answered without a data object")
            return data
        errors = _errors(response)
        if response.status_code == 400 and operation in ("decrypt", "rewrap") and "not found" not in errors:
            raise Unreadable(f"the transit engine could not decrypt: {errors}"[:300])
        if response.status_code == 403:
            policy = self.POLICY.format(mount=self.config.mount, key=self.config.key)
            raise KeyServiceError(
                f"{where} refused the token (403 {errors}): check {self.config.variables}TOKEN and the token's policy ({policy})"
            )
        if response.status_code == 503:
            raise KeyServiceError(f"{where} is unavailable (503 {errors}: sealed, or in standby)")
        raise KeyServiceError(f"{where} answered {response.status_code}: {errors}"[:400])


class TransitKeys(_Engine, KeyEncryption):
    """Data keys wrapped by a transit engine's derived key; ``legacy`` (the local KEKs, if still configured)
    opens what was wrapped before the move to transit, so that ``rewrap`` can move it."""

    def __init__(self, config: TransitConfig, namespace: str, legacy: Keyring | None = None, *, _clients: _Clients | None = None) -> None:
        if not namespace or ":" in namespace:
            raise ValueError(f"the namespace must be a non-empty word without ':', not {namespace!r}")
        self.config = config
        self.namespace = namespace
        self.legacy = legacy.in_namespace(namespace) if legacy is not None else None
        self._clients = _clients or _Clients(config)

    def __repr__(self) -> str:  # never the token
        return f"TransitKeys({self.config.base_url}/v1/{self.config.mount}, key={self.config.key!r}, namespace={self.namespace!r})"

    def in_namespace(self, namespace: str) -> TransitKeys:
        return TransitKeys(self.config, namespace, self.legacy, _clients=self._clients)

    def context(self, owner: str) -> str:
        """The derivation context binding a wrapped key to its namespace and owner (base64, as Vault wants)."""
        return base64.b64encode(f"abri:{self.namespace}:{owner}".encode()).decode()

    async def wrap(self, data_key: bytes, owner: str) -> WrappedKey:
        data = await self._call("encrypt", {"plaintext": base64.b64encode(data_key).decode(), "context": self.context(owner)})
        return self._wrapped(data)

    async def unwrap(self, wrapped: WrappedKey, owner: str) -> bytes:
        found = parse_kek_id(wrapped.kek_id)
        if found is None:
            if self.legacy is not None and self.legacy.has(wrapped.kek_id):
                return self.legacy.unwrap_now(wrapped, owner)
            raise Unreadable(f"KEK {wrapped.kek_id!r} is not configured (the service's keys are in transit key {self.config.key!r})")
        ciphertext = self._ciphertext(wrapped, found)
        data = await self._call("decrypt", {"ciphertext": ciphertext, "context": self.context(owner)})
        try:
            return base64.b64decode(str(data["plaintext"]), validate=True)
        except (KeyError, binascii.Error, ValueError) as exc:
            raise KeyServiceError("the transit engine answered decrypt without a base64 plaintext") from exc

    async def rewrap(self, wrapped: WrappedKey, owner: str) -> WrappedKey:
        found = parse_kek_id(wrapped.kek_id)
        if found is None:  # a local KEK's: opened here, wrapped by transit
            return await self.wrap(await self.unwrap(wrapped, owner), owner)
        data = await self._call("rewrap", {"ciphertext": self._ciphertext(wrapped, found), "context": self.context(owner)})
        return self._wrapped(data)

    async def current_kek(self) -> str:
        return kek_id_of(self.config.key, int((await self.key_info())["latest_version"]))

    def readiness(self) -> Mapping[str, Probe]:
        return {"kek_transit": self.check}

    async def check(self, timeout: float) -> str | None:
        """None if the engine answers for the key, the key is derived and encrypts; else the reason."""
        try:
            async with asyncio.timeout(timeout):
                info = await self.key_info()
        except TimeoutError:
            return f"key service did not answer within {timeout:g}s"
        except KeyServiceError as exc:
            return str(exc)[:300]
        if not info.get("derived"):
            return f"transit key {self.config.key!r} is not derived (create it with derived=true): owners would not be bound"
        if info.get("supports_encryption") is False:
            return f"transit key {self.config.key!r} does not support encryption"
        return None

    # ------------------------------------------------------------------------------------------ the wire

    def _ciphertext(self, wrapped: WrappedKey, found: tuple[str, int]) -> str:
        key, version = found
        if key != self.config.key:
            raise Unreadable(f"wrapped by transit key {key!r}, and this service uses {self.config.key!r}")
        try:
            ciphertext = wrapped.blob.decode("ascii")
        except UnicodeDecodeError:
            raise Unreadable("the wrapped value is not a transit ciphertext") from None
        if ciphertext_version(ciphertext) != version:
            raise Unreadable(f"the ciphertext's version does not match its KEK id {wrapped.kek_id!r}")
        return ciphertext

    def _wrapped(self, data: dict[str, Any]) -> WrappedKey:
        ciphertext = str(data.get("ciphertext", ""))
        try:
            version = ciphertext_version(ciphertext)
        except Unreadable:
            raise KeyServiceError("the transit engine answered without a vault:v<n>: ciphertext") from None
        return WrappedKey(kek_id_of(self.config.key, version), ciphertext.encode("ascii"))


class TransitSigner(_Engine):
    """An Ed25519 signing key held by a transit engine (``type=ed25519``): the engine signs (``sign``), the
    process never holds the private key.

    The key's description is read again every ``KEYS_MAX_AGE_S`` (one read at a time; if the engine does not
    answer, the keys read last serve for ``STALE_MAX_S`` more). Every version from ``min_decryption_version``
    (which governs verification at Vault) is published; a new version is signed with only once it is
    ``PUBLISH_FIRST_S`` old (by its ``creation_time``), so that every replica publishes it before any signs with
    it, and never below ``min_encryption_version`` (Vault refuses to sign there). Each signature is checked
    against the published key of its version before it is used: a key the engine recreated under the same
    name, or a refused version, makes the description read again and the signature asked once more."""

    POLICY = "update on {mount}/sign/{key}, read on {mount}/keys/{key}"
    KEYS_MAX_AGE_S = 60.0
    PUBLISH_FIRST_S = 2 * KEYS_MAX_AGE_S + 30
    STALE_MAX_S = 3600.0

    def __init__(self, config: TransitConfig) -> None:
        self.config = config
        self._clients = _Clients(config)
        self._keys: tuple[float, int, dict[int, bytes]] | None = None
        self._reading = asyncio.Lock()

    def __repr__(self) -> str:  # never the token
        return f"TransitSigner({self.config.base_url}/v1/{self.config.mount}, key={self.config.key!r})"

    def forget(self) -> None:
        """Read the key's description again at the next use (a signature refused or not verifying)."""
        self._keys = None

    async def public_keys(self) -> tuple[int, dict[int, bytes]]:
        """The version to sign with and the raw public key of each version a signature may be checked against,
        oldest first."""
        found = self._keys
        loop = asyncio.get_running_loop()
        if found is not None and loop.time() - found[0] < self.KEYS_MAX_AGE_S:
            return found[1], found[2]
        async with self._reading:
            found = self._keys
            if found is not None and loop.time() - found[0] < self.KEYS_MAX_AGE_S:
                return found[1], found[2]
            try:
                signing, keys = self._described(await self.key_info())
            except KeyServiceError:
                if found is not None and loop.time() - found[0] < self.STALE_MAX_S:
                    return found[1], found[2]  # the keys published a moment ago are still the engine's
                raise
            self._keys = (loop.time(), signing, keys)
            return signing, keys

    def _described(self, info: Mapping[str, Any]) -> tuple[int, dict[int, bytes]]:
        if info.get("type") != "ed25519":
            raise KeyServiceError(f"transit key {self.config.key!r} is {info.get('type')!r}, not an ed25519 signing key")
        try:
            latest = int(info["latest_version"])
            oldest = max(int(info.get("min_decryption_version") or 1), 1)
            lowest_signing = max(int(info.get("min_encryption_version") or 0), oldest)
            entries = {int(version): dict(entry) for version, entry in dict(info["keys"]).items() if int(version) >= oldest}
            keys = {version: base64.b64decode(str(entry["public_key"]), validate=True) for version, entry in entries.items()}
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise KeyServiceError(f"the transit engine described key {self.config.key!r} without its public keys") from exc
        if latest not in keys or any(len(key) != 32 for key in keys.values()):
            raise KeyServiceError(f"the transit engine's public keys of {self.config.key!r} are not Ed25519 keys")
        now = time.time()
        usable = [v for v in sorted(keys) if v >= lowest_signing]
        published_long_enough = [v for v in usable if now - _created(entries[v]) >= self.PUBLISH_FIRST_S]
        signing = max(published_long_enough) if published_long_enough else min(usable or [latest])
        return signing, dict(sorted(keys.items()))

    async def sign(self, message: bytes, version: int) -> bytes:
        """The engine's Ed25519 signature of ``message`` with the key's ``version`` (the raw 64 bytes), checked
        against that version's published key."""
        data = await self._call("sign", {"input": base64.b64encode(message).decode(), "key_version": version})
        found = _CIPHERTEXT.match(str(data.get("signature", "")))
        if found is None or int(found.group(1)) != version:
            raise KeyServiceError(f"the transit engine answered sign without a vault:v{version}: signature")
        signature = base64.b64decode(str(data["signature"]).split(":", 2)[2])
        published = self._keys[2].get(version) if self._keys is not None else None
        try:
            if published is None:
                raise InvalidSignature
            Ed25519PublicKey.from_public_bytes(published).verify(signature, message)
        except (InvalidSignature, ValueError):
            raise KeyServiceError(
                f"the transit engine's signature with {self.config.key!r} v{version} does not verify against its published key"
            ) from None
        return signature

    def readiness(self) -> Mapping[str, Probe]:
        return {"signing_transit": self.check}

    async def check(self, timeout: float) -> str | None:
        """None if the engine describes the key as an Ed25519 key that signs; else the reason."""
        try:
            async with asyncio.timeout(timeout):
                await self.public_keys()
        except TimeoutError:
            return f"key service did not answer within {timeout:g}s"
        except KeyServiceError as exc:
            return str(exc)[:300]
        return None


def _created(entry: Mapping[str, Any]) -> float:
    """A key version's creation time (RFC 3339, Vault writes nanoseconds), as POSIX seconds; 0 when absent or
    unreadable (an old version, signed with at once)."""
    value = str(entry.get("creation_time") or "")
    found = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", value)
    if found is None:
        return 0.0
    fraction = (found.group(2) or "")[:7]  # microseconds at most
    try:
        return datetime.fromisoformat(found.group(1) + fraction + found.group(3).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _errors(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        errors = None
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors)[:200]
    return response.reason_phrase or "no reason given"


# ---------------------------------------------------------------------------------------- the settings


class TransitSettings(BaseSettings):
    """The settings of a service whose KEK may live in a transit engine (mixed into its settings):
    ``ABRI_<SERVICE>_KEK_TRANSIT_URL``, ``_TOKEN`` (or ``_TOKEN_FILE``), ``_MOUNT``, ``_KEY``, ``_CA_FILE``."""

    kek_transit_url: str | None = Field(
        default=None,
        description=(
            "A Vault-compatible transit engine (https://vault:8200) wrapping the data keys instead of the local KEKs; "
            "the KEKs, if still set, only open what they wrapped before (abri-ops keys rotate moves it)."
        ),
    )
    kek_transit_token: SecretStr | None = Field(
        default=None, description="The Vault token (from a file: _TOKEN_FILE, re-read when renewed, e.g. by a Vault Agent)."
    )
    kek_transit_mount: str = Field(default="transit", description="Where the transit engine is mounted.")
    kek_transit_key: str | None = Field(default=None, description="The transit key's name (default abri-<service>); created derived=true.")
    kek_transit_ca_file: str | None = Field(default=None, description="A CA bundle (PEM) to verify the engine's certificate.")
    kek_transit_timeout_s: float = Field(default=5.0, gt=0, le=60, description="How long one request to the engine may take.")

    def transit_config(self, key: str) -> TransitConfig:
        """How to reach ``key`` at the engine of ``..._KEK_TRANSIT_URL`` (the KEKs' key, or another key of the same
        engine, such as a signing key)."""
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        if not self.kek_transit_url:
            raise KeyringError(f"{prefix}KEK_TRANSIT_URL is not set: transit key {key!r} has no engine")
        token = self.kek_transit_token.get_secret_value() if self.kek_transit_token is not None else ""
        return TransitConfig(
            url=self.kek_transit_url,
            token=token,
            key=key,
            mount=self.kek_transit_mount.strip("/"),
            ca_file=self.kek_transit_ca_file,
            token_file=os.environ.get(f"{prefix}KEK_TRANSIT_TOKEN_FILE") or None,  # read at start, and again when renewed
            timeout=self.kek_transit_timeout_s,
            variables=f"{prefix}KEK_TRANSIT_",
        )

    def key_encryption(self, *, service: str, namespace: str, keks: SecretStr | None, needed_for: str) -> KeyEncryption:
        """The service's key encryption: transit when its URL is set (the KEKs, if set, kept for what they wrapped),
        else the local KEKs; :class:`KeyringError` (the service refuses to start) if neither, or if malformed."""
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        local = Keyring.parse(keks.get_secret_value(), namespace, variable=f"{prefix}KEKS") if keks is not None else None
        if self.kek_transit_url:
            return TransitKeys(self.transit_config(self.kek_transit_key or f"abri-{service}"), namespace, legacy=local)
        if local is None:
            raise KeyringError(f"{prefix}KEKS is not set (nor {prefix}KEK_TRANSIT_URL): the {service} service {needed_for}")
        return local
