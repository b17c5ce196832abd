"""Matching's sealing of households' personal data (the kit's envelope under the namespace
``household``) and the priority level (pure: nothing running). The envelope itself: tests/kit."""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from abri_kit.envelope import Keyring, KeyringError, WrappedKey, open_json
from abri_matching.domain.households import priority_level
from abri_matching.settings import MatchingSettings

pytestmark = pytest.mark.unit

DATABASE = "postgresql+asyncpg://unit@127.0.0.1/none"


def sealed_as_before(key: bytes, plaintext: bytes, aad: str) -> bytes:
    """Bytes as ``abri_matching.privacy.envelope`` sealed them before it moved to the kit."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad.encode())


def test_households_sealed_before_the_move_to_the_kit_still_open() -> None:
    kek, data_key, household = os.urandom(32), os.urandom(32), "0b9a3c1e-5d0f-4d47-9a8e-0c6f5b2b7e11"
    wrapped = sealed_as_before(kek, data_key, f"abri:household:{household}:dk:local-1")
    personal = {"identity": {"last_name": "Quennehen"}, "priority_situations": ["dalo_decision"]}
    sealed = sealed_as_before(data_key, json.dumps(personal, sort_keys=True).encode(), f"abri:household:{household}:data:")
    keyring = MatchingSettings(database_url=DATABASE, keks=f"local-1:{base64.b64encode(kek).decode()}").keyring()
    assert keyring.namespace == "household"
    assert isinstance(keyring, Keyring)  # no transit configured: the local KEKs
    opened_key = keyring.unwrap_now(WrappedKey("local-1", wrapped), household)
    assert opened_key == data_key and open_json(opened_key, sealed, household, keyring.namespace) == personal
    assert keyring.unwrap_now(keyring.wrap_now(data_key, household), household) == data_key  # and what it wraps now opens too


@pytest.mark.parametrize(("keks", "message"), [(None, "ABRI_MATCHING_KEKS is not set"), ("local-1:QUJD", r"^ABRI_MATCHING_KEKS: ")])
def test_the_service_refuses_absent_or_malformed_keks(keks: str | None, message: str) -> None:
    with pytest.raises(KeyringError, match=message):
        MatchingSettings(database_url=DATABASE, keks=keks).keyring()


@pytest.mark.parametrize(
    ("situations", "level"),
    [([], 0), (["no_home"], 1), (["disability", "threatened_with_eviction"], 1), (["dalo_decision"], 2), (["dalo_decision", "no_home"], 2)],
)
def test_priority_level(situations: list[str], level: int) -> None:
    assert priority_level(situations) == level
