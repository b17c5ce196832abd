"""The system fault suite's shortened tier (``make chaos`` is the long run, ``bench/README.md`` its
figures): every service and the gateway as two processes each behind a balancer, journeys driven
through the gateway while every kind of fault is inflicted once, in a seeded order (SIGKILL of the
broker, of a replica of each component, of a relay in the middle of a batch, of a consumer between its
effect and its offset commit; a PostgreSQL restart; a replica paused longer than the consumers' session
timeout). Then the audit: every journey in its final state, no event lost or applied twice, every
notification received once per recipient, event and channel, the consumer lag back to 0."""

from __future__ import annotations

import json
import os

import pytest

from tests.chaos.faults import KINDS
from tests.chaos.run import Config, run
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import REPO

pytestmark = [pytest.mark.fault, pytest.mark.timeout(1200)]
SEED = int(os.environ.get("ABRI_CHAOS_SEED", "21"))


async def test_journeys_keep_their_promises_while_every_kind_of_fault_strikes() -> None:
    config = Config(journeys=12, concurrency=4, faults=len(KINDS), seed=SEED, replicas=2, gap_s=(1.0, 3.0))
    outcome = await run(config, REPO / ".run" / "chaos-tier", migrate=False)
    report = json.dumps(outcome.report(), indent=1, default=str)
    assert sorted(fault.kind for fault in outcome.faults) == sorted(KINDS), report
    assert outcome.findings.problems == {}, report
    figures = outcome.findings.figures
    assert figures["journeys completed"] == figures["journeys"] >= config.journeys, report
    assert figures["events written"] > 10 * config.journeys and figures["deliveries received (email, webhook)"] > 0, report
    restarted = {name for name, starts in figures["process starts"].items() if starts > 1}
    assert restarted, report  # replicas were killed and came back
