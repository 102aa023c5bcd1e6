"""Prometheus metrics of one consumer stage, served on its own port (NETRA_METRICS_PORT; 0 = off).

Each process gets its own registry, so a test can run several stages in one process and two
members of a stage on one host only need distinct ports (`netra consume --metrics-port`).
Metric names (the `stage` label is the stage name):

- `netra_consumer_messages_consumed_total`, `..._forwarded_total`, `..._rejected_total` (counters)
- `netra_consumer_batch_duration_seconds` (histogram: stage work + I/O + commit of one micro-batch)
- `netra_consumer_lag_messages` (gauge: high watermark minus position over the assigned partitions)
- `netra_consumer_last_commit_timestamp_seconds` (gauge: Unix time of the last committed batch)
- `netra_consumer_assigned_partitions` (gauge)

docs/metrics.md has example alert rules.
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

log = logging.getLogger("netra.metrics")

BATCH_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class StageMetrics:
    """The counters of one stage; `serve(port)` exposes them at http://host:port/metrics."""

    def __init__(self, stage: str):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

        disable_created_metrics()  # no *_created series: they double the output and no alert uses them
        self.stage = stage
        self.registry = CollectorRegistry()
        labels = ("stage",)
        self._consumed = Counter("netra_consumer_messages_consumed", "Messages read from the input topics",
                                 labels, registry=self.registry).labels(stage)
        self._forwarded = Counter("netra_consumer_messages_forwarded",
                                  "Messages passed on (produced downstream, or rows landed by the sink)",
                                  labels, registry=self.registry).labels(stage)
        self._rejected = Counter("netra_consumer_messages_rejected", "Messages refused (to events.dlq / DLQ rows)",
                                 labels, registry=self.registry).labels(stage)
        self._duration = Histogram("netra_consumer_batch_duration_seconds",
                                   "Time to process, deliver and commit one micro-batch", labels,
                                   buckets=BATCH_BUCKETS, registry=self.registry).labels(stage)
        self._lag = Gauge("netra_consumer_lag_messages", "High watermark minus position, summed over the "
                          "assigned partitions", labels, registry=self.registry).labels(stage)
        self._last_commit = Gauge("netra_consumer_last_commit_timestamp_seconds",
                                  "Unix time of the last committed micro-batch", labels,
                                  registry=self.registry).labels(stage)
        self._assigned = Gauge("netra_consumer_assigned_partitions", "Partitions assigned to this member", labels,
                               registry=self.registry).labels(stage)
        self.server: WSGIServer | None = None

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        """Serve the metrics over HTTP on host:port."""
        from prometheus_client import start_http_server

        try:
            self.server, _thread = start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            raise RuntimeError(f"cannot serve {self.stage} metrics on {host}:{port} ({exc.strerror}): another "
                               "process holds that port; give this member its own with `netra consume "
                               f"{self.stage} --metrics-port N` or set NETRA_METRICS_PORT") from None
        log.info('{"event": "metrics_served", "stage": "%s", "url": "http://%s:%d/metrics"}', self.stage, host, port)

    def batch(self, consumer, consumed: int, forwarded: int, rejected: int, seconds: float) -> None:
        """After a batch was committed."""
        self._consumed.inc(consumed)
        self._forwarded.inc(forwarded)
        self._rejected.inc(rejected)
        self._duration.observe(seconds)
        self._last_commit.set(time.time())
        self.observe_lag(consumer)

    def observe_lag(self, consumer) -> None:
        """Set the lag and assigned-partition gauges from the consumer's assignment."""
        try:
            parts = consumer.assignment()
            lag = 0
            for tp in parts:
                high = consumer.highwater(tp)
                if high is not None:
                    lag += max(high - consumer.position(tp, timeout_ms=1000), 0)
        except Exception:  # noqa: BLE001 - metrics must never stop a stage
            return
        self._assigned.set(len(parts))
        self._lag.set(lag)

    def close(self) -> None:
        """Stop the metrics server if it is running."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
