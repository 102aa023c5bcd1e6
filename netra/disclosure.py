"""Small-cell rules of the public report (`netra report --public`): what is hidden, what is computed.

The public summary's rule (netra/warehouse/statements/reconcile/build_stage.sql) hides counts from 1 to
k-1, and any cell that could be recovered from the shown ones by subtraction. A rate or a
median is not a count: it is shown when the counts it is computed from are shown, and
hidden with them (a shown rate beside a shown numerator would give the denominator away).
Order is part of what a table discloses, so public rows are ordered by shown values only.
"""
from __future__ import annotations

from netra.contracts.vocabulary import STATUS_COUNTS  # the five status counts; they add up to `recommended`

#: Values computed from counts, never tested against k themselves.
DERIVED = ("rate", "median")


def _small(v, k: int) -> bool:
    return v is not None and 0 < v < k


def _rate(out: dict) -> None:
    """The rate from its shown parts (sanctioned / recommended); hidden when either part is."""
    if "rate" not in out:
        return
    sanctioned, recommended = out.get("sanctioned"), out.get("recommended")
    if sanctioned is None or recommended is None:
        out["rate"] = None
    elif out["rate"] is None and recommended:
        out["rate"] = round(sanctioned / recommended, 4)


def suppress(counts: dict, k: int) -> dict:
    """A row of a regional table (per province): counts from 1 to k-1 hidden, and `recommended`
    with them whenever a status cell is, so no hidden cell can be recovered by subtraction.
    The median days to sanction goes with `sanctioned`; the rate is shown when its parts are.
    """
    out = {name: None if name not in DERIVED and _small(v, k) else v for name, v in counts.items()}
    if any(_small(counts.get(n), k) for n in STATUS_COUNTS + ("recommended",)):
        out["recommended"] = None
    if _small(counts.get("sanctioned"), k):
        out["median"] = None
    _rate(out)
    return out


def suppress_parts(parts: dict, k: int) -> dict:
    """Parts of a shown total (e.g. sanctions by severity, which add up to `sanctioned`): small parts hidden,
    and when exactly one is, the smallest other non-zero part too, so it cannot be recovered by subtraction.
    """
    out = {name: None if _small(v, k) else v for name, v in parts.items()}
    _complement(out, parts, list(parts))
    return out


def _complement(out: dict, counts: dict, names: list[str]) -> bool:
    """Hide the smallest shown non-zero cell of `names` when exactly one of them is hidden; False when
    there is none to hide (then the hidden one is recoverable from the total).
    """
    hidden = [n for n in names if out[n] is None and counts[n] is not None]
    if len(hidden) != 1:
        return True
    others = [n for n in names if out[n] not in (None, 0)]
    if not others:
        return False
    out[min(others, key=lambda n: (counts[n], n))] = None
    return True


def suppress_election(counts: dict, k: int) -> dict:
    """A per-election total. `recommended` is public at this level (the funnel prints it), so a hidden
    status cell is protected the other way: when exactly one status cell is hidden, the smallest other
    non-zero one is hidden too (complementary suppression), and neither can be recovered from
    `recommended` minus the rest. The rate is computed from the shown parts.
    """
    out = {name: None if name not in DERIVED and _small(v, k) else v for name, v in counts.items()}
    statuses = [n for n in STATUS_COUNTS if n in counts]
    if out.get("recommended") is not None and not _complement(out, counts, statuses):
        out["recommended"] = None  # nothing to pair with: recommended would give the hidden cell away
    _rate(out)
    return out


def suppress_funnel(steps: dict, k: int) -> dict:
    """A funnel row (reported .. sanctioned): each step is a total of its own, hidden from 1 to k-1."""
    return {name: None if _small(v, k) else v for name, v in steps.items()}


def complement_columns(rows: list[tuple], counts_at: tuple[int, ...], rate_at: int, median_at: int,
                       sanctioned_at: int, recommended_at: int) -> list[tuple]:
    """Regional rows whose columns add up to a shown total (the per-election figures): per election and
    count column, when exactly one cell is hidden, hide the smallest other non-zero one too, so the total
    minus the shown cells does not give it away. A rate goes with its parts, a median with `sanctioned`.
    """
    out = [list(r) for r in rows]
    for election in dict.fromkeys(r[0] for r in out):
        group = [r for r in out if r[0] == election]
        for at in counts_at:
            if sum(1 for r in group if r[at] is None) != 1:
                continue
            shown = [r for r in group if r[at] not in (None, 0)]
            if shown:
                min(shown, key=lambda r: (r[at], str(r[1])))[at] = None
    for r in out:
        if r[recommended_at] is None or r[sanctioned_at] is None:
            r[rate_at] = None
        if r[sanctioned_at] is None:
            r[median_at] = None
    return [tuple(r) for r in out]


def public_order(rows: list[tuple], rate_at: int, key_at: int = 1) -> list[tuple]:
    """Rows of (election, province, ...) by election, then by their SHOWN rate (lowest first, hidden last),
    then by province code: never by a value the reader cannot see.
    """
    return sorted(rows, key=lambda r: (str(r[0]), r[rate_at] is None,
                                       r[rate_at] if r[rate_at] is not None else 0, str(r[key_at])))
