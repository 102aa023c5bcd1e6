"""Event contract v1 (DESIGN.md §3): the one source of truth for events.

The pydantic models here are what producers, the validator, the enricher, the sink
and the tests import; `netra.contracts.schemas` writes the JSON Schema of each event
type from them into `netra/contracts/schemas/` for upstream systems in other
languages (a unit test fails when the committed files drift from the models).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from netra.contracts.topics import TOPIC_ALERTS, TOPIC_RECOMMENDATIONS, TOPIC_REPORTS, TOPIC_SANCTIONS
from netra.contracts.vocabulary import VIOLATION_CATEGORIES, ViolationCategory

SCHEMA_VERSION = 1

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _require_day_string(value: Any) -> Any:
    # pydantic's lax date also takes Unix timestamps and datetimes; the contract says YYYY-MM-DD.
    if isinstance(value, str) and not _DAY_RE.match(value):
        raise PydanticCustomError("date_format", "date must be YYYY-MM-DD")
    if not isinstance(value, (str, date)):
        raise PydanticCustomError("date_format", "date must be a YYYY-MM-DD string")
    return value


def _require_timestamp_string(value: Any) -> Any:
    if not isinstance(value, (str, datetime)):
        raise PydanticCustomError("datetime_format", "timestamp must be an RFC 3339 string with an offset")
    return value


def _strip_nip(value: str) -> str:
    return value.replace(" ", "")


_LEGACY_NIP = re.compile(r"^[0-9]{3} ?[0-9]{3} ?[0-9]{3}$")
#: C0 controls except tab/newline/carriage return, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _refuse_legacy_nip(value: Any) -> Any:
    # Pre-2007 NIPs had 9 digits; historic records still carry them. Say so precisely.
    if isinstance(value, str) and _LEGACY_NIP.match(value):
        raise PydanticCustomError("nip.legacy_format", "old 9-digit NIP; send the 18-digit NIP (Perka BKN 22/2007)")
    return value


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("text.control_characters", "text must not contain NUL or control characters")
    return value


#: Business date, `YYYY-MM-DD`.
Day = Annotated[date, BeforeValidator(_require_day_string)]
#: RFC 3339 timestamp with an offset.
Timestamp = Annotated[AwareDatetime, BeforeValidator(_require_timestamp_string)]
#: NIP: 18 digits; the usual printed spacing `YYYYMMDD YYYYMM G NNN` is accepted and removed.
Nip = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{8} ?[0-9]{6} ?[0-9] ?[0-9]{3}$"),
    BeforeValidator(_refuse_legacy_nip),  # wraps the pattern check, so it runs first
    AfterValidator(_strip_nip),
]
Nik = Annotated[str, StringConstraints(pattern=r"^[0-9]{16}$")]
Clean = AfterValidator(_no_control_characters)
Opaque = Annotated[str, StringConstraints(min_length=1, max_length=64), Clean]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200), Clean]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}(\.[0-9]{2})?$")]
ElectionId = Annotated[str, StringConstraints(pattern=r"^(pemilu|pilkada)-[0-9]{4}$")]
StrictInt = Annotated[int, Strict()]

CATEGORIES = VIOLATION_CATEGORIES
Category: TypeAlias = ViolationCategory
Level = Literal["moral", "ringan", "sedang", "berat"]
LEVELS: tuple[str, ...] = ("moral", "ringan", "sedang", "berat")


class _Strict(BaseModel):
    """Unknown fields anywhere are rejected, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- payloads


class Subject(_Strict):
    """One ASN named in a report: NIP (when known), name, agency and position."""

    nip: Nip | None
    name: Text
    agency: Text
    position: Text | None = None


class Reporter(_Strict):
    """Who filed the report; NIK and name are dropped by the enricher and never reach Postgres."""

    type: Literal["voter", "monitor", "participant", "supervisor"]
    nik: Nik | None = None
    name: Text | None = None


class ReportFiled(_Strict):
    """A Bawaslu report (laporan) or finding (temuan) of an election-neutrality violation."""

    report_id: Opaque
    kind: Literal["laporan", "temuan"]
    election_id: ElectionId
    region_code: RegionCode
    filed_on: Day
    category: Category
    subjects: list[Subject] = Field(min_length=1, max_length=50)
    reporter: Reporter
    summary: Annotated[str, StringConstraints(max_length=4000), Clean] | None = None


class ReportDecided(_Strict):
    """Bawaslu's decision on a report; `proven_nips` names the ASN it proved."""

    report_id: Opaque
    decision: Literal["proven", "not_proven", "not_registered", "stopped"]
    decided_on: Day
    proven_nips: list[Nip] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _proven_iff_nips(self) -> ReportDecided:
        if (self.decision == "proven") != bool(self.proven_nips):
            raise PydanticCustomError(
                "decision.proven_nips_mismatch",
                "proven_nips must be non-empty exactly when decision is proven",
            )
        return self


class RecommendationIssued(_Strict):
    """A KASN/BKN sanction recommendation for one ASN in one case, to the PPK agency."""

    recommendation_id: Opaque
    report_id: Opaque
    nip: Nip
    issuer: Literal["kasn", "bkn"]
    level: Level
    sanction_code: StrictInt | None = None
    ppk_agency: Text
    issued_on: Day


class RecommendationClosed(_Strict):
    """A recommendation closed without a sanction (not proven, cancelled, rejected, left service)."""

    recommendation_id: Opaque
    reason: Literal["not_proven", "cancelled", "rejected", "left_service"]
    closed_on: Day


class SanctionImposed(_Strict):
    """A disciplinary sanction decree (SK) recorded by a BKPSDM, neutrality-related or not."""

    sanction_id: Opaque
    nip: Nip | None
    name: Text
    agency: Text
    sanction_code: StrictInt
    decree_date: Day
    effective_from: Day
    effective_to: Day | None = None
    recommendation_ref: Opaque | None = None
    reason: Annotated[str, StringConstraints(max_length=400), Clean] | None = None


class SanctionRevoked(_Strict):
    """A sanction decree revoked (e.g. on appeal)."""

    sanction_id: Opaque
    revoked_on: Day
    reason: Annotated[str, StringConstraints(min_length=1, max_length=400), Clean]


# ---------------------------------------------------------------- envelopes


class _Envelope(_Strict):
    event_id: Annotated[str, StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    schema_version: Annotated[StrictInt, Field(ge=1, le=1)]
    source: Annotated[str, StringConstraints(pattern=r"^[a-z0-9:._-]{1,64}$")]
    occurred_at: Timestamp


class ReportFiledEvent(_Envelope):
    """Envelope of a `report.filed` event (topic reports.raw, key report_id)."""

    event_type: Literal["report.filed"]
    payload: ReportFiled


class ReportDecidedEvent(_Envelope):
    """Envelope of a `report.decided` event (topic reports.raw, key report_id)."""

    event_type: Literal["report.decided"]
    payload: ReportDecided


class RecommendationIssuedEvent(_Envelope):
    """Envelope of a `recommendation.issued` event (topic recommendations.raw)."""

    event_type: Literal["recommendation.issued"]
    payload: RecommendationIssued


class RecommendationClosedEvent(_Envelope):
    """Envelope of a `recommendation.closed` event (topic recommendations.raw)."""

    event_type: Literal["recommendation.closed"]
    payload: RecommendationClosed


class SanctionImposedEvent(_Envelope):
    """Envelope of a `sanction.imposed` event (topic sanctions.raw, key sanction_id)."""

    event_type: Literal["sanction.imposed"]
    payload: SanctionImposed


class SanctionRevokedEvent(_Envelope):
    """Envelope of a `sanction.revoked` event (topic sanctions.raw, key sanction_id)."""

    event_type: Literal["sanction.revoked"]
    payload: SanctionRevoked


Event: TypeAlias = (
    ReportFiledEvent
    | ReportDecidedEvent
    | RecommendationIssuedEvent
    | RecommendationClosedEvent
    | SanctionImposedEvent
    | SanctionRevokedEvent
)


class EventType:
    """Per event type: model, ingress topic and the payload field that is the Kafka key."""

    def __init__(self, name: str, model: type[_Envelope], topic: str, key_field: str):
        self.name, self.model, self.topic, self.key_field = name, model, topic, key_field

    def key(self, event: dict) -> bytes:
        """The Kafka key of `event`: its key field, UTF-8 encoded."""
        return str(event["payload"][self.key_field]).encode()


EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType("report.filed", ReportFiledEvent, TOPIC_REPORTS, "report_id"),
        EventType("report.decided", ReportDecidedEvent, TOPIC_REPORTS, "report_id"),
        EventType("recommendation.issued", RecommendationIssuedEvent, TOPIC_RECOMMENDATIONS, "recommendation_id"),
        EventType("recommendation.closed", RecommendationClosedEvent, TOPIC_RECOMMENDATIONS, "recommendation_id"),
        EventType("sanction.imposed", SanctionImposedEvent, TOPIC_SANCTIONS, "sanction_id"),
        EventType("sanction.revoked", SanctionRevokedEvent, TOPIC_SANCTIONS, "sanction_id"),
    )
}


# ---------------------------------------------------------------- outbound


class RecommendationOverdue(_Strict):
    """An overdue notice: a recommendation past the PPK deadline with no sanction."""

    recommendation_id: Opaque
    report_id: Opaque
    ppk_agency: Text
    recommended_level: Level
    issued_on: Day
    as_of: Day
    days_since_issued: StrictInt
    sla_days: StrictInt
    election_id: ElectionId | None = None
    region_code: RegionCode | None = None


class RecommendationOverdueEvent(_Envelope):
    """Published by Netra on alerts.overdue, once per recommendation, with a deterministic event_id."""

    event_type: Literal["recommendation.overdue"]
    payload: RecommendationOverdue


#: Events Netra publishes (not accepted on ingress).
OUTBOUND_EVENT_TYPES: dict[str, EventType] = {
    "recommendation.overdue": EventType("recommendation.overdue", RecommendationOverdueEvent, TOPIC_ALERTS,
                                        "recommendation_id"),
}


#: Ingress topics whose events change mart.followthrough (sanctions and recommendations): what the
#: reconcile DAG's asset watcher reads, and so what its Kafka principal may read.
FOLLOWTHROUGH_TOPICS = tuple(sorted({t.topic for t in EVENT_TYPES.values()
                                     if t.name.split(".")[0] in ("sanction", "recommendation")}))


def key_for(event: dict) -> bytes:
    """Kafka key of an event (DESIGN.md §3 table): the payload's business id."""
    return EVENT_TYPES[event["event_type"]].key(event)
