"""Pure reconciliation rules: the link ladder, one-to-one assignment, status and severity (DESIGN.md §6)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

#: `nip` link window around issued_on.
NIP_WINDOW_BEFORE = timedelta(days=7)
NIP_WINDOW_AFTER = timedelta(days=365)
LEVEL_ORDER = {"moral": 0, "ringan": 1, "sedang": 2, "berat": 3}
STATUSES = ("sanctioned", "pending", "overdue", "closed", "revoked")


@dataclass(frozen=True)
class Recommendation:
    recommendation_id: str
    nip: str
    issued_on: date


@dataclass(frozen=True)
class Sanction:
    sanction_id: str
    nip: str | None
    decree_date: date
    recommendation_ref: str | None


@dataclass(frozen=True)
class Link:
    recommendation_id: str
    sanction_id: str
    method: str  # reference | nip
    score: float


def link(recommendations: Iterable[Recommendation], sanctions: Iterable[Sanction]) -> dict[str, Link]:
    """Link ladder, first match wins; each sanction links to at most one recommendation.

    Deterministic whatever the input order: recommendations are visited by (issued_on, id)
    and candidate sanctions are ranked by (decree_date, id).
    """
    recs = sorted(recommendations, key=lambda r: (r.issued_on, r.recommendation_id))
    sans = sorted(sanctions, key=lambda s: (s.decree_date, s.sanction_id))
    by_id = {r.recommendation_id: r for r in recs}
    links: dict[str, Link] = {}
    used: set[str] = set()

    # 1. reference: the sanction names the recommendation
    for s in sans:
        if s.recommendation_ref in by_id and s.recommendation_ref not in links:
            links[s.recommendation_ref] = Link(s.recommendation_ref, s.sanction_id, "reference", 1.0)
            used.add(s.sanction_id)

    # 2. nip: same NIP, decree within [issued_on - 7d, issued_on + 365d]; earliest such sanction
    by_nip: dict[str, list[Sanction]] = {}
    for s in sans:
        if s.nip and s.sanction_id not in used:
            by_nip.setdefault(s.nip, []).append(s)
    for r in recs:
        if r.recommendation_id in links:
            continue
        for s in by_nip.get(r.nip, ()):
            if s.sanction_id in used:
                continue
            if r.issued_on - NIP_WINDOW_BEFORE <= s.decree_date <= r.issued_on + NIP_WINDOW_AFTER:
                links[r.recommendation_id] = Link(r.recommendation_id, s.sanction_id, "nip", 1.0)
                used.add(s.sanction_id)
                break
    return links


def status(*, issued_on: date, as_of: date, sla_days: int, decree_date: date | None = None,
           revoked_on: date | None = None, closed_on: date | None = None) -> str:
    """Status of one recommendation as of day `as_of` (decree/revocation/closure dates of its linked records)."""
    if decree_date is not None and decree_date <= as_of:
        if revoked_on is not None and revoked_on <= as_of:
            return "revoked"
        return "sanctioned"
    if closed_on is not None and closed_on <= as_of:
        return "closed"
    if (as_of - issued_on).days > sla_days:
        return "overdue"
    return "pending"


def severity(recommended_level: str, sanction_level: str | None) -> str | None:
    if sanction_level is None or recommended_level not in LEVEL_ORDER or sanction_level not in LEVEL_ORDER:
        return None
    diff = LEVEL_ORDER[sanction_level] - LEVEL_ORDER[recommended_level]
    return "as_recommended" if diff == 0 else ("lighter" if diff < 0 else "heavier")
