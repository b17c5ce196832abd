"""ServiceMonitor and alerts: the alerts ask for metrics the code really exports, and each one links to
its own runbook section."""

from __future__ import annotations

import re

from prometheus_client import REGISTRY

import abri_bus.metrics
import abri_gateway.app
import abri_kit.http_metrics
from tests.helm.chart import of_kind, render
from tests.support import REPO

RUNBOOKS = REPO / "docs" / "runbooks.md"


def exported_metric_names() -> set[str]:
    assert abri_bus.metrics and abri_kit.http_metrics and abri_gateway.app  # imported: their metrics are registered
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        if family.type == "counter":
            names.add(family.name + "_total")
    return names


def headings(path: str) -> set[str]:
    """GitHub's anchors of the Markdown headings."""
    text = (REPO / path).read_text(encoding="utf-8")
    return {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-") for line in text.splitlines() if line.startswith("#")
    }


def test_alerts_use_real_metric_names_and_link_to_their_runbook() -> None:
    [rule] = of_kind(render("production"), "PrometheusRule")
    alerts = [r for group in rule["spec"]["groups"] for r in group["rules"]]
    assert {a["alert"] for a in alerts} >= {
        "AbriConsumerLagHigh",
        "AbriOutboxBacklog",
        "AbriOutboxStalled",
        "AbriDeadLetters",
        "AbriServiceErrors",
    }
    exported = exported_metric_names()
    anchors = headings("docs/runbooks.md")
    for alert in alerts:
        used = set(re.findall(r"\babri_[a-z_]+\b", alert["expr"]))
        assert used and used <= exported, (alert["alert"], used - exported)
        assert 'namespace="abri"' in alert["expr"]  # this release's pods only
        url = alert["annotations"]["runbook_url"]
        assert url.startswith("https://docs.example.org/abri/runbooks.md#")
        assert url.split("#")[1] == alert["alert"].lower() and alert["alert"].lower() in anchors, alert["alert"]


def test_service_monitor_scrapes_every_component_and_is_optional() -> None:
    [monitor] = of_kind(render("production"), "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "abri", "app.kubernetes.io/instance": "abri"}
    services_endpoint, gateway_endpoint = monitor["spec"]["endpoints"]
    assert services_endpoint["port"] == "http" and services_endpoint["path"] == "/metrics/"
    assert services_endpoint["relabelings"] == [
        {"sourceLabels": ["__meta_kubernetes_service_label_app_kubernetes_io_component"], "regex": "gateway", "action": "drop"}
    ]  # the gateway's public port has no /metrics
    assert gateway_endpoint == {"port": "metrics", "path": "/metrics", "interval": "30s", "scheme": "http"}
    services = of_kind(render("production"), "Service")
    assert all(monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items() for s in services)
    assert of_kind(render("default"), "ServiceMonitor") == [] and of_kind(render("default"), "PrometheusRule") == []


def test_the_links_of_the_chart_and_the_runbooks_reach_a_section() -> None:
    sources = [*(REPO / "helm" / "abri").rglob("*.yaml"), *(REPO / "helm" / "abri").rglob("*.tpl"), REPO / "docs" / "runbooks.md"]
    sources.append(REPO / "docs" / "operations.md")
    links = {(m.group(1), m.group(2)) for path in sources for m in re.finditer(r"(operations|runbooks)\.md#([a-z0-9-]+)", path.read_text())}
    links |= {("runbooks", m.group(1)) for m in re.finditer(r"\]\(#([a-z0-9-]+)\)", RUNBOOKS.read_text())}
    assert len(links) > 10
    for page, anchor in links:
        assert anchor in headings(f"docs/{page}.md"), f"docs/{page}.md#{anchor}"
