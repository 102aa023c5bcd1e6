"""The fuzzy step of the link ladder and the normalisation it needs (DESIGN.md §6), pure and deterministic.

Split from netra/reconcile/rules.py (which re-exports what callers use) so each module has one job:
rules.py the ladder, eligibility, status and severity; this one how alike a recommendation and a
sanction are. The ladder's window is here too, because both the `nip` and the `fuzzy` step use it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Hamming

from netra.contracts.vocabulary import DEFAULT_LINK_WINDOW_DAYS, LINK_WINDOW_BEFORE_DAYS

if TYPE_CHECKING:  # pragma: no cover
    from netra.reconcile.cases import Recommendation, Sanction

#: `nip` (and `fuzzy`) link window opens this long before issued_on.
NIP_WINDOW_BEFORE = timedelta(days=LINK_WINDOW_BEFORE_DAYS)


def in_window(issued_on: date, decree_date: date, window_days: int = DEFAULT_LINK_WINDOW_DAYS) -> bool:
    """[issued_on - 7 d, issued_on + window_days], both ends included (DESIGN.md §6)."""
    return issued_on - NIP_WINDOW_BEFORE <= decree_date <= issued_on + timedelta(days=window_days)




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


@lru_cache(maxsize=1 << 18)
def _prepare(nip: str | None, name: str | None, agency: str | None) -> _Prepared:
    """One side of a pair, normalised (cached: the same NIP, name and agency come back pair after pair)."""
    return _Prepared(*normalise_nip(nip), normalise_name(name), normalise_agency(agency))


def forget_prepared() -> None:
    """Empty `_prepare`'s cache (what a reconcile does after its link step, to give the memory back)."""
    _prepare.cache_clear()


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
        nip = sp.nip_problem or rp.nip_problem  # one side has no usable NIP, so it names the problem
        assert nip is not None
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
        assert p.name is not None  # filtered above
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
