"""Riding out outages: a step that fails because Kafka or PostgreSQL is away is retried, not fatal.

`Patience.run(step, fn)` calls `fn` until it succeeds, waiting with exponential backoff
between attempts while the failure is transient (a lost connection, a broker restarting, a
leader election, Postgres shutting down). It logs one line when the outage starts and one
when it ends, exits early on SIGTERM (`Stopped`), and gives up only after
NETRA_OUTAGE_GIVE_UP_S (`GaveUp`). Anything else (a configuration error, a bug) is raised
at once, so the process exits with the real error.

Retrying is safe because every stage's output is idempotent downstream: a re-sent batch
repeats messages the sink stores once (event_id, or the reject's source position), and the
sink's rows and offsets are one transaction, so a retried write either happened once or not at all.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("netra.consumer")

#: psycopg2 OperationalError messages that are configuration errors, not outages.
_PG_CONFIGURATION = ("authentication failed", "does not exist", "permission denied", "no password supplied",
                     "invalid dsn", "role ")


class GaveUp(RuntimeError):
    """A dependency stayed unreachable longer than NETRA_OUTAGE_GIVE_UP_S."""


class Stopped(Exception):
    """SIGTERM/SIGINT arrived while waiting for a dependency to come back."""


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _transient_one(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    if module.startswith("kafka"):
        from kafka import errors

        if isinstance(exc, errors.KafkaConfigurationError):
            return False
        return bool(getattr(exc, "retriable", False)) or isinstance(exc, (errors.KafkaConnectionError,
                                                                          errors.NodeNotReadyError))
    if module.startswith("psycopg2"):
        import psycopg2

        if isinstance(exc, psycopg2.InterfaceError):  # "connection already closed"
            return True
        code = getattr(exc, "pgcode", None) or ""
        if code.startswith(("08", "57P")) or code in ("40001", "40P01", "53300"):
            return True
        if isinstance(exc, psycopg2.OperationalError) and not code:
            text = str(exc).lower()
            return not any(marker in text for marker in _PG_CONFIGURATION)
        return False
    from netra.kafka_io import DeliveryError

    if isinstance(exc, DeliveryError):
        return all(is_transient(failure) for _, failure in exc.failures)
    return isinstance(exc, (ConnectionError, TimeoutError))


def is_transient(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) means "a dependency is away for now", so retrying can succeed."""
    return any(_transient_one(e) for e in _chain(exc))


def describe(exc: BaseException) -> str:
    """One line naming the error and, when a library wrapped it, what caused it."""
    causes = [f"{type(e).__name__}: {e}" for e in _chain(exc)]
    return " <- ".join(dict.fromkeys(causes))[:400]


@dataclass
class Patience:
    """Retry policy for steps that talk to Kafka or PostgreSQL (see the module docstring)."""

    give_up_s: float = 3600.0
    stop: Any = None  # a StopFlag (truthy once SIGTERM arrived)
    initial_s: float = 0.5
    max_s: float = 10.0
    transient: Callable[[BaseException], bool] = is_transient
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    #: how many outages were ridden out (for counters and tests)
    outages: int = 0

    def run(self, step: str, fn: Callable[..., Any], *args, **kwargs) -> Any:
        """`fn(*args, **kwargs)`, retried with backoff while it fails transiently."""
        started = None
        delay = self.initial_s
        while True:
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                if not self.transient(exc):
                    raise
                now = self.clock()
                if started is None:
                    started = now
                    self.outages += 1
                    log.warning(json.dumps({
                        "event": "outage", "step": step, "error": describe(exc),
                        "action": f"retrying with backoff up to {self.max_s:.0f}s"
                                  + (f", giving up after {self.give_up_s:.0f}s (NETRA_OUTAGE_GIVE_UP_S)"
                                     if self.give_up_s else "")}))
                elif self.give_up_s and now - started >= self.give_up_s:
                    raise GaveUp(f"{step}: still failing after {now - started:.0f}s ({describe(exc)}); "
                                 "check that Kafka and PostgreSQL are up (netra status), or raise "
                                 "NETRA_OUTAGE_GIVE_UP_S") from exc
                self._wait(delay, step)
                delay = min(delay * 2, self.max_s)
                continue
            if started is not None:
                log.warning(json.dumps({"event": "recovered", "step": step,
                                        "after_s": round(self.clock() - started, 1)}))
            return result

    def _wait(self, seconds: float, step: str) -> None:
        deadline = self.clock() + seconds
        while True:
            if self.stop:
                raise Stopped(step)
            left = deadline - self.clock()
            if left <= 0:
                return
            self.sleep(min(left, 0.2))
