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

    nip: Annotated[Nip | None, Field(description=(
        "NIP of the reported ASN: 18 digits, `YYYYMMDD` birth date + `YYYYMM` CPNS start + sex digit (1 male, "
        "2 female) + 3-digit sequence (Perka BKN 22/2007); the printed spacing `YYYYMMDD YYYYMM G NNN` is "
        "accepted and removed, an old 9-digit NIP is refused. Null when the report does not give it."))]
    name: Annotated[Text, Field(description="Name of the ASN as reported, 1-200 characters.")]
    agency: Annotated[Text, Field(description=(
        "The ASN's agency (instansi) as written in the report, free text, 1-200 characters; the enricher "
        "matches it to a canonical agency."))]
    position: Annotated[Text | None, Field(description="The ASN's position (jabatan) as reported, or null.")] = None


class Reporter(_Strict):
    """Who filed the report; NIK and name are dropped by the enricher and never reach Postgres."""

    type: Annotated[Literal["voter", "monitor", "participant", "supervisor"], Field(description=(
        "Who filed it: a `voter`, an election `monitor` or an election `participant` (a laporan), or a "
        "`supervisor` of Bawaslu itself (a temuan)."))]
    nik: Annotated[Nik | None, Field(description=(
        "The reporter's NIK, 16 digits, or null. Used only for the reporter_key pseudonym: the enricher drops "
        "it, it never reaches Postgres."))] = None
    name: Annotated[Text | None, Field(description=(
        "The reporter's name, or null. Dropped by the enricher like the NIK."))] = None


class ReportFiled(_Strict):
    """A Bawaslu report (laporan) or finding (temuan) of an election-neutrality violation."""

    report_id: Annotated[Opaque, Field(description=(
        "Bawaslu's register number of the report: an opaque string of 1-64 characters (no published format). "
        "The Kafka key."))]
    kind: Annotated[Literal["laporan", "temuan"], Field(description=(
        "`laporan`: filed by a voter, monitor or participant; `temuan`: set by the supervisors' own "
        "monitoring."))]
    election_id: Annotated[ElectionId, Field(description=(
        "The election, `pemilu-YYYY` or `pilkada-YYYY` (e.g. `pilkada-2020`); must be a known election "
        "(reason election.unknown)."))]
    region_code: Annotated[RegionCode, Field(description=(
        "Kemendagri region code (kode wilayah) of the Bawaslu office: province `PP` or kabupaten/kota `PP.KK` "
        "(e.g. `33.72`, Kota Surakarta); must exist in the reference table (reason region.unknown)."))]
    filed_on: Annotated[Day, Field(description=(
        "Day the laporan was filed or the temuan set, `YYYY-MM-DD`; from 2000-01-01 up to today in WIB "
        "(reason date.out_of_range)."))]
    category: Annotated[Category, Field(description=(
        "Violation category V01..V11 (V09a/V09b) of the SKB 2022 list, as reported (DOMAIN.md §2.3)."))]
    subjects: list[Subject] = Field(min_length=1, max_length=50, description="The ASN reported, 1 to 50.")
    reporter: Annotated[Reporter, Field(description=(
        "Who filed the report; the enricher keeps only its type and a pseudonym."))]
    summary: Annotated[
        Annotated[str, StringConstraints(max_length=4000), Clean] | None,
        Field(description="What is alleged, free text of at most 4,000 characters, or null."),
    ] = None


class ReportDecided(_Strict):
    """Bawaslu's decision on a report; `proven_nips` names the ASN it proved."""

    report_id: Annotated[Opaque, Field(description="report_id of the decided report. The Kafka key.")]
    decision: Annotated[Literal["proven", "not_proven", "not_registered", "stopped"], Field(description=(
        "Bawaslu's decision: `proven` (terbukti), `not_proven` (tidak terbukti), `not_registered` (failed the "
        "formal and material check before registration) or `stopped` (dihentikan)."))]
    decided_on: Annotated[Day, Field(description="Day of the decision, `YYYY-MM-DD`.")]
    proven_nips: list[Nip] = Field(default_factory=list, max_length=50, description=(
        "NIPs (18 digits) of the ASN the decision proved, at most 50: non-empty exactly when decision is "
        "`proven`, and each one a subject of the report (when the report has been seen)."))

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

    recommendation_id: Annotated[Opaque, Field(description=(
        "Number of the recommendation letter (e.g. `B-1444/JP.01/04/2022`), opaque, 1-64 characters; what a "
        "sanction's recommendation_ref cites. The Kafka key."))]
    report_id: Annotated[Opaque, Field(description="report_id of the report the recommendation follows.")]
    nip: Annotated[Nip, Field(description=(
        "NIP (18 digits) of the one ASN the sanction is recommended for; printed spacing accepted and removed."))]
    issuer: Annotated[Literal["kasn", "bkn"], Field(description=(
        "Who issued it: `kasn` (until KASN was dissolved in 2024) or `bkn` (which took over from September "
        "2024)."))]
    level: Annotated[Level, Field(description=(
        "Recommended discipline level, `moral` < `ringan` < `sedang` < `berat`."))]
    sanction_code: Annotated[StrictInt | None, Field(description=(
        "Recommended SIASN sanction code (catalogue in DOMAIN.md §2.2), or null when only the level is given."))] \
        = None
    ppk_agency: Annotated[Text, Field(description=(
        "The agency of the PPK (Pejabat Pembina Kepegawaian) the recommendation is addressed to, free text."))]
    issued_on: Annotated[Day, Field(description=(
        "Day of the recommendation letter, `YYYY-MM-DD`; the PPK's follow-up period (NETRA_PPK_SLA_DAYS) "
        "counts from it."))]


class RecommendationClosed(_Strict):
    """A recommendation closed without a sanction (not proven, cancelled, rejected, left service)."""

    recommendation_id: Annotated[Opaque, Field(description="recommendation_id of the closed recommendation. "
                                                           "The Kafka key.")]
    reason: Annotated[Literal["not_proven", "cancelled", "rejected", "left_service"], Field(description=(
        "Why it closed without a sanction: `not_proven`, `cancelled`, `rejected`, or `left_service` (the ASN "
        "resigned, retired or was dismissed)."))]
    closed_on: Annotated[Day, Field(description="Day it was closed, `YYYY-MM-DD`.")]


class SanctionImposed(_Strict):
    """A disciplinary sanction decree (SK) recorded by a BKPSDM, neutrality-related or not."""

    sanction_id: Annotated[Opaque, Field(description=(
        "Number of the sanction decree (SK hukuman disiplin), opaque, 1-64 characters (no national format). "
        "The Kafka key."))]
    nip: Annotated[Nip | None, Field(description=(
        "NIP (18 digits) of the sanctioned ASN, printed spacing accepted and removed; null when the export "
        "lacks it (the sanction can then only link by reference or fuzzy match)."))]
    name: Annotated[Text, Field(description="Name of the sanctioned ASN as recorded.")]
    agency: Annotated[Text, Field(description=(
        "The sanctioned ASN's agency, whose PPK imposed the sanction, free text."))]
    sanction_code: Annotated[StrictInt, Field(description=(
        "SIASN sanction code (catalogue in DOMAIN.md §2.2), legacy PP 53/2010 codes included; must be a known "
        "code (reason sanction.unknown_code)."))]
    decree_date: Annotated[Day, Field(description="Day of the decree (SK date), `YYYY-MM-DD`.")]
    effective_from: Annotated[Day, Field(description="First day the sanction is in force (TMT), `YYYY-MM-DD`.")]
    effective_to: Annotated[Day | None, Field(description=(
        "Last day of a time-limited sanction, `YYYY-MM-DD` (may lie in the future), or null."))] = None
    recommendation_ref: Annotated[Opaque | None, Field(description=(
        "The recommendation letter number the decree cites, as typed by hand (case, spacing and Roman months "
        "are normalised when linking), or null: often missing in real exports."))] = None
    reason: Annotated[
        Annotated[str, StringConstraints(max_length=400), Clean] | None,
        Field(description=(
            "The offence as recorded, at most 400 characters, or null. A reason that does not name an "
            "election-neutrality offence (NETRA_NEUTRALITY_REASON) links only by reference (DESIGN.md §6).")),
    ] = None


class SanctionRevoked(_Strict):
    """A sanction decree revoked (e.g. on appeal)."""

    sanction_id: Annotated[Opaque, Field(description="sanction_id of the revoked decree. The Kafka key.")]
    revoked_on: Annotated[Day, Field(description="Day of the revocation, `YYYY-MM-DD`.")]
    reason: Annotated[
        Annotated[str, StringConstraints(min_length=1, max_length=400), Clean],
        Field(description="Why it was revoked (e.g. an appeal upheld), 1-400 characters."),
    ]


# ---------------------------------------------------------------- envelopes


class _Envelope(_Strict):
    event_id: Annotated[str, StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"), Field(
        description="UUID of the event, the idempotency key: a re-sent event keeps its id and is stored once.")]
    schema_version: Annotated[StrictInt, Field(ge=1, le=1, description=(
        "Version of the event contract. Only 1 is accepted; a higher one is refused with a reason that says "
        "so."))]
    source: Annotated[str, StringConstraints(pattern=r"^[a-z0-9:._-]{1,64}$"), Field(description=(
        "The sending system, `[a-z0-9:._-]{1,64}`, e.g. `bawaslu:33.72`; the part before the first `:` is "
        "its source domain (whose rejects topic hears of a refusal)."))]
    occurred_at: Annotated[Timestamp, Field(description=(
        "When it happened at the source: RFC 3339 with an offset, e.g. `2024-11-21T10:00:00+07:00` (WIB)."))]


def _event_type(name: str):
    return Field(description=f"Always `{name}`: tells the event types on a topic apart.")


class ReportFiledEvent(_Envelope):
    """Envelope of a `report.filed` event (topic reports.raw, key report_id)."""

    event_type: Annotated[Literal["report.filed"], _event_type("report.filed")]
    payload: Annotated[ReportFiled, Field(description="The report or finding.")]


class ReportDecidedEvent(_Envelope):
    """Envelope of a `report.decided` event (topic reports.raw, key report_id)."""

    event_type: Annotated[Literal["report.decided"], _event_type("report.decided")]
    payload: Annotated[ReportDecided, Field(description="The decision.")]


class RecommendationIssuedEvent(_Envelope):
    """Envelope of a `recommendation.issued` event (topic recommendations.raw)."""

    event_type: Annotated[Literal["recommendation.issued"], _event_type("recommendation.issued")]
    payload: Annotated[RecommendationIssued, Field(description="The recommendation.")]


class RecommendationClosedEvent(_Envelope):
    """Envelope of a `recommendation.closed` event (topic recommendations.raw)."""

    event_type: Annotated[Literal["recommendation.closed"], _event_type("recommendation.closed")]
    payload: Annotated[RecommendationClosed, Field(description="The closure.")]


class SanctionImposedEvent(_Envelope):
    """Envelope of a `sanction.imposed` event (topic sanctions.raw, key sanction_id)."""

    event_type: Annotated[Literal["sanction.imposed"], _event_type("sanction.imposed")]
    payload: Annotated[SanctionImposed, Field(description="The sanction decree.")]


class SanctionRevokedEvent(_Envelope):
    """Envelope of a `sanction.revoked` event (topic sanctions.raw, key sanction_id)."""

    event_type: Annotated[Literal["sanction.revoked"], _event_type("sanction.revoked")]
    payload: Annotated[SanctionRevoked, Field(description="The revocation.")]


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

    recommendation_id: Annotated[Opaque, Field(description="The overdue recommendation's letter number. "
                                                           "The Kafka key.")]
    report_id: Annotated[Opaque, Field(description="report_id of the report it follows.")]
    ppk_agency: Annotated[Text, Field(description="The PPK's agency that has not acted, as the "
                                                  "recommendation named it.")]
    recommended_level: Annotated[Level, Field(description="The level recommended, `moral` < `ringan` < "
                                                          "`sedang` < `berat`.")]
    issued_on: Annotated[Day, Field(description="Day the recommendation was issued, `YYYY-MM-DD`.")]
    as_of: Annotated[Day, Field(description="The reconcile day on which it was found overdue, `YYYY-MM-DD`.")]
    days_since_issued: Annotated[StrictInt, Field(description="as_of minus issued_on, in days.")]
    sla_days: Annotated[StrictInt, Field(description=(
        "Days the PPK had (NETRA_PPK_SLA_DAYS, a policy setting: no statutory limit was found)."))]
    election_id: Annotated[ElectionId | None, Field(description=(
        "Election of the recommendation's report, or null if that report is unknown."))] = None
    region_code: Annotated[RegionCode | None, Field(description=(
        "Kemendagri region code of that report, or null if the report is unknown."))] = None


class RecommendationOverdueEvent(_Envelope):
    """Published by Netra on alerts.overdue, once per recommendation, with a deterministic event_id."""

    event_type: Annotated[Literal["recommendation.overdue"], _event_type("recommendation.overdue")]
    payload: Annotated[RecommendationOverdue, Field(description="The overdue recommendation.")]


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
