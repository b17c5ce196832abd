"""A service's outbox relay and event consumer in a Deployment of their own (``workers.separate``): the API's
pods run neither, the worker's run both with the same image, configuration and secrets, take no request
from the gateway, and no selector of the API's (Service, autoscaler, budget, anti-affinity) takes them."""

from __future__ import annotations

import re
from typing import Any

from tests.helm.chart import SERVICES, Manifest, component, named, of_kind, render

SWITCHES = ("RELAY_ENABLED", "CONSUMER_ENABLED")


def container(deployment: Manifest) -> dict[str, Any]:
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def switches(deployment: Manifest, svc: str) -> dict[str, str]:
    names = {f"ABRI_{svc.upper()}_{switch}" for switch in SWITCHES}
    return {e["name"]: e["value"] for e in container(deployment).get("env", []) if e["name"] in names}


def selects(selector: dict[str, str], deployment: Manifest) -> bool:
    return bool(selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items())


def test_by_default_each_service_runs_its_relay_and_consumer_beside_its_api() -> None:
    manifests = render("default")
    assert not [d for d in of_kind(manifests, "Deployment") if component(d).endswith("-worker")]
    for svc in SERVICES:
        assert switches(named(manifests, "Deployment", f"abri-{svc}"), svc) == {}  # the settings' defaults: both on


def test_apart_the_api_runs_neither_and_the_worker_runs_both_as_the_service() -> None:
    manifests = render("workers")
    for svc in SERVICES:
        api = named(manifests, "Deployment", f"abri-{svc}")
        worker = named(manifests, "Deployment", f"abri-{svc}-worker")
        assert switches(api, svc) == {f"ABRI_{svc.upper()}_{switch}": "false" for switch in SWITCHES}
        assert switches(worker, svc) == {}
        same = ("image", "envFrom", "volumeMounts", "securityContext", "readinessProbe", "livenessProbe")
        for field in same:
            assert container(worker)[field] == container(api)[field], (svc, field)
        api_env = [e for e in container(api).get("env", []) if not e["name"].endswith(SWITCHES)]
        assert container(worker).get("env", []) == api_env, svc  # database and Kafka credentials alike
        pod, api_pod = worker["spec"]["template"]["spec"], api["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == api_pod["serviceAccountName"] and pod["volumes"] == api_pod["volumes"], svc
        assert "replicas" not in api["spec"] and worker["spec"]["replicas"] >= 2, svc  # the API scales, the worker does not
    matching_worker = named(manifests, "Deployment", "abri-matching-worker")
    assert container(matching_worker)["resources"]["limits"]["memory"] == "512Mi"  # workers.resources
    listings_worker = named(manifests, "Deployment", "abri-listings-worker")
    assert container(listings_worker)["resources"] == container(named(manifests, "Deployment", "abri-listings"))["resources"]


def test_apart_no_selector_of_the_api_takes_a_worker_pod_and_the_gateway_never_reaches_one() -> None:
    manifests = render("workers")
    for svc in SERVICES:
        api = named(manifests, "Deployment", f"abri-{svc}")
        worker = named(manifests, "Deployment", f"abri-{svc}-worker")
        selectors = [
            api["spec"]["selector"]["matchLabels"],
            named(manifests, "Service", f"abri-{svc}")["spec"]["selector"],
            named(manifests, "PodDisruptionBudget", f"abri-{svc}")["spec"]["selector"]["matchLabels"],
            named(manifests, "NetworkPolicy", f"abri-{svc}")["spec"]["podSelector"]["matchLabels"],
        ]
        for selector in selectors:
            assert selects(selector, api) and not selects(selector, worker), (svc, selector)
        [autoscaler] = [h for h in of_kind(manifests, "HorizontalPodAutoscaler") if component(h) == svc]
        assert autoscaler["spec"]["scaleTargetRef"]["name"] == f"abri-{svc}"
        kinds = ("Service", "PodDisruptionBudget", "NetworkPolicy")
        service, budget, policy = (named(manifests, kind, f"abri-{svc}-worker") for kind in kinds)
        assert selects(service["spec"]["selector"], worker) and not selects(service["spec"]["selector"], api)
        assert selects(budget["spec"]["selector"]["matchLabels"], worker)
        assert selects(policy["spec"]["podSelector"]["matchLabels"], worker)
        api_policy = named(manifests, "NetworkPolicy", f"abri-{svc}")
        assert policy["spec"]["egress"] == api_policy["spec"]["egress"], svc
        sources = [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]
        assert sources and not [p for p in sources if "podSelector" in p], (svc, sources)  # Prometheus only
    gateway_policy = named(manifests, "NetworkPolicy", "abri-gateway")
    peers = [peer for rule in gateway_policy["spec"]["egress"] for peer in rule.get("to", [])]
    targets = [peer["podSelector"]["matchLabels"] for peer in peers if "podSelector" in peer]
    workers = [named(manifests, "Deployment", f"abri-{svc}-worker") for svc in SERVICES]
    assert targets and not [t for t in targets for w in workers if selects(t, w)]


def test_apart_prometheus_scrapes_the_workers_over_tls_with_their_service_s_certificate() -> None:
    manifests = render("workers", "tls.enabled=true", "metrics.serviceMonitor.enabled=true")
    [monitor] = of_kind(manifests, "ServiceMonitor")
    for svc in SERVICES:
        [endpoint] = [e for e in monitor["spec"]["endpoints"] if e.get("tlsConfig", {}).get("serverName") == f"abri-{svc}"]
        [keep] = endpoint["relabelings"]
        assert re.fullmatch(keep["regex"], f"{svc}-worker") and re.fullmatch(keep["regex"], svc), keep
        assert not re.fullmatch(keep["regex"], "gateway")
        worker, api = (named(manifests, "Deployment", f"abri-{svc}{suffix}") for suffix in ("-worker", ""))
        assert worker["spec"]["template"]["spec"]["volumes"] == api["spec"]["template"]["spec"]["volumes"]  # its TLS files


def test_a_release_name_too_long_for_a_worker_name_of_its_own_is_refused() -> None:
    from tests.helm.chart import helm, template_args

    long_name = "a" * 55  # "<55 a>-notifications" and its worker would both be cut to the same 63 characters
    refused = helm(*template_args("workers", f"fullnameOverride={long_name}"), check=False)
    assert refused.returncode != 0 and "too long" in refused.stderr
    assert helm(*template_args("default", f"fullnameOverride={long_name}"), check=False).returncode == 0  # no worker: fine
