"""`netra report [--as-of D] [--html FILE]`: the analysts' report from the marts, with charts.

Reads only what the netra_analyst role may read (mart, ref), so analysts can run it
with their own credentials. With --public, small cells are suppressed by the rules of
netra/disclosure.py. The HTML page (netra/report_html.py) is self-contained: inline SVG
charts drawn with matplotlib, no scripts, no network.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from netra.contracts.vocabulary import STATUS_COUNTS, TOTAL_NAMES
from netra.disclosure import (
    complement_columns,
    public_order,
    suppress,
    suppress_election,
    suppress_funnel,
    suppress_parts,
)
from netra.text import render_table


@dataclass
class Report:
    """Every figure of the report, as of `as_of`."""

    as_of: date
    totals: list[tuple]  # per election, then TOTAL_NAMES
    trend: dict[str, list[tuple[date, float | None, int]]]  # election -> (month end, rate, sanctioned)
    provinces: list[tuple]  # election, province, name, recommended, sanctioned, overdue, rate, median days
    severity: list[tuple]  # severity, count
    funnel: list[tuple]
    review: int = 0
    unlinked: int = 0
    out_of_scope: int = 0  # sanctions for other offences, left out of the nip/fuzzy steps (DESIGN.md §6)
    notes: list[str] = field(default_factory=list)
    public: bool = False  # small cells suppressed (netra.disclosure)


def _month_ends(start: date, end: date) -> list[date]:
    days, y, m = [], start.year, start.month
    while True:
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        last = date.fromordinal(nxt.toordinal() - 1)
        if last > end:
            break
        days.append(last)
        y, m = nxt.year, nxt.month
    if not days or days[-1] != end:
        days.append(end)
    return days


def funnel_rows(cur, as_of: date | None = None) -> list[tuple]:
    """Per election reported, registered, proven, recommended, sanctioned: mart.funnel (the last reconcile),
    or as it stood on `as_of` (mart.funnel_as_of).
    """
    source = "mart.funnel" if as_of is None else "mart.funnel_as_of(%(d)s)"
    cur.execute(f"SELECT election_id, reported, registered, proven, recommended, sanctioned FROM {source} "
                "ORDER BY 1", {"d": as_of})
    return cur.fetchall()


#: Column order of Report.totals after the election id.


def election_totals_as_of(cur, as_of: date) -> list[tuple]:
    """mart.followthrough_as_of(as_of) summed per election, in TOTAL_NAMES order."""
    cur.execute("SELECT election_id, sum(reported_asn), sum(proven_asn), sum(recommended), "
                + ", ".join(f"sum({name})" for name in STATUS_COUNTS)
                + ", round(sum(sanctioned)::numeric / nullif(sum(recommended), 0), 4) "
                "FROM mart.followthrough_as_of(%s) GROUP BY election_id ORDER BY election_id", (as_of,))
    return cur.fetchall()


def build(conn, as_of: date, public: bool = False, k: int = 5) -> Report:
    """Every figure as it stood on `as_of`: totals, trend, provinces, severity, funnel, review, unlinked,
    out of scope. Current links, business dates up to `as_of` (the as-of functions of the mart).
    """
    with conn, conn.cursor() as cur:
        totals = election_totals_as_of(cur, as_of)
        if public:
            totals = [(row[0], *suppress_election(dict(zip(TOTAL_NAMES, row[1:])), k).values()) for row in totals]
        cur.execute("SELECT min(issued_on) FROM mart.followthrough_rows_as_of(%s)", (as_of,))
        first = cur.fetchone()[0]
        trend: dict[str, list] = {}
        if first:
            for day in _month_ends(first, as_of):
                cur.execute("SELECT election_id, sum(sanctioned), sum(recommended) FROM mart.followthrough_as_of(%s) "
                            "GROUP BY 1", (day,))
                for election, sanctioned, recommended in cur.fetchall():
                    rate = float(sanctioned) / recommended if recommended else None
                    trend.setdefault(election, []).append((day, rate, int(sanctioned)))
        # per recommendation as of the day, so the median is a true median (not a median of medians)
        cur.execute("SELECT coalesce(f.election_id, 'unknown'), coalesce(f.province_code, 'unknown'), "
                    "coalesce(r.name, f.province_code, 'unknown'), count(*), "
                    "count(*) FILTER (WHERE f.status = 'sanctioned'), count(*) FILTER (WHERE f.status = 'overdue'), "
                    "round(count(*) FILTER (WHERE f.status = 'sanctioned')::numeric / count(*), 3), "
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY f.days_to_sanction) "
                    "    FILTER (WHERE f.status = 'sanctioned') "
                    "FROM mart.followthrough_rows_as_of(%s) f LEFT JOIN ref.regions r ON r.code = f.province_code "
                    "GROUP BY 1, 2, 3 ORDER BY 1, 7, 2", (as_of,))
        provinces = cur.fetchall()
        if public:  # the same small-cell rule as the public summary
            names = ("recommended", "sanctioned", "overdue", "rate", "median")
            provinces = [(*row[:3], *suppress(dict(zip(names, row[3:])), k).values()) for row in provinces]
            provinces = complement_columns(provinces, (3, 4, 5), rate_at=6, median_at=7, sanctioned_at=4,
                                           recommended_at=3)  # the election totals are shown
            provinces = public_order(provinces, rate_at=6)  # not by the hidden rate
        cur.execute("SELECT coalesce(severity_vs_recommended, 'no sanction'), count(*) "
                    "FROM mart.followthrough_rows_as_of(%s) GROUP BY 1 ORDER BY 2 DESC, 1", (as_of,))
        severity = cur.fetchall()
        if public:  # sanctioned only: the parts then add up to a shown total and reveal no hidden status
            cur.execute("SELECT severity_vs_recommended, count(*) FROM mart.followthrough_rows_as_of(%s) "
                        "WHERE status = 'sanctioned' GROUP BY 1 ORDER BY 2 DESC, 1", (as_of,))
            severity = list(suppress_parts(dict(cur.fetchall()), k).items())
        funnel = funnel_rows(cur, as_of)
        if public:
            steps = ("reported", "registered", "proven", "recommended", "sanctioned")
            funnel = [(row[0], *suppress_funnel(dict(zip(steps, row[1:])), k).values()) for row in funnel]
        cur.execute("SELECT (SELECT count(*) FROM mart.review_queue "
                    "        WHERE issued_on <= %(d)s AND decree_date <= %(d)s), "
                    "(SELECT count(*) FROM mart.unlinked_sanctions WHERE decree_date <= %(d)s), "
                    "(SELECT coalesce(sum(sanctions), 0) FROM mart.out_of_scope_as_of(%(d)s))", {"d": as_of})
        review, unlinked, out_of_scope = cur.fetchone()
    notes = [f"Counts from 1 to {k - 1} are suppressed (public summary)."] if public else []
    return Report(as_of, totals, trend, provinces, severity, funnel, review, unlinked, int(out_of_scope), notes,
                  public=public)


def to_text(r: Report) -> str:
    """The report as terminal text."""
    out = [f"Netra follow-through report as of {r.as_of}", ""]
    out.append(render_table(("election",) + TOTAL_NAMES, r.totals))
    for election, points in r.trend.items():
        yearly = [(d, rate, n) for d, rate, n in points if d.month == 12 or d == points[-1][0]]
        out.append(f"\n{election}: sanctioned share over time: " + ", ".join(
            f"{d:%Y-%m} {rate:.0%}" for d, rate, _ in yearly if rate is not None))
    out.append("\nper province (lowest follow-through first)")
    out.append(render_table(("election", "province", "name", "recommended", "sanctioned", "overdue", "rate",
                             "median days"), r.provinces))
    out.append("\nseverity against the recommendation: " + ", ".join(f"{s} {n}" for s, n in r.severity))
    out.append(f"review queue {r.review}, unlinked sanctions {r.unlinked}, "
               f"out-of-scope sanctions (other offences) {r.out_of_scope}")
    out += r.notes
    return "\n".join(out)


def to_html(r: Report, quality=None, freshness=None) -> str:
    """The self-contained HTML report (netra/report_html.py draws it)."""
    from netra.report_html import page

    return page(r, quality=quality, freshness=freshness)
