"""Key encryption by a transit engine (``abri_kit.transit``) against Abri's development transit server
(infra/vault/transitd.py, a process of the module's own): data keys wrapped and unwrapped without the KEK
ever in the process, bound to their owner, moved to a rotated key's latest version, clear errors when the
engine cannot be asked, and the settings that choose it (from variables or files)."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from abri_kit.envelope import Keyring, KeyringError, KeyServiceError, Unreadable, WrappedKey
from abri_kit.key_rotation import KeyringDeclaration
from abri_kit.transit import TransitConfig, TransitKeys
from abri_matching.settings import MatchingSettings
from tests.support import free_port
from tests.transit_server import TransitServer, running_transit

KEY = "abri-test"
DATABASE = "postgresql+asyncpg://unit@127.0.0.1/none"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransitServer]:
    with running_transit(tmp_path_factory.mktemp("transit")) as running:
        running.create_key(KEY)
        yield running


@pytest.fixture
async def keys(server: TransitServer) -> AsyncIterator[TransitKeys]:
    found = server.keys(KEY, "household")
    try:
        yield found
    finally:
        await found.aclose()


async def test_a_data_key_is_wrapped_by_the_engine_and_opens_only_for_its_owner_and_namespace(
    keys: TransitKeys, server: TransitServer
) -> None:
    data_key = keys.new_data_key()
    wrapped = await keys.wrap(data_key, "owner-a")
    version = server.request("GET", f"transit/keys/{KEY}").json()["data"]["latest_version"]
    assert wrapped.kek_id == f"transit:{KEY}:v{version}" and wrapped.blob.startswith(f"vault:v{version}:".encode())
    assert data_key not in wrapped.blob and base64.b64encode(data_key) not in wrapped.blob
    assert await keys.unwrap(wrapped, "owner-a") == data_key
    with pytest.raises(Unreadable):
        await keys.unwrap(wrapped, "owner-b")  # another owner's context derives another key
    with pytest.raises(Unreadable):
        await keys.in_namespace("guarantee-file").unwrap(wrapped, "owner-a")  # the same owner id of another kind
    altered = wrapped.blob[:-6] + (b"AAAA==" if not wrapped.blob.endswith(b"AAAA==") else b"BBBB==")
    with pytest.raises(Unreadable):
        await keys.unwrap(WrappedKey(wrapped.kek_id, altered), "owner-a")
    with pytest.raises(Unreadable, match="version does not match"):
        await keys.unwrap(WrappedKey(f"transit:{KEY}:v{version + 7}", wrapped.blob), "owner-a")
    with pytest.raises(Unreadable, match="transit key 'another'"):
        await keys.unwrap(WrappedKey("transit:another:v1", wrapped.blob), "owner-a")


async def test_the_ciphertext_is_vault_s_documented_format(keys: TransitKeys, server: TransitServer) -> None:
    """``vault:v<n>:`` + base64(12-byte nonce + AES-256-GCM), under HKDF-SHA256(version key, info=context):
    opened here from the server's key file, so the server is held to the format, not only to itself."""
    data_key = keys.new_data_key()
    wrapped = await keys.wrap(data_key, "owner-f")
    _, version, body = wrapped.blob.decode().split(":", 2)
    stored = json.loads((server.directory / "keys" / "transit" / f"{KEY}.json").read_text())
    material = base64.b64decode(stored["versions"][version.removeprefix("v")]["key"])
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"abri:household:owner-f").derive(material)
    raw = base64.b64decode(body)
    assert AESGCM(derived).decrypt(raw[:12], raw[12:], None) == data_key
    key_file = server.directory / "keys" / "transit" / f"{KEY}.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700


async def test_rotating_the_transit_key_moves_new_wraps_and_rewrap_to_the_latest_version(server: TransitServer) -> None:
    key = f"abri-rot-{os.urandom(3).hex()}"
    server.create_key(key)
    keys = server.keys(key, "household")
    try:
        data_key = keys.new_data_key()
        first = await keys.wrap(data_key, "owner-r")
        assert first.kek_id == f"transit:{key}:v1" and await keys.current_kek() == f"transit:{key}:v1"
        assert server.rotate(key) == 2
        assert await keys.current_kek() == f"transit:{key}:v2"
        assert (await keys.wrap(data_key, "owner-r")).kek_id == f"transit:{key}:v2"
        moved = await keys.rewrap(first, "owner-r")
        assert moved.kek_id == f"transit:{key}:v2" and moved.blob.startswith(b"vault:v2:")
        assert await keys.unwrap(moved, "owner-r") == data_key and await keys.unwrap(first, "owner-r") == data_key
        with pytest.raises(Unreadable):
            await keys.rewrap(first, "owner-other")  # a rewrap is bound to the owner too
        # once everything is rewrapped, ops may retire v1 (min_decryption_version): what it wrapped no longer opens
        assert server.request("POST", f"transit/keys/{key}/config", {"min_decryption_version": 2}).status_code == 200
        with pytest.raises(Unreadable):
            await keys.unwrap(first, "owner-r")
        assert await keys.unwrap(moved, "owner-r") == data_key
    finally:
        await keys.aclose()


async def test_values_wrapped_by_local_keks_still_open_and_move_to_transit(server: TransitServer) -> None:
    local = Keyring.parse(Keyring.generate_entry("local-1"), "household")
    keys = TransitKeys(server.config(KEY), "household", legacy=local)
    try:
        data_key = local.new_data_key()
        before = await local.wrap(data_key, "owner-l")
        assert await keys.unwrap(before, "owner-l") == data_key
        moved = await keys.rewrap(before, "owner-l")
        assert moved.kek_id.startswith(f"transit:{KEY}:v") and await keys.unwrap(moved, "owner-l") == data_key
        with pytest.raises(Unreadable, match="'gone' is not configured"):
            await keys.unwrap(WrappedKey("gone", before.blob), "owner-l")
    finally:
        await keys.aclose()


async def test_an_unreachable_engine_or_a_refused_token_is_a_clear_error_naming_no_secret(server: TransitServer) -> None:
    closed = TransitKeys(TransitConfig(url=f"http://127.0.0.1:{free_port()}", token="s.never-shown", key=KEY, timeout=2), "household")
    with pytest.raises(
        KeyServiceError, match=r"the key service at http://127\.0\.0\.1:\d+ \(transit/encrypt/abri-test\) is unreachable"
    ) as refused:
        await closed.wrap(os.urandom(32), "owner-u")
    assert "s.never-shown" not in str(refused.value)
    assert "unreachable" in (await closed.check(2) or "")
    wrong = TransitKeys(server.config(KEY, token="s.wrong-token", variables="ABRI_MATCHING_KEK_TRANSIT_"), "household")
    good = server.keys(KEY, "household")
    try:
        wrapped = await good.wrap(os.urandom(32), "owner-u")
        for attempt in (wrong.wrap(os.urandom(32), "owner-u"), wrong.unwrap(wrapped, "owner-u"), wrong.rewrap(wrapped, "owner-u")):
            with pytest.raises(
                KeyServiceError, match="refused the token \\(403 permission denied\\): check ABRI_MATCHING_KEK_TRANSIT_TOKEN"
            ) as e:
                await attempt
            assert "s.wrong-token" not in str(e.value)
        assert "403" in (await wrong.check(2) or "")
        assert await good.check(2) is None
        server.create_key("abri-not-derived", derived=False)
        assert "not derived" in (await server.keys("abri-not-derived", "household").check(2) or "")
        missing = await server.keys("abri-missing", "household").check(2)
        assert missing is not None and "404" in missing
    finally:
        await wrong.aclose()
        await good.aclose()


async def test_a_token_file_is_read_again_when_renewed(server: TransitServer, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("s.expired\n")
    keys = server.keys(KEY, "household", token="s.expired", token_file=str(token_file))
    try:
        with pytest.raises(KeyServiceError, match="403"):
            await keys.wrap(os.urandom(32), "owner-t")
        token_file.write_text(server.token + "\n")  # a Vault Agent renewed it
        assert (await keys.wrap(os.urandom(32), "owner-t")).kek_id.startswith("transit:")
    finally:
        await keys.aclose()


@pytest.mark.unit
def test_settings_choose_transit_and_refuse_what_would_leak_or_not_fit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = MatchingSettings(
        database_url=DATABASE, keks=None, kek_transit_url="https://vault.internal:8200", kek_transit_token="s.token"
    ).keyring()
    assert isinstance(chosen, TransitKeys) and chosen.config.key == "abri-matching" and chosen.config.mount == "transit"
    assert chosen.legacy is None and "s.token" not in repr(chosen)
    with_local = MatchingSettings(
        database_url=DATABASE, keks=Keyring.generate_entry("local-1"), kek_transit_url="https://vault.internal:8200", kek_transit_token="t"
    ).keyring()
    assert isinstance(with_local, TransitKeys) and with_local.legacy is not None and with_local.legacy.has("local-1")
    assert isinstance(MatchingSettings(database_url=DATABASE, keks=Keyring.generate_entry("local-1")).keyring(), Keyring)
    refusals = [
        ({"kek_transit_url": "http://vault.internal:8200", "kek_transit_token": "t"}, "plain http is refused"),
        ({"kek_transit_url": "https://vault.internal:8200/v1/transit", "kek_transit_token": "t"}, "without a path"),
        ({"kek_transit_url": "https://vault.internal:8200"}, "ABRI_MATCHING_KEK_TRANSIT_TOKEN"),
        ({"kek_transit_url": "https://v:8200", "kek_transit_token": "t", "kek_transit_key": "x" * 40}, "32 at most"),
        ({"kek_transit_url": "https://v:8200", "kek_transit_token": "t", "kek_transit_ca_file": str(tmp_path / "none.pem")}, "CA_FILE"),
        ({}, "ABRI_MATCHING_KEKS is not set"),
    ]
    for given, message in refusals:
        with pytest.raises(KeyringError, match=message):
            MatchingSettings(database_url=DATABASE, keks=None, **given).keyring()  # type: ignore[arg-type]


@pytest.mark.unit
def test_the_transit_settings_come_from_files_for_the_service_and_for_abri_ops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ABRI_MATCHING_KEK"):
            monkeypatch.delenv(name)
    token = tmp_path / "token"
    token.write_text("s.from-a-file\n")
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("ABRI_MATCHING_DATABASE_URL", DATABASE)
    monkeypatch.setenv("ABRI_MATCHING_KEK_TRANSIT_URL", "https://vault.internal:8200")
    monkeypatch.setenv("ABRI_MATCHING_KEK_TRANSIT_TOKEN_FILE", str(token))
    monkeypatch.setenv("ABRI_MATCHING_KEK_TRANSIT_KEY", "abri-matching-prod")
    monkeypatch.setenv("ABRI_MATCHING_KEK_TRANSIT_MOUNT", "kms/transit")
    monkeypatch.setenv("ABRI_MATCHING_KEK_TRANSIT_CA_FILE", str(ca))
    service = MatchingSettings().keyring()
    declaration = KeyringDeclaration(service="matching", namespace="household", variable="ABRI_MATCHING_KEKS", tables=())
    ops = declaration.keyring()
    for keys in (service, ops):
        assert isinstance(keys, TransitKeys)
        assert (keys.config.key, keys.config.mount, keys.config.ca_file) == ("abri-matching-prod", "kms/transit", str(ca))
        assert keys.config.current_token() == "s.from-a-file" and keys.config.token_file == str(token)
    monkeypatch.delenv("ABRI_MATCHING_KEK_TRANSIT_URL")
    monkeypatch.setenv("ABRI_MATCHING_KEKS_FILE", str(tmp_path / "keks"))
    (tmp_path / "keks").write_text(Keyring.generate_entry("filed-1") + "\n")
    local = declaration.keyring()
    assert isinstance(local, Keyring) and local.current == "filed-1"


def test_the_token_never_shows_in_the_configuration_text() -> None:
    from abri_kit.transit import TransitConfig

    config = TransitConfig(url="http://127.0.0.1:8200", token="s.never-in-a-log", key="abri-matching")
    assert "never-in-a-log" not in repr(config) and "never-in-a-log" not in str(config)
