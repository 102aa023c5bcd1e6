"""The record on the `rejects.<source domain>` topics (contract; topic naming in netra/contracts/rejects.py)."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Explanation(BaseModel):
    """One reason with its meaning and fix, from netra/contracts/reasons.py."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str = Field(description="The reason as emitted, `<code>:<field path>`.")
    code: str = Field(description="The stable reason code (docs/reason-codes.md).")
    path: str | None = Field(description="The field at fault, dotted (`payload.subjects.0.nip`), or null.")
    meaning: str = Field(description="What is wrong.")
    fix: str = Field(description="What the sender should do.")


class RejectNotice(BaseModel):
    """One refused message, as its sender reads it on `rejects.<source domain>` (JSON, UTF-8)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="reject.notice v1")

    reject_id: str = Field(description="Also the Kafka key: `<ingress topic>/<partition>/<offset>/<stage>`.")
    source_domain: str = Field(description="The part of `source` before the first `:`, or `unattributed`.")
    source: str | None = Field(description="The message's `source`, when it could be read.")
    event_id: str | None = Field(description="The message's `event_id`, when it could be read.")
    event_type: str | None = Field(description="The message's `event_type`, when it could be read.")
    source_topic: str = Field(description="The ingress topic the message was sent to.")
    source_partition: int = Field(description="The partition of source_topic the message was read from.")
    source_offset: int = Field(description="Its offset in that partition.")
    stage: str = Field(description="The stage that refused it: validator or enricher.")
    rejected_at: str | None = Field(description="When it was refused (ISO 8601, UTC).")
    reasons: Annotated[list[str], Field(min_length=1)] = Field(
        description="Reason codes `<code>:<field path>`, as in the DLQ header `netra.reasons`.")
    explanations: list[Explanation] = Field(description="Each reason with its meaning and fix.")
    message: dict | None = Field(description="The refused message when it was a JSON object of at most 64 KiB, "
                                             "with the reporter's NIK and name removed.")
    message_excerpt: str | None = Field(description="Otherwise its first 1,000 characters (UTF-8, "
                                                    "undecodable bytes replaced), NIK-shaped numbers masked.")
    message_bytes: int = Field(description="Size of the refused message as stored in the DLQ.")
    truncated_from: int | None = Field(description="Set when the DLQ kept only the first 512 KiB: the original size.")
