"""`netra publish --topic T FILE.jsonl|-`: send one event per line with the contract's Kafka key.

Only the ingress topics can be written (what upstream systems write); the internal topics
belong to the stages. A line that is not JSON is refused with its line number. Lines before
it have been sent (and are flushed); by default nothing after it is sent, and the report says so.
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from netra.contracts.events import EVENT_TYPES
from netra.contracts.topics import INGRESS_TOPICS, INTERNAL_TOPICS
from netra.kafka_io import DeliveryError, await_delivery


class PublishError(Exception):
    """Nothing or not everything could be published; the message says what and what to do."""


def check_ingress_topic(topic: str) -> None:
    """Raise PublishError unless `topic` is an ingress topic (`netra publish` writes nothing else)."""
    if topic in INGRESS_TOPICS:
        return
    what = ("an internal topic written only by Netra's stages" if topic in INTERNAL_TOPICS
            else "not a Netra topic")
    raise PublishError(f"{topic!r} is {what}; `netra publish` writes the ingress topics only: "
                       f"{', '.join(INGRESS_TOPICS)}. To send rejected messages again use `netra dlq replay`.")


@dataclass
class PublishReport:
    """What a publish sent, refused and failed to deliver."""

    topic: str
    sent: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    stopped_at: int | None = None
    undelivered: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """Return a one-line human summary of the publish."""
        rate = self.sent / self.seconds if self.seconds > 0 else 0.0
        text = f"sent {self.sent} events to {self.topic} in {self.seconds:.1f}s ({rate:,.0f}/s)"
        if self.refused:
            text += (f"; refused {len(self.refused)} line(s): "
                     + "; ".join(f"line {n}: {why}" for n, why in self.refused[:10]))
        if self.undelivered:
            text += (f"; {len(self.undelivered)} line(s) NOT delivered by the broker: "
                     + "; ".join(f"line {n}: {why}" for n, why in self.undelivered[:10]) + " (publish them again)")
        if self.stopped_at is not None:
            text += (f". Stopped at line {self.stopped_at}: lines after it were NOT sent "
                     "(use --skip-invalid to send them)")
        return text


def message_key(obj: dict) -> bytes | None:
    """The contract's key (payload business id) when it can be read; else None (the validator will say why)."""
    et = EVENT_TYPES.get(obj["event_type"]) if isinstance(obj.get("event_type"), str) else None
    payload = obj.get("payload")
    if et is None or not isinstance(payload, dict) or payload.get(et.key_field) is None:
        return None
    return str(payload[et.key_field]).encode()


def publish_lines(producer, topic: str, lines: Iterable[bytes], *, skip_invalid: bool = False,
                  progress=None) -> PublishReport:
    """Send each JSON line to the ingress `topic` (PublishError for any other topic, before anything is sent)."""
    check_ingress_topic(topic)
    report = PublishReport(topic)
    start = time.monotonic()
    sent: list[tuple[int, object]] = []  # (line number, future)
    try:
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
            except (ValueError, RecursionError) as exc:
                report.refused.append((number, f"not JSON ({str(exc)[:80]})"))
                if not skip_invalid:
                    report.stopped_at = number
                    break
                continue
            sent.append((number, producer.send(topic, value=line, key=message_key(obj))))
            report.sent += 1
            if progress and report.sent % 1000 == 0:
                progress(report.sent)
    finally:
        # everything counted as sent is acknowledged before we report; failures are named by line
        try:
            await_delivery(producer, [f for _, f in sent])
        except DeliveryError as exc:
            report.sent -= len(exc.failures)
            report.undelivered = [(sent[i][0], f"{type(e).__name__}: {e}") for i, e in exc.failures]
        report.seconds = time.monotonic() - start
    return report


def open_lines(path: str) -> IO[bytes]:
    """Open `path` for reading bytes (stdin when it is "-")."""
    return sys.stdin.buffer if path == "-" else open(path, "rb")
