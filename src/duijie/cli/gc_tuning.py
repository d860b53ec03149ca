"""Garbage-collector settings for a serving node process.

CPython's default collector runs a young-generation pass every 700 net container allocations,
and every tenth of those goes on to walk older objects. A node allocates a parsed JSON document
per message and, under a burst, holds thousands of journaled messages waiting to be handled, so
the collector kept re-walking the same long-lived objects: the bench (``bench/order_flow.py``
part a) measured about a fifth more signed confirms ACKed per second with the settings below.
Reference counting still frees everything that is not in a cycle at once; only cycles wait a
little longer.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Net container allocations between young-generation passes (CPython's default is 700)."""

OLDER_THRESHOLDS = (50, 100)
"""Young passes per middle pass, and middle passes per full pass (defaults 10 and 10)."""


def tune_for_serving() -> None:
    """Freeze what start-up built (modules, schemas, the wired node) out of every future
    collection, and collect less often; call once, after the node is built and before serving."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
