"""The CloudEvents envelope: round trip, and refusal of what is not an Abri CloudEvent."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from abri_bus.envelope import DecodeError, Envelope, decode, encode, encode_raw
from abri_contracts.listings import UnitWithdrawn

pytestmark = pytest.mark.unit


def withdrawn() -> UnitWithdrawn:
    return UnitWithdrawn(unit_id=uuid4(), version=3, owner_id="owner-1", withdrawn_at=datetime(2026, 11, 28, tzinfo=UTC))


def test_round_trip_keeps_every_attribute_and_keys_by_aggregate() -> None:
    event = withdrawn()
    envelope = Envelope.of(event)
    key, value, headers = encode(envelope, {"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"})
    assert key == str(event.unit_id).encode()
    decoded = decode(key, value, headers)
    assert (decoded.id, decoded.type, decoded.source, decoded.subject) == (
        envelope.id,
        "abri.listings.unit.withdrawn.v1",
        "/abri/listings",
        str(event.unit_id),
    )
    assert decoded.time == envelope.time and decoded.dataschema == "urn:abri:schema:abri.listings.unit.withdrawn.v1"
    assert UnitWithdrawn.model_validate(decoded.data) == event


def test_raw_encoding_used_by_the_relay_matches_the_sdk_encoding() -> None:
    envelope = Envelope.of(withdrawn())
    raw = encode_raw(
        event_id=envelope.id,
        source=envelope.source,
        event_type=envelope.type,
        subject=envelope.subject,
        time=envelope.time,
        dataschema=envelope.dataschema,
        data_json=json.dumps(envelope.data),
    )
    assert decode(*raw) == decode(*encode(envelope))


@pytest.mark.parametrize(
    ("value", "headers", "message"),
    [
        (b"{}", [("ce_type", b"t")], "not a CloudEvent"),
        (b"{bad", [("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t"), ("ce_specversion", b"1.0")], "not a JSON object"),
        (
            b"[1]",
            [
                ("ce_id", b"1"),
                ("ce_source", b"/s"),
                ("ce_type", b"t"),
                ("ce_specversion", b"1.0"),
                ("ce_subject", b"k"),
                ("ce_time", b"2026-01-01T00:00:00Z"),
            ],
            "not a JSON object",
        ),
        (
            b"{}",
            [("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t"), ("ce_specversion", b"1.0")],
            "missing CloudEvents attributes",
        ),
        (None, [("ce_id", b"1")], "no value"),
        (b"{}", [("content-type", b"text/plain")], "unsupported content type"),
    ],
)
def test_what_is_not_an_abri_cloudevent_is_refused(value: bytes | None, headers: list[tuple[str, bytes]], message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode(b"k", value, headers)


def test_an_event_id_longer_than_the_inbox_allows_is_undecodable() -> None:
    envelope = Envelope.of(withdrawn())
    key, value, headers = encode(envelope)
    headers = [(name, b"x" * 150 if name == "ce_id" else raw) for name, raw in headers]
    with pytest.raises(DecodeError, match="event id"):
        decode(key, value, headers)
