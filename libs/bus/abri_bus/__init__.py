"""Abri's event bus: every event leaves through a transactional outbox and arrives through an inbox.

- :func:`abri_bus.outbox.publish` writes an event in the caller's database transaction;
- :class:`abri_bus.relay.OutboxRelay` moves committed events to Kafka, never dropping one;
- :class:`abri_bus.consumer.EventConsumer` applies each event once (inbox), retries transient
  failures, and sets aside what it cannot handle on ``<topic>.dlq``;
- :mod:`abri_bus.dlq` lists and replays dead letters.
"""
