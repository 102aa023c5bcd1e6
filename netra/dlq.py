"""Dead-letter tooling over raw.rejected_events: list, show, replay, and ingest-quality stats.

Replay re-sends stored rejects into the topic they came from, with their original
key, bytes (reporter identity scrubbed at landing, its pseudonym carried in a header)
and event ids; the replayed messages are then accepted or refused again on their
merits, and the replayed rows are marked so they are not sent twice.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from netra.contracts.headers import H_REPLAY_OF, H_REPORTER_KEY
from netra.contracts.rejects import SOURCE_DOMAINS, UNATTRIBUTED
from netra.enrichment import seal_reporter_key
from netra.kafka_io import await_delivery

Say = Callable[[str], None]

#: --source S: the exact source (`bawaslu:33.72`), a whole source domain (`bawaslu`: everything before the
#: first ':', as the rejects topics are split), or `unattributed` (no source, or a domain not in SOURCE_DOMAINS:
#: what goes to rejects.unattributed).
_MATCH = """
WHERE (%(source)s IS NULL OR coalesce(source, 'topic:' || source_topic) = %(source)s
       OR (strpos(%(source)s, ':') = 0 AND split_part(source, ':', 1) = %(source)s)
       OR (%(source)s = %(unattributed)s AND (source IS NULL OR split_part(source, ':', 1) <> ALL(%(domains)s))))
  AND (%(reason)s IS NULL OR EXISTS (
        SELECT 1 FROM unnest(reasons) r WHERE r = %(reason)s OR split_part(r, ':', 1) = %(reason)s))
"""
_FILTERS = _MATCH + "  AND (%(include_replayed)s OR replayed_at IS NULL)\n"
_SOURCE_PARAMS = dict(domains=list(SOURCE_DOMAINS), unattributed=UNATTRIBUTED)


def list_rejects(conn, *, source: str | None = None, reason: str | None = None, limit: int = 50,
                 include_replayed: bool = False) -> list[dict]:
    """List rejected events, newest first, filtered by source and reason."""
    params = dict(source=source, reason=reason, include_replayed=include_replayed, limit=limit, **_SOURCE_PARAMS)
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT reject_id, landed_at, source_topic, source_partition, source_offset, stage, "
            "       coalesce(source, 'topic:' || source_topic), event_type, event_id, reasons, replayed_at "
            f"FROM raw.rejected_events {_FILTERS} ORDER BY reject_id DESC LIMIT %(limit)s", params)
        cols = ("reject_id", "landed_at", "source_topic", "source_partition", "source_offset", "stage", "source",
                "event_type", "event_id", "reasons", "replayed_at")
        return [dict(zip(cols, row)) for row in cur.fetchall()]


def show_reject(conn, reject_id: int) -> dict | None:
    """One rejected event with all its columns, or None when there is no such id."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM raw.rejected_events WHERE reject_id = %s", (reject_id,))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d.name for d in cur.description], row))


def format_value(value: bytes, limit: int = 4000) -> str:
    """The stored message for a human: pretty JSON when it is JSON, else an escaped excerpt."""
    try:
        return json.dumps(json.loads(value), indent=2, ensure_ascii=False)[:limit]
    except (ValueError, RecursionError):
        text = value[:limit].decode("utf-8", "backslashreplace")
        return repr(text) + (f" … ({len(value)} bytes)" if len(value) > limit else "")


@dataclass
class ReplayReport:
    """How many rejected events a replay sent, in total and per topic."""

    replayed: int
    by_topic: dict[str, int]


def replay(conn, producer, *, reason: str, secret: bytes, source: str | None = None,
           say: Say = print) -> ReplayReport:
    """Re-send the matching, not yet replayed rejects into their source topics, then mark them replayed.

    Marking happens in the same transaction that selected the rows (FOR UPDATE), after the
    broker acknowledged every message, so a failure or crash in between re-sends rather
    than loses (the sink stores an event id once).
    """
    params = dict(source=source, reason=reason, include_replayed=False, **_SOURCE_PARAMS)
    by_topic: dict[str, int] = {}
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT reject_id, source_topic, message_key, message_value, headers, reporter_key "
            f"FROM raw.rejected_events {_FILTERS} ORDER BY source_topic, source_partition, source_offset "
            "FOR UPDATE SKIP LOCKED", params)
        rows = cur.fetchall()
        futures = []
        for reject_id, topic, key, value, headers, reporter_key in rows:
            out_headers = [(k, v.encode()) for k, v in (headers or {}).items()]
            out_headers.append((H_REPLAY_OF, str(reject_id).encode()))
            if reporter_key:
                out_headers.append((H_REPORTER_KEY, seal_reporter_key(secret, reporter_key).encode()))
            futures.append(producer.send(topic, value=bytes(value), key=bytes(key) if key is not None else None,
                                         headers=out_headers))
            by_topic[topic] = by_topic.get(topic, 0) + 1
        await_delivery(producer, futures)  # raises (and rolls back the marking) if any send failed
        if rows:
            cur.execute("UPDATE raw.rejected_events SET replayed_at = now() WHERE reject_id = ANY(%s)",
                        ([r[0] for r in rows],))
    say(f"replayed {len(rows)} rejected message(s) with reason {reason!r}"
        + (f" from {source}" if source else "") + ": "
        + (", ".join(f"{t} {n}" for t, n in sorted(by_topic.items())) or "nothing matched"))
    return ReplayReport(len(rows), by_topic)


#: Groups shown per section by `netra dlq stats` (the rest are summed into one "… more" line).
STATS_TOP = 5


def stats(conn, *, source: str | None = None, reason: str | None = None, include_replayed: bool = False,
          top: int = STATS_TOP) -> dict:
    """Compact DLQ figures under the same filters as `list`: totals, per stage, top reasons, top sources.

    Reasons are grouped by code (`schema.required`, not each `:path`); sources carry their
    accepted count and reject rate. Only not-replayed rejects count unless include_replayed.
    """
    params = dict(source=source, reason=reason, include_replayed=include_replayed, top=top, **_SOURCE_PARAMS)
    out: dict = {"filters": {"source": source, "reason": reason, "include_replayed": include_replayed}}
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), count(*) FILTER (WHERE replayed_at IS NULL), max(landed_at) "
                    f"FROM raw.rejected_events {_MATCH}",
                    params)
        total, open_, last = cur.fetchone()
        out.update(total=total, open=open_, replayed=total - open_, last_landed=last)
        cur.execute(f"SELECT stage, count(*) FROM raw.rejected_events {_FILTERS} GROUP BY 1 ORDER BY 2 DESC, 1",
                    params)
        out["by_stage"] = dict(cur.fetchall())
        cur.execute(
            "WITH r AS (SELECT DISTINCT reject_id, split_part(code, ':', 1) AS code "
            f"           FROM raw.rejected_events, unnest(reasons) AS code {_FILTERS}) "
            "SELECT code, count(*) FROM r GROUP BY 1 ORDER BY 2 DESC, 1", params)
        reasons = cur.fetchall()
        out["top_reasons"] = reasons[:top]
        out["more_reasons"] = (len(reasons) - top, sum(n for _c, n in reasons[top:])) if len(reasons) > top else None
        cur.execute(
            "WITH r AS (SELECT coalesce(source, 'topic:' || source_topic) AS source, count(*) AS n "
            f"           FROM raw.rejected_events {_FILTERS} GROUP BY 1), "
            "a AS (SELECT source, count(*) AS n FROM raw.events WHERE source IN (SELECT source FROM r) GROUP BY 1) "
            "SELECT r.source, r.n, coalesce(a.n, 0), round(r.n::numeric / (r.n + coalesce(a.n, 0)), 4) "
            "FROM r LEFT JOIN a USING (source) ORDER BY r.n DESC, r.source", params)
        sources = cur.fetchall()
        out["top_sources"] = sources[:top]
        out["more_sources"] = (len(sources) - top, sum(r[1] for r in sources[top:])) if len(sources) > top else None
    return out


def format_stats(st: dict) -> str:
    """A few lines: totals, per stage, top reasons, top sources (with their reject rate)."""
    f = st["filters"]
    shown = [f"{k}={v}" for k, v in (("source", f["source"]), ("reason", f["reason"])) if v]
    scope = "all rejects" if f["include_replayed"] else "not replayed"
    lines = [f"dead letters: {st['open']} not replayed of {st['total']} ({st['replayed']} replayed)"
             + (f", last {st['last_landed']:%Y-%m-%d %H:%M}" if st["last_landed"] else "")
             + (f" [{', '.join(shown)}]" if shown else "")]
    if not st["by_stage"]:
        lines.append(f"nothing matches ({scope})")
        return "\n".join(lines)
    lines.append(f"by stage ({scope}): " + ", ".join(f"{k} {v}" for k, v in st["by_stage"].items()))
    more = st["more_reasons"]
    lines.append("top reasons: " + ", ".join(f"{c} {n}" for c, n in st["top_reasons"])
                 + (f", … {more[0]} more reasons ({more[1]})" if more else ""))
    more = st["more_sources"]
    lines.append("top sources: " + ", ".join(f"{src} {n} ({rate:.1%} of {n + acc})"
                                             for src, n, acc, rate in st["top_sources"])
                 + (f", … {more[0]} more sources ({more[1]})" if more else ""))
    lines.append("details: netra dlq list [--source S] [--reason R]; all groups: netra dlq stats --json --limit 1000")
    return "\n".join(lines)
