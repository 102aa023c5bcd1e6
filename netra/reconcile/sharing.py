"""One Python object per distinct value of a column, for the reconcile's big reads (1M rows and more).

psycopg2 makes a new object for every cell it returns. In a full reconcile at 1M recommendations the
dates, statuses, levels, regions, agencies and reasons are millions of objects holding a few thousand
distinct values. Text and date cells compare exactly (equal means the same value), so reading them
through one dict per column gives the same rows in far less memory. A column whose dict grows past
`limit` distinct values is an id or a NIP: sharing saves nothing there, so it stops.
"""
from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

#: Rows per fetch of the server-side cursors the reconcile's big reads use (the link step's inputs, the marts
#: for the audit): the client holds one chunk of libpq's result at a time, not the whole table.
FETCH_ROWS = 50_000
#: Distinct values a column may have and still be shared.
SHARED_VALUES = 50_000


class Sharing:
    """Per column of a query's result: the values seen so far, or None once the column is not shared."""

    def __init__(self, width: int, limit: int = SHARED_VALUES):
        self.caches: list[dict | None] = [{} for _ in range(width)]
        self.limit = limit

    def columns(self, chunk: Sequence[tuple]) -> list[Iterable]:
        """The chunk's rows as columns, text and date cells of shared columns replaced by the first equal one."""
        out: list[Iterable] = []
        for i, values in enumerate(zip(*chunk)):
            cache = self.caches[i]
            kind = next((type(v) for v in values if v is not None), None) if cache is not None else None
            if cache is not None and kind is not None and kind not in (str, date):
                self.caches[i] = cache = None  # numbers: Decimal('1.0') equals Decimal('1.00')
            if cache is None or kind is None:
                out.append(values)
                continue
            out.append(list(map(cache.setdefault, values, values)))
            if len(cache) > self.limit:
                self.caches[i] = None
        return out


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """No cyclic garbage collection inside (as it was afterwards): while millions of references pile up in the
    lists a big read builds, each full collection would walk them all (a third of the read's CPU at 1M rows),
    and such a read makes no cycles.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
