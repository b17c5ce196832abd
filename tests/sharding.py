"""Which test files a shard runs (``ABRI_TEST_SHARD=k/N``, set by ``infra/dev/shards.py``).

Files are dealt out whole, longest first, each to the shard with the least time so far, by the seconds each
file took last time (``tests/durations.json``); a file not recorded yet counts half a second per test. The
files of the fault tier (``-m fault``: brokers killed and restarted, replicas paused, databases restored) go
together to one shard, one after the other: two of them at once on a 2-core machine made a killed broker take
longer than a minute to come back. Every
shard collects the same tests and so deals the same hands: together the shards run each test once.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence, Set
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


def deal(tests_per_file: Mapping[str, int], recorded: Mapping[str, float], count: int, together: Set[str] = frozenset()) -> list[set[str]]:
    """The files of each of ``count`` shards, the longest dealt first to the least loaded shard; the files of
    ``together`` as one block, so that they run one after the other in one shard."""
    weight = {path: recorded.get(path, UNRECORDED_S * tests) for path, tests in tests_per_file.items()}
    blocks = [frozenset(p for p in weight if p in together)] if together & weight.keys() else []
    blocks += [frozenset({path}) for path in weight if path not in together]
    hands: list[set[str]] = [set() for _ in range(count)]
    loads = [0.0] * count
    for block in sorted(blocks, key=lambda b: (-sum(weight[p] for p in b), sorted(b))):
        lightest = loads.index(min(loads))
        hands[lightest] |= block
        loads[lightest] += sum(weight[p] for p in block)
    return hands


def recorded_durations() -> dict[str, float]:
    """``tests/durations.json``, or nothing if it is missing."""
    return json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.exists() else {}


def this_shards_files(paths: Sequence[Path], together: Set[Path] = frozenset()) -> set[str] | None:
    """The files (relative to the repository) of this process's shard among ``paths`` (the collected tests'
    files, with repeats), or None when the whole suite runs here; the files of ``together`` in one shard."""
    value = os.environ.get("ABRI_TEST_SHARD")
    if not value:
        return None
    k, n = parse_shard(value)
    tests_per_file: dict[str, int] = defaultdict(int)
    for path in paths:
        tests_per_file[path.resolve().relative_to(REPO).as_posix()] += 1
    block = {path.resolve().relative_to(REPO).as_posix() for path in together}
    return deal(tests_per_file, recorded_durations(), n, block)[k - 1]
