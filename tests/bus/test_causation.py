"""Events an event causes get ids derived from it (``abri_bus.causation``): the same cause, the same ids,
so that a service applying again after a restore what it had applied publishes nothing new."""

from __future__ import annotations

import pytest

from abri_bus.causation import caused_by, derived_id

pytestmark = pytest.mark.unit


def ids(cause: str) -> list[str | None]:
    with caused_by(cause):
        return [derived_id("abri.listings.unit.let.v1", "unit-1"), derived_id("abri.listings.unit.let.v1", "unit-1"),
                derived_id("abri.listings.unit.reserved.v1", "unit-1")]  # fmt: skip


def test_the_same_cause_gives_the_same_ids_and_each_event_its_own() -> None:
    first, again = ids("event-a"), ids("event-a")
    assert first == again  # applied again: the same events
    assert len(set(first)) == 3 and None not in first  # two of a kind told apart by their rank
    assert set(ids("event-b")).isdisjoint(first)  # another cause, other ids


def test_outside_a_handler_there_is_no_cause() -> None:
    assert derived_id("abri.listings.unit.let.v1", "unit-1") is None
    with caused_by("event-a"):
        pass
    assert derived_id("abri.listings.unit.let.v1", "unit-1") is None  # the block's cause ends with it
