"""The CloudEvents 1.0 envelope of every Abri event, in Kafka binary content mode.

Attributes travel as ``ce_*`` headers, the data as the JSON message value, and the message key is the
aggregate id (``subject``), so that one aggregate's events stay in order on one partition.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from cloudevents.core.bindings.kafka import to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from abri_contracts import EventContract

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
_FORMAT = JSONFormat()
MAX_ID_LENGTH = 100  # event_inbox.event_id
MAX_TYPE_LENGTH = 200  # event_inbox.event_type


class DecodeError(ValueError):
    """A Kafka message that is not a valid Abri CloudEvent."""


@dataclass(frozen=True)
class Envelope:
    """One event: its CloudEvents attributes and its JSON data."""

    id: str
    source: str
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]
    dataschema: str | None = None
    specversion: str = SPECVERSION
    extensions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, event: EventContract, time: datetime | None = None, event_id: str | None = None) -> Envelope:
        """A new envelope around a contract instance (a fresh id unless ``event_id``), stamped ``time`` (when
        the change happened, from the use case's clock; the wall clock when not given)."""
        return cls(
            id=event_id or str(uuid4()),
            source=event.source(),
            type=event.event_type,
            subject=event.subject(),
            time=time or datetime.now(UTC),
            data=event.to_data(),
            dataschema=event.dataschema(),
        )


def encode(envelope: Envelope, trace_headers: dict[str, str] | None = None) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers of the Kafka message carrying ``envelope`` (binary content mode)."""
    attributes: dict[str, Any] = {
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "specversion": envelope.specversion,
        "subject": envelope.subject,
        "time": envelope.time,
        "datacontenttype": CONTENT_TYPE,
    }
    if envelope.dataschema:
        attributes["dataschema"] = envelope.dataschema
    message = to_binary(CloudEvent(attributes, envelope.data), _FORMAT, key_mapper=lambda _: envelope.subject)
    headers = [(name, value) for name, value in message.headers.items()]
    headers += [(name, value.encode()) for name, value in (trace_headers or {}).items()]
    return envelope.subject.encode(), message.value, headers


def encode_raw(
    *,
    event_id: str,
    source: str,
    event_type: str,
    subject: str,
    time: datetime | str,
    dataschema: str | None,
    data_json: str,
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Like :func:`encode` for data already serialised as JSON (the relay's hot path).

    ``time`` may come already formatted as RFC 3339 in UTC.
    """
    stamp = time if isinstance(time, str) else time.astimezone(UTC).isoformat().replace("+00:00", "Z")
    headers = [
        ("ce_id", event_id.encode()),
        ("ce_source", source.encode()),
        ("ce_type", event_type.encode()),
        ("ce_specversion", SPECVERSION.encode()),
        ("ce_subject", subject.encode()),
        ("ce_time", stamp.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if dataschema:
        headers.append(("ce_dataschema", dataschema.encode()))
    return subject.encode(), data_json.encode(), headers


REQUIRED = ("id", "source", "type", "specversion")
"""The attributes CloudEvents 1.0 requires; Abri also requires ``subject`` (the aggregate) and ``time``."""
KNOWN = frozenset({*REQUIRED, "subject", "time", "dataschema", "datacontenttype", "partitionkey"})
_EXTENSION_NAME = re.compile(r"[a-z0-9]+")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_CONTENT_TYPE = CONTENT_TYPE.encode()


def decode(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> Envelope:
    """The envelope of a Kafka message; :class:`DecodeError` if it is not a valid Abri CloudEvent.

    The consumers' hot path: the ``ce_*`` headers are read straight into the envelope (what the CloudEvents
    SDK's binding does, with its checks: the required attributes, the spec version, attribute names, an
    RFC 3339 time, UTF-8 values), about five times faster than going through the SDK's event object;
    ``tests/bus/test_envelope.py`` holds the two to the same answers. Two differences, on purpose: the
    SDK makes up an id for a message without ``ce_id``, which would defeat the inbox (a redelivery would
    get another id and apply twice), and the time of decoding for one without ``ce_time`` (the event's
    time is when the change happened); such messages are refused here. A message naming an attribute twice
    (``ce_id`` and ``ce_Id``, or the same header twice: Kafka allows both) is refused too, where the SDK keeps
    the last one: an id or a subject slipped in after the producer's would otherwise be believed."""
    attributes: dict[str, str] = {}
    for name, raw in headers:
        if name == "content-type":
            if raw != _CONTENT_TYPE:
                raise DecodeError(f"unsupported content type {raw!r}")
        elif name[:3].lower() == "ce_":
            attribute = name[3:].lower()  # attribute names are lowercase: the SDK lowers them too
            if attribute in attributes:  # ce_id and ce_Id, or ce_id twice: which one is the event's is anyone's guess
                raise DecodeError(f"not a CloudEvent: attribute {attribute} given twice")
            try:
                attributes[attribute] = raw.decode()
            except (UnicodeDecodeError, AttributeError) as exc:
                raise DecodeError(f"not a CloudEvent: header {name} is not UTF-8 text") from exc
    if value is None:
        raise DecodeError("message has no value")
    missing = [name for name in REQUIRED if not attributes.get(name)]
    if missing:
        raise DecodeError(f"not a CloudEvent: missing required attributes {', '.join(missing)}")
    if attributes["specversion"] != SPECVERSION:
        raise DecodeError(f"not a CloudEvent: unsupported specversion {attributes['specversion']!r}")
    unnamed = [name for name in attributes if not _EXTENSION_NAME.fullmatch(name)]
    if unnamed:
        raise DecodeError(f"not a CloudEvent: invalid attribute names {', '.join(unnamed)}")
    try:
        data = json.loads(value.decode())  # UTF-8 only (json.loads would guess UTF-16 or 32 from bytes)
    except (ValueError, UnicodeDecodeError, AttributeError):
        data = None
    if not isinstance(data, dict):
        raise DecodeError("event data is not a JSON object")
    missing = [name for name in ("subject", "time") if not attributes.get(name)]
    if missing:
        raise DecodeError(f"missing CloudEvents attributes: {', '.join(missing)}")
    if len(attributes["id"]) > MAX_ID_LENGTH or not attributes["id"].strip():
        raise DecodeError(f"the event id must be 1 to {MAX_ID_LENGTH} characters")
    if len(attributes["type"]) > MAX_TYPE_LENGTH:
        raise DecodeError(f"the event type must be at most {MAX_TYPE_LENGTH} characters")
    return Envelope(
        id=attributes["id"],
        source=attributes["source"],
        type=attributes["type"],
        subject=attributes["subject"],
        time=_timestamp(attributes["time"]),
        data=data,
        dataschema=attributes.get("dataschema"),
        specversion=attributes["specversion"],
        extensions={name: text for name, text in attributes.items() if name not in KNOWN},
    )


def _timestamp(text: str) -> datetime:
    """An RFC 3339 timestamp: date, ``T`` (or ``t``, or a space), time with optional fraction, and its
    offset (``Z``, ``z`` or ``±hh:mm``)."""
    if _RFC3339.fullmatch(text):
        try:
            return datetime.fromisoformat(text.upper())
        except ValueError:
            pass  # a 30 February, a 25th hour
    raise DecodeError(f"not a CloudEvent: time {text[:40]!r} is not an RFC 3339 timestamp")
