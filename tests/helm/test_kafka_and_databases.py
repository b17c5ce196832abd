"""Strimzi topics come from the one declaration infra uses; users get the ACLs their service needs;
CloudNativePG clusters and backups per service database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from abri_kit.bus_status import consumed_topics
from tests.helm.chart import CHART, SERVICES, Manifest, component, helm, named, of_kind, render, template_args
from tests.support import REPO, infra_module

INFRA_TOPICS = REPO / "infra" / "kafka" / "topics.yaml"
CHART_TOPICS = CHART / "files" / "topics.yaml"


def infra_topics() -> Any:
    return infra_module("infra/kafka/topics.py")


ACLS = infra_module("infra/kafka/acls.py")


def test_the_charts_copy_of_the_topic_declaration_is_infras() -> None:
    assert CHART_TOPICS.read_bytes() == INFRA_TOPICS.read_bytes(), "run `make chart-topics` and commit helm/abri/files/topics.yaml"


def declared_topics() -> dict[str, tuple[int, dict[str, str]]]:
    """Each topic of infra/kafka/topics.yaml (dead letters included): its partitions and its config."""
    topics = infra_topics()
    return {t.name: (t.partitions, {**t.config.as_kafka()}) for t in topics.kafka_topics(topics.load_topics(INFRA_TOPICS))}


def rendered_topics(manifests: tuple[Manifest, ...], *left_out: str) -> dict[str, tuple[int, dict[str, str]]]:
    """Each KafkaTopic rendered: its partitions and its config (as text, without the ``left_out`` keys)."""
    return {
        m["spec"]["topicName"]: (m["spec"]["partitions"], {k: str(v) for k, v in m["spec"]["config"].items() if k not in left_out})
        for m in of_kind(manifests, "KafkaTopic")
    }


def test_kafka_topics_are_rendered_from_the_declaration() -> None:
    assert rendered_topics(render("production"), "min.insync.replicas") == declared_topics()
    for topic in of_kind(render("production"), "KafkaTopic"):
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "abri-kafka"
        assert topic["spec"]["replicas"] == 3 and topic["spec"]["config"]["min.insync.replicas"] == 2
    assert of_kind(render("default"), "KafkaTopic") == []  # optional: off by default


def test_a_null_topic_config_in_the_values_adds_nothing_to_the_declared_one() -> None:
    """``kafka.strimzi.topics.config`` set to null (which --set does by removing it) is an empty config, not a
    failed render: every topic gets its declared config alone."""
    assert rendered_topics(render("production", "kafka.strimzi.topics.config=null")) == declared_topics()


def test_topic_replication_that_one_lost_broker_would_stop_is_refused() -> None:
    """Production values: 3 replicas, 2 in sync (what tests/infra/test_kafka_cluster.py shows survives a lost
    leader). An in-sync minimum equal to the replicas (one broker down stops the writes) or above them (no
    write ever) fails the render; the defaults carry the production numbers."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())["kafka"]["strimzi"]["topics"]
    production = yaml.safe_load((CHART / "ci" / "production-values.yaml").read_text())["kafka"]["strimzi"]["topics"]
    for topics in (values, production):
        assert topics["replicas"] == 3 and topics["config"]["min.insync.replicas"] == 2
    for assignment in (
        "kafka.strimzi.topics.replicas=2",
        "kafka.strimzi.topics.replicas=1",
        "kafka.strimzi.topics.config.min\\.insync\\.replicas=3",
    ):
        result = helm(*template_args("production", assignment), check=False)
        assert result.returncode != 0 and "losing one broker would stop every write" in result.stderr, (assignment, result.stderr)
    single = ("kafka.strimzi.topics.replicas=1", "kafka.strimzi.topics.config.min\\.insync\\.replicas=1")
    assert {t["spec"]["replicas"] for t in of_kind(render("production", *single), "KafkaTopic")} == {1}  # a one-broker cluster


def test_the_consumed_topics_in_the_values_are_those_of_the_contracts() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert {svc: values["services"][svc]["consumes"] for svc in SERVICES} == {svc: consumed_topics(svc) for svc in SERVICES}


def test_each_service_gets_a_kafka_user_with_the_local_broker_s_acls() -> None:
    """The chart's KafkaUsers and the local broker (infra/kafka/acls.py, from the contracts) grant the same."""
    users = {component(u): u for u in of_kind(render("default"), "KafkaUser")}  # on by default
    assert set(users) == set(SERVICES)
    pattern = {"prefix": "prefixed", "literal": "literal"}
    for svc, user in users.items():
        granted = {
            (a["resource"]["type"], pattern[a["resource"]["patternType"]], a["resource"]["name"], operation)
            for a in user["spec"]["authorization"]["acls"]
            for operation in a["operations"]
        }
        local = {(a.resource_type, a.pattern_type, a.name, a.operation) for a in ACLS.service_acls(svc, consumed_topics(svc))}
        assert granted == local, svc
        assert not any(op == "Write" and not name.startswith(f"abri.{svc}.") and not name.endswith(".dlq") for _, _, name, op in granted)
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}


def test_each_service_connects_as_its_kafka_user_over_tls_and_checks_the_brokers() -> None:
    manifests = render("production")
    for svc in SERVICES:
        [container] = named(manifests, "Deployment", f"abri-{svc}")["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        prefix = f"ABRI_{svc.upper()}_KAFKA_"
        assert env[prefix + "USERNAME"]["value"] == f"abri-{svc}"  # the KafkaUser's name: its principal
        assert env[prefix + "PASSWORD_FILE"]["value"] == "/etc/abri/kafka-user/password"  # never in the environment
        assert prefix + "PASSWORD" not in env
        assert env[prefix + "CA_FILE"]["value"] == "/etc/abri/kafka/ca.crt"
        assert {"name": "kafka-ca", "mountPath": "/etc/abri/kafka", "readOnly": True} in container["volumeMounts"]
        volumes = {v["name"]: v for v in named(manifests, "Deployment", f"abri-{svc}")["spec"]["template"]["spec"]["volumes"]}
        assert volumes["kafka-ca"]["secret"] == {"secretName": "abri-kafka-cluster-ca-cert", "items": [{"key": "ca.crt", "path": "ca.crt"}]}
        password = [{"key": "password", "path": "password"}]
        assert volumes["kafka-user"]["secret"] == {"secretName": f"abri-{svc}", "defaultMode": 0o440, "items": password}
    for svc in SERVICES:  # secretsAsFiles=false: the password as a variable, from the KafkaUser's Secret
        deployment = named(render("production", "secretsAsFiles=false"), "Deployment", f"abri-{svc}")
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert env[f"ABRI_{svc.upper()}_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": f"abri-{svc}", "key": "password"}
    [gateway] = named(manifests, "Deployment", "abri-gateway")["spec"]["template"]["spec"]["containers"]
    assert not any(e["name"].endswith("KAFKA_PASSWORD") for e in gateway.get("env", []))  # the gateway never speaks to Kafka


def test_cloudnativepg_clusters_hold_one_database_each_backed_up_daily() -> None:
    manifests = render("cnpg")
    clusters = {c["metadata"]["name"]: c["spec"] for c in of_kind(manifests, "Cluster")}
    assert set(clusters) == {f"abri-{svc}-db" for svc in SERVICES}
    for svc in SERVICES:
        spec = clusters[f"abri-{svc}-db"]
        assert spec["bootstrap"] == {"initdb": {"database": svc, "owner": svc}}
        assert spec["instances"] == 3 and spec["storage"] == {"size": "20Gi", "storageClass": "fast-ssd"}
        assert spec["backup"]["barmanObjectStore"]["destinationPath"] == f"s3://abri-backups/postgres/{svc}"
        assert spec["backup"]["barmanObjectStore"]["s3Credentials"]["accessKeyId"]["name"] == "abri-backup-s3"
    schedules = {b["spec"]["cluster"]["name"]: b["spec"]["schedule"] for b in of_kind(manifests, "ScheduledBackup")}
    assert schedules == {f"abri-{svc}-db": "0 0 2 * * *" for svc in SERVICES}
    for deployment in of_kind(manifests, "Deployment"):
        if component(deployment) == "gateway":
            continue
        svc = component(deployment)
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0].get("env", [])}
        assert env[f"ABRI_{svc.upper()}_DATABASE_URL_FILE"]["value"] == "/etc/abri/postgres-app/uri"  # CloudNativePG's, as a file
        volumes = {v["name"]: v["secret"] for v in deployment["spec"]["template"]["spec"]["volumes"] if "secret" in v}
        uri = [{"key": "uri", "path": "uri"}]
        assert volumes["postgres-app"] == {"secretName": f"abri-{svc}-db-app", "defaultMode": 0o440, "items": uri}
        assert volumes["postgres-ca"]["secretName"] == f"abri-{svc}-db-ca"  # verify-full against the Cluster's CA
        assert volumes["postgres-ca"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]  # never its key
        data = named(manifests, "ConfigMap", f"abri-{svc}")["data"]
        assert data[f"ABRI_{svc.upper()}_DATABASE_SSLMODE"] == "verify-full"
        assert data[f"ABRI_{svc.upper()}_DATABASE_SSLROOTCERT"] == "/etc/abri/postgres/ca.crt"
    for deployment in of_kind(render("cnpg", "secretsAsFiles=false"), "Deployment"):
        if component(deployment) == "gateway":
            continue
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0].get("env", [])}
        svc = component(deployment)
        url = env[f"ABRI_{svc.upper()}_DATABASE_URL"]["value"]
        assert url == f"postgresql+asyncpg://$(ABRI_{svc.upper()}_DB_USER):$(ABRI_{svc.upper()}_DB_PASSWORD)@abri-{svc}-db-rw:5432/{svc}"
        assert env[f"ABRI_{svc.upper()}_DB_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": f"abri-{svc}-db-app", "key": "password"}
    assert Path(CHART / "templates" / "cnpg.yaml").exists()
