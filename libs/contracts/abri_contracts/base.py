"""The base of every event contract and the registry of published event types."""

from __future__ import annotations

import re
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

TYPE_PATTERN = re.compile(r"^abri\.(?P<service>[a-z]+)\.(?P<aggregate>[a-z_]+)\.(?P<event>[a-z_]+)\.v(?P<version>\d+)$")
"""Event types are versioned: ``abri.<service>.<aggregate>.<event>.v<N>`` (docs/event-bus.md; docs/decisions)."""


class EventContract(BaseModel):
    """The data of one event type, published by one service.

    Subclasses declare ``event_type`` and ``aggregate_id_field``; the topic (``abri.<service>.<aggregate>``)
    and the CloudEvents ``source`` follow from the type. A published contract only grows with optional
    fields; a breaking change is a new class with ``.v<N+1>``, published side by side.
    Unknown fields are ignored when reading, so that an older consumer accepts a newer producer.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    aggregate_id_field: ClassVar[str]
    summary: ClassVar[str] = ""
    consumers: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _parts(cls) -> dict[str, str]:
        match = TYPE_PATTERN.match(cls.event_type)
        if match is None:
            raise ValueError(f"{cls.__name__}: event type {cls.event_type!r} is not abri.<service>.<aggregate>.<event>.v<N>")
        return match.groupdict()

    @classmethod
    def service(cls) -> str:
        """The producing service."""
        return cls._parts()["service"]

    @classmethod
    def topic(cls) -> str:
        """The Kafka topic: one per aggregate, so that an aggregate's events stay in order."""
        parts = cls._parts()
        return f"abri.{parts['service']}.{parts['aggregate']}"

    @classmethod
    def source(cls) -> str:
        """The CloudEvents ``source`` attribute."""
        return f"/abri/{cls.service()}"

    @classmethod
    def dataschema(cls) -> str:
        """The CloudEvents ``dataschema`` attribute: the schema generated into ``docs/events/schemas``."""
        return f"urn:abri:schema:{cls.event_type}"

    def subject(self) -> str:
        """The aggregate id: CloudEvents ``subject`` and Kafka message key."""
        return str(getattr(self, self.aggregate_id_field))

    def to_data(self) -> dict[str, Any]:
        """The JSON-ready data of the event."""
        return self.model_dump(mode="json")


C = TypeVar("C", bound=type[EventContract])

registry: dict[str, type[EventContract]] = {}
"""Every published event type, by its CloudEvents ``type``."""


def contract(cls: C) -> C:
    """Register a contract class; refuses a malformed or duplicate type, or a missing aggregate id."""
    cls._parts()
    if cls.event_type in registry:
        raise ValueError(f"event type {cls.event_type} is declared twice")
    if cls.aggregate_id_field not in cls.__pydantic_fields__:
        raise ValueError(f"{cls.__name__}: aggregate id field {cls.aggregate_id_field!r} is not a field")
    registry[cls.event_type] = cls
    return cls
