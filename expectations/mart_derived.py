"""The frames the mart suites check: each mart table plus its index and derived columns.

`prepare_followthrough` and `prepare_summary` copy a mart frame and add `row_id`/`row_key`
(`INDEX_COLUMNS`: what names a failing row) and the derived columns of `DERIVED`
(expectations/mart_suites.py), computed here in pandas because GX has no arithmetic
between columns or tables. pandas is imported lazily.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from expectations.mart_suites import FOLLOWTHROUGH_COLUMNS, SUMMARY_COLUMNS, SUMMARY_KEY
from netra.contracts.vocabulary import LINKED_STATUSES, STATUS_COUNTS
from netra.reconcile.mart_frames import FOLLOWTHROUGH_NUMERIC, SUMMARY_COUNTS, SUMMARY_NUMERIC, as_floats

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: followthrough_rate is stored rounded to 4 decimals (numeric(5, 4)).
RATE_TOLERANCE = 0.00006


def _days(frame: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd

    return pd.to_datetime(frame[column], errors="coerce")


def _object(series: pd.Series) -> pd.Series:
    """Nullable values as Python objects (None for missing), which GX's map expectations skip."""
    return series.astype(object).where(series.notna(), None)


def prepare_followthrough(frame: pd.DataFrame, *, sanction_ids: set[str],
                          recommendation_ids: set[str]) -> pd.DataFrame:
    """A copy of a followthrough frame with the index and derived columns the suite checks."""
    import pandas as pd

    out = frame.reset_index(drop=True)  # a new frame; copy-on-write (pandas 3) leaves the caller's as it was
    as_floats(out, FOLLOWTHROUGH_NUMERIC)
    src = out.reindex(columns=FOLLOWTHROUGH_COLUMNS)  # derive even when a column is missing
    linked = src["sanction_id"].notna()
    ids = src["recommendation_id"]
    out["row_id"] = range(len(out))
    out["row_key"] = [str(v) if pd.notna(v) else f"#{i}" for i, v in enumerate(ids)]
    out["status_matches_link"] = src["status"].isin(LINKED_STATUSES) == linked
    out["link_method_matches_link"] = src["link_method"].notna() == linked
    out["decree_matches_link"] = src["decree_date"].notna() == linked
    gap = (_days(src, "decree_date") - _days(src, "issued_on")).dt.days  # NaN without a decree
    out["decree_minus_issued_days"] = _object(gap.astype("Int64"))
    days = pd.to_numeric(src["days_to_sanction"], errors="coerce")
    out["days_to_sanction_matches"] = (
        (src["decree_date"].isna() & src["days_to_sanction"].isna())
        | (src["decree_date"].notna() & (days == gap))
    )
    # Null where there is nothing to look up: GX skips nulls, so only real ids are checked.
    out["sanction_exists"] = [None if pd.isna(v) else str(v) in sanction_ids for v in src["sanction_id"]]
    out["recommendation_exists"] = [None if pd.isna(v) else str(v) in recommendation_ids for v in ids]
    for name in ("status_matches_link", "link_method_matches_link", "decree_matches_link",
                 "days_to_sanction_matches"):
        out[name] = out[name].astype(object)
    for name in ("sanction_exists", "recommendation_exists"):
        out[name] = pd.Series(out[name].tolist(), dtype=object)
    return out


def prepare_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a summary frame with the index and derived columns the suite checks."""
    import pandas as pd

    out = frame.reset_index(drop=True)  # a new frame; copy-on-write (pandas 3) leaves the caller's as it was
    as_floats(out, SUMMARY_NUMERIC)
    src = out.reindex(columns=SUMMARY_COLUMNS)
    out["row_id"] = range(len(out))
    out["row_key"] = ["/".join(str(plain(v)) for v in key)
                      for key in src[list(SUMMARY_KEY)].itertuples(index=False)]
    counts = {c: pd.to_numeric(src[c], errors="coerce") for c in SUMMARY_COUNTS}
    out["status_sum_matches"] = (counts["recommended"] == sum(counts[c] for c in STATUS_COUNTS)).astype(object)
    rate = pd.to_numeric(src["followthrough_rate"], errors="coerce")
    expected = counts["sanctioned"] / counts["recommended"].where(counts["recommended"] > 0)
    out["rate_matches_counts"] = (
        (expected.isna() & rate.isna()) | ((rate - expected).abs() <= RATE_TOLERANCE)
    ).astype(object)
    return out


def plain(value: Any) -> Any:
    """Values as a reader would write them: None for nulls, ISO dates, no numpy scalars."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple, set, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
