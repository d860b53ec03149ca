"""The serving process's garbage-collector settings."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from duijie.cli.gc_tuning import OLDER_THRESHOLDS, YOUNG_THRESHOLD, tune_for_serving


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_tuning_freezes_start_up_objects_and_collects_less_often(restore_gc: None) -> None:
    built_at_start_up = {"schema": ["kept"]}
    tune_for_serving()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    assert gc.get_freeze_count() > 0
    # Frozen objects are out of the collector's generations (and so never re-walked).
    assert all(built_at_start_up is not obj for gen in range(3) for obj in gc.get_objects(gen))


def test_cycles_are_still_collected_after_tuning(restore_gc: None) -> None:
    tune_for_serving()

    class Node:
        pass

    a, b = Node(), Node()
    a.peer, b.peer = b, a  # type: ignore[attr-defined]
    gone = weakref.ref(a)
    del a, b
    assert gone() is not None  # a cycle: reference counting alone cannot free it
    gc.collect()
    assert gone() is None
