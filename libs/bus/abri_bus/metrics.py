"""Prometheus metrics of the bus: outbox backlog and relay lag, consumer lag, dead letters, handler errors."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_BACKLOG = Gauge("abri_outbox_backlog", "Outbox rows not yet sent to Kafka.", ["service"])
OUTBOX_OLDEST_AGE = Gauge("abri_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row (0 when empty).", ["service"])
OUTBOX_PARKED = Gauge(
    "abri_outbox_parked_rows",
    "Outbox rows Kafka refused for good, set aside until ops release them (the same key's later rows wait).",
    ["service"],
)
OUTBOX_PARKED_TOTAL = Counter(
    "abri_outbox_parked_total", "Outbox rows the relay set aside because Kafka refused them for good.", ["service"]
)
OUTBOX_PUBLISHED = Counter("abri_outbox_published_total", "Events the relay published to Kafka.", ["service"])
OUTBOX_PUBLISH_FAILURES = Counter("abri_outbox_publish_failures_total", "Relay batches that failed and will be retried.", ["service"])
RELAY_LAG = Histogram(
    "abri_outbox_relay_lag_seconds",
    "Time from an outbox row's commit to its acknowledgement by Kafka.",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
CONSUMER_LAG = Gauge("abri_consumer_lag", "Messages behind the partition's high watermark.", ["consumer", "topic", "partition"])
CONSUMED = Counter(
    "abri_consumer_events_total",
    "Messages a consumer finished with, by outcome (applied, duplicate, ignored, dead_lettered).",
    ["consumer", "topic", "outcome"],
)
HANDLER_ERRORS = Counter("abri_consumer_handler_errors_total", "Failed handler attempts.", ["consumer", "event_type"])
DEAD_LETTERS = Counter("abri_dead_letters_total", "Messages sent to a dead-letter topic.", ["consumer", "topic", "reason"])
