"""ServiceMonitor and alerts: the alerts ask for metrics the code really exports, and each one links to
its own runbook section."""

from __future__ import annotations

import re
from typing import Any

from abri_contracts.assistant import HandoverRequested
from abri_kit.bus_status import consumed_topics
from tests.helm.chart import of_kind, render
from tests.helm.exported_metrics import exported_metric_names
from tests.support import REPO

RUNBOOKS = REPO / "docs" / "runbooks.md"


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


def alerts_of(manifests: tuple[dict[str, Any], ...]) -> dict[str, dict[str, Any]]:
    [rule] = of_kind(manifests, "PrometheusRule")
    return {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}


def test_the_alerts_of_the_event_bus_and_the_http_cover_every_service_the_assistant_included() -> None:
    """They group by service or consumer and name none: a new service is watched as soon as it runs."""
    for name, alert in alerts_of(render("production")).items():
        if name != "AbriHandoverUndelivered":
            assert not re.search(r"\b(service|consumer)\s*=", alert["expr"]), name


def test_a_hand_over_that_does_not_reach_notifications_raises_a_critical_alert() -> None:
    """The hand-over's topic and consumer are those of its contract; the alert fires on a dead letter of that
    topic, on its lag held for the whole window, and on the assistant's outbox older than the window."""
    topic = HandoverRequested.topic()
    assert HandoverRequested.consumers == ("notifications",) and topic in consumed_topics("notifications")
    alert = alerts_of(render("production"))["AbriHandoverUndelivered"]
    assert alert["labels"]["severity"] == "critical"
    dead_letters, lag, outbox = alert["expr"].split("\n  or ")
    assert f'abri_dead_letters_total{{namespace="abri", topic="{topic}"}}' in dead_letters and dead_letters.endswith("> 0")
    assert f'min_over_time(abri_consumer_lag{{namespace="abri", topic="{topic}"}}[300s])' in lag and lag.endswith("> 0")
    assert 'abri_outbox_oldest_unsent_age_seconds{namespace="abri", service="assistant"}' in outbox and outbox.strip().endswith("> 300")
    sooner = alerts_of(render("production", "metrics.prometheusRule.handoverSeconds=120"))["AbriHandoverUndelivered"]
    assert "[120s]" in sooner["expr"] and sooner["expr"].strip().endswith("> 120")
