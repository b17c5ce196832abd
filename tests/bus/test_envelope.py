"""The CloudEvents envelope: round trip, and refusal of what is not an Abri CloudEvent."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def sdk_decode(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> Envelope:
    """The decoding through the CloudEvents SDK's Kafka binding that the lean one replaced (the reference)."""
    from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.core.v1.event import CloudEvent

    names = [name[3:].lower() for name, _ in headers if name[:3].lower() == "ce_"]
    if len(names) != len(set(names)):  # the SDK keeps the last: the lean decoding refuses (see decode)
        raise DecodeError("an attribute given twice")
    header_map = {name: raw for name, raw in headers if name.startswith("ce_") or name == "content-type"}
    if header_map.get("content-type", b"application/json") != b"application/json" or value is None:
        raise DecodeError("content type or value")
    lowered = {name.lower(): raw for name, raw in header_map.items()}
    if not lowered.get("ce_id") or not lowered.get("ce_time"):  # the SDK would make them up (see decode)
        raise DecodeError("no id or no time")
    try:
        event = from_binary(KafkaMessage(headers=header_map, key=key, value=value), JSONFormat(), CloudEvent)
    except Exception as exc:
        raise DecodeError(str(exc)) from exc
    attributes, data = event.get_attributes(), event.get_data()
    if not isinstance(data, dict) or not attributes.get("subject") or not isinstance(attributes.get("time"), datetime):
        raise DecodeError("data, subject or time")
    if not 0 < len(str(attributes["id"]).strip()) <= 100 or len(str(attributes["type"])) > 200:
        raise DecodeError("lengths")
    known = {"id", "source", "type", "specversion", "subject", "time", "dataschema", "datacontenttype", "partitionkey"}
    return Envelope(
        id=str(attributes["id"]), source=str(attributes["source"]), type=str(attributes["type"]), subject=str(attributes["subject"]),
        time=attributes["time"], data=data, dataschema=attributes.get("dataschema"), specversion=str(attributes["specversion"]),
        extensions={k: str(v) for k, v in attributes.items() if k not in known},
    )  # fmt: skip


def outcome(decoder: Any, key: bytes, value: bytes | None, headers: list[tuple[str, bytes]]) -> Envelope | str:
    try:
        return decoder(key, value, headers)  # type: ignore[no-any-return]
    except DecodeError:
        return "refused"


TIMES = [
    b"2026-01-01T00:00:00Z", b"2026-11-28T10:11:12.123456+01:00", b"2026-11-28T10:11:12.5-05:30", b"2026-11-28", b"yesterday", b"",
    b"2026-01-01T00:00:00z", b"2026-01-01t00:00:00Z", b"2026-01-01 00:00:00Z", b"2026-01-01T00:00:00+01:00:30", b"2026-01-01T05.Z",
    b"2026-02-30T00:00:00Z",
]  # fmt: skip
CHANGES: list[tuple[str, bytes | None]] = [
    ("ce_id", None), ("ce_source", None), ("ce_type", None), ("ce_subject", None), ("ce_time", None), ("ce_specversion", b"0.3"),
    ("ce_id", b"x" * 101), ("ce_id", b"   "), ("ce_type", b"t" * 201), ("ce_traceid", b"abc"), ("ce_Bad-Name", b"1"),
    ("ce_subject", b"\xff\xfe"), ("ce_dataschema", b"urn:x"), ("content-type", b"text/plain"), ("ce_Id", b"upper"),
    ("ce_averyveryverylongextensionname", b"1"),
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    identifier=st.text(st.characters(codec="utf-8"), min_size=1, max_size=120),
    subject=st.text(min_size=0, max_size=40),
    time=st.sampled_from(TIMES),
    changes=st.lists(st.sampled_from(CHANGES), max_size=3),
    value=st.sampled_from([b'{"a": 1}', b"[1]", b"{bad", b'"text"', b"{}", '{"a": 1}'.encode("utf-16"), b'\xef\xbb\xbf{"a": 1}']),
)
def test_the_lean_decoding_answers_as_the_cloudevents_sdk(
    identifier: str, subject: str, time: bytes, changes: list[tuple[str, bytes | None]], value: bytes
) -> None:
    headers = {
        "ce_id": identifier.encode(), "ce_source": b"/abri/listings", "ce_type": b"abri.listings.unit.withdrawn.v1",
        "ce_specversion": b"1.0", "ce_subject": subject.encode(), "ce_time": time, "content-type": b"application/json",
    }  # fmt: skip
    for name, raw in changes:
        if raw is None:
            headers.pop(name, None)
        else:
            headers[name] = raw
    message = list(headers.items())
    assert outcome(decode, b"k", value, message) == outcome(sdk_decode, b"k", value, message)


@pytest.mark.parametrize("twice", [("ce_id", b"smuggled"), ("ce_Id", b"smuggled"), ("CE_SUBJECT", b"other")])
def test_an_attribute_given_twice_is_refused(twice: tuple[str, bytes]) -> None:
    """Kafka allows a header twice, and the SDK would keep the last: an id or subject slipped in is not believed."""
    headers = [("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t"), ("ce_specversion", b"1.0"), ("ce_subject", b"k")]
    headers += [("ce_time", b"2026-01-01T00:00:00Z"), twice]
    with pytest.raises(DecodeError, match="given twice"):
        decode(b"k", b"{}", headers)


@pytest.mark.parametrize("time", [b"20260101T000000Z", b"2026-01-01T10Z", b"2026-W01-1T00:00:00Z", b"2026-01-01T00:00:00"])
def test_a_time_the_sdk_took_but_rfc_3339_does_not_is_refused(time: bytes) -> None:
    """The SDK's parser took ISO 8601's other forms (basic, hour only, week dates); CloudEvents asks for RFC 3339."""
    headers = [("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t"), ("ce_specversion", b"1.0"), ("ce_subject", b"k")]
    headers.append(("ce_time", time))
    with pytest.raises(DecodeError, match="RFC 3339"):
        decode(b"k", b"{}", headers)
