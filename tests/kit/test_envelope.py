"""The kit's envelope encryption: sealed data open only with their key, for their owner, in their
namespace; data keys survive a KEK rotation; malformed KEKs are refused (pure: nothing running)."""

from __future__ import annotations

import asyncio

import pytest

from abri_kit.envelope import Keyring, KeyringError, Unreadable, open_bytes, open_json, seal_bytes, seal_json

pytestmark = pytest.mark.unit


def test_sealed_data_open_only_with_their_key_for_their_owner_in_their_namespace() -> None:
    ring = Keyring.parse(Keyring.generate_entry("k1"), "household")
    data_key = ring.new_data_key()
    sealed = seal_json(data_key, {"last_name": "Quennehen"}, "owner-a", "household")
    assert b"Quennehen" not in sealed
    assert open_json(data_key, sealed, "owner-a", "household") == {"last_name": "Quennehen"}
    with pytest.raises(Unreadable):
        open_json(data_key, sealed, "owner-b", "household")  # copied onto another owner
    with pytest.raises(Unreadable):
        open_json(data_key, sealed, "owner-a", "file")  # an owner of another kind with the same id
    with pytest.raises(Unreadable):
        open_json(ring.new_data_key(), sealed, "owner-a", "household")
    with pytest.raises(Unreadable):
        open_json(data_key, sealed[:-1] + bytes([sealed[-1] ^ 1]), "owner-a", "household")  # altered


def test_documents_are_sealed_as_bytes_bound_to_their_kind() -> None:
    data_key = Keyring.parse(Keyring.generate_entry("k1"), "file").new_data_key()
    scan = b"%PDF-1.7 payslip of Zoubida Quennehen"
    sealed = seal_bytes(data_key, scan, "file-1", "file", kind="payslip")
    assert b"Quennehen" not in sealed
    assert open_bytes(data_key, sealed, "file-1", "file", kind="payslip") == scan
    with pytest.raises(Unreadable):
        open_bytes(data_key, sealed, "file-1", "file", kind="tax_notice")
    with pytest.raises(Unreadable):
        open_bytes(data_key, sealed, "file-2", "file", kind="payslip")
    assert open_bytes(data_key, seal_bytes(data_key, b"", "file-1", "file"), "file-1", "file") == b""  # kind "blob"
    with pytest.raises(Unreadable):
        open_bytes(data_key, seal_json(data_key, {"a": 1}, "file-1", "file"), "file-1", "file", kind="blob")


@pytest.mark.parametrize("kind", ["dk", "data", "", "a:b"])
def test_reserved_or_ambiguous_kinds_are_refused(kind: str) -> None:
    with pytest.raises(ValueError, match="kind"):
        seal_bytes(bytes(32), b"x", "file-1", "file", kind=kind)


@pytest.mark.parametrize("namespace", ["", "guarantee:file"])
def test_ambiguous_namespaces_are_refused(namespace: str) -> None:
    with pytest.raises(ValueError, match="namespace"):
        Keyring.parse(Keyring.generate_entry("k1"), namespace)
    with pytest.raises(ValueError, match="namespace"):
        seal_json(bytes(32), {}, "owner-a", namespace)


def test_data_keys_are_wrapped_and_survive_a_kek_rotation() -> None:
    old_entry = Keyring.generate_entry("k1")
    old = Keyring.parse(old_entry, "household")
    data_key = old.new_data_key()
    wrapped = old.wrap_now(data_key, "owner-a")
    assert wrapped.kek_id == "k1" and data_key not in wrapped.blob
    with pytest.raises(Unreadable):
        old.unwrap_now(wrapped, "owner-b")
    with pytest.raises(Unreadable):
        Keyring.parse(old_entry, "file").unwrap_now(wrapped, "owner-a")  # the same KEK in another namespace
    new_entry = Keyring.generate_entry("k2")
    rotated = Keyring.parse(f"{new_entry},{old_entry}", "household")  # the new one current first, the old one kept to unwrap
    assert rotated.current == "k2" and rotated.unwrap_now(wrapped, "owner-a") == data_key
    rewrapped = asyncio.run(rotated.rewrap(wrapped, "owner-a"))
    assert rewrapped.kek_id == "k2"
    assert Keyring.parse(new_entry, "household").unwrap_now(rewrapped, "owner-a") == data_key  # the old KEK may go
    with pytest.raises(Unreadable, match="not configured"):
        Keyring.parse(Keyring.generate_entry("k3"), "household").unwrap_now(wrapped, "owner-a")


@pytest.mark.parametrize("text", ["", "k1", "k1:", ":abcd", "k1:not base64!", "k1:" + "QUJD"])
def test_malformed_keks_are_refused_naming_their_variable(text: str) -> None:
    with pytest.raises(KeyringError, match=r"^ABRI_TEST_KEKS: "):
        Keyring.parse(text, "household", variable="ABRI_TEST_KEKS")
