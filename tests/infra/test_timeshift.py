"""The moments ``make test-timeshift`` moves the clock to: chosen from the day of the run, in France."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time

import pytest

from tests.support import REPO

sys.path.insert(0, str(REPO / "infra" / "dev"))
import timeshift

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("now", "months", "day", "at", "expected_utc"),
    [
        # 00:30 in France on a 1st: UTC is still on the last day of the month before (winter: UTC+1)
        (datetime(2026, 12, 4, 21, 0, tzinfo=UTC), 13, "first", time(0, 30), datetime(2027, 12, 31, 23, 30, tzinfo=UTC)),
        # the last day of February in a leap year, 23:30 in France
        (datetime(2026, 12, 4, 21, 0, tzinfo=UTC), 14, "last", time(23, 30), datetime(2028, 2, 29, 22, 30, tzinfo=UTC)),
        # summer time (UTC+2); "today" is France's: 23:30 UTC on 31 May is already June in France
        (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), 1, "first", time(0, 30), datetime(2026, 6, 30, 22, 30, tzinfo=UTC)),
    ],
)
def test_the_moment_is_counted_in_months_from_today_in_france(
    now: datetime, months: int, day: str, at: time, expected_utc: datetime
) -> None:
    assert timeshift.target(now, months=months, days=None, day=day, at=at) == expected_utc


def test_days_ahead_keep_the_hour() -> None:
    now = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    assert timeshift.target(now, months=None, days=400, day="last", at=time(23, 30)) == datetime(2028, 1, 8, 21, 0, tzinfo=UTC)


def test_the_shifted_environment_preloads_one_offset_and_its_own_state() -> None:
    env = timeshift.shifted_environment(3600, "/lib/libfaketime.so.1")
    assert env["FAKETIME"] == "+3600" and env["LD_PRELOAD"].startswith("/lib/libfaketime.so.1")
    assert env["ABRI_PG_DIR"].endswith(".run/timeshift/postgres") and env["ABRI_KAFKA_DIR"].endswith(".run/timeshift/kafka")
    assert env["ABRI_TIMESHIFT_OFFSET"] == "3600"
    assert env["ABRI_REDIS_DIR"].endswith(".run/timeshift/redis") and "Redis" in timeshift.PORTS
