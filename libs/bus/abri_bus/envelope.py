"""The CloudEvents 1.0 envelope of every Abri event, in Kafka binary content mode.

Attributes travel as ``ce_*`` headers, the data as the JSON message value, and the message key is the
aggregate id (``subject``), so that one aggregate's events stay in order on one partition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
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


def decode(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> Envelope:
    """The envelope of a Kafka message; :class:`DecodeError` if it is not a valid Abri CloudEvent."""
    header_map = {name: raw for name, raw in headers if name.startswith("ce_") or name == "content-type"}
    if header_map.get("content-type", CONTENT_TYPE.encode()) != CONTENT_TYPE.encode():
        raise DecodeError(f"unsupported content type {header_map['content-type']!r}")
    if value is None:
        raise DecodeError("message has no value")
    try:
        event = from_binary(KafkaMessage(headers=header_map, key=key, value=value), _FORMAT, CloudEvent)
        attributes = event.get_attributes()
        data = event.get_data()
    except (ValueError, TypeError, KeyError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DecodeError(f"not a CloudEvent: {exc}") from exc
    except Exception as exc:  # the SDK raises its own error types for missing or malformed attributes
        raise DecodeError(f"not a CloudEvent: {exc}") from exc
    if not isinstance(data, dict):
        raise DecodeError("event data is not a JSON object")
    missing = [name for name in ("subject", "time") if not attributes.get(name)]
    if missing:
        raise DecodeError(f"missing CloudEvents attributes: {', '.join(missing)}")
    if len(str(attributes["id"])) > MAX_ID_LENGTH or not str(attributes["id"]).strip():
        raise DecodeError(f"the event id must be 1 to {MAX_ID_LENGTH} characters")
    if len(str(attributes["type"])) > MAX_TYPE_LENGTH:
        raise DecodeError(f"the event type must be at most {MAX_TYPE_LENGTH} characters")
    time = attributes["time"]
    if not isinstance(time, datetime):
        raise DecodeError("time is not a timestamp")
    known = {"id", "source", "type", "specversion", "subject", "time", "dataschema", "datacontenttype", "partitionkey"}
    return Envelope(
        id=str(attributes["id"]),
        source=str(attributes["source"]),
        type=str(attributes["type"]),
        subject=str(attributes["subject"]),
        time=time,
        data=data,
        dataschema=attributes.get("dataschema"),
        specversion=str(attributes["specversion"]),
        extensions={k: str(v) for k, v in attributes.items() if k not in known},
    )
