"""Insights' measures from counts alone (pure): quartiles of a day histogram, hidden under 11 journeys; the
leases still running at 6, 12 and 24 months over the cohorts old enough to tell, hidden when small."""

from __future__ import annotations

import pytest

from abri_insights.domain.measures import MAX_DAYS, bucket_of, duration, quantile, still_running

pytestmark = pytest.mark.unit


def test_quartiles_of_a_day_histogram_and_nothing_under_11_journeys() -> None:
    histogram = {3: 4, 10: 4, 30: 3}  # 11 journeys
    assert (quantile(histogram, 0.25), quantile(histogram, 0.5), quantile(histogram, 0.75)) == (3, 10, 30)
    assert duration({3: 4, 10: 6}).median is None and duration({3: 4, 10: 6}).count == 10
    assert bucket_of(-2) == 0 and bucket_of(5_000) == MAX_DAYS


def test_leases_still_running_over_the_cohorts_old_enough() -> None:
    signed = {"2025-01": 30, "2025-06": 20, "2026-11": 50}
    ended = {("2025-01", 3): 4, ("2025-01", 8): 5, ("2025-06", 2): 1, ("2026-11", 0): 2}
    six, twelve, twenty_four = still_running(signed, ended, this_month="2026-12")
    assert (six.leases, six.running) == (50, 45)  # 2026-11 is too young to tell at six months
    assert six.share is None  # 5 leases ended: too few to show the rest by
    assert (twelve.leases, twelve.running) == (50, 40)
    assert twenty_four.leases == 0 and twenty_four.share is None  # no cohort two years old yet


def test_a_share_shows_when_both_the_running_and_the_ended_reach_11() -> None:
    [six, *_] = still_running({"2025-01": 40}, {("2025-01", 2): 12}, this_month="2026-12")
    assert six.running == 28 and six.share == pytest.approx(28 / 40)
