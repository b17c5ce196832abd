#!/usr/bin/env python3
"""Each service's Kafka ACLs, from the event contracts: the one table the local broker and the chart's
Strimzi ``KafkaUser``s follow (a chart test compares them).

A service (principal ``User:<service>``) may:

- write, read and describe its own topics (``abri.<service>.`` as a prefix: its events, its audit anchors
  and the dead-letter topics of its own topics);
- read and describe each topic it consumes (a contract naming it among its ``consumers``), and write, read
  and describe that topic's dead-letter topic (``<topic>.dlq``: it sets aside what it cannot apply, and
  ops replay its own dead letters through it);
- read and describe its consumer groups (``abri-<service>`` as a prefix).

Nothing else: no write to another service's topic (a forged ``GuaranteeApproved`` needs guarantees'
credential), no read of a topic it does not consume. ``admin`` (the broker itself and the tools) is a
super user.

``acls.py apply --bootstrap HOST:PORT --command-config admin.properties --lib DIR`` adds them with Kafka's
own ``AclCommand`` (adding an ACL that exists changes nothing); ``acls.py show`` prints the table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from abri_contracts.services import SERVICES

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True, order=True)
class Acl:
    """One allow rule: ``principal`` may ``operation`` on a resource."""

    principal: str
    resource_type: str  # topic | group
    pattern_type: str  # literal | prefixed
    name: str
    operation: str  # Read | Write | Describe


def consumed_topics() -> dict[str, set[str]]:
    """Service -> the topics it consumes, from the contracts' ``consumers``."""
    import abri_contracts.assistant
    import abri_contracts.audit
    import abri_contracts.erasure
    import abri_contracts.guarantees
    import abri_contracts.households
    import abri_contracts.listings
    import abri_contracts.matching  # noqa: F401  (each module registers its contracts)
    from abri_contracts import registry

    consumed: dict[str, set[str]] = {service: set() for service in SERVICES}
    for contract in registry.values():
        for consumer in contract.consumers:
            consumed[consumer].add(contract.topic())
    return consumed


def service_acls(service: str, consumes: Iterable[str]) -> list[Acl]:
    user = f"User:{service}"
    acls = [Acl(user, "topic", "prefixed", f"abri.{service}.", operation) for operation in ("Write", "Read", "Describe")]
    for topic in sorted(consumes):
        acls += [Acl(user, "topic", "literal", topic, operation) for operation in ("Read", "Describe")]
        acls += [Acl(user, "topic", "literal", topic + DLQ_SUFFIX, operation) for operation in ("Write", "Read", "Describe")]
    acls += [Acl(user, "group", "prefixed", f"abri-{service}", operation) for operation in ("Read", "Describe")]
    return acls


def all_acls() -> list[Acl]:
    consumed = consumed_topics()
    return sorted(acl for service in SERVICES for acl in service_acls(service, consumed[service]))


def _acl_command(acls: list[Acl], bootstrap: str, command_config: Path, lib: Path, java: str) -> list[list[str]]:
    """One AclCommand call per principal, resource pattern and operation set (the tool takes several
    operations and several resources of one kind in one call)."""
    grouped: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    by_resource: dict[tuple[str, str, str, str], list[str]] = {}
    for acl in acls:
        by_resource.setdefault((acl.principal, acl.resource_type, acl.pattern_type, acl.name), []).append(acl.operation)
    for (principal, kind, pattern, name), operations in by_resource.items():
        grouped.setdefault((principal, kind, pattern, tuple(sorted(operations))), []).append(name)
    commands = []
    for (principal, kind, pattern, operation_set), names in sorted(grouped.items()):
        command = [java, "-Xmx256m", "-cp", f"{lib}/*", "org.apache.kafka.tools.AclCommand"]
        command += ["--bootstrap-server", bootstrap, "--command-config", str(command_config), "--add", "--force"]
        command += ["--allow-principal", principal, "--resource-pattern-type", pattern]
        for operation in operation_set:
            command += ["--operation", operation]
        for name in names:
            command += [f"--{kind}", name]
        commands.append(command)
    return commands


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("show")
    apply = sub.add_parser("apply")
    apply.add_argument("--bootstrap", required=True)
    apply.add_argument("--command-config", type=Path, required=True)
    apply.add_argument("--lib", type=Path, required=True)
    apply.add_argument("--java", default="java")
    apply.add_argument("--stamp", type=Path, help="skip when this file holds the same table (already applied)")
    options = parser.parse_args(argv)
    acls = all_acls()
    table = json.dumps([acl.__dict__ for acl in acls], sort_keys=True)
    if options.command == "show":
        print(json.dumps(json.loads(table), indent=2))
        return 0
    if options.stamp and options.stamp.exists() and options.stamp.read_text() == table:
        return 0
    for command in _acl_command(acls, options.bootstrap, options.command_config, options.lib, options.java):
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
            return done.returncode
    if options.stamp:
        options.stamp.write_text(table)
    print(f"acls.py: {len(acls)} ACLs for {', '.join(SERVICES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
