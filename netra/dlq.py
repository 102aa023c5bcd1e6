"""Dead-letter tooling over raw.rejected_events: list, show, replay, and ingest-quality stats.

Replay re-sends stored rejects into the topic they came from, with their original
key, bytes (reporter identity scrubbed at landing, its pseudonym carried in a header)
and event ids; the replayed messages are then accepted or refused again on their
merits, and the replayed rows are marked so they are not sent twice.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from netra.contracts.headers import H_REPLAY_OF, H_REPORTER_KEY
from netra.contracts.rejects import SOURCE_DOMAINS, UNATTRIBUTED
from netra.enrichment import seal_reporter_key
from netra.kafka_io import await_delivery

Say = Callable[[str], None]

#: --source S: the exact source (`bawaslu:33.72`), a whole source domain (`bawaslu`: everything before the
#: first ':', as the rejects topics are split), or `unattributed` (no source, or a domain not in SOURCE_DOMAINS:
#: what goes to rejects.unattributed).
_FILTERS = """
WHERE (%(source)s IS NULL OR coalesce(source, 'topic:' || source_topic) = %(source)s
       OR (strpos(%(source)s, ':') = 0 AND split_part(source, ':', 1) = %(source)s)
       OR (%(source)s = %(unattributed)s AND (source IS NULL OR split_part(source, ':', 1) <> ALL(%(domains)s))))
  AND (%(reason)s IS NULL OR EXISTS (
        SELECT 1 FROM unnest(reasons) r WHERE r = %(reason)s OR split_part(r, ':', 1) = %(reason)s))
  AND (%(include_replayed)s OR replayed_at IS NULL)
"""
_SOURCE_PARAMS = dict(domains=list(SOURCE_DOMAINS), unattributed=UNATTRIBUTED)


def list_rejects(conn, *, source: str | None = None, reason: str | None = None, limit: int = 50,
                 include_replayed: bool = False) -> list[dict]:
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


def stats(conn) -> tuple[list[tuple], list[tuple]]:
    """(per source: accepted, rejected, open, rate, last seen), (per source and reason: counts)."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT source, accepted, rejected, rejected_not_replayed, reject_rate, last_seen "
                    "FROM raw.ingest_quality ORDER BY reject_rate DESC NULLS LAST, source")
        by_source = cur.fetchall()
        cur.execute("SELECT source, reason, rejected, rejected_not_replayed FROM raw.reject_reasons "
                    "ORDER BY rejected DESC, source, reason")
        by_reason = cur.fetchall()
    return by_source, by_reason
