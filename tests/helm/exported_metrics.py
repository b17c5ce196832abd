"""The names of every Prometheus metric the code exports (the kit's HTTP metrics, the bus's, the gateway's and the
assistant's), as a scrape would show them: what alerts and dashboards may ask for."""

from __future__ import annotations

from prometheus_client import REGISTRY

import abri_assistant.metrics
import abri_bus.metrics
import abri_gateway.app
import abri_kit.http_metrics


def exported_metric_names() -> set[str]:
    assert abri_bus.metrics and abri_kit.http_metrics and abri_gateway.app and abri_assistant.metrics  # imported: registered
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        if family.type == "counter":
            names.add(family.name + "_total")
    return names
