"""Rejects back to their sender (contract): per-source-domain topics `rejects.<domain>` and their record.

Every message the pipeline refuses lands in `events.dlq`; the sink also publishes a
`RejectNotice` for it to the topic of the sender's *source domain* — the part of the
event's `source` before the first `:` (`bawaslu:33.72` -> `rejects.bawaslu`). Once ACLs
exist each upstream principal reads only its own topic. A message whose source cannot be
read (not JSON, no `source`, a domain not listed here) goes to `rejects.unattributed`,
which only operators read: Kafka does not tell a consumer which principal wrote a record,
so Netra cannot route it better. `netra validate` catches such messages before sending.

The notice is scrubbed like raw.rejected_events (the reporter's NIK and name removed,
NIK-shaped numbers masked). Its key is `reject_id` = `<ingress topic>/<partition>/<offset>/<stage>`,
unique per refused message: after a sink crash a notice may be published twice, always
with the same key and value, so a reader de-duplicates on the key. The record's model is
`netra.contracts.notices.RejectNotice` (kept apart so that importing topic names stays cheap).
"""
from __future__ import annotations

from typing import Any

#: The upstream source domains (DESIGN.md §1): Bawaslu, KASN (until 2024), BKN, the regional HR agencies.
SOURCE_DOMAINS = ("bawaslu", "kasn", "bkn", "bkpsdm", "bkd")
#: Where refused messages without a readable, known source go (operators only).
UNATTRIBUTED = "unattributed"
REJECTS_PREFIX = "rejects."
#: The ingress topic(s) each domain writes (for the ACLs: write there, read `rejects.<domain>`).
DOMAIN_WRITES = {
    "bawaslu": ("reports.raw",),
    "kasn": ("recommendations.raw",),
    "bkn": ("recommendations.raw", "sanctions.raw"),
    "bkpsdm": ("sanctions.raw",),
    "bkd": ("sanctions.raw",),
}
#: A notice carries the refused message itself only up to this size (else an excerpt).
NOTICE_MAX_MESSAGE = 64 * 1024
NOTICE_EXCERPT_CHARS = 1000


def source_domain(source: Any) -> str:
    """`bawaslu:33.72` -> `bawaslu`; anything that is not a known domain -> `unattributed`."""
    if not isinstance(source, str):
        return UNATTRIBUTED
    domain = source.split(":", 1)[0]
    return domain if domain in SOURCE_DOMAINS else UNATTRIBUTED


def rejects_topic(domain: str) -> str:
    """`bawaslu` -> `rejects.bawaslu`; refuses a name that is not a known domain."""
    if domain not in SOURCE_DOMAINS and domain != UNATTRIBUTED:
        raise ValueError(f"unknown source domain {domain!r}; known: {', '.join(SOURCE_DOMAINS)}")
    return REJECTS_PREFIX + domain


REJECTS_TOPICS = tuple(rejects_topic(d) for d in SOURCE_DOMAINS + (UNATTRIBUTED,))


def reject_id(source_topic: str, partition: int, offset: int, stage: str) -> str:
    """The notice's key: the refused message's position and the stage that refused it."""
    return f"{source_topic}/{partition}/{offset}/{stage}"
