"""Grafana's dashboards: the committed files are what ``make dashboards`` builds, every panel asks for a metric
the code exports within the chosen namespace, each service has its own, and the chart ships them (optional)."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from abri_contracts.services import SERVICES
from abri_kit.bus_status import consumed_topics, consumer_group, published_topics
from tests.helm.chart import of_kind, render
from tests.helm.exported_metrics import exported_metric_names
from tests.support import REPO

sys.path.insert(0, str(REPO / "infra" / "dev"))
import dashboards

FILES = REPO / "helm" / "abri" / "files" / "dashboards"


def committed(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FILES / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def queries(board: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in board["panels"] for target in panel.get("targets", [])]


def test_the_committed_dashboards_are_what_make_dashboards_builds() -> None:
    built = dashboards.dashboards()
    assert sorted(p.stem for p in FILES.glob("*.json")) == sorted(built) == sorted(["overview", "gateway", *SERVICES])
    for name, board in built.items():
        assert (FILES / f"{name}.json").read_text(encoding="utf-8") == dashboards.render(board), "run `make dashboards`"


def test_every_panel_asks_for_exported_metrics_in_the_chosen_namespace() -> None:
    exported = exported_metric_names()
    uids = set()
    for name in ["overview", "gateway", *SERVICES]:
        board = committed(name)
        uids.add(board["uid"])
        assert [v["name"] for v in board["templating"]["list"]] == ["datasource", "namespace"], name
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), name
        found = queries(board)
        assert found, name
        for expr in found:
            used = {re.sub(r"_bucket$", "", m) for m in re.findall(r"\babri_[a-z_]+\b", expr)}  # a histogram's buckets
            assert used and used <= exported, (name, used - exported)
            selectors = re.findall(r"\{([^}]*)\}", expr)
            assert selectors and all('namespace="$namespace"' in s for s in selectors), (name, expr)
        for panel in board["panels"]:
            if panel["type"] != "row":
                assert panel["description"] and panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
                assert [t["refId"] for t in panel["targets"]] == list("ABCDEFGH"[: len(panel["targets"])])
    assert len(uids) == len(SERVICES) + 2 and all(len(uid) <= 40 for uid in uids)  # Grafana's limit on a uid


def test_each_service_dashboard_follows_what_it_publishes_and_consumes() -> None:
    for service in SERVICES:
        board = committed(service)
        rows = [panel["title"] for panel in board["panels"] if panel["type"] == "row"]
        exprs = "\n".join(queries(board))
        assert f'service="{service}"' in exprs
        assert ("Events it consumes" in rows) == bool(consumed_topics(service)), service
        assert (f'consumer="{consumer_group(service)}"' in exprs) == bool(consumed_topics(service)), service
        assert ("Events it publishes (its outbox)" in rows) == bool(published_topics(service)), service
        assert [s for s in SERVICES if f'service="{s}"' in exprs] == [service]  # no other service's figures
    assert "abri_assistant_replies_total" in "\n".join(queries(committed("assistant")))
    assert "abri_assistant_handovers_total" in "\n".join(queries(committed("assistant")))
    assert committed("insights")["panels"] and not published_topics("insights")  # it publishes nothing


def dashboard_maps(*sets: str, value_set: str = "production") -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in of_kind(render(value_set, *sets), "ConfigMap") if "-dashboard-" in m["metadata"]["name"]}


def test_the_chart_ships_each_dashboard_for_grafanas_sidecar_when_asked() -> None:
    assert dashboard_maps(value_set="default") == {}  # off by default: not every cluster runs Grafana
    shipped = dashboard_maps()
    assert sorted(shipped) == sorted(f"abri-dashboard-{name}" for name in ["overview", "gateway", *SERVICES])
    for name, config_map in shipped.items():
        file = name.removeprefix("abri-dashboard-") + ".json"
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert config_map["metadata"]["labels"]["app.kubernetes.io/instance"] == "abri"
        assert config_map["metadata"]["annotations"] == {"grafana_folder": "Abri"}
        assert list(config_map["data"]) == [file]
        assert json.loads(config_map["data"][file]) == json.loads((FILES / file).read_text(encoding="utf-8"))
    without_insights = dashboard_maps("services.insights.enabled=false")
    assert "abri-dashboard-insights" not in without_insights and len(without_insights) == len(shipped) - 1
    relabelled = dashboard_maps("metrics.dashboards.labels.grafana_dashboard=abri")
    assert {m["metadata"]["labels"]["grafana_dashboard"] for m in relabelled.values()} == {"abri"}
