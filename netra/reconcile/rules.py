"""Pure reconciliation rules: the link ladder, one-to-one assignment, status and severity (DESIGN.md §6).

The ladder links each recommendation (one ASN in one case) to at most one sanction decree,
and each sanction to at most one recommendation. First match wins:

1. ``reference``: the sanction names the recommendation (``recommendation_ref``), compared after
   `normalise_reference` (case, whitespace, Roman-numeral month segment: letter numbers are typed
   by hand in BKPSDM records).
2. ``nip``: same NIP, decree within [issued_on - 7 d, issued_on + window_days] (NETRA_LINK_WINDOW_DAYS,
   default 1,095: sanctions arrive years late). One-to-one in issue order: the earliest
   recommendation takes the earliest eligible sanction of its NIP.
3. ``fuzzy``: only what 1-2 left unlinked, same window. The NIP is missing or a typo away,
   the name is similar and the agency is the same; each pair gets a score in [0, 1]
   (`fuzzy_score`). Pairs scoring >= FUZZY_ACCEPT become links, pairs in
   [FUZZY_REVIEW, FUZZY_ACCEPT) go to the review queue (``mart.review_queue``), lower ones
   are dropped. Sanctions that end up neither linked nor under review are the unlinked
   sanctions (``mart.unlinked_sanctions``).

Eligibility: BKPSDM exports hold every disciplinary sanction (absence, fraud, ...). A sanction
whose ``reason`` is present and does not match the neutrality pattern (NETRA_NEUTRALITY_REASON, a
case-insensitive regex) links only by ``reference``; otherwise it is *out of scope*: neither a
`nip`/`fuzzy` candidate nor an unlinked sanction. A null (or blank) reason is eligible.

Everything here is pure (no I/O) and deterministic whatever the input order. The fuzzy step's
scoring and the normalisers live in netra/reconcile/fuzzy.py and are re-exported here.
Revocation does not affect linking (a revoked decree is still the decree that answered
the recommendation; `status` reports it as ``revoked``), and sanction codes, legacy
PP 53/2010 ones included, only matter to the level lookup done by the caller.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from netra.contracts.vocabulary import (
    DEFAULT_LINK_WINDOW_DAYS,
    DEFAULT_NEUTRALITY_REASON,
    LEVEL_ORDER,
    SEVERITIES,
    STATUSES,
)
from netra.reconcile.cases import Recommendation, Sanction
from netra.reconcile.fuzzy import (
    AGENCY_MISMATCH_CAP,
    FUZZY_ACCEPT,
    FUZZY_REVIEW,
    NAME_SIMILAR,
    NAME_TITLES,
    NIP_EVIDENCE,
    NIP_MAX_EDITS,
    NIP_WINDOW_BEFORE,
    W_AGENCY,
    W_NAME,
    W_NIP,
    _fuzzy_candidates,
    agency_relation,
    fuzzy_score,
    in_window,
    nip_difference,
    normalise_agency,
    normalise_name,
    normalise_nip,
)

#: What callers import from here: the ladder, eligibility, status and severity, and (re-exported from
#: netra.reconcile.fuzzy and the vocabulary) the fuzzy step's knobs and normalisers and the defaults.
__all__ = [
    "AGENCY_MISMATCH_CAP", "DEFAULT_LINK_WINDOW_DAYS", "DEFAULT_NEUTRALITY_REASON", "FUZZY_ACCEPT", "FUZZY_REVIEW",
    "FirstSteps", "LEVEL_ORDER", "NAME_SIMILAR", "NAME_TITLES", "NIP_EVIDENCE", "NIP_MAX_EDITS", "NIP_WINDOW_BEFORE",
    "ROMAN_MONTHS", "STATUSES", "W_AGENCY", "W_NAME", "W_NIP", "Link", "LinkResult", "Recommendation",
    "ReviewItem", "Sanction", "_fuzzy_candidates", "agency_relation", "first_steps", "fuzzy_score", "fuzzy_step",
    "in_scope", "in_window", "leftovers", "link", "neutrality_pattern", "nip_difference", "normalise_agency",
    "normalise_name", "normalise_nip", "normalise_reference", "reconcile_links", "severity", "status",
]

#: Roman-numeral month segments of hand-typed letter numbers ("B-47/KASN/I/2021").
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_ROMAN_TO_MONTH = {roman: f"{month:02d}" for month, roman in enumerate(ROMAN_MONTHS, 1)}

@dataclass(frozen=True, slots=True)
class Link:
    """A recommendation linked to its sanction, by which step, with the fuzzy score (1.0 otherwise)."""

    recommendation_id: str
    sanction_id: str
    method: str  # reference | nip | fuzzy
    score: float


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A fuzzy pair in the uncertain band, for a human to confirm or reject (mart.review_queue)."""

    recommendation_id: str
    sanction_id: str
    score: float
    reasons: tuple[str, ...]  # e.g. ("nip.one_substitution", "name.similar", "agency.same")


@dataclass(frozen=True, slots=True)
class LinkResult:
    """Everything the ladder concluded: links, review pairs, unlinked and out-of-scope sanctions."""

    links: dict[str, Link]  # recommendation_id -> link
    review: list[ReviewItem]  # ordered by (score desc, decree_date, sanction_id, issued_on, recommendation_id)
    unlinked_sanctions: list[str]  # neither linked nor under review, nor out of scope; sorted
    out_of_scope: list[str] = field(default_factory=list)  # reason names another offence, no reference link; sorted


def normalise_reference(ref: str | None) -> str | None:
    """A letter number as compared by the `reference` step; None if empty.

    Whitespace removed, upper case, and every path segment that is a Roman month I..XII
    replaced by its two-digit number: "b-47 / kasn / I / 2021" -> "B-47/KASN/01/2021".
    """
    if ref is None:
        return None
    compact = "".join(ref.split()).upper()
    if not compact:
        return None
    return "/".join(_ROMAN_TO_MONTH.get(part, part) for part in compact.split("/"))


def neutrality_pattern(pattern: str | re.Pattern = DEFAULT_NEUTRALITY_REASON) -> re.Pattern:
    """The eligibility regex, compiled case-insensitively (NETRA_NEUTRALITY_REASON)."""
    return pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, re.IGNORECASE)


def in_scope(reason: str | None, pattern: str | re.Pattern = DEFAULT_NEUTRALITY_REASON) -> bool:
    """May a sanction with this reason link by `nip`/`fuzzy`? Null or blank: yes; else it must name
    an election-neutrality offence (`pattern` found anywhere, case ignored).
    """
    if reason is None or not reason.strip():
        return True
    return neutrality_pattern(pattern).search(reason) is not None


def link(recommendations: Iterable[Recommendation], sanctions: Iterable[Sanction], **options) -> dict[str, Link]:
    """The links of `reconcile_links`, keyed by recommendation_id."""
    return reconcile_links(recommendations, sanctions, **options).links


def reconcile_links(recommendations: Iterable[Recommendation], sanctions: Iterable[Sanction], *,
                    window_days: int = DEFAULT_LINK_WINDOW_DAYS,
                    neutrality: str | re.Pattern = DEFAULT_NEUTRALITY_REASON) -> LinkResult:
    """Link ladder, first match wins; each sanction links to at most one recommendation.

    Deterministic whatever the input order: recommendations are visited by (issued_on, id)
    and candidate sanctions are ranked by (decree_date, id); fuzzy pairs are assigned by
    (score desc, decree_date, sanction_id, issued_on, recommendation_id). `window_days` is
    NETRA_LINK_WINDOW_DAYS, `neutrality` NETRA_NEUTRALITY_REASON.

    The ladder in two parts, which the incremental reconcile also calls on the parts of core whose
    outcome can have changed (netra/reconcile/relink.py): `first_steps` (reference, eligibility,
    nip), then `fuzzy_step` over what they left (`leftovers`).
    """
    recs = sorted(recommendations, key=lambda r: (r.issued_on, r.recommendation_id))
    sans = sorted(sanctions, key=lambda s: (s.decree_date, s.sanction_id))
    first = first_steps(recs, sans, window_days=window_days, neutrality=neutrality)
    left_recs, left_sans = leftovers(recs, sans, first)
    fuzzy_links, review = fuzzy_step(left_recs, left_sans, window_days=window_days)
    links = first.links | fuzzy_links
    used = {ln.sanction_id for ln in links.values()}
    in_review = {item.sanction_id for item in review}
    unlinked = sorted({s.sanction_id for s in sans} - used - in_review - set(first.out_of_scope))
    return LinkResult(links, review, unlinked, first.out_of_scope)


@dataclass(frozen=True)
class FirstSteps:
    """What steps 1-2 and eligibility concluded: reference and nip links, and out-of-scope sanctions (sorted)."""

    links: dict[str, Link]  # recommendation_id -> link (method reference or nip)
    out_of_scope: list[str]


def first_steps(recommendations: Iterable[Recommendation], sanctions: Iterable[Sanction], *,
                window_days: int = DEFAULT_LINK_WINDOW_DAYS,
                neutrality: str | re.Pattern = DEFAULT_NEUTRALITY_REASON) -> FirstSteps:
    """Steps 1 (reference) and 2 (nip) of the ladder, and which sanctions are out of scope.

    A recommendation's outcome here depends only on the sanctions and recommendations it shares a
    normalised reference or a NIP with (and theirs, transitively): run over such a closed group,
    the result is that of the whole of core for it.
    """
    pattern = neutrality_pattern(neutrality)
    recs = sorted(recommendations, key=lambda r: (r.issued_on, r.recommendation_id))
    sans = sorted(sanctions, key=lambda s: (s.decree_date, s.sanction_id))
    by_ref: dict[str | None, str] = {}
    for r in sorted(recs, key=lambda r: r.recommendation_id):  # a (freak) collision: the smallest id wins
        by_ref.setdefault(normalise_reference(r.recommendation_id), r.recommendation_id)
    by_ref.pop(None, None)  # an empty recommendation id names nothing
    links: dict[str, Link] = {}
    used: set[str] = set()

    # 1. reference: the sanction names the recommendation (hand-typed: compared normalised)
    for s in sans:
        rid = by_ref.get(normalise_reference(s.recommendation_ref))
        if rid is not None and rid not in links:
            links[rid] = Link(rid, s.sanction_id, "reference", 1.0)
            used.add(s.sanction_id)

    # Out of scope: a reason that names another offence; only the reference could link it.
    out_of_scope = sorted(s.sanction_id for s in sans if s.sanction_id not in used and not in_scope(s.reason, pattern))
    excluded = used | set(out_of_scope)

    # 2. nip: same NIP, decree in the window; in issue order, each takes the earliest eligible sanction
    by_nip: dict[str, list[Sanction]] = {}
    for s in sans:
        if s.nip and s.sanction_id not in excluded:
            by_nip.setdefault(s.nip, []).append(s)
    for r in recs:
        if r.recommendation_id in links:
            continue
        for s in by_nip.get(r.nip, ()):
            if s.sanction_id in used:
                continue
            if in_window(r.issued_on, s.decree_date, window_days):
                links[r.recommendation_id] = Link(r.recommendation_id, s.sanction_id, "nip", 1.0)
                used.add(s.sanction_id)
                break
    return FirstSteps(links, out_of_scope)


def leftovers(recommendations: Iterable[Recommendation], sanctions: Iterable[Sanction],
              first: FirstSteps) -> tuple[list[Recommendation], list[Sanction]]:
    """What the fuzzy step sees after `first`: recommendations it did not link, sanctions neither linked
    nor out of scope (input order kept).
    """
    excluded = {ln.sanction_id for ln in first.links.values()} | set(first.out_of_scope)
    return ([r for r in recommendations if r.recommendation_id not in first.links],
            [s for s in sanctions if s.sanction_id not in excluded])


def fuzzy_step(recommendations: Iterable[Recommendation], sanctions: Iterable[Sanction], *,
               window_days: int = DEFAULT_LINK_WINDOW_DAYS) -> tuple[dict[str, Link], list[ReviewItem]]:
    """Step 3 over what steps 1-2 left (`leftovers`): fuzzy links and the review band.

    Scores every candidate pair, then assigns greedily, best pair first, one-to-one; pairs in the
    review band go to review when neither side found a link. A pair's outcome depends only on the
    pairs it shares a side with (transitively): run over such a closed group of leftovers, the
    result is that of all of them for it.
    """
    recs = sorted(recommendations, key=lambda r: (r.issued_on, r.recommendation_id))
    sans = sorted(sanctions, key=lambda s: (s.decree_date, s.sanction_id))
    candidates = _fuzzy_candidates(recs, sans, window_days)
    candidates.sort(key=_assignment_order)
    links: dict[str, Link] = {}
    used: set[str] = set()
    for score, _reasons, r, s in candidates:
        if score < FUZZY_ACCEPT:
            break  # sorted by score: the rest is the review band
        if r.recommendation_id not in links and s.sanction_id not in used:
            links[r.recommendation_id] = Link(r.recommendation_id, s.sanction_id, "fuzzy", score)
            used.add(s.sanction_id)
    # A review pair is only worth a human's time if neither side found a link elsewhere.
    review = [ReviewItem(r.recommendation_id, s.sanction_id, score, reasons)
              for score, reasons, r, s in candidates
              if score < FUZZY_ACCEPT and r.recommendation_id not in links and s.sanction_id not in used]
    return links, review


def _assignment_order(c: tuple) -> tuple:
    score, _reasons, r, s = c
    return (-score, s.decree_date, s.sanction_id, r.issued_on, r.recommendation_id)


# --- status and severity ----------------------------------------------------------------------

def status(*, issued_on: date, as_of: date, sla_days: int, decree_date: date | None = None,
           revoked_on: date | None = None, closed_on: date | None = None) -> str:
    """Status of one recommendation as of day `as_of` (decree/revocation/closure dates of its linked records).

    The executable specification of the SQL `core.recommendation_status_as_of` (the one production
    implementation; tests compare them) and what the generator's ground truth calls.
    """
    sanctioned, revoked, closed, overdue, pending = STATUSES
    if decree_date is not None and decree_date <= as_of:
        if revoked_on is not None and revoked_on <= as_of:
            return revoked
        return sanctioned
    if closed_on is not None and closed_on <= as_of:
        return closed
    if (as_of - issued_on).days > sla_days:
        return overdue
    return pending


def severity(recommended_level: str, sanction_level: str | None) -> str | None:
    """as_recommended / lighter / heavier by LEVEL_ORDER; None without a known level on both sides."""
    if sanction_level is None or recommended_level not in LEVEL_ORDER or sanction_level not in LEVEL_ORDER:
        return None
    diff = LEVEL_ORDER[sanction_level] - LEVEL_ORDER[recommended_level]
    as_recommended, lighter, heavier = SEVERITIES
    return as_recommended if diff == 0 else (lighter if diff < 0 else heavier)
