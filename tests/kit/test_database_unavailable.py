"""A request that meets its database away (restarting, failing over, out of connections) is no bug: the
service answers 503 with ``Retry-After`` (the client tries again, with its idempotency key), not 500; and
the event consumer waits for the database instead of counting the failure against the event (which would
dead-letter a good event after a restart)."""

from __future__ import annotations

import time

import asyncpg
import httpx
import pytest
from sqlalchemy.exc import DBAPIError

from abri_bus.consumer import is_infrastructure_error
from abri_listings.main import create_app
from abri_listings.settings import ListingsSettings
from tests.oidc_issuer import TestIssuer, serving
from tests.support import free_port, kafka_bootstrap


def wrapped(error: Exception) -> DBAPIError:
    """An asyncpg error as SQLAlchemy raises it to the code (the driver's error is its ``orig``)."""
    return DBAPIError("SELECT 1", {}, error)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("error", "away"),
    [
        (asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"), True),  # 57P03
        (asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"), True),  # 57P01
        (asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"), True),  # 53300
        (asyncpg.exceptions.ConnectionFailureError("connection failure"), True),  # 08006
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), False),  # 23505: the statement, not the server
        (asyncpg.exceptions.QueryCanceledError("canceling statement due to lock timeout"), False),  # 57014: a timeout, not the server
    ],
)
def test_the_servers_absence_is_told_from_a_bad_statement_by_its_sqlstate(error: Exception, away: bool) -> None:
    assert is_infrastructure_error(wrapped(error)) is away


async def test_a_request_whose_database_is_away_answers_503_with_retry_after(issuer: TestIssuer) -> None:
    nobody = free_port()  # nothing listens there: the database is away
    settings = ListingsSettings(
        database_url=f"postgresql+asyncpg://abri:secret@127.0.0.1:{nobody}/listings",
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        consumer_enabled=False,
        relay_enabled=False,
    )
    port = free_port()
    token = issuer.token(sub="owner-db-away", roles=["owner"], exp=int(time.time()) + 300)
    async with serving(create_app(settings), port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        answer = await client.get("/v1/units", headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json" and answer.headers["retry-after"] == "2"
    assert answer.json()["title"] == "Service Unavailable"
