"""W3C trace context across the outbox and Kafka, so that one trace follows a journey.

The context of the code that writes an event is stored on the outbox row; the relay's
``"{topic} publish"`` span continues it and injects it into Kafka headers; the consumer's
``"{topic} process"`` span continues it from there (span names as in dotnet/eShop).
"""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry import propagate, trace
from opentelemetry.context import Context

tracer = trace.get_tracer("abri_bus")

TRACE_HEADERS = ("traceparent", "tracestate")


def current_trace_context() -> dict[str, str]:
    """The current context as W3C headers (empty when no span is active)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {k: v for k, v in carrier.items() if k in TRACE_HEADERS}


def context_from(carrier: dict[str, str]) -> Context:
    """A context continuing the trace described by W3C headers."""
    return propagate.extract(carrier)


def headers_to_carrier(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """The trace headers of a Kafka message as a text carrier."""
    return {name: value.decode("latin-1") for name, value in headers if name in TRACE_HEADERS}


def traceparent_of(span: trace.Span) -> bytes:
    """The W3C ``traceparent`` header naming ``span`` as the parent (the relay's hot path: no propagator)."""
    context = span.get_span_context()
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}".encode()
