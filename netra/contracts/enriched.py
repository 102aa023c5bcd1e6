"""The enriched event: what the enricher writes to `events.enriched` and the sink lands in raw.events.

It is a v1 event (DESIGN.md §3) whose reporter is reduced to its type, plus an
`enrichment` object per event type (netra.enrichment builds it). The sink checks every
message against `EnrichedEvent` before landing it, so a message that skipped the enricher
(no enrichment, a reporter's NIK or name still in it, a field the contract does not know)
is refused with a reason code and never reaches raw.events. Its JSON Schema is written to
`netra/contracts/schemas/events.enriched.v1.json` with the others (`netra.contracts.schemas`).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, TypeAdapter, model_validator
from pydantic_core import PydanticCustomError

from netra.contracts.events import (
    Level,
    RecommendationClosedEvent,
    RecommendationIssuedEvent,
    RegionCode,
    ReportDecidedEvent,
    ReportFiled,
    ReportFiledEvent,
    SanctionImposedEvent,
    SanctionRevokedEvent,
    _Strict,
)

#: Version of the `enrichment` object; bumped when its shape changes incompatibly.
ENRICHMENT_VERSION = 1
ELECTION_PHASES = ("pre_campaign", "campaign", "quiet", "voting_day", "post_election")

#: HMAC-SHA-256 pseudonym (hex) under NETRA_HMAC_KEY.
Pseudonym = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Version = Annotated[Literal[1], Field(description="Version of the enrichment object (ENRICHMENT_VERSION).")]
assert ENRICHMENT_VERSION == 1, "a new enrichment version needs its own models"


def _described(description: str):
    return Field(description=description)


class RegionInfo(_Strict):
    """The report's region from the Kemendagri reference table."""

    code: Annotated[RegionCode, _described("Kemendagri region code, `PP` or `PP.KK`.")]
    name: Annotated[str, _described("Official region name.")]
    kind: Annotated[Literal["provinsi", "kabupaten", "kota"], _described("Level of the region.")]
    province_code: Annotated[RegionCode, _described("Code of the province the region lies in.")]
    province_name: Annotated[str | None, _described("Name of that province.")]


class AgencyMatch(_Strict):
    """A free-text agency name matched to a canonical agency (BKN id), or not."""

    name: Annotated[str | None, _described("The agency name as the event gave it.")]
    bkn_id: Annotated[str | None, _described("Canonical agency id in ref.agencies; null when nothing matched well "
                                             "enough (listed in raw.unmatched_agencies).")]
    bkn_code: Annotated[str | None, _described("BKN agency code of that agency.")]
    method: Annotated[Literal["alias", "fuzzy"] | None, _described("How it matched: exact alias, fuzzy "
                                                                   "similarity, or null (no match).")]
    score: Annotated[float, Field(ge=0, le=1, description="Similarity of the match, 0..1 (1 for an alias).")]


class _NipAttributes(_Strict):
    """Coarse attributes decoded from an 18-digit NIP (Perka BKN 22/2007); absent when the NIP does not decode."""

    birth_year: Annotated[int | None, _described("Birth year (NIP digits 1-4).")] = None
    sex: Annotated[Literal["male", "female"] | None, _described("Sex (NIP digit 15).")] = None
    cpns_start: Annotated[str | None, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}$"),
                          _described("Month of appointment as CPNS, `YYYY-MM` (NIP digits 9-14).")] = None
    age_band: Annotated[str | None, _described("Age band at occurred_at, e.g. `40-49`.")] = None
    tenure_band: Annotated[str | None, _described("Years since CPNS start at occurred_at, e.g. `10-19`.")] = None


class AsnProfile(_NipAttributes):
    """The civil servant named by a NIP, pseudonymised."""

    asn_key: Annotated[Pseudonym, _described("HMAC-SHA-256 of the normalised NIP: joins a person across events "
                                             "without the NIP.")]


class SubjectEnrichment(_NipAttributes):
    """One reported subject, in the order of payload.subjects."""

    asn_key: Annotated[Pseudonym | None, _described("Pseudonym of the subject's NIP; null when the report gave "
                                                    "no NIP.")]
    agency: Annotated[AgencyMatch, _described("The subject's agency matched to a canonical agency.")]


class SanctionInfo(_Strict):
    """The sanction type from ref.sanction_types."""

    level: Annotated[Level, _described("Discipline level (moral < ringan < sedang < berat).")]
    legacy: Annotated[bool, _described("True for a PP 53/2010 code (accepted, flagged).")]


class ReportFiledEnrichment(_Strict):
    """What the enricher adds to a report.filed."""

    version: Version
    region: Annotated[RegionInfo | None, _described("The region, null if the code is not in the reference table.")]
    election_phase: Annotated[Literal[ELECTION_PHASES] | None,  # type: ignore[valid-type]
                              _described("Phase of the election on filed_on (from ref.elections); null for an "
                                         "unknown election.")]
    subjects: Annotated[list[SubjectEnrichment], _described("One entry per payload.subjects entry, same order.")]
    reporter_key: Annotated[Pseudonym | None, _described("HMAC-SHA-256 of the reporter's NIK (else normalised "
                                                         "name); the NIK and name themselves are dropped.")]


class ReportDecidedEnrichment(_Strict):
    """What the enricher adds to a report.decided."""

    version: Version
    proven_asn_keys: Annotated[list[Pseudonym], _described("Pseudonyms of payload.proven_nips, same order.")]


class RecommendationIssuedEnrichment(_Strict):
    """What the enricher adds to a recommendation.issued."""

    version: Version
    asn: Annotated[AsnProfile | None, _described("The recommended ASN, pseudonymised.")]
    ppk_agency: Annotated[AgencyMatch, _described("The PPK's agency matched to a canonical agency.")]
    sanction: Annotated[SanctionInfo | None, _described("The recommended sanction code's type, if given and "
                                                        "known.")]


class SanctionImposedEnrichment(_Strict):
    """What the enricher adds to a sanction.imposed."""

    version: Version
    asn: Annotated[AsnProfile | None, _described("The sanctioned ASN, pseudonymised; null without a NIP.")]
    agency: Annotated[AgencyMatch, _described("The sanctioning agency matched to a canonical agency.")]
    sanction: Annotated[SanctionInfo | None, _described("The sanction code's type.")]


class VersionOnlyEnrichment(_Strict):
    """Closures and revocations carry no personal or regional data to enrich."""

    version: Version


class EnrichedReporter(_Strict):
    """The reporter after enrichment: only the type. A NIK or name here is refused (never reaches Postgres)."""

    type: Annotated[Literal["voter", "monitor", "participant", "supervisor"], _described("Kind of reporter.")]


class EnrichedReportFiled(ReportFiled):
    """The report.filed payload after enrichment."""

    reporter: Annotated[  # type: ignore[assignment]  # narrowed on purpose
        EnrichedReporter,
        _described("Reporter type only; NIK and name were dropped by the enricher (reporter_key replaces them)."),
    ]


_ENRICHMENT_DOC = "Added by the enricher (netra.enrichment); see the definitions for each field."


class EnrichedReportFiledEvent(ReportFiledEvent):
    """An enriched report.filed."""

    payload: Annotated[EnrichedReportFiled, _described("The report.filed payload, reporter reduced to its type.")]
    enrichment: Annotated[ReportFiledEnrichment, _described(_ENRICHMENT_DOC)]

    @model_validator(mode="after")
    def _one_entry_per_subject(self) -> EnrichedReportFiledEvent:
        if len(self.enrichment.subjects) != len(self.payload.subjects):
            raise PydanticCustomError("enrichment.subjects_mismatch",
                                      "the enrichment needs one subjects entry per payload subject")
        return self


class EnrichedReportDecidedEvent(ReportDecidedEvent):
    """An enriched report.decided."""

    enrichment: Annotated[ReportDecidedEnrichment, _described(_ENRICHMENT_DOC)]


class EnrichedRecommendationIssuedEvent(RecommendationIssuedEvent):
    """An enriched recommendation.issued."""

    enrichment: Annotated[RecommendationIssuedEnrichment, _described(_ENRICHMENT_DOC)]


class EnrichedRecommendationClosedEvent(RecommendationClosedEvent):
    """An enriched recommendation.closed."""

    enrichment: Annotated[VersionOnlyEnrichment, _described(_ENRICHMENT_DOC)]


class EnrichedSanctionImposedEvent(SanctionImposedEvent):
    """An enriched sanction.imposed."""

    enrichment: Annotated[SanctionImposedEnrichment, _described(_ENRICHMENT_DOC)]


class EnrichedSanctionRevokedEvent(SanctionRevokedEvent):
    """An enriched sanction.revoked."""

    enrichment: Annotated[VersionOnlyEnrichment, _described(_ENRICHMENT_DOC)]


#: One message on events.enriched, told apart by event_type.
EnrichedEvent = Annotated[
    EnrichedReportFiledEvent
    | EnrichedReportDecidedEvent
    | EnrichedRecommendationIssuedEvent
    | EnrichedRecommendationClosedEvent
    | EnrichedSanctionImposedEvent
    | EnrichedSanctionRevokedEvent,
    Field(discriminator="event_type"),
]
ENRICHED_EVENT = TypeAdapter(EnrichedEvent)
