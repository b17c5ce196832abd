"""``abri-ops bus / outbox / lag`` as ops run them: with a service's variables, as in its pod."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess

import pytest

from abri_contracts.services import SERVICES
from abri_kit.bus_status import consumed_topics
from tests.support import PYTHON, REPO, database_url, kafka_bootstrap

CLI = str(REPO / ".venv" / "bin" / "abri-ops")


async def abri_ops(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    process = await asyncio.create_subprocess_exec(
        CLI, *args, env={**clean, **env}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


@pytest.mark.unit
@pytest.mark.unit
@pytest.mark.parametrize("service", SERVICES)
def test_the_topics_ops_watch_are_those_the_service_handles(service: str) -> None:
    """The contracts' consumers (what abri-ops reads) and the service's handlers (what its consumer reads) agree."""
    handlers = importlib.import_module(f"abri_{service}.events").handlers()
    assert consumed_topics(service) == sorted({contract.topic() for contract in handlers})


async def test_bus_summary_of_a_service_from_its_pod_variables() -> None:
    await asyncio.to_thread(
        subprocess.run,
        [str(PYTHON), "-m", "abri_listings.migrate"],
        env={**os.environ, "ABRI_LISTINGS_DATABASE_URL": database_url("listings")},
        cwd=REPO,
        check=True,
        timeout=120,
    )
    pod = {
        "ABRI_LISTINGS_DATABASE_URL": database_url("listings"),
        "ABRI_LISTINGS_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        "ABRI_KAFKA_BOOTSTRAP_SERVERS": "",
    }
    code, out, err = await abri_ops(pod, "bus", "listings", "--json")
    assert code == 0, err
    body = json.loads(out)
    assert body["service"] == "listings" and body["consumer_group"] == "abri-listings"
    assert isinstance(body["outbox"]["unsent"], int) and body["outbox"]["oldest_unsent_age_seconds"] >= 0
    assert {row["topic"] for row in body["consumer_lag"]} == {"abri.matching.household", "abri.matching.placement"}
    assert all(row["lag"] == row["end"] - max(row["committed"] or 0, row["beginning"]) for row in body["consumer_lag"])
    assert [d["dlq_topic"] for d in body["dead_letters"]] == ["abri.matching.household.dlq", "abri.matching.placement.dlq"]

    code, out, _ = await abri_ops(pod, "outbox", "--json")
    assert code == 0 and set(json.loads(out)) == {"listings"}  # only the service whose database URL is set


@pytest.mark.unit
async def test_a_missing_variable_is_named() -> None:
    code, _, err = await abri_ops({}, "outbox", "matching")
    assert code == 2 and "ABRI_MATCHING_DATABASE_URL is not set" in err
