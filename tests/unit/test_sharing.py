"""netra/reconcile/sharing.py: the same values, one object per distinct text or date, ids left alone."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from netra.reconcile.sharing import Sharing


def _copy(s: str) -> str:
    return "".join(list(s))  # an equal string that is another object


def test_equal_texts_and_dates_become_one_object_and_the_rows_stay_equal():
    chunk = [(f"R{i}", _copy("sanctioned"), date(2021, 1, 1 + i % 2), Decimal("0.930"), None) for i in range(6)]
    sharing = Sharing(5)
    ids, statuses, days, scores, nothing = sharing.columns(chunk)
    assert list(zip(ids, statuses, days, scores, nothing)) == chunk
    assert len({id(v) for v in statuses}) == 1
    assert len({id(v) for v in days}) == 2
    assert len({id(v) for v in scores}) == 6  # numbers are kept as they come: Decimal('1.0') == Decimal('1.00')


def test_a_column_past_the_limit_is_no_longer_shared_in_later_chunks():
    sharing = Sharing(1, limit=3)
    sharing.columns([(f"id-{i}",) for i in range(5)])
    assert sharing.caches[0] is None
    later = [(_copy("agency x"),), (_copy("agency x"),)]
    (values,) = sharing.columns(later)
    assert list(values) == ["agency x", "agency x"] and values[0] is not values[1]


def test_nulls_wait_for_the_first_value_and_timestamps_are_not_shared():
    sharing = Sharing(2)
    first = sharing.columns([(None, datetime(2021, 1, 1, 8)), (None, datetime(2021, 1, 1, 8))])
    assert list(first[0]) == [None, None] and sharing.caches[0] == {}
    assert sharing.caches[1] is None
    (texts, _) = sharing.columns([(_copy("a reason"), None), (_copy("a reason"), None)])
    assert texts[0] is texts[1]
