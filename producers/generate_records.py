"""Season generator: the records of the world (an ASN, a case, a recommendation, a drawn sanction).

Apart from generate_world so that the calibration, which plans with them, needs no import of the
world that it calibrates (no circle between the two).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from producers.generate_shape import BKN_FROM


@dataclass
class Asn:
    """One civil servant (ASN): NIP, name, employer."""

    nip: str
    name: str
    sex: int
    agency: str
    employer_region: str  # PP.KK for a kab/kota government, PP for a province
    position: str | None


@dataclass
class Case:
    """One Bawaslu case: report, subjects, decision."""

    kind: str
    region_code: str
    filed_on: date
    category: str
    subjects: list[Asn]
    nip_known: list[bool]
    reporter: dict
    summary: str | None
    decision: str
    decided_on: date
    proven: list[Asn]
    report_id: str = ""


@dataclass
class DrawnSanction:
    """A sanction decree as it happened and as its source wrote it down."""

    asn: Asn
    code: int
    decree_date: date
    effective_from: date
    effective_to: date | None
    recommendation_ref: str | None
    nip_field: str | None  # as the source wrote it: None, 18 digits, or spaced
    name_field: str
    source: str
    reason: str | None
    revoked_on: date | None = None
    revoke_reason: str | None = None
    sanction_id: str = ""
    fuzzy: bool = False              # its NIP was garbled (typo or missing): the ladder links it by `fuzzy`
    review_of: Rec | None = None    # a look-alike colleague's: in review with this recommendation
    other_offence_of: Rec | None = None   # another offence of this recommendation's ASN: out of scope
    beyond_window_of: Rec | None = None   # this recommendation's sanction, decreed after the link window


@dataclass
class Rec:
    """One recommendation (one ASN in one case) and what became of it."""

    case: Case
    asn: Asn
    level: str
    sanction_code: int | None
    issued_on: date
    nip_field: str
    closed_on: date | None = None
    close_reason: str | None = None
    sanction: DrawnSanction | None = None
    recommendation_id: str = ""

    @property
    def issuer(self) -> str:
        """KASN until the hand-over to BKN (BKN_FROM), then BKN."""
        return "kasn" if self.issued_on < BKN_FROM else "bkn"
