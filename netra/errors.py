"""Errors an operator can act on: which service is unreachable, the setting that points at it, the fix.

`explain(exc, settings)` turns the library exceptions behind the usual failures (Kafka down,
a topic missing, Postgres down, a warehouse not migrated) into one sentence that ends with
the command to run; the command line prints it on stderr. Anything it does not know is
left to the caller.
"""
from __future__ import annotations

from netra.settings import Settings


class OperatorError(RuntimeError):
    """A failure with a known fix; the message says what to do."""


def kafka_unreachable(settings: Settings) -> str:
    """The operator's sentence for a Kafka broker that does not answer."""
    return (f"Kafka at {settings.kafka_bootstrap} (NETRA_KAFKA_BOOTSTRAP) is not reachable within "
            f"{settings.kafka_timeout_s}s (NETRA_KAFKA_TIMEOUT_S): run `netra stack up`, or point "
            "NETRA_KAFKA_BOOTSTRAP at a running broker")


def topic_missing(settings: Settings, topics) -> str:
    """The operator's sentence for missing Kafka topics."""
    names = ", ".join(sorted(topics)) if topics else "a topic"
    return (f"Kafka at {settings.kafka_bootstrap} (NETRA_KAFKA_BOOTSTRAP) has no topic {names}: "
            "run `netra topics create`")


def postgres_where(settings: Settings) -> str:
    """Where the warehouse is, in words, without the password."""
    if not settings.pg_dsn:
        return f"the embedded PostgreSQL under {settings.home / 'pg'} (NETRA_PG_DSN is empty)"
    try:
        from psycopg2.extensions import parse_dsn

        parts = parse_dsn(settings.pg_dsn)
        where = f"{parts.get('host', 'localhost')}:{parts.get('port', '5432')}"
    except Exception:  # noqa: BLE001 - a DSN we cannot parse: do not echo it (it may hold a password)
        where = "the configured server"
    return f"PostgreSQL at {where} (NETRA_PG_DSN)"


def postgres_unreachable(settings: Settings, detail: str = "") -> str:
    """The operator's sentence for a PostgreSQL server that does not answer."""
    first = detail.strip().splitlines()[0] if detail.strip() else ""
    return (f"{postgres_where(settings)} is not reachable" + (f" ({first})" if first else "")
            + ": run `netra stack up`, or point NETRA_PG_DSN at a running server")


def not_migrated(settings: Settings, pending) -> str:
    """The operator's sentence for a warehouse with pending migrations."""
    return (f"the warehouse in {postgres_where(settings)} is not migrated ({len(pending)} migration(s) pending, "
            f"first {pending[0]}): run `netra db migrate`")


def _chain(exc: BaseException):
    seen = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def explain(exc: BaseException, settings: Settings, topics=()) -> str | None:
    """The operator's sentence for `exc` (or an exception it wraps), or None when it is not a known failure."""
    for e in _chain(exc):
        name, module, text = type(e).__name__, type(e).__module__, str(e)
        if isinstance(e, OperatorError):
            return text
        if module.startswith("kafka"):
            if name == "NoBrokersAvailable" or "Unable to bootstrap" in text:
                return kafka_unreachable(settings)
            if name == "KafkaTimeoutError" and "metadata" in text.lower():
                return topic_missing(settings, topics)
            if name in ("UnknownTopicOrPartitionError",):
                return topic_missing(settings, topics)
        if module.startswith("psycopg2"):
            if name == "UndefinedTable":
                return (f"the warehouse has no such table ({text.splitlines()[0]}): run `netra db migrate`")
            if name == "OperationalError" and any(w in text for w in (
                    "could not connect", "Connection refused", "timeout expired", "No such file or directory",
                    "server closed the connection", "could not translate host name")):
                return postgres_unreachable(settings, text)
        if name == "DeliveryError":
            for _i, inner in getattr(e, "failures", [])[:1]:
                found = explain(inner, settings, topics)
                if found:
                    return found
    return None
