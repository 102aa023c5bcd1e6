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

Everything here is pure (no I/O) and deterministic whatever the input order.
Revocation does not affect linking (a revoked decree is still the decree that answered
the recommendation; `status` reports it as ``revoked``), and sanction codes, legacy
PP 53/2010 ones included, only matter to the level lookup done by the caller.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Hamming

from netra.contracts.vocabulary import (
    DEFAULT_LINK_WINDOW_DAYS,
    DEFAULT_NEUTRALITY_REASON,
    LEVEL_ORDER,
    LINK_WINDOW_BEFORE_DAYS,
    SEVERITIES,
    STATUSES,
)

__all__ = ["DEFAULT_LINK_WINDOW_DAYS", "DEFAULT_NEUTRALITY_REASON", "LEVEL_ORDER", "STATUSES"]  # re-exported

#: `nip` (and `fuzzy`) link window opens this long before issued_on.
NIP_WINDOW_BEFORE = timedelta(days=LINK_WINDOW_BEFORE_DAYS)
#: Roman-numeral month segments of hand-typed letter numbers ("B-47/KASN/I/2021").
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_ROMAN_TO_MONTH = {roman: f"{month:02d}" for month, roman in enumerate(ROMAN_MONTHS, 1)}

# --- fuzzy step: weights and thresholds ------------------------------------------------
#
# score = W_NIP * NIP_EVIDENCE[nip reason] + W_NAME * name similarity + W_AGENCY * [same agency]
#
# The weights encode one rule: *one* small discrepancy is accepted automatically, two go
# to a human. A NIP one typo away with the exact name in the same agency scores
# 0.35*0.8 + 0.5 + 0.15 = 0.93 (accept); the same NIP typo with a name that is only ~90 %
# similar scores 0.88 (review), because a wrong digit *and* a different spelling may just
# as well be a colleague. The name carries the largest weight because it is the only
# evidence left when the NIP is missing; the agency is mostly a gate (a different agency
# caps the score below review) and its weight is what keeps a pair with an unknown agency
# out of automatic acceptance (at most 0.35 + 0.5 = 0.85).
W_NIP = 0.35
W_NAME = 0.50
W_AGENCY = 0.15
#: How much each NIP comparison outcome supports "same person" (0..1).
NIP_EVIDENCE = {
    # Equal once normalised (spaces, dots): only a formatting difference.
    "nip.same": 1.0,
    # One keystroke: one wrong digit, or two adjacent digits swapped.
    "nip.one_substitution": 0.8,
    "nip.transposition": 0.8,
    # Two keystrokes: already a different birth date / TMT / sequence number as often as
    # not, so even the exact name in the same agency only reaches review (0.825).
    "nip.two_edits": 0.5,
    # Neutral: no NIP (or an unusable one, e.g. a pre-2007 9-digit NIP) neither supports nor
    # contradicts, so the name has to carry the identity: the exact name in the same agency
    # is accepted (0.912), a name less than ~97.5 % similar ("SITI AMINAH" / "SITI AMINA")
    # goes to review. A bit below a typo, which at least has 17 of 18 digits agreeing.
    "nip.missing": 0.75,
    "nip.malformed": 0.75,
}
#: At or above: linked (method "fuzzy").
FUZZY_ACCEPT = 0.90
#: At or above (and below FUZZY_ACCEPT): review queue. 0.75 keeps e.g. a two-digit NIP
#: difference with a ~85 % similar name in the same agency (0.75), and drops a one-digit NIP
#: typo whose name is clearly someone else's (< 65 % similar).
FUZZY_REVIEW = 0.75
#: A different agency caps the score here, below FUZZY_REVIEW: a PPK only sanctions its own staff.
AGENCY_MISMATCH_CAP = 0.70
#: Name similarity at or above this is reported as "name.similar" (below: "name.dissimilar").
NAME_SIMILAR = 0.85
#: At most this many NIP edits (substitutions or adjacent transpositions) for a fuzzy pair.
NIP_MAX_EDITS = 2


@dataclass(frozen=True)
class Recommendation:
    recommendation_id: str
    nip: str
    issued_on: date
    name: str | None = None  # the ASN's name from the report subjects
    agency: str | None = None  # the PPK agency


@dataclass(frozen=True)
class Sanction:
    sanction_id: str
    nip: str | None
    decree_date: date
    recommendation_ref: str | None
    name: str | None = None
    agency: str | None = None
    reason: str | None = None  # alasanHukumanDisiplin; decides eligibility for `nip`/`fuzzy`


@dataclass(frozen=True)
class Link:
    recommendation_id: str
    sanction_id: str
    method: str  # reference | nip | fuzzy
    score: float


@dataclass(frozen=True)
class ReviewItem:
    """A fuzzy pair in the uncertain band, for a human to confirm or reject (mart.review_queue)."""

    recommendation_id: str
    sanction_id: str
    score: float
    reasons: tuple[str, ...]  # e.g. ("nip.one_substitution", "name.similar", "agency.same")


@dataclass(frozen=True)
class LinkResult:
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

    # 3. fuzzy: score what is left, then assign greedily, best pair first (one-to-one)
    candidates = _fuzzy_candidates([r for r in recs if r.recommendation_id not in links],
                                   [s for s in sans if s.sanction_id not in used and s.sanction_id not in excluded],
                                   window_days)
    candidates.sort(key=_assignment_order)
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
    in_review = {item.sanction_id for item in review}
    unlinked = sorted({s.sanction_id for s in sans} - used - in_review - set(out_of_scope))
    return LinkResult(links, review, unlinked, out_of_scope)


def in_window(issued_on: date, decree_date: date, window_days: int = DEFAULT_LINK_WINDOW_DAYS) -> bool:
    """[issued_on - 7 d, issued_on + window_days], both ends included (DESIGN.md §6)."""
    return issued_on - NIP_WINDOW_BEFORE <= decree_date <= issued_on + timedelta(days=window_days)




def _assignment_order(c: tuple) -> tuple:
    score, _reasons, r, s = c
    return (-score, s.decree_date, s.sanction_id, r.issued_on, r.recommendation_id)


# --- normalisation -------------------------------------------------------------------------

_NON_DIGIT = re.compile(r"\D")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_APOSTROPHES = re.compile(r"['`\u2019]")
#: Titles and degrees (written without dots) dropped from names: "Drs. H. Ahmad Yani, S.H., M.Si."
#: and "AHMAD YANI" are the same person. Pre-name titles, then the common academic degrees.
NAME_TITLES = frozenset({
    "DR", "DRS", "DRA", "IR", "H", "HJ", "PROF", "KH",
    "SH", "SE", "SPD", "SPDI", "SAG", "SKOM", "SKM", "SSOS", "SIP", "SIKOM", "ST", "SS", "SSI", "SSTP", "STP",
    "SKEP", "SFARM", "SKED", "SP", "SHI", "SSY", "STH", "SST", "SPSI", "SAP", "SHUT", "SPT",
    "AMD", "AMDKEP", "AMKEP", "AMAPD", "NS", "APT",
    "MM", "MSI", "MPD", "MH", "MAP", "MT", "MKES", "MKOM", "MAG", "MPDI", "MSC", "MA", "ME", "MBA", "MKN",
})
#: Leading words naming the organisation (not the region) in an agency name.
def normalise_nip(nip: str | None) -> tuple[str | None, str | None]:
    """(18-digit NIP, None) if usable, else (None, "nip.missing" | "nip.malformed")."""
    digits = _NON_DIGIT.sub("", nip or "")
    if not digits:
        return None, "nip.missing"
    if len(digits) != 18:
        return None, "nip.malformed"  # e.g. a pre-2007 9-digit NIP: says nothing about the 18-digit one
    return digits, None


def normalise_name(name: str | None) -> str | None:
    """Upper case, titles and degrees removed, punctuation to spaces; None if nothing is left.

    Indonesian names carry pre-name titles ("Drs.", "H.") and degrees after a comma
    ("…, S.Pd., M.Si."). Everything after the first comma that is written with dots is a
    degree; known titles are dropped wherever they stand (also when written without dots).
    """
    if not name:
        return None
    head, _, tail = name.upper().partition(",")
    tokens = head.split() + [t for t in tail.replace(",", " ").split() if "." not in t]
    kept: list[str] = []
    for token in tokens:
        token = _APOSTROPHES.sub("", token)  # MA'RUF == MARUF
        if _NON_ALNUM.sub("", token) in NAME_TITLES:
            continue
        kept.extend(_NON_ALNUM.sub(" ", token).split())  # M.YUSUF == M. YUSUF
    return " ".join(kept) or None


def normalise_agency(agency: str | None) -> tuple[str | None, str] | None:
    """(kind, place) with kind kota / kabupaten / provinsi / None; None when no place is named.

    The same reading of an agency name as the enricher's agency matcher
    (netra.reference.agencies.kind_and_place): "Pemkot Surakarta", "Pemerintah Kota Surakarta"
    and "BKPSDM Kota Surakarta" all give ("kota", "SURAKARTA").
    """
    from netra.reference.agencies import kind_and_place

    return kind_and_place(agency)


def agency_relation(a: tuple[str | None, str] | None, b: tuple[str | None, str] | None) -> str:
    """"agency.same", "agency.missing" (either unknown) or "agency.different".

    Same place and, when both name a kind, the same kind: "Surakarta" matches "Kota
    Surakarta", but Kota Solok never matches Kabupaten Solok.
    """
    if a is None or b is None:
        return "agency.missing"
    (kind_a, place_a), (kind_b, place_b) = a, b
    if place_a != place_b or (kind_a and kind_b and kind_a != kind_b):
        return "agency.different"
    return "agency.same"


def nip_difference(a: str, b: str) -> str | None:
    """How two 18-digit NIPs differ, counting substitutions and adjacent transpositions.

    "nip.same", "nip.one_substitution", "nip.transposition", "nip.two_edits", or None when
    more than NIP_MAX_EDITS edits apart (another person). Insertions and deletions are not
    counted: both NIPs are 18 digits, a shifted one would be malformed.
    """
    if a == b:
        return "nip.same"
    if Hamming.distance(a, b) > 2 * NIP_MAX_EDITS:  # fast path: two edits touch at most four digits
        return None
    edits, transposed, i, n = 0, False, 0, len(a)
    while i < n:
        if a[i] == b[i]:
            i += 1
            continue
        if i + 1 < n and a[i] == b[i + 1] and a[i + 1] == b[i]:
            transposed, i = True, i + 2  # one swap explains two differing digits
        else:
            i += 1
        edits += 1
    if edits == 1:
        return "nip.transposition" if transposed else "nip.one_substitution"
    return "nip.two_edits" if edits <= NIP_MAX_EDITS else None


# --- fuzzy scoring ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Prepared:
    """One side of a fuzzy pair, normalised once and compared many times."""

    nip: str | None
    nip_problem: str | None
    name: str | None
    agency: tuple[str | None, str] | None


def _prepare(nip: str | None, name: str | None, agency: str | None) -> _Prepared:
    return _Prepared(*normalise_nip(nip), normalise_name(name), normalise_agency(agency))


def fuzzy_score(rec: Recommendation, san: Sanction,
                window_days: int = DEFAULT_LINK_WINDOW_DAYS) -> tuple[float, tuple[str, ...]] | None:
    """Score (rounded to 3 decimals) and reasons for one pair, or None if it is not a fuzzy candidate."""
    return _score(rec, _prepare(rec.nip, rec.name, rec.agency), san, _prepare(san.nip, san.name, san.agency),
                  window_days)


def _score(r: Recommendation, rp: _Prepared, s: Sanction, sp: _Prepared,
           window_days: int = DEFAULT_LINK_WINDOW_DAYS) -> tuple[float, tuple[str, ...]] | None:
    if not in_window(r.issued_on, s.decree_date, window_days) or rp.name is None or sp.name is None:
        return None  # the fuzzy step needs a name on both sides ("name similar")
    agency = agency_relation(rp.agency, sp.agency)
    if rp.nip and sp.nip:
        nip = nip_difference(rp.nip, sp.nip)
        if nip is None:
            return None  # two usable NIPs that far apart belong to two people
    elif agency == "agency.same":
        nip = sp.nip_problem or rp.nip_problem
    else:
        return None  # no NIP to compare and no agency to confirm: a name alone is never enough
    similarity = fuzz.token_sort_ratio(rp.name, sp.name) / 100
    name = "name.same" if similarity == 1 else ("name.similar" if similarity >= NAME_SIMILAR else "name.dissimilar")
    score = W_NIP * NIP_EVIDENCE[nip] + W_NAME * similarity + (W_AGENCY if agency == "agency.same" else 0.0)
    if agency == "agency.different":
        score = min(score, AGENCY_MISMATCH_CAP)
    # Rounded before any comparison, so thresholds and tie-breaks never depend on float noise.
    return round(score, 3), (nip, name, agency)


#: Lowest name similarity (percent) with which a pair *without* a usable NIP can still reach
#: FUZZY_REVIEW (same agency being required there); 0.5 points of margin for the rounding.
_NAME_FLOOR_WITHOUT_NIP = 100 * (FUZZY_REVIEW - W_NIP * max(NIP_EVIDENCE["nip.missing"], NIP_EVIDENCE["nip.malformed"])
                                 - W_AGENCY) / W_NAME - 0.5


@dataclass
class _Bucket:
    """The fuzzy-eligible sanctions of one place (or of unknown agency), as parallel lists for rapidfuzz."""

    nips: list[str]  # usable NIPs ...
    nip_members: list[int]  # ... and the sanctions they belong to
    names: list[str]  # every sanction's name ...
    members: list[int]
    no_nip_names: list[str]  # names of the sanctions without a usable NIP ...
    no_nip_members: list[int]


def _near_nips(nip: str, bucket: _Bucket | None) -> list[int]:
    """Sanctions in `bucket` whose NIP is at most four digits off: two edits change at most four.

    rapidfuzz compares the whole bucket in its C loop, not pair by pair in Python.
    """
    if bucket is None:
        return []
    hits = process.extract(nip, bucket.nips, scorer=Hamming.distance, processor=None,
                           score_cutoff=2 * NIP_MAX_EDITS, limit=None)
    return [bucket.nip_members[i] for _choice, _distance, i in hits]


def _similar_names(name: str, names: list[str], members: list[int]) -> list[int]:
    """Members whose name is at least _NAME_FLOOR_WITHOUT_NIP similar (same C loop)."""
    hits = process.extract(name, names, scorer=fuzz.token_sort_ratio, processor=None,
                           score_cutoff=_NAME_FLOOR_WITHOUT_NIP, limit=None)
    return [members[i] for _choice, _similarity, i in hits]


def _fuzzy_candidates(recs: list[Recommendation], sans: list[Sanction],
                      window_days: int = DEFAULT_LINK_WINDOW_DAYS) -> list[tuple]:
    """All (score, reasons, rec, sanction) with score >= FUZZY_REVIEW, without scoring all pairs.

    Buckets and scans only narrow the search, `_score` decides; they never drop a pair that
    could reach FUZZY_REVIEW (tests compare them with a full comparison):
    - a different agency never can, so a recommendation with a known agency only meets the
      sanctions of its place and those of unknown agency (one bucket each);
    - two usable NIPs must be at most four digits apart (Hamming), else they are more than
      NIP_MAX_EDITS substitutions/transpositions apart;
    - without a usable NIP the agency must be the same and the name at least
      _NAME_FLOOR_WITHOUT_NIP similar.
    """
    prepared = [(s, _prepare(s.nip, s.name, s.agency)) for s in sans]
    prepared = [(s, p) for s, p in prepared if p.name is not None]  # no name, no fuzzy match
    everywhere = _Bucket([], [], [], [], [], [])  # for recommendations of unknown agency
    by_place: dict[str | None, _Bucket] = {}
    for k, (_s, p) in enumerate(prepared):
        place = p.agency[1] if p.agency else None
        for bucket in (by_place.setdefault(place, _Bucket([], [], [], [], [], [])), everywhere):
            bucket.names.append(p.name)
            bucket.members.append(k)
            if p.nip:
                bucket.nips.append(p.nip)
                bucket.nip_members.append(k)
            else:
                bucket.no_nip_names.append(p.name)
                bucket.no_nip_members.append(k)

    out = []
    for r in recs:
        rp = _prepare(r.nip, r.name, r.agency)
        if rp.name is None:
            continue
        place = rp.agency[1] if rp.agency else None
        found: set[int] = set()
        here = by_place.get(place) if place is not None else None
        if rp.nip and place is None:
            found.update(_near_nips(rp.nip, everywhere))
        elif rp.nip:
            found.update(_near_nips(rp.nip, here))
            found.update(_near_nips(rp.nip, by_place.get(None)))
            if here:
                found.update(_similar_names(rp.name, here.no_nip_names, here.no_nip_members))
        elif here:
            found.update(_similar_names(rp.name, here.names, here.members))
        for k in found:
            s, sp = prepared[k]
            scored = _score(r, rp, s, sp, window_days)
            if scored is not None and scored[0] >= FUZZY_REVIEW:
                out.append((scored[0], scored[1], r, s))
    return out


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
