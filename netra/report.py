"""`netra report [--as-of D] [--html FILE]`: the analysts' report from the marts, with charts.

Reads only what the netra_analyst role may read (mart, ref), so analysts can run it
with their own credentials. The HTML file is self-contained (inline SVG, no scripts,
no network), small cells are taken from the public summary when asked.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date

from netra.contracts.vocabulary import STATUS_COUNTS
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


def suppress(counts: dict[str, int | None], k: int) -> dict[str, int | None]:
    """The public summary's small-cell rule, for the report's own aggregates (see BUILD_STAGE in
    netra/reconcile/run.py): cells from 1 to k-1 are hidden, and `recommended` with the rate
    whenever a status cell is, so no hidden cell can be recovered by subtraction.
    """
    small = {name: v is not None and 0 < v < k for name, v in counts.items()}
    out = {name: None if small[name] else v for name, v in counts.items()}
    if any(small.get(n) for n in STATUS_COUNTS + ("recommended",)):
        out["recommended"] = None
        out["rate"] = None
    if small.get("sanctioned"):
        out["median"] = None
    return out


def funnel_rows(cur, as_of: date | None = None) -> list[tuple]:
    """Per election reported, registered, proven, recommended, sanctioned: mart.funnel (the last reconcile),
    or as it stood on `as_of` (mart.funnel_as_of).
    """
    source = "mart.funnel" if as_of is None else "mart.funnel_as_of(%(d)s)"
    cur.execute(f"SELECT election_id, reported, registered, proven, recommended, sanctioned FROM {source} "
                "ORDER BY 1", {"d": as_of})
    return cur.fetchall()


#: Column order of Report.totals after the election id.
TOTAL_NAMES = ("reported", "proven", "recommended") + STATUS_COUNTS + ("rate",)


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
            totals = [(row[0], *suppress(dict(zip(TOTAL_NAMES, row[1:])), k).values()) for row in totals]
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
        cur.execute("SELECT coalesce(severity_vs_recommended, 'no sanction'), count(*) "
                    "FROM mart.followthrough_rows_as_of(%s) GROUP BY 1 ORDER BY 2 DESC, 1", (as_of,))
        severity = cur.fetchall()
        funnel = funnel_rows(cur, as_of)
        cur.execute("SELECT (SELECT count(*) FROM mart.review_queue "
                    "        WHERE issued_on <= %(d)s AND decree_date <= %(d)s), "
                    "(SELECT count(*) FROM mart.unlinked_sanctions WHERE decree_date <= %(d)s), "
                    "(SELECT coalesce(sum(sanctions), 0) FROM mart.out_of_scope_as_of(%(d)s))", {"d": as_of})
        review, unlinked, out_of_scope = cur.fetchone()
    notes = [f"Counts from 1 to {k - 1} are suppressed (public summary)."] if public else []
    return Report(as_of, totals, trend, provinces, severity, funnel, review, unlinked, int(out_of_scope), notes)


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


def _line_chart(points: list[tuple[date, float | None, int]], width: int = 640, height: int = 220) -> str:
    pts = [(d, rate) for d, rate, _ in points if rate is not None]
    if len(pts) < 2:
        return ""
    x0, x1 = pts[0][0].toordinal(), pts[-1][0].toordinal()
    pad = 36

    def xy(d: date, rate: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * (d.toordinal() - x0) / max(1, x1 - x0)
        return x, height - pad - (height - 2 * pad) * rate

    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(xy(d, v) for d, v in pts))
    grid = "".join(
        f'<line x1="{pad}" x2="{width - pad}" y1="{xy(pts[0][0], g)[1]:.1f}" y2="{xy(pts[0][0], g)[1]:.1f}" '
        f'stroke="#ddd"/><text x="4" y="{xy(pts[0][0], g)[1] + 4:.1f}" font-size="11">{g:.0%}</text>'
        for g in (0, 0.25, 0.5, 0.75, 1.0))
    years = sorted({d.year for d, _ in pts})
    labels = "".join(
        f'<text x="{xy(date(y, 1, 1) if date(y, 1, 1) >= pts[0][0] else pts[0][0], 0)[0]:.1f}" '
        f'y="{height - 12}" font-size="11">{y}</text>' for y in years)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="share of recommendations sanctioned over time">{grid}{labels}'
            f'<path d="{path}" fill="none" stroke="#1f6feb" stroke-width="2"/></svg>')


def _bars(rows: list[tuple[str, int]], width: int = 640) -> str:
    if not rows:
        return ""
    top = max(n for _, n in rows) or 1
    bar_h, gap = 18, 6
    height = len(rows) * (bar_h + gap)
    parts = []
    for i, (label, n) in enumerate(rows):
        y = i * (bar_h + gap)
        w = (width - 220) * n / top
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(str(label))}</text>'
                     f'<rect x="160" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#2da44e"/>'
                     f'<text x="{165 + w:.1f}" y="{y + 13}" font-size="12">{n}</text>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">{"".join(parts)}</svg>'


def _table(head, rows) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in r) + "</tr>"
                  for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def to_html(r: Report) -> str:
    """The report as one self-contained HTML page (inline SVG charts)."""
    sections = [f"<h1>Netra follow-through report</h1><p>As of {r.as_of}. Source: the <code>mart</code> schema "
                f"(recommendations by KASN/BKN and the PPK sanctions linked to them).</p>"]
    sections.append("<h2>Per election</h2>" + _table(
        ("election", "reported ASN", "proven", "recommended", "sanctioned", "revoked", "pending", "overdue",
         "closed", "follow-through"), r.totals))
    for election, points in r.trend.items():
        sections.append(f"<h2>{html.escape(election)}: share of recommendations sanctioned over time</h2>"
                        + _line_chart(points))
    for e, *steps in r.funnel:
        sections.append(f"<h2>Funnel, {html.escape(e)}</h2>" + _bars(list(zip(
            ("reported", "registered", "proven", "recommended", "sanctioned"), steps))))
    sections.append("<h2>Severity against the recommendation</h2>" + _bars(r.severity))
    sections.append("<h2>Per province (lowest follow-through first)</h2>" + _table(
        ("election", "province", "name", "recommended", "sanctioned", "overdue", "follow-through",
         "median days to sanction"), r.provinces))
    sections.append(f"<p>Review queue: {r.review} candidate links awaiting a person; unlinked sanctions: "
                    f"{r.unlinked}; out-of-scope sanctions (reason names another offence): {r.out_of_scope}.</p>"
                    + "".join(f"<p>{html.escape(n)}</p>" for n in r.notes))
    style = ("body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
             "table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;"
             "text-align:right}th{background:#f4f4f4}")
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Netra report {r.as_of}</title>"
            f"<style>{style}</style></head><body>{''.join(sections)}</body></html>")
