"""The follow-through summary printed after `netra reconcile` and `netra demo`: a small text table per election."""
from __future__ import annotations

from netra.text import render_table

#: The columns of the terminal summary, after the election id.
SUMMARY_HEAD = ("election", "reported", "proven", "recommended", "sanctioned", "revoked", "pending", "overdue",
                "closed", "rate")


def election_totals(cur) -> list[tuple]:
    """mart.followthrough_summary summed per election, in SUMMARY_HEAD order."""
    cur.execute("SELECT election_id, sum(reported_asn), sum(proven_asn), sum(recommended), sum(sanctioned), "
                "sum(revoked), sum(pending), sum(overdue), sum(closed), "
                "round(sum(sanctioned)::numeric / nullif(sum(recommended), 0), 4) "
                "FROM mart.followthrough_summary GROUP BY election_id ORDER BY election_id")
    return cur.fetchall()


def summary_table(conn) -> str:
    """The follow-through summary per election, as a small text table for the terminal."""
    with conn:
        with conn.cursor() as cur:
            rows = election_totals(cur)
            cur.execute("SELECT max(as_of) FROM mart.followthrough_summary")
            as_of = cur.fetchone()[0]
    return (f"follow-through as of {as_of} (mart.followthrough_summary, summed per election)\n"
            + render_table(SUMMARY_HEAD, rows))
