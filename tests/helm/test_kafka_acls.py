"""Every values file the chart ships (its defaults and each ``ci/*.yaml``) grants each service's KafkaUser the
ACLs the event contracts call for, and no others.

Why each file: a values file may override a service's ``consumes`` list (Helm replaces lists, it does not
merge them), and an old copy there silently takes read rights away in the installation that uses it: a
service refused its topics stops applying them (a consent gate, an erasure) while the defaults look right.
The truth is the contracts: a service reads the topics whose contracts name it among their ``consumers``
(``consumed_topics``) and writes the topics of the events it publishes, as on the local broker
(infra/kafka/acls.py)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from abri_contracts import registry
from abri_kit.bus_status import consumed_topics
from tests.helm.chart import CHART, KUBE_VERSION, NAMESPACE, RELEASE, SERVICES, VALUE_SETS, Manifest, component, helm, of_kind
from tests.support import REPO, infra_module

ACLS = infra_module("infra/kafka/acls.py")
TOPICS = infra_module("infra/kafka/topics.py")
CI_VALUES = sorted(path.relative_to(CHART).as_posix() for path in (CHART / "ci").glob("*.yaml"))
VALUES_FILES = ["", *CI_VALUES]
"""The defaults alone (``""``) and each values file under helm/abri/ci/, found on disk so that a new one is
checked without being listed."""

Grant = tuple[str, str, str, str]  # resource type, pattern type, name, operation


def kafka_users(values_file: str) -> dict[str, Manifest]:
    """Each service's KafkaUser rendered with ``values_file``; the users are switched on whatever the file
    says, so that its ``consumes`` lists are checked even where another operator applies them."""
    args = ["template", RELEASE, ".", "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION]
    args += ["--values", values_file] if values_file else []
    args += ["--set", "kafka.strimzi.users.enabled=true"]
    manifests = [doc for doc in yaml.safe_load_all(helm(*args).stdout) if doc]
    return {component(user): user for user in of_kind(tuple(manifests), "KafkaUser")}


def grants(user: Manifest) -> set[Grant]:
    pattern = {"prefix": "prefixed", "literal": "literal"}
    return {
        (acl["resource"]["type"], pattern[acl["resource"]["patternType"]], acl["resource"]["name"], operation)
        for acl in user["spec"]["authorization"]["acls"]
        for operation in acl["operations"]
    }


def allows(granted: set[Grant], operation: str, topic: str) -> bool:
    return any(
        kind == "topic" and op == operation and (name == topic if pattern == "literal" else topic.startswith(name))
        for kind, pattern, name, op in granted
    )


@functools.cache
def contract_topics() -> dict[str, str]:
    """Each event's topic -> the service publishing it (every contract module registered first)."""
    ACLS.consumed_topics()  # imports every contract module, as the local broker's table does
    return {contract.topic(): contract.service() for contract in registry.values()}


@functools.cache
def declared_topics() -> frozenset[str]:
    """Every topic of infra/kafka/topics.yaml, dead letters included."""
    return frozenset(t.name for t in TOPICS.kafka_topics(TOPICS.load_topics(REPO / "infra" / "kafka" / "topics.yaml")))


def test_the_contracts_consumers_are_the_local_broker_s() -> None:
    """``consumed_topics`` (what the services and this test use) sees every contract the local broker does."""
    assert {svc: set(consumed_topics(svc)) for svc in SERVICES} == ACLS.consumed_topics()


def test_every_values_file_is_rendered_by_the_chart_checks() -> None:
    """The other chart tests (lint, schema validation, kube-score) go through VALUE_SETS: none is left out."""
    assert set(CI_VALUES) == {path for paths in VALUE_SETS.values() for path in paths}


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=lambda f: Path(f).stem or "defaults")
def test_each_service_reads_exactly_the_topics_its_contracts_name_it_for(values_file: str) -> None:
    """Compared service by service in one assertion, so that a stale list names every service it hurts."""
    users = kafka_users(values_file)
    assert set(users) == set(SERVICES)
    reads = {
        svc: sorted(
            name
            for kind, pattern, name, op in grants(user)
            if kind == "topic" and pattern == "literal" and op == "Read" and not name.endswith(ACLS.DLQ_SUFFIX)
        )
        for svc, user in users.items()
    }
    assert reads == {svc: consumed_topics(svc) for svc in SERVICES}, f"{values_file or 'values.yaml'}: the consumes lists"
    for svc, user in users.items():
        local = {(a.resource_type, a.pattern_type, a.name, a.operation) for a in ACLS.service_acls(svc, consumed_topics(svc))}
        assert grants(user) == local, f"{values_file or 'values.yaml'}: {svc}'s ACLs differ from infra/kafka/acls.py"


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=lambda f: Path(f).stem or "defaults")
def test_each_service_writes_exactly_the_topics_of_the_events_it_publishes(values_file: str) -> None:
    """Of the contracts' topics, a service may write those of its own events and no other's; of the dead
    letters, those of its own topics and of the topics it consumes. It may read every declared topic it
    writes or consumes, and no other."""
    events = contract_topics()
    for svc, user in kafka_users(values_file).items():
        granted = grants(user)
        consumed = set(consumed_topics(svc))
        own = {topic for topic in declared_topics() if topic.startswith(f"abri.{svc}.")}
        dead_letters = {topic + ACLS.DLQ_SUFFIX for topic in consumed}
        assert {t for t in events if allows(granted, "Write", t)} == {t for t, producer in events.items() if producer == svc}, svc
        assert {t for t in declared_topics() if allows(granted, "Write", t)} == own | dead_letters, svc
        assert {t for t in declared_topics() if allows(granted, "Read", t)} == own | consumed | dead_letters, svc
