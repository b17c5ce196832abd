"""Every pod runs as a non-root user on a read-only root filesystem with nothing extra; every Deployment
has its probes, resources, PodDisruptionBudget, autoscaler, Service, ServiceAccount and ConfigMap."""

from __future__ import annotations

import pytest
import yaml

from tests.helm.chart import (
    CHART,
    COMPONENTS,
    KEYSTORE_SERVICES,
    SERVICES,
    VALUE_SETS,
    component,
    helm,
    named,
    of_kind,
    pod_specs,
    render,
    template_args,
)

RELEASE_PODS = {"app.kubernetes.io/name": "abri", "app.kubernetes.io/instance": "abri"}

VALUE_SET_NAMES = list(VALUE_SETS)


def deployed(value_set: str) -> list[str]:
    """The components with a Deployment: a service's relay and consumer have their own with ``workers``."""
    return [*COMPONENTS, *([f"{svc}-worker" for svc in SERVICES] if value_set == "workers" else [])]


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_every_pod_is_non_root_read_only_and_without_privileges(value_set: str) -> None:
    pods = list(pod_specs(render(value_set)))
    assert len(pods) == len(deployed(value_set)) + len(SERVICES)  # the Deployments and the migration Jobs
    for owner, pod in pods:
        assert pod["automountServiceAccountToken"] is False, owner
        assert pod["securityContext"]["runAsNonRoot"] is True, owner
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, owner
        assert pod["securityContext"]["runAsUser"] >= 10000, owner
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, owner
            assert context["allowPrivilegeEscalation"] is False, owner
            assert context["privileged"] is False, owner
            assert context["capabilities"]["drop"] == ["ALL"] and "add" not in context["capabilities"], owner
            assert {"requests", "limits"} <= set(container["resources"]), owner
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]) and "memory" in container["resources"]["limits"], owner
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            [volume] = [v for v in pod["volumes"] if v["name"] == tmp[0]["name"]]
            assert "emptyDir" in volume, owner  # the only writable place


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_every_deployment_has_its_probes_budget_autoscaler_and_companions(value_set: str) -> None:
    manifests = render(value_set)
    deployments = of_kind(manifests, "Deployment")
    assert sorted(component(d) for d in deployments) == sorted(deployed(value_set))
    budgets = of_kind(manifests, "PodDisruptionBudget")
    autoscalers = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(manifests, "HorizontalPodAutoscaler")}
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        owner = name.removesuffix("-worker")  # a worker Deployment runs as its service, with its configuration
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name  # the process answers
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name  # its database and Kafka (gateway: the issuer)
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["startupProbe"]["failureThreshold"] * container["startupProbe"]["periodSeconds"] >= 60, name
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()], f"{name}: no PodDisruptionBudget"
        autoscaler = autoscalers.get(name)
        if autoscaler is not None:
            assert "replicas" not in deployment["spec"] and autoscaler["spec"]["minReplicas"] >= 2, name
        else:
            assert deployment["spec"]["replicas"] >= 2, name
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
        service = named(manifests, "Service", name)
        assert service["spec"]["selector"].items() <= labels.items(), name
        assert pod["serviceAccountName"] == named(manifests, "ServiceAccount", owner)["metadata"]["name"], name
        sources = {next(iter(source)): next(iter(source.values()))["name"] for source in container["envFrom"]}
        assert named(manifests, "ConfigMap", sources["configMapRef"]), name
        assert "secretRef" not in sources, name  # secrets as files by default
        secrets = [v["secret"]["secretName"] for v in pod["volumes"] if v["name"] == "secrets"]
        if value_set == "cnpg" and owner.removeprefix("abri-") in set(SERVICES) - set(KEYSTORE_SERVICES):
            assert secrets == [], name  # its only secret, the database's, is CloudNativePG's (listings, insights)
        else:
            assert secrets == [owner if value_set != "production" or "gateway" not in name else "abri-gateway-oidc"], name


def test_services_are_configured_for_kafka_the_issuer_and_each_other() -> None:
    manifests = render("production")
    for svc in SERVICES:
        data = named(manifests, "ConfigMap", f"abri-{svc}")["data"]
        prefix = f"ABRI_{svc.upper()}_"
        assert (
            data[prefix + "KAFKA_BOOTSTRAP_SERVERS"] == data["ABRI_KAFKA_BOOTSTRAP_SERVERS"] == "abri-kafka-kafka-bootstrap.kafka.svc:9093"
        )
        assert data[prefix + "OIDC_ISSUER"] == "https://login.example.org/realms/abri"
        assert data["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.observability.svc:4318"
        assert data["ABRI_OPS_SERVICE"] == svc
    gateway = named(manifests, "ConfigMap", "abri-gateway")["data"]
    assert {gateway[f"ABRI_GATEWAY_{svc.upper()}_URL"] for svc in SERVICES} == {f"http://abri-{svc}:8080" for svc in SERVICES}
    guarantees = named(manifests, "ConfigMap", "abri-guarantees")["data"]
    assert guarantees["ABRI_GUARANTEES_VISA_CHECK_PAGE"] == "https://abri.example.org/visa-check"
    notifications = named(manifests, "ConfigMap", "abri-notifications")["data"]
    assert notifications["ABRI_NOTIFICATIONS_PUBLIC_URL"] == "https://abri.example.org"  # messages link to the web front's pages
    [deployment] = [d for d in of_kind(manifests, "Deployment") if component(d) == "listings"]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith("@sha256:" + "0" * 63 + "1")


def test_listings_reads_the_reference_rents_of_the_year_from_a_config_map_and_never_the_sample_by_default() -> None:
    production = render("production")
    data = named(production, "ConfigMap", "abri-listings")["data"]
    assert data["ABRI_LISTINGS_REFERENCE_RENTS_PATH"] == "/etc/abri/reference-rents/reference_rents_2026.csv"
    assert "ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS" not in data
    [deployment] = [d for d in of_kind(production, "Deployment") if component(d) == "listings"]
    pod = deployment["spec"]["template"]["spec"]
    [volume] = [v for v in pod["volumes"] if v["name"] == "reference-rents"]
    assert volume["configMap"] == {
        "name": "abri-reference-rents",
        "items": [{"key": "reference_rents_2026.csv", "path": "reference_rents_2026.csv"}],
    }
    [mount] = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "reference-rents"]
    assert mount == {"name": "reference-rents", "mountPath": "/etc/abri/reference-rents", "readOnly": True}
    default = render("default")
    assert not {"ABRI_LISTINGS_REFERENCE_RENTS_PATH", "ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS"} & set(
        named(default, "ConfigMap", "abri-listings")["data"]
    )


def test_the_gateway_is_exposed_by_an_ingress_with_tls() -> None:
    [ingress] = of_kind(render("production"), "Ingress")
    assert ingress["spec"]["tls"] == [{"hosts": ["abri.example.org"], "secretName": "abri-example-org-tls"}]
    [rule] = ingress["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "abri-gateway", "port": {"name": "http"}}


def test_the_values_list_every_service_the_tests_know() -> None:
    """The chart's services map (what every template ranges over) holds every service of abri_contracts.services,
    each on by default: a service added there and not to the chart fails here."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert set(values["services"]) == set(SERVICES)
    assert all(values["services"][svc]["enabled"] for svc in SERVICES)


def test_the_assistant_reads_its_secrets_as_files_and_reaches_only_its_stores_kafka_and_the_issuer() -> None:
    """Its conversations are sealed under data keys in the key store, wrapped by its KEKs, and each reading by a
    social worker goes into its access log: the secrets of the other KEK services. It calls nothing outside."""
    manifests = render("production")
    [container] = named(manifests, "Deployment", "abri-assistant")["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    for key in ("DATABASE_URL", "KEKS", "ACCESS_LOG_KEY", "KEYSTORE_URL", "LEDGER_URL"):
        assert env[f"ABRI_ASSISTANT_{key}_FILE"] == f"/etc/abri/secrets/ABRI_ASSISTANT_{key}"
    policy = named(manifests, "NetworkPolicy", "abri-assistant")["spec"]
    ports = [[p["port"] for p in rule["ports"]] for rule in policy["egress"]]
    assert ports == [[5432], [5432], [9093], [443], [4318]]  # its data, its key store, Kafka, the issuer, the collector
    production = yaml.safe_load((CHART / "ci" / "production-values.yaml").read_text())
    assert policy["egress"][3]["to"] == production["oidc"]["egress"]["to"]  # the issuer's keys, and no other HTTPS
    from_gateway, from_prometheus = policy["ingress"]
    assert from_gateway["from"] == [{"podSelector": {"matchLabels": {**RELEASE_PODS, "app.kubernetes.io/component": "gateway"}}}]
    assert from_prometheus["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    gateway = named(manifests, "ConfigMap", "abri-gateway")["data"]
    assert gateway["ABRI_GATEWAY_ASSISTANT_URL"] == "http://abri-assistant:8080"  # /api/assistant/... goes there


def test_a_service_switched_off_leaves_nothing_behind() -> None:
    """``services.<name>.enabled: false`` (here the assistant): no workload, job, user, policy or alert of its
    own, and the gateway neither routes to it nor may reach it."""
    manifests = render("production", "services.assistant.enabled=false")
    assert not [m for m in manifests if component(m).startswith("assistant")]
    assert "ABRI_GATEWAY_ASSISTANT_URL" not in named(manifests, "ConfigMap", "abri-gateway")["data"]
    egress = named(manifests, "NetworkPolicy", "abri-gateway")["spec"]["egress"][0]
    assert "assistant" not in {peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for peer in egress["to"]}
    [rule] = of_kind(manifests, "PrometheusRule")
    assert "AbriHandoverUndelivered" not in {r["alert"] for group in rule["spec"]["groups"] for r in group["rules"]}


def test_the_key_store_s_services_are_those_with_per_person_keys_and_insights_is_not_one() -> None:
    """``keystore.services`` (a key store URL and the erasure ledger's in their Secret) is pgctl's list, and the
    schema refuses insights there: it counts, it holds no one's data."""
    from tests.support import infra_module

    assert set(KEYSTORE_SERVICES) == set(infra_module("infra/postgres/pgctl.py").KEYSTORE_SERVICES)
    assert "insights" not in KEYSTORE_SERVICES and "listings" not in KEYSTORE_SERVICES
    refused = helm(*template_args("default", "keystore.services={matching,insights}"), check=False)
    assert refused.returncode != 0 and "/keystore/services/1" in refused.stderr


def test_insights_reads_only_its_database_url_as_a_file_and_reaches_only_its_database_kafka_and_the_issuer() -> None:
    """No KEK, no access log, no key store, no ledger: its Secret holds its database's URL only. It calls nothing
    outside; the gateway reaches it (its public reports included) and Prometheus scrapes it."""
    manifests = render("production")
    [container] = named(manifests, "Deployment", "abri-insights")["spec"]["template"]["spec"]["containers"]
    files = {e["name"]: e.get("value") for e in container["env"] if str(e.get("value")).startswith("/etc/abri/secrets/")}
    assert files == {"ABRI_INSIGHTS_DATABASE_URL_FILE": "/etc/abri/secrets/ABRI_INSIGHTS_DATABASE_URL"}  # and Kafka's, Strimzi's
    policy = named(manifests, "NetworkPolicy", "abri-insights")["spec"]
    ports = [[p["port"] for p in rule["ports"]] for rule in policy["egress"]]
    assert ports == [[5432], [9093], [443], [4318]]  # its data, Kafka, the issuer, the collector: no key store
    production = yaml.safe_load((CHART / "ci" / "production-values.yaml").read_text())
    assert policy["egress"][2]["to"] == production["oidc"]["egress"]["to"]
    from_gateway, from_prometheus = policy["ingress"]
    assert from_gateway["from"] == [{"podSelector": {"matchLabels": {**RELEASE_PODS, "app.kubernetes.io/component": "gateway"}}}]
    assert from_prometheus["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    assert named(manifests, "ConfigMap", "abri-gateway")["data"]["ABRI_GATEWAY_INSIGHTS_URL"] == "http://abri-insights:8080"
    [job] = [j for j in of_kind(manifests, "Job") if component(j) == "insights-migrate"]
    assert [e["name"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]] == ["ABRI_INSIGHTS_DATABASE_URL_FILE"]
