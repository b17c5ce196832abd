"""``make dashboards``: write the chart's Grafana dashboards to ``helm/abri/files/dashboards/<name>.json``.

Built with Grafana's own builders (grafana-foundation-sdk, for Grafana 11.6) from the metric names the code
exports (abri_bus.metrics, abri_kit.http_metrics, the gateway's proxy, the assistant's): an overview of the
release, the gateway's, and one per service (its requests, the events it publishes through its outbox, the
events it consumes, and its own figures when it has any). The chart ships them as ConfigMaps that Grafana's
dashboard sidecar loads (``metrics.dashboards``). A test fails when a committed file differs from what this
script builds, or when a panel asks for a metric no code exports.

Every query is scoped to the ``namespace`` chosen at the top of the dashboard (one release per namespace).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grafana_foundation_sdk.builders.dashboard import Dashboard, DatasourceVariable, QueryVariable, Row
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.builders.timeseries import Panel
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableRefresh

from abri_contracts.services import SERVICES
from abri_kit.bus_status import consumed_topics, consumer_group, published_topics

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "helm" / "abri" / "files" / "dashboards"
PROMETHEUS = DataSourceRef(type_val="prometheus", uid="${datasource}")
NS = 'namespace="$namespace"'
PROBES = 'route!~"/readyz|/healthz|/metrics/?"'
WINDOW = "$__rate_interval"


def query(expr: str, legend: str = "") -> Dataquery:
    built = Dataquery().expr(expr).datasource(PROMETHEUS)
    return built.legend_format(legend) if legend else built


def panel(title: str, description: str, unit: str, *queries: Dataquery, width: int = 12) -> Panel:
    built = Panel().title(title).description(description).unit(unit).min(0).datasource(PROMETHEUS).span(width).height(8)
    for ref, q in zip("ABCDEFGH", queries, strict=False):
        built = built.with_target(q.ref_id(ref))
    return built


def dashboard(uid: str, title: str, description: str) -> Dashboard:
    """A dashboard with the data source and the release's namespace to choose, the last six hours shown."""
    return (
        Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["abri"])
        .editable()
        .refresh("1m")
        .time("now-6h", "now")
        .with_variable(DatasourceVariable("datasource").label("Data source").type("prometheus"))
        .with_variable(
            QueryVariable("namespace")
            .label("Namespace")
            .datasource(PROMETHEUS)
            .query("label_values(abri_http_requests_total, namespace)")
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        )
    )


def http_row(board: Dashboard, service: str) -> Dashboard:
    where = f'{NS}, service="{service}", {PROBES}'
    return (
        board.with_row(Row("Requests"))
        .with_panel(
            panel(
                "Requests by route and status",
                "Requests answered per second, by route template (never a raw path: no id) and status; probes left out.",
                "reqps",
                query(f"sum by (route, status) (rate(abri_http_requests_total{{{where}}}[{WINDOW}]))", "{{status}} {{route}}"),
            )
        )
        .with_panel(
            panel(
                "Server errors",
                "The share of requests answered with a 5xx (AbriServiceErrors fires above the chart's errorRatio for 10 minutes).",
                "percentunit",
                query(
                    f'sum(rate(abri_http_requests_total{{{where}, status=~"5.."}}[{WINDOW}])) '
                    f"/ sum(rate(abri_http_requests_total{{{where}}}[{WINDOW}]))",
                    "5xx share",
                ),
            )
        )
        .with_panel(
            panel(
                "Latency (95th percentile) by route",
                "95 % of requests to the route were answered within this time.",
                "s",
                query(
                    f"histogram_quantile(0.95, sum by (le, route) (rate(abri_http_request_duration_seconds_bucket{{{where}}}[{WINDOW}])))",
                    "{{route}}",
                ),
                width=24,
            )
        )
    )


def outbox_row(board: Dashboard, service: str) -> Dashboard:
    where = f'{NS}, service="{service}"'
    return (
        board.with_row(Row("Events it publishes (its outbox)"))
        .with_panel(
            panel(
                "Outbox",
                "Rows not yet sent to Kafka, and those Kafka refused for good (set aside: AbriOutboxParked).",
                "short",
                query(f"max(abri_outbox_backlog{{{where}}})", "unsent"),
                query(f"max(abri_outbox_parked_rows{{{where}}})", "parked"),
            )
        )
        .with_panel(
            panel(
                "Oldest unsent event",
                "How long the oldest unsent row has waited (AbriOutboxStalled fires above outboxOldestSeconds).",
                "s",
                query(f"max(abri_outbox_oldest_unsent_age_seconds{{{where}}})", "oldest unsent"),
            )
        )
        .with_panel(
            panel(
                "Events published",
                "Events the relay published per second, and the batches that failed and will be retried.",
                "ops",
                query(f"sum(rate(abri_outbox_published_total{{{where}}}[{WINDOW}]))", "published"),
                query(f"sum(rate(abri_outbox_publish_failures_total{{{where}}}[{WINDOW}]))", "failed batches"),
            )
        )
        .with_panel(
            panel(
                "From commit to Kafka (95th percentile)",
                "Time from an outbox row's commit to Kafka's acknowledgement.",
                "s",
                query(
                    f"histogram_quantile(0.95, sum by (le) (rate(abri_outbox_relay_lag_seconds_bucket{{{where}}}[{WINDOW}])))",
                    "relay lag",
                ),
            )
        )
    )


def consumer_row(board: Dashboard, service: str) -> Dashboard:
    where = f'{NS}, consumer="{consumer_group(service)}"'
    return (
        board.with_row(Row("Events it consumes"))
        .with_panel(
            panel(
                "Lag by topic",
                "Messages behind the topics' ends: its read model or its actions are this far behind (AbriConsumerLagHigh).",
                "short",
                query(f"sum by (topic) (max by (topic, partition) (abri_consumer_lag{{{where}}}))", "{{topic}}"),
            )
        )
        .with_panel(
            panel(
                "Messages by outcome",
                "Messages finished per second: applied, duplicate (already applied), ignored (not for it), dead-lettered.",
                "ops",
                query(f"sum by (outcome) (rate(abri_consumer_events_total{{{where}}}[{WINDOW}]))", "{{outcome}}"),
            )
        )
        .with_panel(
            panel(
                "Handler errors",
                "Failed attempts per second, by event type (retried; after the last attempt the message is dead-lettered).",
                "ops",
                query(f"sum by (event_type) (rate(abri_consumer_handler_errors_total{{{where}}}[{WINDOW}]))", "{{event_type}}"),
            )
        )
        .with_panel(
            panel(
                "Dead letters",
                "Messages set aside in the last 15 minutes, by topic and reason: their effects are missing until replayed "
                "(AbriDeadLetters; docs/runbooks.md).",
                "short",
                query(f"sum by (topic, reason) (increase(abri_dead_letters_total{{{where}}}[15m]))", "{{topic}}: {{reason}}"),
            )
        )
    )


def assistant_row(board: Dashboard) -> Dashboard:
    where = NS
    return (
        board.with_row(Row("Replies and hand-overs"))
        .with_panel(
            panel(
                "Replies by kind",
                "Replies per hour: answer (from the knowledge base, with its source), urgent (the emergency numbers at once), "
                "unknown (no answer above the threshold: the offer to hand over). A rise of unknown replies in one language "
                "says what the knowledge base lacks.",
                "short",
                query(f"sum by (kind, language) (increase(abri_assistant_replies_total{{{where}}}[1h]))", "{{kind}} ({{language}})"),
            )
        )
        .with_panel(
            panel(
                "Hand-overs",
                "Conversations handed to the household's association per hour, urgent or not (AbriHandoverUndelivered "
                "fires when one does not reach notifications).",
                "short",
                query(f"sum by (urgent) (increase(abri_assistant_handovers_total{{{where}}}[1h]))", "urgent: {{urgent}}"),
            )
        )
    )


def service_dashboard(service: str) -> Dashboard:
    board = dashboard(
        f"abri-{service}",
        f"Abri / {service}",
        f"The {service} service: its requests, the events it publishes and those it consumes (docs/operations.md).",
    )
    board = http_row(board, service)
    if published_topics(service):
        board = outbox_row(board, service)
    if consumed_topics(service):
        board = consumer_row(board, service)
    if service == "assistant":
        board = assistant_row(board)
    return board


def gateway_dashboard() -> Dashboard:
    return (
        dashboard("abri-gateway", "Abri / gateway", "The gateway: what users ask of each service, and what they wait.")
        .with_row(Row("Requests to the services"))
        .with_panel(
            panel(
                "Requests by service and status",
                "Requests to /api per second, by service and status (502, 503, 504: the service is down or slow).",
                "reqps",
                query(f"sum by (service, status) (rate(abri_gateway_requests_total{{{NS}}}[{WINDOW}]))", "{{service}} {{status}}"),
            )
        )
        .with_panel(
            panel(
                "Server errors by service",
                "The share of requests to each service answered with a 5xx (AbriGatewayErrors).",
                "percentunit",
                query(
                    f'sum by (service) (rate(abri_gateway_requests_total{{{NS}, status=~"5.."}}[{WINDOW}])) '
                    f"/ sum by (service) (rate(abri_gateway_requests_total{{{NS}}}[{WINDOW}]))",
                    "{{service}}",
                ),
            )
        )
        .with_panel(
            panel(
                "Latency by service (95th percentile)",
                "Time from request to the end of the response.",
                "s",
                query(
                    "histogram_quantile(0.95, sum by (le, service) "
                    f"(rate(abri_gateway_request_duration_seconds_bucket{{{NS}}}[{WINDOW}])))",
                    "{{service}}",
                ),
            )
        )
        .with_panel(
            panel(
                "Session store",
                "1 when Redis (the sessions) answered the gateway's last readiness probe, per gateway pod.",
                "short",
                query(f"abri_gateway_session_store_up{{{NS}}}", "{{pod}}"),
            )
        )
    )


def overview_dashboard() -> Dashboard:
    return (
        dashboard("abri-overview", "Abri / overview", "Every service of the release side by side; each has a dashboard of its own.")
        .with_row(Row("Every service"))
        .with_panel(
            panel(
                "Requests by service",
                "Requests answered per second by each service (probes left out).",
                "reqps",
                query(f"sum by (service) (rate(abri_http_requests_total{{{NS}, {PROBES}}}[{WINDOW}]))", "{{service}}"),
            )
        )
        .with_panel(
            panel(
                "Server errors by service",
                "The share of each service's requests answered with a 5xx.",
                "percentunit",
                query(
                    f'sum by (service) (rate(abri_http_requests_total{{{NS}, {PROBES}, status=~"5.."}}[{WINDOW}])) '
                    f"/ sum by (service) (rate(abri_http_requests_total{{{NS}, {PROBES}}}[{WINDOW}]))",
                    "{{service}}",
                ),
            )
        )
        .with_panel(
            panel(
                "Consumer lag by service",
                "Messages each service's consumer group is behind, all topics together.",
                "short",
                query(f"sum by (consumer) (max by (consumer, topic, partition) (abri_consumer_lag{{{NS}}}))", "{{consumer}}"),
            )
        )
        .with_panel(
            panel(
                "Unsent events by service",
                "Each service's outbox rows not yet sent to Kafka.",
                "short",
                query(f"max by (service) (abri_outbox_backlog{{{NS}}})", "{{service}}"),
            )
        )
        .with_panel(
            panel(
                "Dead letters",
                "Messages set aside in the last 15 minutes, by consumer and topic.",
                "short",
                query(f"sum by (consumer, topic) (increase(abri_dead_letters_total{{{NS}}}[15m]))", "{{consumer}}: {{topic}}"),
                width=24,
            )
        )
    )


def dashboards() -> dict[str, Dashboard]:
    """Every dashboard by file name (without ``.json``): the overview, the gateway, each service."""
    return {"overview": overview_dashboard(), "gateway": gateway_dashboard(), **{s: service_dashboard(s) for s in SERVICES}}


def render(board: Dashboard) -> str:
    """The dashboard's JSON as Grafana imports it (stable: sorted keys, one file per dashboard)."""
    built = json.loads(JSONEncoder().encode(board.build()))
    for number, shown in enumerate(built["panels"], start=1):  # rows included: Grafana wants each id once
        shown["id"] = number
    return json.dumps(built, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    wanted = {f"{name}.json": render(board) for name, board in dashboards().items()}
    for stale in out.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (out / name).write_text(text, encoding="utf-8")
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
