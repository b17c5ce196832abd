"""Abri's services, by name: the one list that the local run, the broker's principals and ACLs, the
identity provider's scopes, the gateway, the operations tools and the tests read when they mean every
service.

A name is the service's package (``abri_<name>``), its settings' prefix (``ABRI_<NAME>_``), its
database and its Kafka principal, the ``<service>`` of its topics (``abri.<service>.<aggregate>``) and
of its scopes (``<service>:read``, ``<service>:write``), and its path behind the gateway
(``/api/<service>/...``). A new service is added here, in the order it was added.
"""

from __future__ import annotations

SERVICES: tuple[str, ...] = ("listings", "matching", "guarantees", "notifications", "assistant", "insights")
"""Every service, in the order they were added (the order the local run starts them in)."""
