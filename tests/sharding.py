"""Which test files a shard runs (``ABRI_TEST_SHARD=k/N``, set by ``infra/dev/shards.py``).

Files are dealt out whole, longest first, each to the shard with the least time so far, by the seconds each
file took last time (``tests/durations.json``); a file not recorded yet counts half a second per test. Every
shard collects the same tests and so deals the same hands: together the shards run each test once.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DURATIONS = Path(__file__).with_name("durations.json")
UNRECORDED_S = 0.5
"""The seconds a test of a file not in ``durations.json`` is counted for."""


def parse_shard(value: str) -> tuple[int, int]:
    """``"2/3"`` → ``(2, 3)``; anything else is refused with the reason."""
    shard, _, count = value.partition("/")
    try:
        k, n = int(shard), int(count)
    except ValueError:
        raise ValueError(f"ABRI_TEST_SHARD must look like 1/2, got {value!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"ABRI_TEST_SHARD {value!r}: the shard must be between 1 and the count")
    return k, n


def deal(tests_per_file: Mapping[str, int], recorded: Mapping[str, float], count: int) -> list[set[str]]:
    """The files of each of ``count`` shards, the longest dealt first to the least loaded shard."""
    weight = {path: recorded.get(path, UNRECORDED_S * tests) for path, tests in tests_per_file.items()}
    hands: list[set[str]] = [set() for _ in range(count)]
    loads = [0.0] * count
    for path in sorted(weight, key=lambda p: (-weight[p], p)):
        lightest = loads.index(min(loads))
        hands[lightest].add(path)
        loads[lightest] += weight[path]
    return hands


def recorded_durations() -> dict[str, float]:
    """``tests/durations.json``, or nothing if it is missing."""
    return json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.exists() else {}


def this_shards_files(paths: Sequence[Path]) -> set[str] | None:
    """The files (relative to the repository) of this process's shard among ``paths`` (the collected tests'
    files, with repeats), or None when the whole suite runs here."""
    value = os.environ.get("ABRI_TEST_SHARD")
    if not value:
        return None
    k, n = parse_shard(value)
    tests_per_file: dict[str, int] = defaultdict(int)
    for path in paths:
        tests_per_file[path.resolve().relative_to(REPO).as_posix()] += 1
    return deal(tests_per_file, recorded_durations(), n)[k - 1]
