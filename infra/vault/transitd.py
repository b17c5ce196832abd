#!/usr/bin/env python3
"""Abri's development transit server: the subset of Vault's transit secrets engine API that Abri uses.

Not Vault. No Vault (nor OpenBao) binary can be installed on the development machines and CI runners Abri
is built on, so this small server speaks the documented wire format of the endpoints ``abri_kit.transit``
calls, for ``make run`` and the tests (infra/vault/README.md says what differs from a real Vault)::

    POST /v1/<mount>/keys/<name>            create (type aes256-gcm96, derived; or ed25519)  GET: read (public keys only)
    POST /v1/<mount>/keys/<name>/rotate     a new version, the latest
    POST /v1/<mount>/keys/<name>/config     min_decryption_version, min_encryption_version
    POST /v1/<mount>/encrypt/<name>         plaintext (base64), context (base64), key_version -> vault:v<n>:...
    POST /v1/<mount>/decrypt/<name>         ciphertext, context -> plaintext (base64)
    POST /v1/<mount>/rewrap/<name>          ciphertext, context, key_version -> the latest version's ciphertext
    POST /v1/<mount>/sign/<name>            input (base64), key_version -> vault:v<n>:base64(Ed25519 signature)
    GET  /v1/sys/health

Keys live in ``<dir>/keys/<mount>/<name>.json`` (mode 0600, directory 0700), the token in ``<dir>/token``
(generated at the first start, mode 0600) or given with ``--token-file``; every request but the health check
needs ``X-Vault-Token``, else 403 ``permission denied``. A derived key's version is HKDF-SHA256 of the version's
256-bit key with the context as info (no salt), as Vault's ``hkdf_sha256`` derivation; the ciphertext is
``vault:v<n>:`` + base64(nonce (12 bytes) + AES-256-GCM ciphertext and tag). An ``ed25519`` key signs (its
versions' public keys are shown by the read, base64 of the raw 32 bytes, as Vault shows them) and neither
encrypts nor decrypts. Listens on 127.0.0.1 only.

    transitd.py serve --dir .run/vault --port 58200
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import hmac
import json
import os
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

HOST = "127.0.0.1"
DEFAULT_PORT = 58200
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CIPHERTEXT = re.compile(r"^vault:v(\d+):(.+)$")
NONCE = 12


class Refused(Exception):
    def __init__(self, status: int, *errors: str) -> None:
        super().__init__(status, errors)
        self.status, self.errors = status, list(errors)


class KeyFiles:
    """The named keys of each mount, one JSON file each, written atomically, readable by this user only."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, mount: str, name: str) -> Path:
        if not _NAME.match(name) or not all(_NAME.match(part) for part in mount.split("/")):
            raise Refused(400, "invalid key name or mount")
        return self.root / "keys" / mount / f"{name}.json"

    def read(self, mount: str, name: str) -> dict[str, Any] | None:
        path = self.path(mount, name)
        if not path.exists():
            return None
        stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return stored

    def write(self, mount: str, name: str, key: dict[str, Any]) -> None:
        path = self.path(mount, name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(key, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)


SIGNING = "ed25519"


def new_key(derived: bool, key_type: str = "aes256-gcm96") -> dict[str, Any]:
    if key_type not in ("aes256-gcm96", SIGNING):
        raise Refused(400, f"unsupported key type {key_type!r} (this development server has aes256-gcm96 and ed25519 only)")
    if key_type == SIGNING and derived:
        raise Refused(400, "key derivation is not supported for ed25519 keys here")
    return {
        "type": key_type,
        "derived": derived,
        "kdf": "hkdf_sha256" if derived else "",
        "latest_version": 1,
        "min_decryption_version": 1,
        "min_encryption_version": 0,
        "versions": {"1": new_version(key_type)},
    }


def new_version(key_type: str) -> dict[str, Any]:
    """A version's secret (base64): 32 random bytes, an AES-256 key or an Ed25519 private key's seed."""
    return {"key": base64.b64encode(secrets.token_bytes(32)).decode(), "time": int(time.time())}


def _rfc3339(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def public_key(entry: dict[str, Any]) -> str:
    """An Ed25519 version's public key, base64 of its raw 32 bytes."""
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(entry["key"]))
    return base64.b64encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def describe(name: str, key: dict[str, Any]) -> dict[str, Any]:
    """What Vault's read-key endpoint shows: never the key material."""
    return {
        "name": name,
        "type": key["type"],
        "derived": key["derived"],
        "kdf": key["kdf"],
        "convergent_encryption": False,
        "deletion_allowed": False,
        "exportable": False,
        "allow_plaintext_backup": False,
        "keys": {
            version: (
                {"name": SIGNING, "public_key": public_key(entry), "creation_time": _rfc3339(entry["time"])}
                if key["type"] == SIGNING
                else entry["time"]
            )
            for version, entry in key["versions"].items()
        },
        "latest_version": key["latest_version"],
        "min_available_version": 0,
        "min_decryption_version": key["min_decryption_version"],
        "min_encryption_version": key["min_encryption_version"],
        "supports_encryption": key["type"] != SIGNING,
        "supports_decryption": key["type"] != SIGNING,
        "supports_derivation": key["type"] != SIGNING,
        "supports_signing": key["type"] == SIGNING,
    }


def _b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise Refused(400, f"failed to base64-decode {what}") from None


def version_key(key: dict[str, Any], version: int, context: Any) -> bytes:
    if key["type"] == SIGNING:
        raise Refused(400, f"key type {SIGNING} does not support encryption")
    entry = key["versions"].get(str(version))
    if entry is None:
        raise Refused(400, "invalid key version")
    material = base64.b64decode(entry["key"])
    if not key["derived"]:
        return material
    if not context:
        raise Refused(
            400,
            "missing 'context' for key derivation; the key was created using a derived key, which means additional, "
            "per-request information must be included in order to perform operations with the key",
        )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_b64(context, "context")).derive(material)


def encrypt(key: dict[str, Any], plaintext: bytes, context: Any, version: int | None) -> tuple[str, int]:
    version = version or key["latest_version"]
    if version < max(key["min_encryption_version"], 1) or version > key["latest_version"]:
        raise Refused(400, "requested version for encryption is not within the permitted range")
    nonce = secrets.token_bytes(NONCE)
    sealed = nonce + AESGCM(version_key(key, version, context)).encrypt(nonce, plaintext, None)
    return f"vault:v{version}:{base64.b64encode(sealed).decode()}", version


def decrypt(key: dict[str, Any], ciphertext: Any, context: Any) -> bytes:
    found = _CIPHERTEXT.match(str(ciphertext or ""))
    if found is None:
        raise Refused(400, "invalid ciphertext: no prefix")
    version = int(found.group(1))
    if version < key["min_decryption_version"]:
        raise Refused(400, "ciphertext or signature version is disallowed by policy (too old)")
    if version > key["latest_version"]:
        raise Refused(400, "invalid ciphertext: version is too new")
    sealed = _b64(found.group(2), "ciphertext")
    try:
        return AESGCM(version_key(key, version, context)).decrypt(sealed[:NONCE], sealed[NONCE:], None)
    except (InvalidTag, ValueError):
        raise Refused(400, "cipher: message authentication failed") from None


def create_app(directory: Path, token: str) -> Starlette:
    files = KeyFiles(directory)

    async def body_of(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise Refused(400, "failed to parse JSON input") from None
        if not isinstance(data, dict):
            raise Refused(400, "failed to parse JSON input")
        return data

    def authorised(request: Request) -> None:
        given = request.headers.get("x-vault-token", "")
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            raise Refused(403, "permission denied")

    def existing(mount: str, name: str, *, missing: str = "encryption key not found", status: int = 400) -> dict[str, Any]:
        key = files.read(mount, name)
        if key is None:
            raise Refused(status, *([missing] if missing else []))  # reading a missing key: 404, no error text
        return key

    async def handle(request: Request) -> Response:
        path = request.path_params["path"]
        try:
            if path == "sys/health":
                return JSONResponse({"initialized": True, "sealed": False, "standby": False, "server_time_utc": int(time.time())})
            authorised(request)
            return await route(request, path)
        except Refused as refused:
            return JSONResponse({"errors": refused.errors}, status_code=refused.status)

    async def route(request: Request, path: str) -> Response:
        method = request.method
        for pattern, handler, methods in routes_table:
            found = pattern.match(path)
            if found and method in methods:
                return await handler(request, found.group("mount"), found.group("name"))
        raise Refused(404, f"1 error occurred:\n\t* unsupported path\n\n ({method} {path})")

    async def key_endpoint(request: Request, mount: str, name: str) -> Response:
        if request.method == "GET":
            return JSONResponse({"data": describe(name, existing(mount, name, missing="", status=404))})
        body = await body_of(request)
        key = files.read(mount, name)
        if key is None:
            key = new_key(bool(body.get("derived", False)), str(body.get("type", "aes256-gcm96")))
            files.write(mount, name, key)
        return JSONResponse({"data": describe(name, key)})

    async def rotate(request: Request, mount: str, name: str) -> Response:
        key = existing(mount, name, missing="no existing key named " + name + " could be found")
        key["latest_version"] += 1
        key["versions"][str(key["latest_version"])] = new_version(key["type"])
        files.write(mount, name, key)
        return JSONResponse({"data": describe(name, key)})

    async def config(request: Request, mount: str, name: str) -> Response:
        key = existing(mount, name)
        body = await body_of(request)
        for field in ("min_decryption_version", "min_encryption_version"):
            if field in body:
                value = int(body[field])
                if value < 0 or value > key["latest_version"]:
                    raise Refused(400, f"{field} out of range")
                key[field] = value
        files.write(mount, name, key)
        return JSONResponse({"data": describe(name, key)})

    async def encrypt_endpoint(request: Request, mount: str, name: str) -> Response:
        body = await body_of(request)
        key = files.read(mount, name)
        if key is None:  # Vault's upsert: the first encryption creates the key (derived when a context is given)
            key = new_key(bool(body.get("context")), str(body.get("type", "aes256-gcm96")))
            files.write(mount, name, key)
        if "plaintext" not in body:
            raise Refused(400, "missing plaintext to encrypt")
        ciphertext, version = encrypt(key, _b64(body["plaintext"], "plaintext"), body.get("context"), body.get("key_version"))
        return JSONResponse({"data": {"ciphertext": ciphertext, "key_version": version}})

    async def decrypt_endpoint(request: Request, mount: str, name: str) -> Response:
        body = await body_of(request)
        plaintext = decrypt(existing(mount, name), body.get("ciphertext"), body.get("context"))
        return JSONResponse({"data": {"plaintext": base64.b64encode(plaintext).decode()}})

    async def rewrap_endpoint(request: Request, mount: str, name: str) -> Response:
        body = await body_of(request)
        key = existing(mount, name)
        plaintext = decrypt(key, body.get("ciphertext"), body.get("context"))
        ciphertext, version = encrypt(key, plaintext, body.get("context"), body.get("key_version"))
        return JSONResponse({"data": {"ciphertext": ciphertext, "key_version": version}})

    async def sign_endpoint(request: Request, mount: str, name: str) -> Response:
        body = await body_of(request)
        key = existing(mount, name, missing="signing key not found")
        if key["type"] != SIGNING:
            raise Refused(400, f"key type {key['type']} does not support signing")
        version = int(body.get("key_version") or key["latest_version"])
        if str(version) not in key["versions"] or version < max(key["min_encryption_version"], 1):
            raise Refused(400, "requested version for signing is not within the permitted range")  # Vault: min_encryption_version
        message = _b64(body.get("input"), "input")
        private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(key["versions"][str(version)]["key"]))
        signature = base64.b64encode(private.sign(message)).decode()
        return JSONResponse({"data": {"signature": f"vault:v{version}:{signature}", "key_version": version}})

    name = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]*)"
    mount = r"(?P<mount>[A-Za-z0-9][A-Za-z0-9_./-]*?)"
    routes_table = [
        (re.compile(rf"^{mount}/keys/{name}/rotate$"), rotate, {"POST", "PUT"}),
        (re.compile(rf"^{mount}/keys/{name}/config$"), config, {"POST", "PUT"}),
        (re.compile(rf"^{mount}/keys/{name}$"), key_endpoint, {"GET", "POST", "PUT"}),
        (re.compile(rf"^{mount}/encrypt/{name}$"), encrypt_endpoint, {"POST", "PUT"}),
        (re.compile(rf"^{mount}/decrypt/{name}$"), decrypt_endpoint, {"POST", "PUT"}),
        (re.compile(rf"^{mount}/rewrap/{name}$"), rewrap_endpoint, {"POST", "PUT"}),
        (re.compile(rf"^{mount}/sign/{name}$"), sign_endpoint, {"POST", "PUT"}),
    ]
    return Starlette(routes=[Route("/v1/{path:path}", handle, methods=["GET", "POST", "PUT"])])


def token_of(directory: Path, token_file: Path | None) -> str:
    """The accepted token: ``token_file``'s, else ``<dir>/token``, generated (0600) at the first start."""
    path = token_file or directory / "token"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("abri-dev." + secrets.token_urlsafe(24) + "\n")
    return path.read_text(encoding="utf-8").strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve on 127.0.0.1 until stopped")
    serve.add_argument("--dir", type=Path, default=Path(__file__).resolve().parents[2] / ".run" / "vault")
    serve.add_argument("--port", type=int, default=int(os.environ.get("ABRI_VAULT_PORT", DEFAULT_PORT)))
    serve.add_argument("--token-file", type=Path, default=None)
    args = parser.parse_args(argv)
    import uvicorn

    args.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        args.dir.chmod(0o700)
    app = create_app(args.dir, token_of(args.dir, args.token_file))
    print(f"transitd: serving Vault's transit API subset on http://{HOST}:{args.port} (keys in {args.dir})", file=sys.stderr, flush=True)
    uvicorn.run(app, host=HOST, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
