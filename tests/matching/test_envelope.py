"""Envelope encryption of households' personal data (pure: nothing running)."""

from __future__ import annotations

import pytest

from abri_matching.domain.households import priority_level
from abri_matching.privacy.envelope import Keyring, KeyringError, Unreadable, open_json, seal_json

pytestmark = pytest.mark.unit


def test_sealed_data_open_only_with_their_key_and_for_their_household() -> None:
    ring = Keyring.parse(Keyring.generate_entry("k1"))
    data_key = ring.new_data_key()
    sealed = seal_json(data_key, {"last_name": "Quennehen"}, "household-a")
    assert b"Quennehen" not in sealed
    assert open_json(data_key, sealed, "household-a") == {"last_name": "Quennehen"}
    with pytest.raises(Unreadable):
        open_json(data_key, sealed, "household-b")  # copied onto another household
    with pytest.raises(Unreadable):
        open_json(ring.new_data_key(), sealed, "household-a")
    with pytest.raises(Unreadable):
        open_json(data_key, sealed[:-1] + bytes([sealed[-1] ^ 1]), "household-a")  # altered


def test_data_keys_are_wrapped_and_survive_a_kek_rotation() -> None:
    old_entry = Keyring.generate_entry("k1")
    old = Keyring.parse(old_entry)
    data_key = old.new_data_key()
    wrapped = old.wrap(data_key, "household-a")
    assert wrapped.kek_id == "k1" and data_key not in wrapped.blob
    with pytest.raises(Unreadable):
        old.unwrap(wrapped, "household-b")
    new_entry = Keyring.generate_entry("k2")
    rotated = Keyring.parse(f"{new_entry},{old_entry}")  # the new one current first, the old one kept to unwrap
    assert rotated.current == "k2" and rotated.unwrap(wrapped, "household-a") == data_key
    rewrapped = rotated.rewrap(wrapped, "household-a")
    assert rewrapped.kek_id == "k2" and Keyring.parse(new_entry).unwrap(rewrapped, "household-a") == data_key  # the old KEK may go
    with pytest.raises(Unreadable, match="not configured"):
        Keyring.parse(Keyring.generate_entry("k3")).unwrap(wrapped, "household-a")


@pytest.mark.parametrize("text", ["", "k1", "k1:", ":abcd", "k1:not base64!", "k1:" + "QUJD"])
def test_malformed_keks_are_refused(text: str) -> None:
    with pytest.raises(KeyringError):
        Keyring.parse(text)


@pytest.mark.parametrize(
    ("situations", "level"),
    [([], 0), (["no_home"], 1), (["disability", "threatened_with_eviction"], 1), (["dalo_decision"], 2), (["dalo_decision", "no_home"], 2)],
)
def test_priority_level(situations: list[str], level: int) -> None:
    assert priority_level(situations) == level
