"""The AsyncAPI 3 document of Abri's events, generated from the contracts.

Run ``python -m abri_contracts.generate`` to refresh ``docs/events/``; a test fails when the committed
files differ from what the contracts generate.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from abri_contracts.base import EventContract, registry

ENVELOPE_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 attributes in Kafka binary mode, plus the W3C trace context.",
    "required": ["ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time", "ce_subject", "content-type"],
    "properties": {
        "ce_id": {"type": "string", "description": "Event id (UUID); consumers deduplicate on it."},
        "ce_source": {"type": "string", "description": "Producing service, e.g. /abri/listings."},
        "ce_type": {"type": "string", "description": "Versioned event type."},
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "Aggregate id, also the message key."},
        "ce_dataschema": {"type": "string"},
        "content-type": {"type": "string", "const": "application/json"},
        "traceparent": {"type": "string", "description": "W3C trace context."},
        "tracestate": {"type": "string"},
    },
}

DLQ_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "The original message's headers, plus why and where it failed.",
    "properties": {
        "abri_dlq_reason": {"type": "string", "description": "undecodable | schema_invalid | handler_failed"},
        "abri_dlq_error": {"type": "string"},
        "abri_dlq_consumer": {"type": "string", "description": "Consumer group that gave up."},
        "abri_dlq_origin_topic": {"type": "string"},
        "abri_dlq_origin_partition": {"type": "string"},
        "abri_dlq_origin_offset": {"type": "string"},
        "abri_dlq_attempts": {"type": "string"},
        "abri_dlq_failed_at": {"type": "string", "format": "date-time"},
    },
}


def _message_name(cls: type[EventContract]) -> str:
    return cls.event_type.replace(".", "_")


def build_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document: one channel per topic and its dead-letter topic, one message per event type."""
    by_topic: dict[str, list[type[EventContract]]] = defaultdict(list)
    for _, cls in sorted(registry.items()):
        by_topic[cls.topic()].append(cls)

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic, contracts in sorted(by_topic.items()):
        channel_id = topic.replace(".", "_")
        channel_messages = {}
        for cls in contracts:
            name = _message_name(cls)
            messages[name] = {
                "name": cls.event_type,
                "title": cls.__name__,
                "summary": cls.summary or (cls.__doc__ or "").strip().splitlines()[0],
                "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/envelope_headers"},
                "payload": {"$ref": f"schemas/{cls.event_type}.json"},
                "correlationId": {"location": "$message.header#/ce_subject"},
                "bindings": {"kafka": {"key": {"type": "string", "description": f"{cls.aggregate_id_field}"}}},
                "x-consumers": list(cls.consumers),
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[channel_id] = {"address": topic, "messages": channel_messages}
        channels[f"{channel_id}_dlq"] = {
            "address": f"{topic}.dlq",
            "description": f"Dead letters of {topic}: messages a consumer could not decode or handle.",
            "messages": {"dead_letter": {"$ref": "#/components/messages/dead_letter"}},
        }
        producer = contracts[0].service()
        operations[f"{producer}_publishes_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"{producer} publishes through its transactional outbox.",
        }
        for consumer in sorted({c for cls in contracts for c in cls.consumers}):
            operations[f"{consumer}_receives_{channel_id}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{consumer} consumes in its group abri-{consumer}, with an inbox.",
                "messages": [
                    {"$ref": f"#/channels/{channel_id}/messages/{_message_name(cls)}"} for cls in contracts if consumer in cls.consumers
                ],
            }
    messages["dead_letter"] = {
        "name": "dead_letter",
        "summary": "The original message, unchanged, with the failure in headers.",
        "headers": {"$ref": "#/components/schemas/dlq_headers"},
        "payload": {},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Abri events",
            "version": "1.0.0",
            "description": (
                "Events between Abri's services. Every event is published through a transactional "
                "outbox, keyed by its aggregate id, with CloudEvents 1.0 attributes in headers."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "make run"}},
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {"envelope_headers": ENVELOPE_HEADERS, "dlq_headers": DLQ_HEADERS},
        },
    }
